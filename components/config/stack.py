"""The root model: one field per top-level `aistack:` config key."""
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from .base import ConfigModel
from .gateway import GatewayConfig
from .hardware import HardwareConfig
from .images import ImagesConfig
from .models import ModelConfig
from .monitoring import MonitoringConfig
from .servers import CpuServerConfig, GpuServerConfig
from .targets import DockerTargetConfig, KubernetesTargetConfig


class StackConfig(ConfigModel):
    """Everything a stack declares. Keys appear in Pulumi.<stack>.yaml as `aistack:<key>`."""

    target: Literal["docker", "kubernetes"] = Field(..., description="Where to deploy: `docker` (workstation) or `kubernetes`.")
    hardware: HardwareConfig = Field(..., description="The machine(s): `detect: true` or a declared profile.")
    models: list[ModelConfig] = Field(default_factory=list, description="Model files, each declared once.")
    cpu_servers: list[CpuServerConfig] = Field(default_factory=list, description="llama.cpp servers on pinned cores.")
    gpu_servers: list[GpuServerConfig] = Field(default_factory=list, description="vLLM / llama.cpp-CUDA servers on GPUs.")
    gateway: GatewayConfig = Field(default_factory=GatewayConfig, description="API gateway and Open WebUI.")
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig, description="Prometheus, Grafana, exporters.")
    images: ImagesConfig = Field(default_factory=ImagesConfig, description="Image sources and builds.")
    docker: DockerTargetConfig = Field(default_factory=DockerTargetConfig, description="Docker-target settings.")
    kubernetes: KubernetesTargetConfig = Field(default_factory=KubernetesTargetConfig, description="Kubernetes-target settings.")
    gateway_api_key: str | None = Field(
        None, description="Secret: the API key clients send as `Authorization: Bearer <key>`. "
        "Set with `pulumi config set --secret aistack:gatewayApiKey <key>`."
    )
    hf_token: str | None = Field(None, description="Secret: Hugging Face token for gated model downloads.")
    grafana_admin_password: str | None = Field(None, description="Secret: Grafana admin password.")

    @field_validator("hardware")
    @classmethod
    def _target_matches_hardware(cls, hardware: HardwareConfig, info: ValidationInfo) -> HardwareConfig:
        # A field validator (not a model validator) so the problem is reported at `aistack:hardware`.
        target = info.data.get("target")
        if target == "kubernetes" and hardware.host is not None:
            raise ValueError("target `kubernetes` needs `hardware.nodePools`, not `hardware.host`")
        if target == "docker" and hardware.node_pools is not None:
            raise ValueError("target `docker` needs `hardware.host` or `hardware.detect`, not `hardware.nodePools`")
        return hardware

    @field_validator("models")
    @classmethod
    def _cluster_models_are_fetchable(cls, models: list[ModelConfig], info: ValidationInfo) -> list[ModelConfig]:
        if info.data.get("target") == "kubernetes":
            local = [m.name for m in models if m.path]
            if local:
                raise ValueError(
                    f"model(s) {', '.join(local)} use a local `path`, which cluster nodes cannot read: "
                    "publish the file and declare `url` + `sha256`, or `huggingFace`"
                )
        return models

    @field_validator("images")
    @classmethod
    def _cluster_needs_registry(cls, images: ImagesConfig, info: ValidationInfo) -> ImagesConfig:
        # Only once the hardware fits the target: one mistake, one message.
        if info.data.get("target") == "kubernetes" and "hardware" in info.data and not images.registry:
            raise ValueError("target `kubernetes` needs `images.registry`: the registry CI pushes our images to")
        return images

    @property
    def server_names(self) -> list[str]:
        return [s.name for s in self.cpu_servers] + [s.name for s in self.gpu_servers]
