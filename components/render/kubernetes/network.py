"""The NetworkPolicy graph, derived from each workload's `allowed_from`: default deny, then exactly the edges the
platform uses (ingress controller -> gateway, gateway -> backends, monitoring -> metrics ports). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...spec import Workload
from .pod import selector

PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]
FETCH_SELECTOR = {"aistack.dev/role": "model-fetch"}


@dataclass(frozen=True)
class Peers:
    """Where the sources that are not our own workloads live."""

    ingress_namespace: str
    monitoring_namespace: str
    prometheus_labels: tuple[tuple[str, str], ...] = (("app.kubernetes.io/name", "prometheus"),)
    monitoring_ports: tuple[int, ...] = ()  # ports the gateway reaches in the monitoring namespace (UI routes)


def _ns(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _ports(ports) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in sorted(set(ports))]


def _peer(source: str, by_name: dict[str, Workload], peers: Peers) -> dict[str, Any]:
    if source == "ingress":
        return _ns(peers.ingress_namespace)
    if source == "prometheus":
        return {**_ns(peers.monitoring_namespace), "podSelector": {"matchLabels": dict(peers.prometheus_labels)}}
    return {"podSelector": {"matchLabels": selector(by_name[source])}}


def _ports_for(target: Workload, source: str) -> list[int]:
    if source == "prometheus" and target.metrics is not None:
        return [target.metrics.port]
    return [p.port for p in target.ports]


def network_policies(workloads: list[Workload], peers: Peers) -> list[tuple[str, dict[str, Any]]]:
    """(name, spec) of every NetworkPolicy, sorted by name: deterministic output."""
    by_name = {w.name: w for w in workloads}
    unknown = sorted({s for w in workloads for s in w.allowed_from} - set(by_name) - {"ingress", "prometheus"})
    if unknown:
        raise ValueError(f"allowed_from names workloads that are not deployed: {', '.join(unknown)}")
    policies: dict[str, dict[str, Any]] = {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }],
        },
    }
    egress: dict[str, list[dict[str, Any]]] = {}
    for target in workloads:
        rules = []
        for source in target.allowed_from:
            ports = _ports_for(target, source)
            if not ports:
                continue
            rules.append({"from": [_peer(source, by_name, peers)], "ports": _ports(ports)})
            if source in by_name:
                egress.setdefault(source, []).append({"to": [{"podSelector": {"matchLabels": selector(target)}}], "ports": _ports(ports)})
        if rules:
            policies[f"{target.name}-ingress"] = {"podSelector": {"matchLabels": selector(target)}, "policyTypes": ["Ingress"], "ingress": rules}
    internet = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}], "ports": _ports([443])}
    for w in workloads:
        rules = list(egress.get(w.name, []))
        if w.role == "gateway" and peers.monitoring_ports:
            rules.append({"to": [_ns(peers.monitoring_namespace)], "ports": _ports(peers.monitoring_ports)})
        if w.egress_internet:
            rules.append(internet)
        if rules:
            policies[f"{w.name}-egress"] = {"podSelector": {"matchLabels": selector(w)}, "policyTypes": ["Egress"], "egress": rules}
    policies["model-fetch-egress"] = {"podSelector": {"matchLabels": dict(FETCH_SELECTOR)}, "policyTypes": ["Egress"], "egress": [internet]}
    return sorted(policies.items())
