"""K8S-21: only the gateway is exposed outside the cluster, and only over TLS."""

from __future__ import annotations

from pulumi_policy import Severity

from ..conventions import LABEL_ROLE, ROLE_GATEWAY
from ..core import KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, aistack
from ..subject import Kind, Subject
from ..values import as_list, as_map, fmt, get

EXTERNAL_TYPES = frozenset({"LoadBalancer", "NodePort"})


def _is_gateway(subject: Subject) -> bool:
    selector = as_map(get(subject.props, "spec", "selector"))
    return ROLE_GATEWAY in (subject.metadata_labels.get(LABEL_ROLE), selector.get(LABEL_ROLE))


def check_service(subject: Subject, config: RuleConfig, out: Findings) -> None:
    spec = as_map(subject.props.get("spec"))
    kind = spec.get("type")
    if isinstance(kind, str) and kind in EXTERNAL_TYPES and not _is_gateway(subject):
        out.fail(
            "spec.type",
            f"{kind} is only allowed for the gateway (label or selector {LABEL_ROLE}={ROLE_GATEWAY}); use ClusterIP",
        )
    if as_list(spec.get("externalIPs")):
        out.fail("spec.externalIPs", "must not be set")


def _host_covered(host: str, tls_hosts: list[str]) -> bool:
    for pattern in tls_hosts:
        if pattern == host:
            return True
        if pattern.startswith("*.") and host.count(".") == pattern.count(".") and host.endswith(pattern[1:]):
            return True
    return False


def check_ingress(subject: Subject, config: RuleConfig, out: Findings) -> None:
    spec = as_map(subject.props.get("spec"))
    tls = [as_map(t) for t in as_list(spec.get("tls"))]
    if not tls:
        out.fail("spec.tls", "must be set: the Ingress serves plain HTTP")
        return
    tls_hosts = [str(h) for t in tls for h in as_list(t.get("hosts"))]
    if not tls_hosts:
        return  # one certificate for every host (the controller's default)
    for i, rule in enumerate(as_list(spec.get("rules"))):
        host = as_map(rule).get("host")
        if host and not _host_covered(str(host), tls_hosts):
            out.fail(f"spec.rules[{i}].host", f"{fmt(host)} is not covered by spec.tls[].hosts")


RULE = ResourceRule(
    id="K8S-21",
    title="Only the gateway is exposed, over TLS",
    description="Services are ClusterIP unless they front the gateway; every Ingress terminates TLS.",
    remediation=(
        "Use ClusterIP Services for inference, web UI and monitoring; expose only the gateway "
        "(LoadBalancer/NodePort or an Ingress) and give every Ingress a `tls` section covering its hosts."
    ),
    benchmarks=(aistack("exposure (external Services, Ingress TLS)"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(KUBERNETES,),
    checks={Kind.K8S_SERVICE: check_service, Kind.K8S_INGRESS: check_ingress},
)
