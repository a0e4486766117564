"""CTR-06: read-only root filesystem (scratch space on tmpfs / emptyDir)."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker
from ..docker import workload
from ..exemptions import exempt_images_option, exempt_workloads_option, exemption
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import fmt


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    value = subject.props.get("readOnly")
    if value is True:
        return
    waiver = exemption(config, workload(subject.props), lambda: subject.props.get("image"))
    if waiver:
        out.waive("readOnly", f"writable root filesystem allowed: {waiver}")
    else:
        got = "unset, which defaults to false" if value is None else f"got {fmt(value)}"
        out.fail("readOnly", f"must be true ({got})")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        value = c.security_context.get("readOnlyRootFilesystem")
        if value is True:
            continue
        where = f"{c.path}.securityContext.readOnlyRootFilesystem"
        waiver = exemption(config, pod.workload, c.image)
        if waiver:
            out.waive(where, f"writable root filesystem allowed: {waiver}")
        else:
            got = "unset, which defaults to false" if value is None else f"got {fmt(value)}"
            out.fail(where, f"must be true ({got})")


RULE = ResourceRule(
    id="CTR-06",
    title="Read-only root filesystem",
    description="Containers must run with a read-only root filesystem; scratch space goes to tmpfs.",
    remediation=(
        "Set `readOnly: true` and mount writable scratch paths as tmpfs (Docker `tmpfs` or a `mounts` "
        "entry of type tmpfs), or `securityContext.readOnlyRootFilesystem: true` with emptyDir volumes "
        "(Kubernetes). Third-party images that cannot cope go in `exemptImages` / `exemptWorkloads`."
    ),
    benchmarks=(cis_docker("5.13"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    config=(
        exempt_images_option("the read-only root filesystem"),
        exempt_workloads_option("the read-only root filesystem"),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
