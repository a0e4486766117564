"""The images we build, and the hardware build arguments each gets from the plan."""
from __future__ import annotations

import base64
import pathlib
import subprocess
from functools import lru_cache

from .spec import ImageSpec

PROJECT_URL = "https://github.com/aistack/aistack"
IMAGES_DIR = pathlib.Path(__file__).resolve().parent.parent / "images"
DEFAULT_MTUNE = "generic"


@lru_cache(maxsize=None)
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=IMAGES_DIR, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def revision_of(name: str) -> tuple[str, str]:
    """Last commit touching images/<name> and its date: stable labels, so unchanged images are not rebuilt."""
    out = _git("log", "-1", "--format=%H %cI", "--", name)
    rev, _, created = out.partition(" ")
    return rev or "unknown", created or "1970-01-01T00:00:00Z"


def image_spec(name: str, cfg, plan) -> ImageSpec:
    revision, created = revision_of(name)
    args = {
        "SOURCE": cfg.images.source,
        "OCI_SOURCE": PROJECT_URL,
        "OCI_REVISION": revision,
        "OCI_VERSION": cfg.images.tag,
        "OCI_CREATED": created,
    }
    if cfg.images.base_image:
        args["BASE_IMAGE"] = cfg.images.base_image
    elif cfg.images.source == "debian":
        args["BASE_IMAGE"] = "aistack/debian-base:sid"
    if name in ("llama-cpu", "llama-cuda"):
        args["CPU_MARCH"] = plan.march
        args["CPU_MTUNE"] = plan.march if plan.inventory.machines[0].topology.march else DEFAULT_MTUNE
    if name in ("llama-cuda", "vllm"):
        archs = plan.cuda_archs or ("90",)
        args["CUDA_ARCH"] = ";".join(archs)
    if cfg.images.extra_ca_certs_file:
        pem = pathlib.Path(cfg.images.extra_ca_certs_file).expanduser().read_bytes()
        args["EXTRA_CA_PEM"] = base64.b64encode(pem).decode()
    return ImageSpec(
        name=name,
        context=str(IMAGES_DIR),  # one context for all images: the shared helpers in images/common exist once
        dockerfile=str(IMAGES_DIR / name / "Dockerfile"),
        build_args=tuple(sorted(args.items())),
        tag=cfg.images.tag,
        registry=cfg.images.registry,
    )
