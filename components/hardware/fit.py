"""Memory sizing: will a model fit on its GPU(s), and in its container's memory limit?"""
from __future__ import annotations

from dataclasses import dataclass

from ..config.models import ModelConfig
from ..config.servers import CpuServerConfig, GpuServerConfig

GIB = 1024**3
LLAMA_RUNTIME_GIB = 0.25  # llama-server's own buffers beyond weights and KV cache

# MIG profiles: "<compute>g.<memory>gb" -> usable memory in GiB (the name says it).
def mig_memory_gib(profile: str) -> float:
    return float(profile.split(".")[1].removesuffix("gb"))


@dataclass(frozen=True)
class GpuFit:
    weights_gib: float
    kv_cache_gib: float
    overhead_gib: float
    gpu_memory_gib: float  # per GPU (or MIG slice)
    gpu_count: int
    utilization: float

    @property
    def needed_gib(self) -> float:
        return self.weights_gib + self.kv_cache_gib + self.overhead_gib

    @property
    def budget_gib(self) -> float:
        return self.gpu_memory_gib * self.gpu_count * self.utilization

    @property
    def fits(self) -> bool:
        return self.needed_gib <= self.budget_gib

    def explain(self) -> str:
        return (
            f"weights {self.weights_gib:.1f} GiB + KV cache {self.kv_cache_gib:.1f} GiB + overhead "
            f"{self.overhead_gib:.1f} GiB = {self.needed_gib:.1f} GiB "
            f"{'≤' if self.fits else '>'} {self.gpu_count} × {self.gpu_memory_gib:.1f} GiB × {self.utilization:.2f} "
            f"= {self.budget_gib:.1f} GiB"
        )


def model_size_gib(model: ModelConfig, file_size_bytes: int | None = None) -> float:
    if model.size_gib is not None:
        return model.size_gib
    return (file_size_bytes or 0) / GIB


def kv_cache_gib(model: ModelConfig, tokens: int, dtype_bytes: float) -> float | None:
    """K and V for every layer: 2 × layers × kvHeads × headDim × tokens × bytes."""
    arch = model.architecture
    if arch is None:
        return None
    return 2 * arch.layers * arch.kv_heads * arch.head_dim * tokens * dtype_bytes / GIB


def gpu_fit(server: GpuServerConfig, model: ModelConfig, weights_gib: float, gpu_memory_gib: float) -> GpuFit | None:
    """None when the KV cache cannot be sized (no `kvCacheGib` and no model architecture)."""
    kv_bytes = 1 if server.kv_cache_dtype == "fp8" else 2
    kv = server.kv_cache_gib
    if kv is None:
        kv = kv_cache_gib(model, server.context_size * server.max_sequences, kv_bytes)
    if kv is None:
        return None
    if server.quantization == "fp8" and model.format == "safetensors":
        weights_gib = weights_gib / 2  # bf16 -> fp8 weights
    return GpuFit(weights_gib, kv, server.overhead_gib, gpu_memory_gib, server.gpu_count, server.gpu_memory_utilization)


def cpu_memory_needed_gib(server: CpuServerConfig, model: ModelConfig, weights_gib: float) -> float:
    """Weights + f16 KV cache for the whole context + runtime buffers."""
    kv = kv_cache_gib(model, server.context_size, 2) or 0.0
    return weights_gib + kv + LLAMA_RUNTIME_GIB
