"""Target-only settings, each in its own typed block: `aistack:docker` and `aistack:kubernetes`."""
from pydantic import Field

from .base import ConfigModel


class DockerTargetConfig(ConfigModel):
    """Settings that only the local Docker target reads."""

    network_subnet: str = Field(
        "172.28.0.0/24", pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$", description="Subnet of the private bridge network."
    )
    name_prefix: str = Field("aistack", pattern=r"^[a-z][a-z0-9-]{0,20}$", description="Prefix of container/volume names.")
    models_dir: str | None = Field(None, description="Host directory holding local model files (`path` sources).")


class KubernetesTargetConfig(ConfigModel):
    """Settings that only the Kubernetes target reads."""

    namespace: str = Field("aistack", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="Namespace for everything.")
    storage_class: str | None = Field(None, description="StorageClass of PVCs (unset: the cluster default).")
    models_pvc_gib: float = Field(200, gt=0, le=100000, description="Size of the shared models PVC in GiB.")
    models_access_mode: str = Field("ReadWriteMany", pattern=r"^(ReadWriteMany|ReadWriteOnce)$", description="Access mode of the models PVC.")
    runtime_class: str = Field("nvidia", min_length=1, description="RuntimeClass for GPU pods.")
    gpu_taint_key: str = Field("nvidia.com/gpu", min_length=1, description="Taint key on GPU nodes that GPU pods tolerate.")
    kube_prometheus_stack_version: str = Field("75.15.1", description="kube-prometheus-stack chart version.")
    dcgm_exporter_from_gpu_operator: bool = Field(
        True, description="The GPU operator already runs DCGM exporter (else deploy it as a DaemonSet)."
    )
    render_yaml_to: str | None = Field(None, description="Render manifests to this directory instead of a cluster.")
