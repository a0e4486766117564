"""discover_gpus against the fake NVML (and the fake against what pynvml returned on a real H100)."""
from __future__ import annotations

import fake_nvml
import pytest

from components.hardware.gpus import discover_gpus

GIB = 1024**3


@pytest.mark.parametrize(
    "error, text",
    [
        (fake_nvml.NVMLError_LibraryNotFound, "NVML Shared Library Not Found"),
        (fake_nvml.NVMLError_DriverNotLoaded, "Driver Not Loaded"),
    ],
)
def test_no_driver(error, text):
    nvml = fake_nvml.no_driver(error)
    found = discover_gpus(nvml)
    assert found.gpus == () and found.driver_version is None
    assert found.error == f"NVML is not available ({text}): no NVIDIA driver"
    assert nvml.shutdown_calls == 0  # never initialised, so never shut down


def test_one_rtx_5090():
    nvml = fake_nvml.rtx_5090()
    found = discover_gpus(nvml)
    assert found.error is None and found.driver_version == "575.57.08"
    (gpu,) = found.gpus
    assert gpu.index == 0
    assert gpu.name == "NVIDIA GeForce RTX 5090"
    assert gpu.uuid.startswith("GPU-")
    assert gpu.memory_bytes == 32607 * 1024**2 and round(gpu.memory_gib) == 32
    assert gpu.compute_capability == (12, 0) and gpu.cuda_arch == "120" and gpu.supports_fp8
    assert (gpu.mig_capable, gpu.mig_enabled) == (False, False)  # nvmlDeviceGetMigMode: NotSupported
    assert (nvml.init_calls, nvml.shutdown_calls) == (1, 1)


def test_eight_h100_with_mig_on_some():
    found = discover_gpus(fake_nvml.h100_x8(mig_enabled={2, 5}))
    assert [g.index for g in found.gpus] == list(range(8))
    assert len({g.uuid for g in found.gpus}) == 8
    assert all(g.name == "NVIDIA H100 80GB HBM3" and g.compute_capability == (9, 0) for g in found.gpus)
    assert all(g.cuda_arch == "90" and g.supports_fp8 and g.mig_capable for g in found.gpus)
    assert [g.index for g in found.gpus if g.mig_enabled] == [2, 5]
    assert all(79 < g.memory_gib < 80 for g in found.gpus)  # 81559 MiB


def test_bytes_strings_are_decoded():
    """Older pynvml releases returned bytes for names, UUIDs and the driver version."""

    class BytesNvml(fake_nvml.FakeNvml):
        def nvmlDeviceGetName(self, handle):  # noqa: N802
            return super().nvmlDeviceGetName(handle).encode()

        def nvmlSystemGetDriverVersion(self):  # noqa: N802
            return super().nvmlSystemGetDriverVersion().encode()

    found = discover_gpus(BytesNvml(fake_nvml.rtx_5090().gpus))
    assert found.gpus[0].name == "NVIDIA GeForce RTX 5090" and found.driver_version == "575.57.08"


def test_a_lost_gpu_is_skipped_and_named():
    nvml = fake_nvml.h100_x8()
    nvml.gpus[3].lost = True
    found = discover_gpus(nvml)
    assert [g.index for g in found.gpus] == [0, 1, 2, 4, 5, 6, 7]
    assert found.error == "GPU 3 skipped (GPU is lost)"
    assert nvml.shutdown_calls == 1


def test_fake_matches_real_pynvml_types(h100_discovery):
    """The fake returns what pynvml returned on the H100 host: str names/UUIDs, [cur, pending] MIG mode."""
    raw = h100_discovery["nvml_raw"]["devices"][0]
    nvml = fake_nvml.h100_x8()
    nvml.nvmlInit()
    handle = nvml.nvmlDeviceGetHandleByIndex(0)
    assert type(nvml.nvmlDeviceGetName(handle)).__name__ == raw["name"]["type"] == "str"
    assert type(nvml.nvmlDeviceGetUUID(handle)).__name__ == raw["uuid"]["type"] == "str"
    assert type(nvml.nvmlDeviceGetMigMode(handle)).__name__ == raw["mig_mode"]["type"] == "list"
    assert list(nvml.nvmlDeviceGetCudaComputeCapability(handle)) == raw["cuda_compute_capability"]["value"]
    assert nvml.nvmlDeviceGetMemoryInfo(handle).total == raw["memory_info"]["value"]["total"]
    assert type(nvml.nvmlSystemGetDriverVersion()).__name__ == h100_discovery["nvml_raw"]["driver_version"]["type"]


def test_recorded_h100_replays_through_the_fake(h100_discovery):
    recorded = h100_discovery["nvml"]
    found = discover_gpus(fake_nvml.from_discovery(recorded))
    assert found.driver_version == recorded["driver_version"]
    assert [
        {
            "index": g.index,
            "uuid": g.uuid,
            "name": g.name,
            "memory_bytes": g.memory_bytes,
            "memory_gib": round(g.memory_gib, 3),
            "compute_capability": list(g.compute_capability),
            "mig_capable": g.mig_capable,
            "mig_enabled": g.mig_enabled,
        }
        for g in found.gpus
    ] == recorded["gpus"]
