"""CTR-18 (stack): containers on user-defined networks; default-deny ingress in every namespace.

A stack rule because the Kubernetes half needs every NetworkPolicy of the stack. Stack policies see
outputs; a resource whose outputs are still empty (a new resource during preview) makes the rule
report "can't run during preview" rather than pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import Severity

from ..core import (
    ADVISORY,
    DOCKER,
    KUBERNETES,
    RuleConfig,
    StackFindings,
    StackRule,
    cis_docker,
    require_known_props,
)
from ..k8s import pod_view
from ..subject import Kind, Subject
from ..values import as_list, as_map

DEFAULT_NETWORKS = frozenset({"bridge", "default"})


def docker_network_problem(props: Mapping[str, Any]) -> tuple[str, str] | None:
    mode = str(props.get("networkMode") or "").strip()
    names = [str(as_map(n).get("name") or "") for n in as_list(props.get("networksAdvanced"))]
    if mode.lower() == "none" or mode.lower().startswith("container:"):
        return None
    if mode.lower() == "host":
        return "networkMode", 'is "host"; attach the container to a user-defined network'
    for i, name in enumerate(names):
        if name.lower() in DEFAULT_NETWORKS | {"host"}:
            return f"networksAdvanced[{i}].name", f'"{name}" is not a user-defined network'
    if names:
        return None
    if mode and mode.lower() not in DEFAULT_NETWORKS:
        return None  # networkMode names a user-defined network
    return "networksAdvanced", "is empty, so the container sits on the default bridge; join a user-defined network"


def is_default_deny_ingress(policy: Mapping[str, Any]) -> bool:
    spec = as_map(policy.get("spec"))
    selector = as_map(spec.get("podSelector"))
    if as_map(selector.get("matchLabels")) or as_list(selector.get("matchExpressions")):
        return False
    types = [str(t) for t in as_list(spec.get("policyTypes"))]
    if not types:
        types = ["Ingress"]  # the API default when policyTypes is omitted
    return "Ingress" in types and not as_list(spec.get("ingress"))


def namespace_label(ns: str) -> str:
    return f"namespace {ns!r}" if ns else "the provider's default namespace"


def check(subjects: Sequence[Subject], config: RuleConfig, out: StackFindings) -> None:
    relevant = [s for s in subjects if s.kind in (Kind.DOCKER_CONTAINER, Kind.K8S_WORKLOAD, Kind.K8S_NETWORK_POLICY)]
    for s in relevant:
        require_known_props(s)

    for s in relevant:
        if s.kind is Kind.DOCKER_CONTAINER:
            problem = docker_network_problem(s.props)
            if problem:
                out.fail(s, *problem)
            else:
                out.in_scope(s)

    protected = {s.namespace for s in relevant if s.kind is Kind.K8S_NETWORK_POLICY and is_default_deny_ingress(s.props)}
    for s in relevant:
        if s.kind is not Kind.K8S_WORKLOAD or pod_view(s) is None:
            continue
        if s.namespace in protected:
            out.in_scope(s)
        else:
            out.fail(
                s,
                "metadata.namespace",
                f"{namespace_label(s.namespace)} has no default-deny NetworkPolicy "
                "(podSelector {}, policyTypes [Ingress], no ingress rules)",
            )


RULE = StackRule(
    id="CTR-18",
    title="Network isolation",
    description=(
        "Containers join user-defined networks, not the default bridge; every Kubernetes namespace "
        "with workloads has a default-deny ingress NetworkPolicy."
    ),
    remediation=(
        "Attach Docker containers through `networksAdvanced` to the stack's network. In each namespace "
        "add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress]` and no ingress rules, "
        "then allow the gateway -> inference paths explicitly."
    ),
    benchmarks=(cis_docker("5.30"),),
    level=ADVISORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    check=check,
)
