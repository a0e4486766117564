"""Per-image and per-workload exemptions, shared by the rules that allow them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import ConfigOption
from .images import matches_any


def exempt_images_option(what: str) -> ConfigOption:
    return ConfigOption(
        "exemptImages",
        "array",
        [],
        f"Image reference globs (fnmatch, e.g. `docker.io/grafana/grafana:*`) exempt from {what}; "
        "a match is reported as waived.",
    )


def exempt_workloads_option(what: str) -> ConfigOption:
    return ConfigOption(
        "exemptWorkloads",
        "array",
        [],
        f"`aistack.dev/workload` label values exempt from {what} (useful when the image is only "
        "known after the image resource is created); a match is reported as waived.",
    )


def exemption(config: Mapping[str, Any], workload: str, image: Any) -> str | None:
    """Which configured exemption covers this container, if any.

    The workload label is tried first because it is known at preview; ``image`` is a callable or a
    value, read only when needed (a container's image may be unknown until its image resource exists).
    """
    if workload and workload in config.get("exemptWorkloads", ()):
        return f"workload {workload!r} is in exemptWorkloads"
    patterns = config.get("exemptImages", ())
    if not patterns:
        return None
    ref = image() if callable(image) else image
    if not ref:
        return None
    pattern = matches_any(str(ref), patterns)
    return f"image matches exemptImages pattern {pattern!r}" if pattern else None
