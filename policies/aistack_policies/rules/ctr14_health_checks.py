"""CTR-14: long-running containers have health checks / probes."""

from __future__ import annotations

from pulumi_policy import Severity

from ..conventions import ROLE_CONFIG, ROLE_MODEL_FETCH
from ..core import ADVISORY, DOCKER, KUBERNETES, Findings, ResourceRule, RuleConfig, cis_docker
from ..docker import role
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map

ONE_SHOT_ROLES = (ROLE_MODEL_FETCH, ROLE_CONFIG)


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    if role(subject.props) in ONE_SHOT_ROLES:
        out.not_applicable(f"one-shot {role(subject.props)} container")
    tests = [str(t) for t in as_list(as_map(subject.props.get("healthcheck")).get("tests"))]
    if not tests:
        out.fail("healthcheck.tests", "must be set (e.g. CMD curl -fsS http://127.0.0.1:8080/health)")
    elif tests[0].upper() == "NONE":
        out.fail("healthcheck.tests", "must not disable the health check (got NONE)")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    if pod.is_batch or pod.role in ONE_SHOT_ROLES:
        out.not_applicable(f"{pod.kind} runs to completion")
    for c in pod.containers("containers"):
        if not c.spec.get("readinessProbe"):
            out.fail(f"{c.path}.readinessProbe", "must be set")
        if not (c.spec.get("livenessProbe") or c.spec.get("startupProbe")):
            out.fail(f"{c.path}.livenessProbe", "must be set (or a startupProbe)")


RULE = ResourceRule(
    id="CTR-14",
    title="Health checks",
    description="Long-running containers must declare a health check (readiness and liveness probes).",
    remediation=(
        "Set `healthcheck.tests` (Docker) or `readinessProbe` plus `livenessProbe`/`startupProbe` "
        "(Kubernetes) against the server's health endpoint; give model loading a generous start period."
    ),
    benchmarks=(cis_docker("5.27, 4.6"),),
    level=ADVISORY,
    severity=Severity.LOW,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
