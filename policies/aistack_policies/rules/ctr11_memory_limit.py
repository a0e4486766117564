"""CTR-11: a memory limit on every container."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker
from ..k8s import parse_quantity, require_pod
from ..subject import Kind, Subject
from ..values import as_number, fmt


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    value = subject.props.get("memory")
    number = as_number(value)
    if number is None or number <= 0:
        got = "unset" if value is None else f"got {fmt(value)}"
        out.fail("memory", f"must be a limit in MB greater than 0 ({got})")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers("initContainers", "containers"):
        value = c.resources("limits").get("memory")
        number = parse_quantity(value) if value is not None else None
        if number is None or number <= 0:
            got = "unset" if value is None else f"got {fmt(value)}"
            out.fail(f"{c.path}.resources.limits.memory", f"must be set ({got})")


RULE = ResourceRule(
    id="CTR-11",
    title="Memory limit",
    description="Every container must have a memory limit.",
    remediation=(
        "Set `memory` (MB) on the container (Docker) or `resources.limits.memory` on every container "
        "and init container (Kubernetes), sized from the model plus KV cache."
    ),
    benchmarks=(cis_docker("5.11"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
