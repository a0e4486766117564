"""`aistack:models`: each model is declared once and referenced by name from servers."""
import re

from pydantic import Field, model_validator

from .base import ConfigModel

NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$"
MODEL_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9.]{0,62}[a-z0-9])?$"


class HuggingFaceFile(ConfigModel):
    """A single file in a Hugging Face repository."""

    repo: str = Field(..., pattern=r"^[\w.-]+/[\w.-]+$", description="Repository, e.g. `Qwen/Qwen2.5-0.5B-Instruct-GGUF`.")
    file: str | None = Field(
        None, min_length=1, description="File inside the repository. Unset: the whole repository (vLLM safetensors)."
    )
    revision: str = Field("main", min_length=1, description="Branch, tag or commit. A whole-repository model must pin a commit.")


class ModelArchitecture(ConfigModel):
    """Enough of the model's shape to size its KV cache."""

    layers: int = Field(..., ge=1, le=1000, description="Transformer layers.")
    kv_heads: int = Field(..., ge=1, le=1024, description="Key/value heads (GQA groups).")
    head_dim: int = Field(..., ge=1, le=4096, description="Dimension of one attention head.")


class ModelConfig(ConfigModel):
    """A model file: where it comes from, its checksum, and its size for the fit checks."""

    name: str = Field(..., pattern=MODEL_NAME_PATTERN, description="Name servers refer to; also the OpenAI `model` id.")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file; verified before any server starts. "
        "Required for single files; a whole Hugging Face repository is pinned by its commit instead."
    )
    path: str | None = Field(None, description="A local file on the deploying machine (offline source).")
    url: str | None = Field(None, pattern=r"^https?://", description="An HTTP(S) URL to download from.")
    hugging_face: HuggingFaceFile | None = Field(None, description="A Hugging Face file (token from `aistack:hfToken`).")
    size_gib: float | None = Field(
        None, gt=0, le=4096, description="File size in GiB. Required for `url`/`huggingFace`; read from disk for `path`."
    )
    format: str = Field("gguf", pattern=r"^(gguf|safetensors)$", description="`gguf` (llama.cpp) or `safetensors` (vLLM).")
    architecture: ModelArchitecture | None = Field(None, description="Shape used to size the KV cache in fit checks.")

    @model_validator(mode="after")
    def _one_source(self) -> "ModelConfig":
        sources = [k for k, v in (("path", self.path), ("url", self.url), ("huggingFace", self.hugging_face)) if v]
        if len(sources) != 1:
            raise ValueError("set exactly one source: `path`, `url` or `huggingFace`" + (f" (got {', '.join(sources)})" if sources else ""))
        if self.is_snapshot:
            if self.hugging_face is None or not re.fullmatch(r"[0-9a-f]{40}", self.hugging_face.revision):
                raise ValueError("a whole-repository model must pin `huggingFace.revision` to a 40-hex commit")
        elif self.sha256 is None:
            raise ValueError("`sha256` is required: the file is verified against it before any server starts")
        if self.path is None and self.size_gib is None:
            raise ValueError("`sizeGib` is required for a downloaded model (the fit check needs it before download)")
        return self

    @property
    def is_snapshot(self) -> bool:
        """A whole Hugging Face repository (fetched by the server into its cache) rather than one file."""
        return self.hugging_face is not None and self.hugging_face.file is None

    @property
    def file_name(self) -> str:
        """The file name inside the models volume."""
        if self.hugging_face:
            if self.hugging_face.file is None:
                return self.hugging_face.repo.replace("/", "--")
            return self.hugging_face.file.rsplit("/", 1)[-1]
        source = self.path or self.url or ""
        return source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
