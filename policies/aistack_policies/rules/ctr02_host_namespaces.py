"""CTR-02: no host namespaces (network, PID, IPC, user, cgroup)."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import is_true

# pulumi-docker 5.x has no utsMode input, so CIS 5.21 (UTS) cannot be set through it.
DOCKER_MODES = ("networkMode", "pidMode", "ipcMode", "usernsMode", "cgroupnsMode")
POD_FLAGS = ("hostNetwork", "hostPID", "hostIPC")


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for key in DOCKER_MODES:
        value = subject.props.get(key)
        if isinstance(value, str) and value.strip().lower() == "host":
            out.fail(key, f'must not be "host" (got "{value}")')


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for key in POD_FLAGS:
        if is_true(pod.spec.get(key)):
            out.fail(pod.field(key), "must be false (got true)")


RULE = ResourceRule(
    id="CTR-02",
    title="No host namespaces",
    description="Containers must not share the host's network, PID, IPC, user or cgroup namespace.",
    remediation=(
        "Drop `networkMode/pidMode/ipcMode/usernsMode/cgroupnsMode: host` (Docker) or "
        "`hostNetwork/hostPID/hostIPC` (Kubernetes); attach to a user-defined network and publish "
        "only the gateway port. For vLLM shared memory use `shmSize` or a memory-backed /dev/shm (GPU-02)."
    ),
    benchmarks=(
        cis_docker("5.10, 5.16, 5.17, 5.21, 5.31"),
        pss("baseline: Host Namespaces"),
    ),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
