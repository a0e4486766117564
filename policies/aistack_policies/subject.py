"""One resource as every rule sees it, whichever way it reached us.

A ``Subject`` is built from a ``ResourceValidationArgs`` (inputs, during preview and update), from a
stack policy's ``PolicyResource`` (outputs) or from a resource captured under Pulumi mocks for the
compliance report. ``kind`` sorts the Pulumi type token into the few shapes the rules know.

What a policy can see of the resource options (pulumi_policy 1.21, ``PolicyResourceOptions``):
``protect``, ``ignore_changes``, ``delete_before_replace``, ``aliases``, ``custom_timeouts``,
``additional_secret_outputs`` and ``parent``. ``retainOnDelete`` is not part of the analyzer protocol
(``AnalyzerResourceOptions`` has no such field), so ``retain_on_delete`` is ``None`` ("not visible")
except for captured resources, where the report knows it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .values import as_map, get


class Kind(enum.Enum):
    DOCKER_CONTAINER = "docker container"
    DOCKER_VOLUME = "docker volume"
    DOCKER_IMAGE = "docker image"
    K8S_WORKLOAD = "kubernetes workload"
    K8S_SERVICE = "kubernetes service"
    K8S_INGRESS = "kubernetes ingress"
    K8S_PVC = "kubernetes persistent volume claim"
    K8S_NETWORK_POLICY = "kubernetes network policy"
    K8S_MONITOR = "prometheus-operator monitor"


DOCKER_CONTAINER = "docker:index/container:Container"
DOCKER_VOLUME = "docker:index/volume:Volume"
DOCKER_NETWORK = "docker:index/network:Network"

# Image resources and the input that names the image (known at preview, unlike a container's
# ``image`` when it is another resource's computed ``imageId``).
DOCKER_IMAGE_NAME_INPUTS: Mapping[str, str] = {
    "docker:index/remoteImage:RemoteImage": "name",
    "docker:index/registryImage:RegistryImage": "name",
    "docker:index/image:Image": "imageName",
    "docker-build:index:Image": "tags",
}

# Kubernetes kind -> path of the pod template (metadata + spec) inside the object.
POD_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

_K8S_KINDS: Mapping[tuple[str, str], Kind] = {
    ("core", "Service"): Kind.K8S_SERVICE,
    ("core", "PersistentVolumeClaim"): Kind.K8S_PVC,
    ("networking.k8s.io", "Ingress"): Kind.K8S_INGRESS,
    ("extensions", "Ingress"): Kind.K8S_INGRESS,
    ("networking.k8s.io", "NetworkPolicy"): Kind.K8S_NETWORK_POLICY,
    ("monitoring.coreos.com", "PodMonitor"): Kind.K8S_MONITOR,
    ("monitoring.coreos.com", "ServiceMonitor"): Kind.K8S_MONITOR,
}

_WORKLOAD_GROUPS = {"core", "apps", "batch", "extensions"}


def k8s_type_parts(resource_type: str) -> tuple[str, str, str] | None:
    """``kubernetes:apps/v1:Deployment`` -> ``("apps", "v1", "Deployment")``; None for other types."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    group, version = parts[1].rsplit("/", 1)
    return group, version, parts[2]


def classify(resource_type: str) -> Kind | None:
    if resource_type == DOCKER_CONTAINER:
        return Kind.DOCKER_CONTAINER
    if resource_type == DOCKER_VOLUME:
        return Kind.DOCKER_VOLUME
    if resource_type in DOCKER_IMAGE_NAME_INPUTS:
        return Kind.DOCKER_IMAGE
    parts = k8s_type_parts(resource_type)
    if parts is None:
        return None
    group, _version, kind = parts
    if group in _WORKLOAD_GROUPS and kind in POD_TEMPLATE_PATHS:
        return Kind.K8S_WORKLOAD
    return _K8S_KINDS.get((group, kind))


@dataclass(frozen=True)
class Subject:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    retain_on_delete: bool | None = None  # None: not visible to the policy engine

    @property
    def kind(self) -> Kind | None:
        return classify(self.type)

    @property
    def k8s_kind(self) -> str:
        parts = k8s_type_parts(self.type)
        return parts[2] if parts else ""

    @property
    def namespace(self) -> str:
        """Kubernetes namespace; "" means the provider's default namespace."""
        return str(get(self.props, "metadata", "namespace", default=""))

    @property
    def metadata_labels(self) -> Mapping[str, Any]:
        return as_map(get(self.props, "metadata", "labels"))

    @classmethod
    def from_args(cls, args: Any) -> "Subject":
        """From ``ResourceValidationArgs`` (inputs)."""
        opts = getattr(args, "opts", None)
        return cls(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=args.props if args.props is not None else {},
            protect=bool(getattr(opts, "protect", False)),
        )

    @classmethod
    def from_policy_resource(cls, res: Any) -> "Subject":
        """From a stack policy's ``PolicyResource`` (outputs; empty for new resources in preview)."""
        opts = getattr(res, "opts", None)
        return cls(
            type=res.resource_type,
            name=res.name,
            urn=res.urn,
            props=res.props if res.props is not None else {},
            protect=bool(getattr(opts, "protect", False)),
        )

    @classmethod
    def from_captured(cls, res: Any) -> "Subject":
        """From a resource captured under mocks: ``type``, ``name``, ``urn``, ``props``, ``opts`` dict."""
        opts = getattr(res, "opts", None) or {}
        if not isinstance(opts, Mapping):
            opts = vars(opts)
        retain = opts.get("retain_on_delete", opts.get("retainOnDelete"))
        return cls(
            type=res.type,
            name=res.name,
            urn=res.urn,
            props=res.props or {},
            protect=bool(opts.get("protect", False)),
            retain_on_delete=None if retain is None else bool(retain),
        )
