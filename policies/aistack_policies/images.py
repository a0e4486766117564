"""Image references: parsing tags and digests, and matching config patterns against them."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

_IMAGE_ID = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class ImageRef:
    raw: str
    repository: str
    tag: str
    digest: str

    @property
    def is_image_id(self) -> bool:
        """A local image ID (``sha256:<64 hex>``), e.g. a RemoteImage's ``imageId``: immutable."""
        return bool(_IMAGE_ID.match(self.raw))

    @property
    def pinned_by_digest(self) -> bool:
        return self.is_image_id or self.digest.startswith("sha256:")


def parse(ref: str) -> ImageRef:
    ref = ref.strip()
    if _IMAGE_ID.match(ref):
        return ImageRef(ref, "", "", ref)
    name, _, digest = ref.partition("@")
    last_slash = name.rfind("/")
    last_colon = name.rfind(":")
    if last_colon > last_slash:
        repository, tag = name[:last_colon], name[last_colon + 1 :]
    else:
        repository, tag = name, ""
    return ImageRef(ref, repository, tag, digest)


def _candidates(ref: str) -> set[str]:
    """The reference as written plus its Docker Hub short and long forms."""
    short = ref
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            short = ref[len(prefix) :]
            break
    out = {ref, short}
    first = short.split("/")[0]
    has_registry = "/" in short and ("." in first or ":" in first or first == "localhost")
    if not has_registry:
        out.add(("docker.io/" if "/" in short else "docker.io/library/") + short)
    return out


def matches_any(ref: str, patterns: Iterable[str]) -> str | None:
    """The first glob pattern (``fnmatch``) that matches the image reference, or None."""
    cands = _candidates(ref)
    for pattern in patterns:
        if any(fnmatch.fnmatchcase(c, pattern) for c in cands):
            return pattern
    return None
