"""From declared models to provisioning specs, and health grace periods sized from the model."""
from __future__ import annotations

import math
import pathlib

from .config.models import ModelConfig
from .spec import DataVolume, ModelSource

MODELS_VOLUME = DataVolume("models", size_gib=0, shared=True)
MODELS_PATH = "/models"


def model_source(model: ModelConfig, size_gib: float, project_dir: pathlib.Path) -> ModelSource:
    url = model.url
    snapshot = None
    if model.hugging_face:
        hf = model.hugging_face
        if hf.file is None:
            snapshot = hf.repo
        else:
            url = f"https://huggingface.co/{hf.repo}/resolve/{hf.revision}/{hf.file}"
    local = None
    if model.path:
        path = pathlib.Path(model.path).expanduser()
        local = str(path if path.is_absolute() else (project_dir / path).resolve())
    return ModelSource(
        name=model.name,
        file=model.file_name,
        sha256=model.sha256,
        url=url,
        local_path=local,
        snapshot_repo=snapshot,
        revision=model.hugging_face.revision if model.hugging_face else None,
        size_gib=size_gib,
    )


def load_grace_seconds(size_gib: float, *, read_gib_per_s: float = 0.5, base_s: int = 30, gpu: bool = False) -> int:
    """Startup budget from the model size: a conservative disk read rate plus a fixed start-up cost.

    GPU servers add weight upload and (vLLM) CUDA graph capture. Rounded up to 10 s.
    """
    seconds = base_s + size_gib / read_gib_per_s + (60 + size_gib * 2 if gpu else 0)
    return int(math.ceil(seconds / 10.0) * 10)
