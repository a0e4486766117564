"""`aistack:images`: where images come from and how they are built."""
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import ConfigModel

# Upstream images we do not build, pinned by tag and digest. Override per stack in `aistack:images.upstream`.
DEFAULT_UPSTREAM = {
    "open-webui": "ghcr.io/open-webui/open-webui:v0.6.5@sha256:fe7a6870ec6b2fd540c0f2007e6aa812dc4bf04a2d0db6e42a1a22a4a8d5f8c4",
    "grafana": "docker.io/grafana/grafana-oss:11.6.0@sha256:62d2b9d20a19714ebfe48d1bb405086081bc602aa053e28cf6d73c7537640dfb",
    "dcgm-exporter": "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.0-4.1.0-ubuntu22.04@sha256:2ec6bfb1a5d0e5e6c0e5d5d5bc5b4f8e35d2e7fe5f7e1a8d48d1f0b0a5e5b6c1",
    "cadvisor": "gcr.io/cadvisor/cadvisor:v0.52.1@sha256:f40e65878e25c2e78ea037f73a449527a0fb994e303dc3e34cb6b187b4b91435",
}


class ImagesConfig(ConfigModel):
    """Image sources and build settings."""

    source: Literal["upstream", "debian"] = Field(
        "upstream",
        description="`upstream`: build from upstream sources (needs internet). `debian`: build from Debian packages "
        "on `baseImage` (works offline).",
    )
    base_image: str | None = Field(
        None, description="Base image for our builds. Unset: each Dockerfile's pinned default (upstream) or "
        "`aistack/debian-base:sid` (debian)."
    )
    registry: str | None = Field(
        None, description="Cluster: registry our images are pushed to (`registry.example.com/aistack`)."
    )
    tag: str = Field("0.1.0", pattern=r"^[\w][\w.-]{0,127}$", description="Tag for images we build.")
    extra_ca_certs_file: str | None = Field(
        None, description="PEM bundle added to build stages, for builds behind TLS-intercepting proxies."
    )
    digests: dict[str, Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]] = Field(
        default_factory=dict,
        description="Cluster: digests (`sha256:...`) of our images in `registry`, as pushed by CI; references are "
        "pinned to them when given.",
    )
    upstream: dict[str, str] = Field(
        default_factory=dict,
        description="Overrides for upstream image references (`open-webui`, `grafana`, `dcgm-exporter`, `cadvisor`); "
        "pin them by digest.",
    )

    def upstream_ref(self, name: str) -> str:
        return self.upstream.get(name, DEFAULT_UPSTREAM[name])
