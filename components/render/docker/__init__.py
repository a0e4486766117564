"""The workstation target: pulumi-docker resources on the local engine."""
from __future__ import annotations

import ipaddress
from typing import Any, Callable

import pulumi
import pulumi_docker as docker

from ...spec import DataVolume, ImageSpec, MonitoringSpec, Workload
from ..base import RenderedImage, RenderedWorkload
from .config_files import WRITE_SCRIPT, WRITER_MOUNT, writer_env
from .container import completed, container_args, container_name, one_shot_args
from .images import build_image
from .models import ModelProvisioner
from .monitoring import monitoring_workloads


class DockerRenderer:
    target = "docker"

    def __init__(self, cfg, plan, parent: pulumi.Resource):
        self.cfg, self.plan, self.parent = cfg, plan, parent
        self.prefix = cfg.docker.name_prefix
        subnet = ipaddress.ip_network(cfg.docker.network_subnet)
        self.network = docker.Network(
            f"{self.prefix}-net",
            name=f"{self.prefix}-net",
            driver="bridge",
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet=str(subnet), gateway=str(next(subnet.hosts())))],
            labels=[docker.NetworkLabelArgs(label="aistack.dev/part-of", value="aistack")],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        self._volumes: dict[str, docker.Volume] = {}
        self.models = ModelProvisioner(self)
        self.image_provider: Callable[[str], Any] | None = None  # set by the platform: name -> image reference

    # -- building blocks -------------------------------------------------------------------------
    def volume(self, spec: DataVolume) -> docker.Volume:
        """Data volumes are created once and outlive the stack: never deleted by replace or destroy."""
        if spec.name not in self._volumes:
            self._volumes[spec.name] = docker.Volume(
                f"{self.prefix}-{spec.name}",
                name=f"{self.prefix}-{spec.name}",
                labels=[
                    docker.VolumeLabelArgs(label="aistack.dev/data", value="true"),
                    docker.VolumeLabelArgs(label="aistack.dev/retain", value="true"),
                ],
                opts=pulumi.ResourceOptions(parent=self.parent, retain_on_delete=True),
            )
        return self._volumes[spec.name]

    def image(self, spec: ImageSpec, parent: pulumi.Resource) -> RenderedImage:
        return build_image(spec, self.cfg, parent)

    def upstream_image(self, key: str, ref: str, parent: pulumi.Resource) -> pulumi.Output:
        image = docker.RemoteImage(key, name=ref, keep_locally=True, opts=pulumi.ResourceOptions(parent=parent))
        return image.image_id

    def endpoints(self, name: str, port: int, replicas: int) -> list[str]:
        if replicas == 1:
            return [f"{self.prefix}-{name}:{port}"]
        return [f"{self.prefix}-{name}-{i}:{port}" for i in range(replicas)]

    def public_url(self, port) -> str:
        return f"http://{port.host_ip}:{port.host_port}"

    def workload(self, wl: Workload, parent: pulumi.Resource) -> RenderedWorkload:
        volume_names = {m.volume.name: self.volume(m.volume).name for m in wl.volumes}
        depends_on: list[Any] = []
        ready = None
        if wl.models:
            ready, fetchers = self.models.provision(wl.models, wl.models_volume)
            depends_on += fetchers
        config_volume = None
        config_hash = None
        if wl.files:
            config_volume, writer = self._config_writer(wl, parent)
            depends_on.append(writer)
            # A new writer (any file changed, secrets included) has a new ID: not secret, unlike a content hash.
            config_hash = completed(writer, f"{wl.name}: writing its config files")
        containers = []
        for replica in wl.replicas:
            args = container_args(
                wl, replica, prefix=self.prefix, network=self.network, volume_names=volume_names, config_volume=config_volume
            )
            if ready is not None:
                # The verified checksums join the labels: a server is only created once its models passed.
                args["labels"] = args["labels"] + [docker.ContainerLabelArgs(label="aistack.dev/models-verified", value=ready)]
            if config_hash is not None:
                # Labels force replacement: a config change restarts the workload on the new files.
                args["labels"] = args["labels"] + [docker.ContainerLabelArgs(label="aistack.dev/config-writer", value=config_hash)]
            name = container_name(self.prefix, wl, replica)
            containers.append(
                docker.Container(name, **args, opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on))
            )
        ports = wl.ports[0].port if wl.ports else 0
        return RenderedWorkload(wl.name, self.endpoints(wl.name, ports, len(wl.replicas)), containers)

    def _config_writer(self, wl: Workload, parent: pulumi.Resource) -> tuple[Any, docker.Container]:
        """A config volume for the workload, filled by a one-shot hardened writer before the workload starts."""
        name = f"{self.prefix}-{wl.name}-config"
        volume = docker.Volume(
            name, name=name, labels=[docker.VolumeLabelArgs(label="aistack.dev/config", value=wl.name)],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        assert self.image_provider is not None, "the platform sets image_provider before rendering workloads"
        labels = {"aistack.dev/role": "config", "aistack.dev/workload": f"{wl.name}-config",
                  "aistack.dev/component": wl.component, "aistack.dev/config-for": wl.name}
        writer = docker.Container(
            f"{name}-writer",
            name=f"{name}-writer",
            entrypoints=["/usr/bin/busybox", "sh", "-c", WRITE_SCRIPT],
            envs=writer_env(wl.files),
            network_mode="none",
            mounts=[docker.ContainerMountArgs(type="volume", source=volume.name, target=WRITER_MOUNT)],
            **one_shot_args(self.image_provider("model-fetch"), labels, memory_mib=64),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return volume.name, writer

    def monitoring(self, spec: MonitoringSpec, image_for, parent: pulumi.Resource) -> list[Any]:
        rendered = []
        for wl in monitoring_workloads(spec, self, image_for, parent):
            rendered += self.workload(wl, parent).resources
        return rendered

    def finish(self) -> dict[str, Any]:
        return {"network": self.network.name}
