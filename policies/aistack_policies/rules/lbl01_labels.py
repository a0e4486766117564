"""LBL-01: every container and workload carries the aistack role and workload labels.

The stack rules (NET-01, MON-01, K8S-21, ...) find inference servers, the gateway and Prometheus by
these labels, so a missing label would silently take a resource out of their view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from ..conventions import LABEL_ROLE, LABEL_WORKLOAD, ROLES
from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, aistack
from ..docker import labels
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import fmt


def _check(prefix: str, found: Mapping[str, Any], out: Findings) -> None:
    role = found.get(LABEL_ROLE)
    if role not in ROLES:
        got = "missing" if role is None else f"got {fmt(role)}"
        out.fail(f"{prefix}[{LABEL_ROLE}]", f"must be one of {', '.join(ROLES)} ({got})")
    if not str(found.get(LABEL_WORKLOAD) or "").strip():
        out.fail(f"{prefix}[{LABEL_WORKLOAD}]", "must name the workload")


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    _check("labels", labels(subject.props), out)


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    _check(f"{pod.meta_path}.labels", pod.labels, out)


RULE = ResourceRule(
    id="LBL-01",
    title="Role and workload labels",
    description=f"Containers and pod templates carry {LABEL_ROLE} (a known role) and {LABEL_WORKLOAD}.",
    remediation=(
        f"Build containers and workloads through the aistack components, which set {LABEL_ROLE} and "
        f"{LABEL_WORKLOAD} on Docker containers and on pod templates."
    ),
    benchmarks=(aistack("labels"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
