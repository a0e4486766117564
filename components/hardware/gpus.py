"""GPU discovery through NVML (the `pynvml` module of the nvidia-ml-py distribution)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GIB = 1024**3


@dataclass(frozen=True)
class GpuInfo:
    index: int
    uuid: str
    name: str
    memory_bytes: int
    compute_capability: tuple[int, int]
    mig_capable: bool = False
    mig_enabled: bool = False

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / GIB

    @property
    def cuda_arch(self) -> str:
        """CMAKE_CUDA_ARCHITECTURES value: 12.0 -> 120, 9.0 -> 90."""
        return f"{self.compute_capability[0]}{self.compute_capability[1]}"

    @property
    def supports_fp8(self) -> bool:
        """FP8 tensor cores: Ada (8.9), Hopper (9.0) and newer."""
        return self.compute_capability >= (8, 9)


@dataclass(frozen=True)
class GpuDiscovery:
    gpus: tuple[GpuInfo, ...]
    driver_version: str | None
    error: str | None = None  # why no GPUs (or not all of them) were found, in words


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def discover_gpus(nvml: Any = None) -> GpuDiscovery:
    """Ask NVML for every GPU. With no driver or library, report no GPUs and say why."""
    if nvml is None:
        try:
            import pynvml as nvml  # type: ignore[no-redef]
        except ImportError:
            return GpuDiscovery((), None, "the nvidia-ml-py package is not installed")
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, ...
        return GpuDiscovery((), None, f"NVML is not available ({_text(exc) or type(exc).__name__}): no NVIDIA driver")
    try:
        driver = _text(nvml.nvmlSystemGetDriverVersion())
        gpus, skipped = [], []
        for index in range(nvml.nvmlDeviceGetCount()):
            try:
                gpus.append(_gpu_info(nvml, index))
            except Exception as exc:  # NVMLError_GpuIsLost, _Unknown, ...: skip that GPU, keep the others
                skipped.append(f"GPU {index} skipped ({_text(exc) or type(exc).__name__})")
        return GpuDiscovery(tuple(gpus), driver, "; ".join(skipped) or None)
    except Exception as exc:
        return GpuDiscovery((), None, f"NVML failed ({_text(exc) or type(exc).__name__})")
    finally:
        nvml.nvmlShutdown()


def _gpu_info(nvml: Any, index: int) -> GpuInfo:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    major, minor = nvml.nvmlDeviceGetCudaComputeCapability(handle)
    mig_capable = mig_enabled = False
    try:
        current, _pending = nvml.nvmlDeviceGetMigMode(handle)
        mig_capable, mig_enabled = True, bool(current)
    except Exception:  # NVMLError_NotSupported on GPUs without MIG
        pass
    return GpuInfo(
        index=index,
        uuid=_text(nvml.nvmlDeviceGetUUID(handle)),
        name=_text(nvml.nvmlDeviceGetName(handle)),
        memory_bytes=int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
        compute_capability=(int(major), int(minor)),
        mig_capable=mig_capable,
        mig_enabled=mig_enabled,
    )
