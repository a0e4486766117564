"""`aistack:cpuServers` and `aistack:gpuServers`: what to serve, and how much hardware each replica gets."""
from typing import Literal

from pydantic import Field, model_validator

from .base import ConfigModel
from .models import NAME_PATTERN


class CpuServerConfig(ConfigModel):
    """A llama.cpp server on pinned CPU cores."""

    name: str = Field(..., pattern=NAME_PATTERN, description="Server name (lowercase, digits, dashes).")
    model: str = Field(..., description="Name of an entry in `aistack:models`.")
    replicas: int = Field(1, ge=1, le=1000, description="Independent server processes, each on its own cores.")
    cores: int = Field(..., ge=1, le=512, description="Physical cores per replica; it gets both SMT siblings of each.")
    cpu_list: list[int] | None = Field(
        None,
        description="Explicit logical CPUs for a single replica (workstation only). Must be whole physical cores; "
        "leave unset to let the planner choose.",
    )
    memory_gib: float = Field(..., gt=0, le=4096, description="Memory limit per replica in GiB (model + KV cache + slack).")
    context_size: int = Field(4096, ge=128, le=1_048_576, description="Context window in tokens (llama.cpp `--ctx-size`).")
    parallel: int = Field(1, ge=1, le=256, description="Concurrent sequences (llama.cpp `--parallel`).")
    mlock: bool = Field(True, description="Lock the model in RAM (`--mlock`, with an unlimited memlock ulimit).")
    publish_port: int | None = Field(
        None, ge=1024, le=65535, description="Also publish this server on 127.0.0.1:<port> (default: private only)."
    )
    extra_args: list[str] = Field(default_factory=list, description="Extra llama-server flags, appended verbatim.")

    @model_validator(mode="after")
    def _cpu_list_single_replica(self) -> "CpuServerConfig":
        if self.cpu_list is not None and self.replicas != 1:
            raise ValueError("`cpuList` pins one replica; remove it or set replicas: 1")
        return self


class GpuServerConfig(ConfigModel):
    """vLLM or llama.cpp-CUDA on whole GPUs (or MIG slices on a cluster)."""

    name: str = Field(..., pattern=NAME_PATTERN, description="Server name (lowercase, digits, dashes).")
    engine: Literal["vllm", "llama-cuda"] = Field(..., description="`vllm` or `llama-cuda`.")
    model: str = Field(..., description="Name of an entry in `aistack:models`.")
    replicas: int = Field(1, ge=1, le=1000, description="Server replicas (each gets its own GPUs).")
    gpus: list[int | str] | None = Field(
        None, description="GPU indices or UUIDs for this server (workstation). Unset: the planner picks free GPUs."
    )
    gpu_count: int = Field(1, ge=1, le=64, description="GPUs per replica (tensor parallel size for vLLM).")
    mig_profile: str | None = Field(
        None, pattern=r"^\d+g\.\d+gb$", description="Run on a MIG slice of this profile (cluster pools with migAllowed)."
    )
    gpu_memory_utilization: float = Field(
        0.90, gt=0.1, le=0.98, description="Share of GPU memory the server may use (vLLM `--gpu-memory-utilization`)."
    )
    context_size: int = Field(8192, ge=128, le=1_048_576, description="Max context in tokens.")
    max_sequences: int = Field(8, ge=1, le=4096, description="Concurrent sequences the KV cache must hold.")
    kv_cache_gib: float | None = Field(
        None, gt=0, le=4096, description="KV cache budget in GiB. Unset: computed from the model's `architecture`."
    )
    kv_cache_dtype: Literal["auto", "fp16", "fp8"] = Field(
        "auto", description="KV cache precision; `fp8` only on GPUs that support it (compute capability ≥ 8.9)."
    )
    quantization: Literal["none", "fp8"] = Field(
        "none", description="Weight quantization; `fp8` only on GPUs with compute capability ≥ 8.9."
    )
    overhead_gib: float = Field(1.5, ge=0, le=64, description="CUDA context, activations and allocator slack in GiB.")
    host_cores: int = Field(1, ge=1, le=64, description="Physical CPU cores reserved for the server's host threads.")
    memory_gib: float = Field(16, gt=0, le=4096, description="Host memory limit per replica in GiB.")
    shm_gib: float = Field(2, gt=0, le=256, description="/dev/shm size in GiB (vLLM worker communication).")
    publish_port: int | None = Field(
        None, ge=1024, le=65535, description="Also publish on 127.0.0.1:<port> (default: private only)."
    )
    extra_args: list[str] = Field(default_factory=list, description="Extra server flags, appended verbatim.")

    @model_validator(mode="after")
    def _gpu_choice(self) -> "GpuServerConfig":
        if self.gpus is not None and len(self.gpus) != self.gpu_count * self.replicas:
            raise ValueError(
                f"`gpus` lists {len(self.gpus)} GPU(s) but replicas × gpuCount = {self.replicas * self.gpu_count}; "
                "list one GPU per replica × gpuCount, or remove `gpus`"
            )
        if self.mig_profile and self.gpu_count != 1:
            raise ValueError("a MIG slice is one device: set gpuCount: 1 with `migProfile`")
        return self
