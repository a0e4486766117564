"""CTR-01: no privileged containers."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import get, is_true


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    if is_true(subject.props.get("privileged")):
        out.fail("privileged", "must not be true (got true)")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        if is_true(c.security_context.get("privileged")):
            out.fail(f"{c.path}.securityContext.privileged", "must not be true (got true)")
        host_process, where = pod.effective(c, "windowsOptions")
        if is_true(get(host_process, "hostProcess")):
            out.fail(f"{where}.hostProcess", "must not be true (got true)")


RULE = ResourceRule(
    id="CTR-01",
    title="No privileged containers",
    description="Containers must not run privileged (nor as Windows host processes).",
    remediation=(
        "Remove `privileged: true`. Add only the capabilities the process needs (CTR-03) and request "
        "GPUs through `gpus` / `nvidia.com/gpu` instead of host devices."
    ),
    benchmarks=(cis_docker("5.5"), pss("baseline: Privileged Containers")),
    level=MANDATORY,
    severity=Severity.CRITICAL,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
