"""`python -m components.plan`: run as a user would, in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys

import yaml
from unit_support import ROOT, SYSFS


def run_plan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "components.plan", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_dev_table():
    result = run_plan("--stack", "dev")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "AMD Ryzen 9 9950X: 16 cores / 32 threads, 2 L3 domain(s), 1 NUMA node(s)" in out
    assert "L3 0: CPUs 0-7,16-23" in out and "L3 1: CPUs 8-15,24-31" in out
    assert "GPU 0:  NVIDIA GeForce RTX 5090, 32.0 GiB, compute capability 12.0" in out
    assert "Reserved: 1 core(s) for the OS (CPUs 0,16)" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("cpu-", "llama-gpu", "vllm "))}
    assert rows["cpu-a"][:6] == ["cpu-a", "0", "ryzen-9950x", "4", "3-6,19-22", "0"]
    assert rows["cpu-c"][4:6] == ["12-15,28-31", "1"]
    assert rows["vllm"][4:7] == ["2,18", "0", "0"]
    header = next(line for line in out.splitlines() if line.startswith("SERVER"))
    assert header.split() == ["SERVER", "REPLICA", "MACHINE", "CORES", "CPUSET", "L3", "GPUS/MIG", "FIT", "(GiB)"]
    assert "llama-gpu: weights 8.4 GiB + KV cache 3.0 GiB + overhead 1.5 GiB = 12.9 GiB ≤ 1 × 32.0 GiB × 0.45 = 14.4 GiB" in out
    assert "Warnings: none" in out


def test_prod_json():
    result = run_plan("--stack", "prod", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] and data["target"] == "kubernetes" and data["hardware"]["kind"] == "cluster"
    assert [m["name"] for m in data["hardware"]["machines"]] == ["cpu", "gpu"]
    assert len(data["cpuReplicas"]) == 6 and {r["cpuset"] for r in data["cpuReplicas"]} == {None}
    small = [r for r in data["gpuReplicas"] if r["server"] == "small"]
    assert len(small) == 4 and {r["migProfile"] for r in small} == {"3g.40gb"}
    assert small[0]["fit"] | {"explain": ""} == {
        "weightsGib": 5.75, "kvCacheGib": 4.5, "overheadGib": 1.5, "neededGib": 11.75, "gpuMemoryGib": 40.0,
        "gpuCount": 1, "utilization": 0.9, "budgetGib": 36.0, "fits": True, "explain": "",
    }


def _project(tmp_path, name: str, config: dict) -> str:
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return str(tmp_path)


def test_bad_config_exits_2_without_a_traceback(tmp_path):
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["aistack:cpuServers"][0]["cores"] = 0
    config["aistack:cpuServers"][1]["coers"] = 4
    config["aistack:target"] = "nomad"
    result = run_plan("--stack", "broken", "--project-dir", _project(tmp_path, "broken", config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.splitlines() == [
        "3 problem(s) in Pulumi.broken.yaml; nothing was deployed:",
        "  - aistack:target: must be one of 'docker' or 'kubernetes' (got 'nomad')",
        "  - aistack:cpuServers[0].cores: must be greater than or equal to 1 (got 0)",
        "  - aistack:cpuServers[1].coers: unknown key; did you mean `cores`? valid keys here: contextSize, cores, "
        "cpuList, extraArgs, memoryGib, mlock, model, name, parallel, publishPort, replicas",
    ]


def test_bad_config_json(tmp_path):
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["aistack:cpuServers"][0]["model"] = "nope"
    result = run_plan("--stack", "broken", "--project-dir", _project(tmp_path, "broken", config), "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["problems"][0]["path"] == "aistack:cpuServers[0].model"
    assert data["problems"][0]["message"].startswith("unknown model 'nope'")


def test_detect_reads_the_machine(tmp_path):
    """`detect: true` reads sysfs (here a fixture copy of it) and NVML."""
    config = {
        "aistack:target": "docker",
        "aistack:hardware": {"detect": True, "reservedCores": 1, "reservedMemoryGib": 2},
        "aistack:models": [{"name": "tiny", "path": "tiny.gguf", "sha256": "0" * 64}],
        "aistack:cpuServers": [{"name": "tiny", "model": "tiny", "cores": 2, "memoryGib": 1, "contextSize": 256}],
    }
    (tmp_path / "tiny.gguf").write_bytes(b"\0" * 1024)
    result = run_plan("--stack", "box", "--project-dir", _project(tmp_path, "box", config),
                      "--sysfs-root", str(SYSFS / "laptop-4c"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["hardware"]["detected"] is True
    (machine,) = data["hardware"]["machines"]
    assert machine["cpu"]["model"] == "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz" and machine["memoryGib"] == 16
    assert data["hardware"]["reservedCpuset"] == "0"
    assert [(r["server"], r["cpuset"]) for r in data["cpuReplicas"]] == [("tiny", "1-2")]


def test_missing_stack_lists_the_stacks():
    """Also through `python -m components plan`."""
    result = subprocess.run([sys.executable, "-m", "components", "plan", "--stack", "nope"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no stack file Pulumi.nope.yaml; stacks: " in result.stderr and "dev" in result.stderr
