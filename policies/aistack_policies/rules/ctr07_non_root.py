"""CTR-07: containers run as a non-root user."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..docker import workload
from ..exemptions import exempt_images_option, exempt_workloads_option, exemption
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_number, fmt

ROOT_NAMES = frozenset({"root", "0"})


def docker_user_problem(user: object) -> str | None:
    """Why a Docker ``user`` ("name", "uid", "uid:gid") runs as root, or None if it does not."""
    if user is None or str(user).strip() == "":
        return "must be set to a non-root user, e.g. 10001:10001 (unset runs the image's default user, often root)"
    name = str(user).strip().split(":", 1)[0].strip()
    if name in ROOT_NAMES:
        return f"must not be root (got {fmt(str(user))})"
    return None


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    problem = docker_user_problem(subject.props.get("user"))
    if problem is None:
        return
    waiver = exemption(config, workload(subject.props), lambda: subject.props.get("image"))
    if waiver:
        out.waive("user", f"root allowed: {waiver}")
    else:
        out.fail("user", problem)


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        problems = []
        non_root, where_nr = pod.effective(c, "runAsNonRoot")
        if non_root is not True:
            got = "unset" if non_root is None else f"got {fmt(non_root)}"
            problems.append((where_nr, f"must be true, on the container or the pod ({got})"))
        uid, where_uid = pod.effective(c, "runAsUser")
        if uid is not None and as_number(uid) == 0:
            problems.append((where_uid, "must not be 0"))
        if not problems:
            continue
        waiver = exemption(config, pod.workload, c.image)
        for where, message in problems:
            if waiver:
                out.waive(where, f"root allowed: {waiver}")
            else:
                out.fail(where, message)


RULE = ResourceRule(
    id="CTR-07",
    title="Run as non-root",
    description="Containers must run as a non-root user.",
    remediation=(
        "Set `user` to a numeric non-root UID:GID (Docker) or `securityContext.runAsNonRoot: true` "
        "with a non-zero `runAsUser` (Kubernetes). Images that must start as root go in "
        "`exemptImages` / `exemptWorkloads`."
    ),
    benchmarks=(cis_docker("4.1"), pss("restricted: Running as Non-root, Running as Non-root user")),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    config=(
        exempt_images_option("the non-root requirement"),
        exempt_workloads_option("the non-root requirement"),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
