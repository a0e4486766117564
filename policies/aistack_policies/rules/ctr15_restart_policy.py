"""CTR-15: an explicit restart policy; on-failure retries are bounded."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import ADVISORY, DOCKER, ConfigOption, Findings, ResourceRule, RuleConfig, cis_docker
from ..subject import Kind, Subject
from ..values import as_number, fmt

POLICIES = frozenset({"no", "on-failure", "always", "unless-stopped"})


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    restart = subject.props.get("restart")
    if restart is None or str(restart).strip() == "":
        out.fail("restart", 'must be set explicitly (unset means "no")')
        return
    restart = str(restart).strip()
    if restart not in POLICIES:
        out.fail("restart", f"must be one of {', '.join(sorted(POLICIES))} (got {fmt(restart)})")
        return
    if restart == "on-failure":
        limit = config["maxRetryCount"]
        retries = as_number(subject.props.get("maxRetryCount"))
        if retries is None or retries <= 0 or retries > limit:
            got = "unset, which retries forever" if retries is None else f"got {fmt(retries)}"
            out.fail("maxRetryCount", f"must be between 1 and {limit} with on-failure ({got})")


RULE = ResourceRule(
    id="CTR-15",
    title="Restart policy",
    description="Containers must have an explicit restart policy; on-failure must bound its retries.",
    remediation=(
        'Set `restart` ("unless-stopped" for servers, "no" for one-shot jobs) or use "on-failure" '
        "with `maxRetryCount` of at most the configured bound."
    ),
    benchmarks=(cis_docker("5.15"),),
    level=ADVISORY,
    severity=Severity.LOW,
    targets=(DOCKER,),
    config=(ConfigOption("maxRetryCount", "integer", 5, "Upper bound for `maxRetryCount` with on-failure."),),
    checks={Kind.DOCKER_CONTAINER: check_docker},
)
