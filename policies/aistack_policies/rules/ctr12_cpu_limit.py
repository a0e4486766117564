"""CTR-12: CPU placement or shares on every container."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import ADVISORY, DOCKER, KUBERNETES, Findings, ResourceRule, RuleConfig, cis_docker
from ..k8s import parse_quantity, require_pod
from ..subject import Kind, Subject
from ..values import as_number, is_set


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    props = subject.props
    if is_set(props.get("cpuSet")):
        return
    if (as_number(props.get("cpus")) or 0) > 0 or (as_number(props.get("cpuShares")) or 0) > 0:
        return
    if (as_number(props.get("cpuQuota")) or 0) > 0:
        return
    out.fail("cpuSet", "set cpuSet (preferred: pin to the planner's cores), cpus or cpuShares")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers("initContainers", "containers"):
        # requests default to limits when only limits are given
        value = c.resources("requests").get("cpu") or c.resources("limits").get("cpu")
        number = parse_quantity(value) if value is not None else None
        if number is None or number <= 0:
            out.fail(f"{c.path}.resources.requests.cpu", "must be set")


RULE = ResourceRule(
    id="CTR-12",
    title="CPU allocation",
    description="Every container must have a CPU allocation (cpuset, CPU limit/shares or CPU request).",
    remediation=(
        "Set `cpuSet` from the placement plan (or `cpus` / `cpuShares`) on Docker containers and "
        "`resources.requests.cpu` on Kubernetes containers."
    ),
    benchmarks=(cis_docker("5.12"),),
    level=ADVISORY,
    severity=Severity.LOW,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
