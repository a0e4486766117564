"""The placement planner on fixture machines and on the committed stack files."""
from __future__ import annotations

import fake_nvml
import pytest
from unit_support import GGUF_7B, cpu_server, detect_stack, plan_on, stack_file

from components.config import ConfigError, load_stack_config
from components.hardware.inventory import build_inventory
from components.hardware.planner import plan

SAFETENSORS_3B = {
    "name": "qwen2.5-3b",
    "format": "safetensors",
    "huggingFace": {"repo": "Qwen/Qwen2.5-3B-Instruct", "revision": "aa8e72537993ba99e69dfaafa59ed015b17504d1"},
    "sizeGib": 5.75,
    "architecture": {"layers": 36, "kvHeads": 2, "headDim": 128},
}


def _whole_cores(replica, topology) -> bool:
    cpus = set(replica.cpus)
    return all(set(core.cpus) <= cpus for core in topology.cores if cpus & set(core.cpus))


# --- the workstation: Ryzen 9 9950X (2 CCDs × 8 cores, sibling of n is n+16) --------------------------------------


def test_9950x_three_4_core_servers_get_disjoint_whole_cores_inside_one_l3():
    raw = detect_stack(cpuServers=[cpu_server("cpu-a"), cpu_server("cpu-b"), cpu_server("cpu-c")])
    _, p = plan_on(raw, "ryzen-9950x")
    topo = p.inventory.machines[0].topology
    assert [r.cpuset for r in p.cpu] == ["1-4,17-20", "8-11,24-27", "12-15,28-31"]
    assert p.reserved and {c for core in p.reserved for c in core.cpus} == {0, 16}
    seen: set[int] = set()
    for r in p.cpu:
        assert len(r.cores) == 4 and len(r.cpus) == 8 and r.threads == 4
        assert len(r.l3_domains) == 1, f"{r.server} spans L3 domains {r.l3_domains}"
        assert _whole_cores(r, topo)
        assert not seen & set(r.cpus)
        seen |= set(r.cpus)
    assert not seen & {0, 16}
    assert p.warnings == ()


def test_9950x_seed_layout_0_7_8_15_16_23_is_rejected():
    """8 logical CPUs each, but 0-7 and 16-23 are the same 8 physical cores: two servers would share them."""
    raw = detect_stack(
        cpuServers=[
            cpu_server("cpu-a", cpuList=list(range(0, 8))),
            cpu_server("cpu-b", cpuList=list(range(8, 16))),
            cpu_server("cpu-c", cpuList=list(range(16, 24))),
        ]
    )
    with pytest.raises(ConfigError) as info:
        plan_on(raw, "ryzen-9950x")
    text = str(info.value)
    assert "aistack:cpuServers[0].cpuList: splits physical cores: add their SMT siblings 16-23" in text
    assert "aistack:cpuServers[0].cpuList: covers 8 physical core(s) but cores is 4" in text
    assert "aistack:cpuServers[2].cpuList: overlaps the cores of cpu-a" in text
    assert all(p.path.startswith("cpuServers[") and p.path.endswith("].cpuList") for p in info.value.problems)


def test_9950x_explicit_whole_cores_are_kept():
    raw = detect_stack(
        cpuServers=[
            cpu_server("cpu-a", cpuList=[4, 5, 6, 7, 20, 21, 22, 23]),
            cpu_server("cpu-b"),
        ]
    )
    _, p = plan_on(raw, "ryzen-9950x")
    assert p.cpu[0].cpuset == "4-7,20-23"
    assert p.cpu[1].cpuset == "8-11,24-27"  # a whole free CCD beats the 3 cores left in CCD 0
    assert {c for core in p.reserved for c in core.cpus} == {0, 16}


def test_a_server_larger_than_a_ccd_spans_with_a_warning():
    _, p = plan_on(detect_stack(cpuServers=[cpu_server("big", cores=12, memoryGib=16)]), "ryzen-9950x")
    (r,) = p.cpu
    assert len(r.cores) == 12 and r.l3_domains == (0, 1)
    assert p.warnings == ("big replica 0 spans more than one L3 domain: it fits no single L3 domain",)


def test_epyc_8_core_replicas_each_get_their_own_ccd():
    raw = detect_stack(cpuServers=[cpu_server("chat", cores=8, replicas=7)])
    _, p = plan_on(raw, "epyc-2s-64c")
    assert [r.l3_domains for r in p.cpu] == [(i,) for i in range(1, 8)]  # CCD 0 holds the OS reserve
    assert all(len({c.numa for c in r.cores}) == 1 for r in p.cpu)
    assert p.cpu[0].cpuset == "8-15,72-79"


def test_laptop_without_smt_runs_out_of_cores():
    raw = detect_stack(cpuServers=[cpu_server("a", cores=2), cpu_server("b", cores=2)])
    with pytest.raises(ConfigError) as info:
        plan_on(raw, "laptop-4c")
    assert str(info.value).count("not enough physical cores") == 1
    assert "servers need 4 (CPU servers) + 0 (GPU host threads) + 1 reserved = 5, the host has 4" in str(info.value)


# --- the committed stack files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "dev",
        "prod",
        "local",
    ],
)
def test_stack_files_validate(name):
    cfg = load_stack_config(stack_file(name), name)
    assert cfg.target == {"dev": "docker", "prod": "kubernetes", "local": "docker"}[name]


def test_dev_plan():
    cfg = load_stack_config(stack_file("dev"), "dev")
    p = plan(cfg, build_inventory(cfg.hardware), stack="dev")
    assert [(r.server, r.cpuset, r.l3_domains) for r in p.cpu] == [
        ("cpu-a", "3-6,19-22", (0,)),
        ("cpu-b", "8-11,24-27", (1,)),
        ("cpu-c", "12-15,28-31", (1,)),
    ]
    assert {c for core in p.reserved for c in core.cpus} == {0, 16}
    gpu = {r.server: r for r in p.gpu}
    assert gpu["llama-gpu"].host_cpuset == "1,17" and gpu["vllm"].host_cpuset == "2,18"
    assert [g.index for g in gpu["llama-gpu"].gpus] == [0] == [g.index for g in gpu["vllm"].gpus]
    llama, vllm = gpu["llama-gpu"].fit, gpu["vllm"].fit
    assert (llama.weights_gib, llama.kv_cache_gib, llama.overhead_gib) == (8.37, 3.0, 1.5)
    assert llama.needed_gib == pytest.approx(12.87) and llama.budget_gib == pytest.approx(14.4)
    assert (vllm.weights_gib, vllm.kv_cache_gib) == (5.75, 2.25) and vllm.needed_gib == pytest.approx(9.5)
    # The two servers share the RTX 5090: vLLM reserves its whole budget, llama.cpp what it needs.
    assert vllm.budget_gib + llama.needed_gib <= 32
    assert p.cuda_archs == ("120",) and p.march == "znver5"
    all_cpus = [c for r in p.cpu for c in r.cpus] + [c for r in p.gpu for core in r.host_cores for c in core.cpus]
    assert len(all_cpus) == len(set(all_cpus)) == 28


def test_prod_plan_uses_mig_for_small():
    cfg = load_stack_config(stack_file("prod"), "prod")
    p = plan(cfg, build_inventory(cfg.hardware), stack="prod")
    assert [(r.server, r.machine, r.core_count, r.cpuset) for r in p.cpu] == [("cpu-chat", "cpu", 8, "")] * 6
    small = p.gpu_replicas("small")
    assert len(small) == 4 and {r.mig_profile for r in small} == {"3g.40gb"}
    fit = small[0].fit
    assert (fit.gpu_memory_gib, fit.gpu_count, fit.kv_cache_gib) == (40.0, 1, 4.5)
    assert fit.needed_gib == pytest.approx(11.75) and fit.budget_gib == pytest.approx(36.0)
    big = p.gpu_replicas("llama70b")
    assert len(big) == 2 and all(len(r.gpus) == 4 and r.mig_profile is None for r in big)
    assert big[0].fit.weights_gib == pytest.approx(65.7)  # fp8 halves the bf16 weights
    assert big[0].fit.kv_cache_gib == pytest.approx(80.0)  # fp8 KV: 2 × 80 × 8 × 128 × 32768 × 16 bytes
    assert big[0].fit.budget_gib == pytest.approx(288.0)
    assert p.cuda_archs == ("90",)


# --- fit checks and GPUs ------------------------------------------------------------------------------------------


def test_fit_check_refuses_a_too_big_model_with_the_numbers():
    raw = stack_file("dev")
    raw["gpuServers"][1].update(contextSize=131072, maxSequences=64)
    cfg = load_stack_config(raw, "dev")
    with pytest.raises(ConfigError) as info:
        plan(cfg, build_inventory(cfg.hardware), stack="dev")
    (problem,) = info.value.problems
    assert problem.path == "gpuServers[1]"
    assert (
        "model 'qwen2.5-3b' does not fit: weights 5.8 GiB + KV cache 288.0 GiB + overhead 1.5 GiB = 295.2 GiB "
        "> 1 × 32.0 GiB × 0.45 = 14.4 GiB" in problem.message
    )


def test_two_servers_overcommitting_one_gpu_are_refused():
    raw = stack_file("dev")
    raw["gpuServers"][1]["gpuMemoryUtilization"] = 0.9
    cfg = load_stack_config(raw, "dev")
    with pytest.raises(ConfigError, match=r"aistack:gpuServers: GPU 0 \(NVIDIA GeForce RTX 5090, 32.0 GiB\) is shared "
                       r"by llama-gpu 12.9 GiB \+ vllm 28.8 GiB = 41.7 GiB"):
        plan(cfg, build_inventory(cfg.hardware), stack="dev")


def _vllm(name="vllm", **extra):
    return {"name": name, "engine": "vllm", "model": "qwen2.5-3b", "contextSize": 8192, "maxSequences": 8, **extra}


def test_gpu_servers_on_a_host_without_gpus_say_so():
    raw = detect_stack(models=[GGUF_7B, SAFETENSORS_3B], gpuServers=[_vllm()])
    with pytest.raises(ConfigError) as info:
        plan_on(raw, "ryzen-9950x", fake_nvml.no_driver)
    (problem,) = info.value.problems
    assert str(problem) == (
        "aistack:gpuServers: 1 GPU server(s) configured but this machine has no NVIDIA GPU "
        "(NVML is not available (NVML Shared Library Not Found): no NVIDIA driver); "
        "remove gpuServers or deploy on a GPU host"
    )


def test_declared_host_without_gpus_says_so():
    raw = stack_file("dev")
    raw["hardware"]["host"]["gpus"] = []
    with pytest.raises(ConfigError, match="aistack:gpuServers: 2 GPU server.s. configured but the declared hardware "
                       "has no NVIDIA GPU"):
        cfg = load_stack_config(raw, "dev")
        plan(cfg, build_inventory(cfg.hardware))


def test_detected_rtx_5090_plans_a_vllm_server():
    raw = detect_stack(models=[GGUF_7B, SAFETENSORS_3B], gpuServers=[_vllm(gpuMemoryUtilization=0.9)])
    _, p = plan_on(raw, "ryzen-9950x", fake_nvml.rtx_5090)
    (r,) = p.gpu
    assert r.gpus[0].name == "NVIDIA GeForce RTX 5090" and r.fit.fits
    assert r.fit.budget_gib == pytest.approx(32607 / 1024 * 0.9)
    assert r.host_cpuset == "1,17"


def test_mig_enabled_gpus_are_not_used_whole():
    nvml = lambda: fake_nvml.h100_x8(mig_enabled={0, 1})  # noqa: E731
    raw = detect_stack(models=[GGUF_7B, SAFETENSORS_3B], gpuServers=[_vllm(gpuCount=2)])
    _, p = plan_on(raw, "epyc-2s-64c", nvml)
    assert [g.index for g in p.gpu[0].gpus] == [2, 3]
    raw = detect_stack(models=[GGUF_7B, SAFETENSORS_3B], gpuServers=[_vllm(gpus=[1])])
    with pytest.raises(ConfigError, match=r"aistack:gpuServers\[0\].gpus\[0\]: GPU 1 \(NVIDIA H100 80GB HBM3\) has MIG "
                       r"enabled, so it cannot be used whole"):
        plan_on(raw, "epyc-2s-64c", nvml)


def test_fp8_on_an_older_gpu_is_refused():
    raw = stack_file("dev")
    raw["hardware"]["host"]["gpus"] = [{"name": "NVIDIA GeForce RTX 3090", "memoryGib": 24, "computeCapability": "8.6"}]
    raw["gpuServers"] = [dict(raw["gpuServers"][1], quantization="fp8")]
    cfg = load_stack_config(raw, "dev")
    with pytest.raises(ConfigError, match=r"aistack:gpuServers\[0\].quantization: fp8 needs compute capability ≥ 8.9; "
                       r"NVIDIA GeForce RTX 3090 has 8.6"):
        plan(cfg, build_inventory(cfg.hardware))


# --- cluster ------------------------------------------------------------------------------------------------------


def _prod_with(**small):
    raw = stack_file("prod")
    raw["gpuServers"][1].update(small)
    return load_stack_config(raw, "prod")


def test_cluster_replicas_must_fit_one_node_each():
    """4 nodes × 8 GPUs hold 32 GPUs, but only 2 replicas of 3 GPUs fit on a node: 8 in all, not 10."""
    raw = stack_file("prod")
    raw["gpuServers"] = [dict(raw["gpuServers"][0], gpuCount=3, replicas=10)]
    cfg = load_stack_config(raw, "prod")
    with pytest.raises(ConfigError, match=r"aistack:gpuServers\[0\].replicas: pool gpu runs out of GPUs: 10 replica"):
        plan(cfg, build_inventory(cfg.hardware))
    raw["gpuServers"][0]["replicas"] = 8
    cfg = load_stack_config(raw, "prod")
    assert len(plan(cfg, build_inventory(cfg.hardware)).gpu) == 8


@pytest.mark.parametrize(
    "profile, replicas, message",
    [
        ("7g.100gb", 1, "7g.100gb does not fit a NVIDIA H100 80GB HBM3"),
        ("8g.10gb", 1, "8g.10gb does not fit a NVIDIA H100 80GB HBM3"),
        ("4g.40gb", 25, "no room for 25 4g.40gb slice(s) (25 GPU(s) at 1 per GPU"),
    ],
)
def test_impossible_mig_requests_are_problems_not_crashes(profile, replicas, message):
    cfg = _prod_with(migProfile=profile, replicas=replicas)
    with pytest.raises(ConfigError) as info:
        plan(cfg, build_inventory(cfg.hardware))
    assert message in str(info.value)


def test_mig_needs_mig_capable_gpus():
    raw = stack_file("prod")
    for gpu in raw["hardware"]["nodePools"][1]["gpus"]:
        gpu["migCapable"] = False
    cfg = load_stack_config(raw, "prod")
    with pytest.raises(ConfigError, match=r"aistack:gpuServers\[1\].migProfile: the GPUs of pool gpu .* are not MIG-capable"):
        plan(cfg, build_inventory(cfg.hardware))


def test_full_h100_mig_profile_fits_an_80gb_card():
    cfg = _prod_with(migProfile="7g.80gb", replicas=4)
    p = plan(cfg, build_inventory(cfg.hardware))
    assert {r.fit.gpu_memory_gib for r in p.gpu_replicas("small")} == {80.0}
