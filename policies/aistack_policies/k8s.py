"""Reading Kubernetes pod specs out of Pod and every workload template (pulumi-kubernetes 4.x).

``pod_view`` finds the pod template of a Pod, PodTemplate, Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job (``spec.template``) or CronJob
(``spec.jobTemplate.spec.template``). Paths in messages are the object's own property paths
(``spec.template.spec.containers[0](vllm).securityContext.privileged``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .conventions import LABEL_ROLE, LABEL_WORKLOAD
from .subject import POD_TEMPLATE_PATHS, Subject
from .values import as_list, as_map, get

BATCH_KINDS = frozenset({"Job", "CronJob"})

GPU_RESOURCE_PATTERNS = (
    re.compile(r"^nvidia\.com/gpu$"),
    re.compile(r"^nvidia\.com/mig-.+$"),
    re.compile(r"^amd\.com/gpu$"),
    re.compile(r"^gpu\.intel\.com/.+$"),
)


@dataclass(frozen=True)
class ContainerView:
    path: str  # "spec.template.spec.containers[0](vllm)"
    group: str  # "containers", "initContainers" or "ephemeralContainers"
    name: str
    spec: Mapping[str, Any]

    @property
    def security_context(self) -> Mapping[str, Any]:
        return as_map(self.spec.get("securityContext"))

    @property
    def image(self) -> str:
        return str(self.spec.get("image") or "")

    def resources(self, section: str) -> Mapping[str, Any]:
        return as_map(get(self.spec, "resources", section))

    def gpu_resources(self) -> dict[str, dict[str, Any]]:
        """GPU extended resources by section: ``{"limits": {"nvidia.com/gpu": "1"}, "requests": {}}``."""
        out: dict[str, dict[str, Any]] = {}
        for section in ("limits", "requests"):
            out[section] = {
                str(k): v
                for k, v in self.resources(section).items()
                if any(p.match(str(k)) for p in GPU_RESOURCE_PATTERNS)
            }
        return out

    def uses_gpu(self) -> bool:
        res = self.gpu_resources()
        return bool(res["limits"] or res["requests"])


@dataclass(frozen=True)
class PodView:
    kind: str
    path: str  # path of the pod spec, e.g. "spec.template.spec"
    meta_path: str  # path of the pod template metadata
    spec: Mapping[str, Any]
    metadata: Mapping[str, Any]
    namespace: str

    @property
    def labels(self) -> Mapping[str, Any]:
        return as_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> Mapping[str, Any]:
        return as_map(self.metadata.get("annotations"))

    @property
    def role(self) -> str:
        return str(self.labels.get(LABEL_ROLE) or "")

    @property
    def workload(self) -> str:
        return str(self.labels.get(LABEL_WORKLOAD) or "")

    @property
    def is_batch(self) -> bool:
        return self.kind in BATCH_KINDS

    @property
    def security_context(self) -> Mapping[str, Any]:
        return as_map(self.spec.get("securityContext"))

    def field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def containers(self, *groups: str) -> Iterator[ContainerView]:
        groups = groups or ("initContainers", "containers", "ephemeralContainers")
        for group in groups:
            for i, c in enumerate(as_list(self.spec.get(group))):
                c = as_map(c)
                name = str(c.get("name") or "")
                label = f"{self.field(group)}[{i}]" + (f"({name})" if name else "")
                yield ContainerView(label, group, name, c)

    def volumes(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for i, v in enumerate(as_list(self.spec.get("volumes"))):
            v = as_map(v)
            name = str(v.get("name") or "")
            yield f"{self.field('volumes')}[{i}]" + (f"({name})" if name else ""), v

    def effective(self, container: ContainerView, key: str) -> tuple[Any, str]:
        """A security-context value that the container may override from the pod, and where it is set."""
        c = container.security_context
        if c.get(key) is not None:
            return c[key], f"{container.path}.securityContext.{key}"
        p = self.security_context
        if p.get(key) is not None:
            return p[key], f"{self.field('securityContext')}.{key}"
        return None, f"{container.path}.securityContext.{key}"


def pod_view(subject: Subject) -> PodView | None:
    kind = subject.k8s_kind
    if kind not in POD_TEMPLATE_PATHS:
        return None
    tpl_path = POD_TEMPLATE_PATHS[kind]
    template = get(subject.props, *tpl_path) if tpl_path else subject.props
    template = as_map(template)
    prefix = ".".join(tpl_path)
    return PodView(
        kind=kind,
        path=f"{prefix}.spec" if prefix else "spec",
        meta_path=f"{prefix}.metadata" if prefix else "metadata",
        spec=as_map(template.get("spec")),
        metadata=as_map(template.get("metadata")),
        namespace=subject.namespace,
    )


def require_pod(subject: Subject) -> PodView:
    pod = pod_view(subject)
    if pod is None:  # classify() only sends workload kinds here
        raise AssertionError(f"not a workload: {subject.type}")
    return pod


_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([A-Za-z]*)$")
_SUFFIX = {
    "": 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


def parse_quantity(value: Any) -> float | None:
    """A Kubernetes resource quantity ("8Gi", "500m", 2.0) as a number; None if unparseable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _QUANTITY.match(str(value).strip())
    if not m or m.group(2) not in _SUFFIX:
        return None
    try:
        return float(m.group(1)) * _SUFFIX[m.group(2)]
    except ValueError:
        return None


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against a label set; empty selects all."""
    for k, v in as_map(selector.get("matchLabels")).items():
        if str(labels.get(k)) != str(v) or k not in labels:
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_map(expr)
        key, op = str(expr.get("key") or ""), str(expr.get("operator") or "")
        values = {str(v) for v in as_list(expr.get("values"))}
        present = key in labels
        value = str(labels.get(key)) if present else None
        if op == "In" and not (present and value in values):
            return False
        if op == "NotIn" and present and value in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def map_selector_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A plain map selector (Service ``spec.selector``); an empty one selects nothing."""
    if not selector:
        return False
    return all(k in labels and str(labels[k]) == str(v) for k, v in selector.items())
