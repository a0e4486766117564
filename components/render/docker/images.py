"""Local image builds with BuildKit through pulumi-docker; the container runs the built image ID."""
from __future__ import annotations

import http.client
import json
import socket
import urllib.parse

import pulumi
import pulumi_docker as docker

from ...spec import ImageSpec
from ..base import RenderedImage


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost")
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self._path)


def local_image_size(image_id: str, socket_path: str = "/var/run/docker.sock") -> int:
    """Size of a local image, read from the engine's API (0 when unknown, e.g. during preview)."""
    if not image_id:
        return 0
    try:
        conn = _UnixHTTPConnection(socket_path)
        conn.request("GET", f"/images/{urllib.parse.quote(image_id)}/json")
        response = conn.getresponse()
        return int(json.loads(response.read()).get("Size", 0)) if response.status == 200 else 0
    except OSError:
        return 0


def build_image(spec: ImageSpec, cfg, parent: pulumi.Resource) -> RenderedImage:
    ref = f"{spec.repository}:{spec.tag}"
    image = docker.Image(
        spec.name,
        image_name=ref,
        build=docker.DockerBuildArgs(
            context=spec.context,
            dockerfile=spec.dockerfile,
            args=dict(spec.build_args),
            builder_version=docker.BuilderVersion.BUILDER_BUILD_KIT,
            platform="linux/amd64",
        ),
        skip_push=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    # The resource ID is the image ID (sha256:...): containers run exactly what was built.
    digest = image.id
    size = digest.apply(lambda i: local_image_size(i) if not pulumi.runtime.is_dry_run() else 0)
    return RenderedImage(ref=digest, digest=digest, size_bytes=size, resources=[image])
