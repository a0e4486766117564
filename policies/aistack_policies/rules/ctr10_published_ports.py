"""CTR-10: published ports are bound to an explicit address; no hostPort."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..docker import WILDCARD_ADDRESSES, port_ip
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, fmt, is_set, is_true


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    if is_true(subject.props.get("publishAllPorts")):
        out.fail("publishAllPorts", "must not be true: it publishes every exposed port on all interfaces")
    for i, port in enumerate(as_list(subject.props.get("ports"))):
        port = as_map(port)
        ip = port_ip(port)
        if ip in WILDCARD_ADDRESSES:
            got = "unset, which means 0.0.0.0" if not is_set(port.get("ip")) else f'got "{ip}"'
            out.fail(
                f"ports[{i}].ip",
                f"port {fmt(port.get('internal'))} must be published on an explicit address such as 127.0.0.1 ({got})",
            )


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        for i, port in enumerate(as_list(c.spec.get("ports"))):
            host_port = as_map(port).get("hostPort")
            if is_set(host_port):
                out.fail(f"{c.path}.ports[{i}].hostPort", f"must not be set (got {fmt(host_port)}); expose through a Service")


RULE = ResourceRule(
    id="CTR-10",
    title="No ports on all interfaces",
    description="Published ports must be bound to an explicit host address; pods use no hostPort.",
    remediation=(
        "Give every `ports[]` entry an `ip` (127.0.0.1 on a workstation) and drop `publishAllPorts` "
        "(Docker); remove `hostPort` and expose pods through a Service (Kubernetes)."
    ),
    benchmarks=(cis_docker("5.14, 5.8"), pss("baseline: Host Ports")),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
