"""CTR-09: mount propagation is never shared with the host."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker
from ..docker import binds
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map

SHARED = frozenset({"shared", "rshared"})


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for b in binds(subject.props):
        if b.propagation.lower() in SHARED:
            out.fail(f"{b.path}.bindOptions.propagation", f'must not be shared or rshared (got "{b.propagation}")')


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        for i, mount in enumerate(as_list(c.spec.get("volumeMounts"))):
            value = as_map(mount).get("mountPropagation")
            if value == "Bidirectional":
                out.fail(f"{c.path}.volumeMounts[{i}].mountPropagation", 'must not be "Bidirectional"')


RULE = ResourceRule(
    id="CTR-09",
    title="No shared mount propagation",
    description="Mounts must not propagate back to the host (shared/rshared, Bidirectional).",
    remediation=(
        "Drop `bindOptions.propagation: shared|rshared` (Docker) or `mountPropagation: Bidirectional` "
        "(Kubernetes); the default private propagation is what inference workloads need."
    ),
    benchmarks=(cis_docker("5.20"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
