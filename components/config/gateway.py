"""`aistack:gateway`: the authenticated OpenAI-compatible entry point and Open WebUI."""
from pydantic import Field

from .base import ConfigModel


class WebUiConfig(ConfigModel):
    """Open WebUI, pre-wired to the gateway."""

    enabled: bool = Field(True, description="Deploy Open WebUI.")
    data_gib: float = Field(5, gt=0, le=10000, description="Size of its data volume (cluster PVC) in GiB.")
    memory_gib: float = Field(2, gt=0, le=256, description="Memory limit in GiB.")


class IngressConfig(ConfigModel):
    """Cluster exposure of the gateway (Kubernetes target)."""

    host: str = Field("ai.example.com", pattern=r"^[a-z0-9.-]+$", description="Public host name of the gateway.")
    class_name: str = Field("nginx", min_length=1, description="IngressClass of the cluster's ingress controller.")
    tls_secret_name: str | None = Field(None, description="Existing TLS secret; unset: one is issued by `clusterIssuer`.")
    cluster_issuer: str = Field("letsencrypt", min_length=1, description="cert-manager ClusterIssuer for the TLS secret.")
    controller_namespace: str = Field(
        "ingress-nginx", min_length=1, description="Namespace of the ingress controller (allowed by NetworkPolicy)."
    )


class GatewayConfig(ConfigModel):
    """nginx in front of every backend: `/v1/...` routed by `model`, API key required."""

    bind_address: str = Field(
        "127.0.0.1",
        pattern=r"^(127\.\d+\.\d+\.\d+|::1|localhost)$",
        description="Workstation: host address of the published port; loopback only.",
    )
    port: int = Field(8080, ge=1024, le=65535, description="Workstation: host port of the gateway.")
    memory_gib: float = Field(0.25, gt=0, le=64, description="Memory limit in GiB.")
    replicas: int = Field(1, ge=1, le=100, description="Gateway replicas (cluster).")
    request_timeout_s: int = Field(600, ge=1, le=86400, description="Upstream read timeout for long generations.")
    webui: WebUiConfig = Field(default_factory=WebUiConfig)
    ingress: IngressConfig = Field(default_factory=IngressConfig)
