"""Kubernetes manifests from captured resources, and their validation against the Kubernetes OpenAPI schemas.

The schemas come from the `kubernetes-validate` package (bundled, offline). Custom resources of the Prometheus
Operator are not in those schemas; `validate_custom` checks them against the fields the operator requires.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .capture import CapturedResource

# Kinds that are not objects in the cluster (Pulumi-side only) or are installed by Helm.
NOT_MANIFESTS = ("pulumi:providers:", "kubernetes:helm.sh/")
CUSTOM_API = "monitoring.coreos.com/v1"


@dataclass(frozen=True)
class Manifest:
    name: str  # Pulumi resource name
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.body["kind"]


def api_version_kind(token: str) -> tuple[str, str]:
    """`kubernetes:apps/v1:Deployment` -> ("apps/v1", "Deployment"); core types have no group."""
    _, group_version, kind = token.split(":")
    group, _, version = group_version.rpartition("/")
    return (version if group in ("core", "") else f"{group}/{version}"), kind


def _ints(value: Any) -> Any:
    """Mock captures carry numbers as floats (protobuf Struct); the API's integers are integers again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def manifests(resources: Iterable[CapturedResource]) -> list[Manifest]:
    out = []
    for r in resources:
        if not r.type.startswith("kubernetes:") or r.type.startswith(NOT_MANIFESTS):
            continue
        props = _ints(dict(r.props))
        if "apiVersion" in props and "kind" in props:  # CustomResource
            body = props
        else:
            api_version, kind = api_version_kind(r.type)
            body = {"apiVersion": api_version, "kind": kind, **props}
        if "stringData" in body:  # inputs may carry secrets as strings; the API accepts them as such
            body["stringData"] = {k: str(v) for k, v in body["stringData"].items()}
        out.append(Manifest(r.name, body))
    return out


def validate(manifest: Manifest, kubernetes_version: str = "1.33") -> list[str]:
    """Problems of one manifest against the API schema of that Kubernetes version (empty: valid)."""
    if manifest.body["apiVersion"] == CUSTOM_API:
        return validate_custom(manifest.body)
    import kubernetes_validate
    from kubernetes_validate.utils import ValidationError

    try:
        kubernetes_validate.validate(manifest.body, kubernetes_version, strict=True)
    except ValidationError as err:
        return [f"{manifest.kind}/{manifest.name}: {'.'.join(str(p) for p in err.path)}: {err.message}"]
    except kubernetes_validate.utils.SchemaNotFoundError as err:
        return [f"{manifest.kind}/{manifest.name}: no schema: {err}"]
    return []


# Required fields and allowed top-level spec keys of the operator's CRDs we use (monitoring.coreos.com/v1).
CUSTOM_SPECS = {
    "PodMonitor": ({"selector", "podMetricsEndpoints"}, {"selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel",
                                                          "podTargetLabels", "sampleLimit"}),
    "ServiceMonitor": ({"selector", "endpoints"}, {"selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels",
                                                   "sampleLimit"}),
    "PrometheusRule": ({"groups"}, {"groups"}),
}
ENDPOINT_KEYS = {"port", "portNumber", "targetPort", "path", "interval", "scrapeTimeout", "relabelings", "metricRelabelings", "scheme"}
RULE_KEYS = {"alert", "record", "expr", "for", "labels", "annotations", "keep_firing_for"}


def validate_custom(body: dict[str, Any]) -> list[str]:
    kind, spec = body.get("kind"), body.get("spec") or {}
    where = f"{kind}/{body.get('metadata', {}).get('name')}"
    if kind not in CUSTOM_SPECS:
        return [f"{where}: unknown custom kind"]
    required, allowed = CUSTOM_SPECS[kind]
    problems = [f"{where}: spec.{k} is required" for k in sorted(required - set(spec))]
    problems += [f"{where}: spec.{k} is not a field of {kind}" for k in sorted(set(spec) - allowed)]
    for key in ("podMetricsEndpoints", "endpoints"):
        for i, ep in enumerate(spec.get(key) or []):
            problems += [f"{where}: spec.{key}[{i}].{k} is not a field" for k in sorted(set(ep) - ENDPOINT_KEYS)]
    for g, group in enumerate(spec.get("groups") or []):
        for r, rule in enumerate(group.get("rules") or []):
            problems += [f"{where}: spec.groups[{g}].rules[{r}].{k} is not a field" for k in sorted(set(rule) - RULE_KEYS)]
            if "expr" not in rule or not ({"alert", "record"} & set(rule)):
                problems.append(f"{where}: spec.groups[{g}].rules[{r}] needs expr and alert or record")
    return problems
