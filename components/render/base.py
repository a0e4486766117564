"""What every target renderer offers the components."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import pulumi

from ..spec import ImageSpec, MonitoringSpec, Workload


@dataclass
class RenderedImage:
    ref: pulumi.Output  # what containers run (pinned: image ID locally, digest in a registry)
    digest: pulumi.Output
    size_bytes: pulumi.Output
    resources: list[Any] = field(default_factory=list)


@dataclass
class RenderedWorkload:
    name: str
    endpoints: list[str]  # host:port addresses other workloads use (one per replica, or a Service)
    resources: list[Any] = field(default_factory=list)


class Renderer(Protocol):
    target: str
    image_provider: Callable[[str], Any] | None  # set by the platform: image name -> reference, built on first use

    def image(self, spec: ImageSpec, parent: pulumi.Resource) -> RenderedImage:
        """Build (or reference) one of our images."""

    def upstream_image(self, key: str, ref: str, parent: pulumi.Resource) -> pulumi.Output:
        """An upstream image we do not build, pinned by digest."""

    def workload(self, spec: Workload, parent: pulumi.Resource) -> RenderedWorkload:
        """Run a workload, provisioning its models first."""

    def endpoints(self, name: str, port: int, replicas: int) -> list[str]:
        """In-network addresses of a workload's port, before it is rendered."""

    def public_url(self, port: Any) -> str:
        """Where users reach a public port (the gateway)."""

    def monitoring(self, spec: MonitoringSpec, image_for: Any, parent: pulumi.Resource) -> list[Any]:
        """Realise the monitoring stack from its neutral description."""

    def finish(self) -> dict[str, Any]:
        """Stack-wide resources that depend on everything else (e.g. NetworkPolicies); returns outputs."""
