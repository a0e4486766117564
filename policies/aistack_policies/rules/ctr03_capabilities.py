"""CTR-03: drop ALL capabilities; add only allowed ones."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from ..core import (
    DOCKER,
    KUBERNETES,
    MANDATORY,
    ConfigOption,
    Findings,
    ResourceRule,
    RuleConfig,
    cis_docker,
    pss,
)
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, get

# Allowed without any config: the one capability the PSS restricted profile permits.
BASELINE_ALLOWED = frozenset({"NET_BIND_SERVICE"})


def normalize(cap: str) -> str:
    cap = str(cap).strip().upper()
    return cap[4:] if cap.startswith("CAP_") else cap


def _check(
    drop_path: str, drops: Iterable[str], add_path: str, adds: Iterable[str], config: RuleConfig, out: Findings
) -> None:
    dropped = {normalize(c) for c in drops}
    if "ALL" not in dropped:
        shown = ", ".join(sorted(dropped)) or "nothing"
        out.fail(drop_path, f"must contain ALL (got {shown})")
    extra = {normalize(c) for c in config["allowedCapabilities"]}
    for i, cap in enumerate(adds):
        name = normalize(cap)
        where = f"{add_path}[{i}]"
        if name in BASELINE_ALLOWED:
            continue
        if name in extra:
            out.waive(where, f"{name} is allowed by allowedCapabilities")
        else:
            allowed = ", ".join(sorted(BASELINE_ALLOWED | extra))
            out.fail(where, f"{name} is not allowed (allowed: {allowed}; extend allowedCapabilities to add more)")


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    caps = as_map(subject.props.get("capabilities"))
    drops = [str(c) for c in as_list(caps.get("drops"))]
    adds = [str(c) for c in as_list(caps.get("adds"))]
    _check("capabilities.drops", drops, "capabilities.adds", adds, config, out)


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        caps = as_map(get(c.spec, "securityContext", "capabilities"))
        base = f"{c.path}.securityContext.capabilities"
        drops = [str(x) for x in as_list(caps.get("drop"))]
        adds = [str(x) for x in as_list(caps.get("add"))]
        _check(f"{base}.drop", drops, f"{base}.add", adds, config, out)


RULE = ResourceRule(
    id="CTR-03",
    title="Minimal Linux capabilities",
    description="Containers must drop ALL capabilities and add back only allowed ones.",
    remediation=(
        "Set `capabilities.drops: [ALL]` (Docker) or `securityContext.capabilities.drop: [ALL]` "
        "(Kubernetes) and add back only NET_BIND_SERVICE; list any other capability a workload really "
        "needs in the `allowedCapabilities` config."
    ),
    benchmarks=(cis_docker("5.4"), pss("restricted: Capabilities")),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowedCapabilities",
            "array",
            [],
            "Capabilities that may be added besides NET_BIND_SERVICE (with or without `CAP_`); "
            "each use is reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
