"""What discovery found on a real H100 host (tests/fixtures/h100_discovery.json), fed back into the planner."""
from __future__ import annotations

import fake_nvml
import pytest
from unit_support import plan_on

from components.config import ConfigError
from components.hardware.topology import CpuTopology, PhysicalCore

LLAMA_8B = {
    "name": "llama-3.1-8b",
    "format": "safetensors",
    "huggingFace": {"repo": "meta-llama/Llama-3.1-8B-Instruct", "revision": "0e9e39f249a16976918f6564b8830bc894c89659"},
    "sizeGib": 14.96,
    "architecture": {"layers": 32, "kvHeads": 8, "headDim": 128},
}
LLAMA_70B = {
    "name": "llama-3.1-70b",
    "format": "safetensors",
    "huggingFace": {"repo": "meta-llama/Llama-3.1-70B-Instruct", "revision": "1605565b47bb9346c5515c34102e054115b4f98b"},
    "sizeGib": 131.4,
    "architecture": {"layers": 80, "kvHeads": 8, "headDim": 128},
}


def _stack(*servers):
    return {
        "target": "docker",
        "hardware": {"detect": True, "reservedCores": 1, "reservedMemoryGib": 8},
        "models": [LLAMA_8B, LLAMA_70B],
        "gpuServers": list(servers),
    }


def _vllm(name, model, **extra):
    return {"name": name, "engine": "vllm", "model": model, "gpuMemoryUtilization": 0.9, "contextSize": 8192,
            "maxSequences": 16, "memoryGib": 32, "hostCores": 2, **extra}


def test_recorded_gpu(h100_discovery):
    (gpu,) = h100_discovery["nvml"]["gpus"]
    assert gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["compute_capability"] == [9, 0]
    assert gpu["memory_bytes"] == 81559 * 1024**2  # NVML's total for an "80GB" H100: 79.6 GiB
    assert (gpu["mig_capable"], gpu["mig_enabled"]) == (True, False)
    assert h100_discovery["nvml"]["error"] is None and h100_discovery["nvml"]["driver_version"]


def test_recorded_topology_rebuilds(h100_discovery):
    cpu = h100_discovery["cpu"]
    topo = CpuTopology(cpu["model"], tuple(PhysicalCore(f, tuple(c), l3, n, p) for f, c, l3, n, p in cpu["cores"]))
    assert topo.summary() == cpu["summary"]
    assert (len(topo.cores), topo.logical_cpus) == (cpu["physical_cores"], cpu["logical_cpus"])


def test_vllm_8b_fits_the_h100(h100_discovery):
    nvml = lambda: fake_nvml.from_discovery(h100_discovery["nvml"])  # noqa: E731
    _, p = plan_on(_stack(_vllm("vllm-8b", "llama-3.1-8b")), "h100-vm", nvml)
    (r,) = p.gpu
    assert r.gpus[0].name == "NVIDIA H100 80GB HBM3" and r.gpus[0].uuid == h100_discovery["nvml"]["gpus"][0]["uuid"]
    assert r.fit.fits
    assert r.fit.kv_cache_gib == pytest.approx(16.0)  # 2 × 32 layers × 8 heads × 128 × 131072 tokens × 2 bytes
    assert r.fit.needed_gib == pytest.approx(14.96 + 16.0 + 1.5)
    assert r.fit.budget_gib == pytest.approx(81559 / 1024 * 0.9)
    assert len(r.host_cores) == 2 and p.cuda_archs == ("90",)
    assert p.inventory.detected and p.inventory.machines[0].topology.source == "sysfs"


@pytest.mark.parametrize(
    "extra, numbers",
    [
        ({}, "weights 131.4 GiB + KV cache 40.0 GiB + overhead 1.5 GiB = 172.9 GiB > 1 × 79.6 GiB × 0.90 = 71.7 GiB"),
        ({"quantization": "fp8", "kvCacheDtype": "fp8"},
         "weights 65.7 GiB + KV cache 20.0 GiB + overhead 1.5 GiB = 87.2 GiB > 1 × 79.6 GiB × 0.90 = 71.7 GiB"),
    ],
)
def test_vllm_70b_does_not_fit_one_h100(h100_discovery, extra, numbers):
    nvml = lambda: fake_nvml.from_discovery(h100_discovery["nvml"])  # noqa: E731
    with pytest.raises(ConfigError) as info:
        plan_on(_stack(_vllm("vllm-70b", "llama-3.1-70b", **extra)), "h100-vm", nvml)
    (problem,) = info.value.problems
    assert problem.path == "gpuServers[0]"
    assert f"model 'llama-3.1-70b' does not fit: {numbers}" in problem.message


def test_two_replicas_need_two_gpus(h100_discovery):
    nvml = lambda: fake_nvml.from_discovery(h100_discovery["nvml"])  # noqa: E731
    with pytest.raises(ConfigError, match=r"aistack:gpuServers\[0\].gpuCount: needs 2 free GPU\(s\); 1 left on localhost"):
        plan_on(_stack(_vllm("vllm-8b", "llama-3.1-8b", replicas=2)), "h100-vm", nvml)
