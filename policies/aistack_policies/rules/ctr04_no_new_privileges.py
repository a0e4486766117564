"""CTR-04: no privilege escalation (no-new-privileges / allowPrivilegeEscalation: false)."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..docker import security_opts
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import fmt


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    opts = [o for o in security_opts(subject.props) if o.key == "no-new-privileges"]
    if not opts:
        out.fail("securityOpts", 'must contain "no-new-privileges"')
    for o in opts:
        if o.value not in ("", "true"):
            out.fail(o.path, f'no-new-privileges must be enabled (got "{o.value}")')


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        value = c.security_context.get("allowPrivilegeEscalation")
        if value is not False:
            got = "unset, which defaults to true" if value is None else f"got {fmt(value)}"
            out.fail(f"{c.path}.securityContext.allowPrivilegeEscalation", f"must be false ({got})")


RULE = ResourceRule(
    id="CTR-04",
    title="No privilege escalation",
    description="Processes must not gain privileges through setuid binaries or file capabilities.",
    remediation=(
        'Add `"no-new-privileges"` to `securityOpts` (Docker) or set '
        "`securityContext.allowPrivilegeEscalation: false` on every container (Kubernetes)."
    ),
    benchmarks=(cis_docker("5.26"), pss("restricted: Privilege Escalation")),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
