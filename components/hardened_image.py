"""HardenedImage: one of our multi-stage, non-root images, built for the planned hardware."""
from __future__ import annotations

import pulumi

from .spec import ImageSpec


class HardenedImage(pulumi.ComponentResource):
    """Outputs: `ref` (what workloads run), `digest` and `size_bytes`."""

    def __init__(self, name: str, spec: ImageSpec, renderer, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:hardened_image:HardenedImage", name, None, opts)
        built = renderer.image(spec, self)
        self.ref = built.ref
        self.digest = built.digest
        self.size_bytes = built.size_bytes
        self.build_args = {k: v for k, v in spec.build_args if k != "EXTRA_CA_PEM"}
        self.register_outputs({"ref": self.ref, "digest": self.digest, "sizeBytes": self.size_bytes, "buildArgs": self.build_args})
