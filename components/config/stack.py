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

    @property
    def server_names(self) -> list[str]:
        return [s.name for s in self.cpu_servers] + [s.name for s in self.gpu_servers]
