"""Local image builds through pulumi-docker's RemoteImage `build`; containers run the built image ID."""
from __future__ import annotations

import hashlib
import http.client
import pathlib
import urllib.parse

import pulumi
import pulumi_docker as docker

from ...docker_api import DEFAULT_SOCKET, engine_get
from ...spec import ImageSpec
from ..base import RenderedImage


def local_image_size(image_id: str, socket_path: str = DEFAULT_SOCKET) -> int:
    """Size of a local image, read from the engine's API (0 when unknown, e.g. during preview)."""
    if not image_id:
        return 0
    try:
        status, body = engine_get(f"/images/{urllib.parse.quote(image_id)}/json", socket_path)
    except (OSError, ValueError, http.client.HTTPException):
        return 0
    return int(body.get("Size", 0)) if status == 200 else 0


def context_digest(spec: ImageSpec) -> str:
    """sha256 over the files an image is built from (its folder and the shared helpers): a change rebuilds it."""
    root = pathlib.Path(spec.context)
    h = hashlib.sha256()
    for folder in (root / "common", pathlib.Path(spec.dockerfile).parent):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def build_image(spec: ImageSpec, cfg, parent: pulumi.Resource) -> RenderedImage:
    ref = f"{spec.repository}:{spec.tag}"
    image = docker.RemoteImage(
        spec.name,
        name=ref,
        build=docker.RemoteImageBuildArgs(
            context=spec.context,
            dockerfile=spec.dockerfile,
            build_args=dict(spec.build_args),
            platform="linux/amd64",
            remove=True,
        ),
        triggers={"context": context_digest(spec)},
        keep_locally=True,  # the engine keeps its images; `destroy` does not delete what other stacks may run
        opts=pulumi.ResourceOptions(parent=parent),
    )
    # The image ID (sha256:...): containers run exactly what was built.
    digest = image.image_id
    size = digest.apply(lambda i: local_image_size(i) if not pulumi.runtime.is_dry_run() else 0)
    return RenderedImage(ref=digest, digest=digest, size_bytes=size, resources=[image])
