"""NET-01: on a workstation only the gateway publishes ports, and only on 127.0.0.1.

A resource rule rather than a stack rule: it needs nothing but the container's own labels and ports,
and resource rules see inputs during preview, before anything is exposed.
"""

from __future__ import annotations

from pulumi_policy import Severity

from ..conventions import LABEL_ROLE, ROLE_GATEWAY
from ..core import DOCKER, MANDATORY, ConfigOption, Findings, ResourceRule, RuleConfig, aistack
from ..docker import port_ip, role
from ..subject import Kind, Subject
from ..values import as_list, as_map, fmt, is_true

DEFAULT_ROLES = frozenset({ROLE_GATEWAY})
DEFAULT_ADDRESSES = frozenset({"127.0.0.1"})


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    props = subject.props
    ports = [as_map(p) for p in as_list(props.get("ports"))]
    publish_all = is_true(props.get("publishAllPorts"))
    if not ports and not publish_all:
        return
    r = role(props)
    if r not in config["publishingRoles"]:
        out.fail("ports", f"only the gateway publishes ports ({LABEL_ROLE} is {fmt(r or None)})")
        return
    if r not in DEFAULT_ROLES:
        out.waive("ports", f"role {r!r} is allowed to publish by publishingRoles")
    if publish_all:
        out.fail("publishAllPorts", "must not be true: publish each port on 127.0.0.1 instead")
    for i, port in enumerate(ports):
        ip = port_ip(port)
        if ip in DEFAULT_ADDRESSES:
            continue
        if ip in config["allowedBindAddresses"]:
            out.waive(f"ports[{i}].ip", f"{ip} is allowed by allowedBindAddresses")
        else:
            out.fail(f"ports[{i}].ip", f"must be 127.0.0.1 (got {ip}{', the default' if not port.get('ip') else ''})")


RULE = ResourceRule(
    id="NET-01",
    title="Workstation exposure",
    description="On a Docker workstation only the gateway publishes ports, and only on 127.0.0.1.",
    remediation=(
        "Remove `ports` from inference, web UI and monitoring containers (they are reached through "
        "the gateway on the stack network) and publish the gateway with `ip: 127.0.0.1`."
    ),
    benchmarks=(aistack("gateway-only exposure on workstations"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER,),
    config=(
        ConfigOption(
            "publishingRoles",
            "array",
            [ROLE_GATEWAY],
            "Roles allowed to publish ports; roles other than gateway are reported as waived.",
        ),
        ConfigOption(
            "allowedBindAddresses",
            "array",
            ["127.0.0.1"],
            "Host addresses ports may be published on; addresses other than 127.0.0.1 are reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker},
)
