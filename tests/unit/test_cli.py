"""`python -m components.cli`: run as a user would, in subprocesses; pulumi and docker are stand-in scripts
that record their arguments, so no toolchain or engine is needed."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import fake_nvml
import pytest
from unit_support import ROOT, SYSFS

from components.cli.doctor_checks import FAIL, OK, WARN, check_cpu, check_gpus, check_nvidia_runtime
from components.hardware.gpus import discover_gpus

DOCTOR_IDS = ["engine", "buildkit", "memlock", "gpus", "nvidia-runtime", "cpu", "pulumi", "plugin-docker", "plugin-kubernetes",
              "venv", "tiny-model"]


def cli(*args: str, path: str | None = None, env: dict[str, str] | None = None, stdin=subprocess.DEVNULL):
    full_env = {**os.environ, **(env or {})}
    if path is not None:
        full_env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "components.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=full_env, stdin=stdin)


@pytest.fixture
def fakes(tmp_path: pathlib.Path):
    """A PATH with stand-in `pulumi` (its backend has the stacks dev and local) and `docker` that log their
    arguments, one call per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    (bin_dir / "pulumi").write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "stack ls" ]; then echo \'[{{"name": "dev"}}, {{"name": "local"}}]\'; exit 0; fi\n'
        f'echo "pulumi $*" >> {log}\nexit "${{FAKE_PULUMI_RC:-0}}"\n'
    )
    (bin_dir / "docker").write_text(
        f'#!/bin/sh\necho "docker $*" >> {log}\n'
        'if [ "$1 $2" = "volume ls" ]; then printf "aistack-models\\nother-data\\naistack-grafana-data\\n"; fi\n'
    )
    for exe in bin_dir.iterdir():
        exe.chmod(0o755)

    def calls() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    return f"{bin_dir}:/usr/bin:/bin", calls


def test_plan_dev_prints_the_table():
    result = cli("plan", "dev")
    assert result.returncode == 0, result.stderr
    assert "Stack dev: target docker" in result.stdout
    assert any(line.split()[:5] == ["cpu-a", "0", "ryzen-9950x", "4", "3-6,19-22"] for line in result.stdout.splitlines())


def test_unknown_stack_is_one_clear_message():
    result = cli("plan", "nope")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown stack 'nope': there is no Pulumi.nope.yaml (stacks: dev, local, prod)"
    assert "Traceback" not in result.stderr + result.stdout


def test_compliance_json_has_rows():
    result = cli("compliance", "dev", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stack"] == "dev" and report["summary"]["mandatory_failures"] == 0
    assert len(report["results"]) == report["summary"]["rules"] * report["summary"]["resources"] > 0
    assert {"aistack-gateway", "aistack-models"} <= {r["name"] for r in report["resources"]}


def test_doctor_json_reports_every_check():
    result = cli("doctor", "--json")
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["checks"]] == DOCTOR_IDS
    assert all(c["status"] in (OK, WARN, FAIL) and c["detail"] for c in data["checks"])
    assert all(c["fix"] for c in data["checks"] if c["status"] != OK)
    failed = any(c["status"] == FAIL for c in data["checks"])
    assert data["ok"] is not failed and result.returncode == (1 if failed else 0)


def test_doctor_without_pulumi_says_how_to_get_it(tmp_path):
    result = cli("doctor", path=f"{tmp_path}:/usr/bin:/bin", env={"AISTACK_CACHE": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("FAIL  Pulumi CLI"))
    assert "pulumi is not on PATH" in lines[at]
    assert lines[at + 1].split() == ["fix:", "scripts/bootstrap.sh", "--toolchain,", "then", ".", "scripts/env.sh"]
    assert lines[-1].endswith("FAIL") and "==> checking" in lines[0]


def test_up_without_pulumi_prints_the_fix_and_exits_2(tmp_path):
    result = cli("up", "dev", path=f"{tmp_path}:/usr/bin:/bin")
    assert result.returncode == 2
    assert "the Pulumi CLI is not on PATH" in result.stderr
    assert "`scripts/bootstrap.sh --toolchain`, then `. scripts/env.sh`" in result.stderr
    assert "Traceback" not in result.stderr


def test_preview_passes_diff_and_policy_pack_and_keeps_the_exit_code(fakes):
    path, calls = fakes
    result = cli("preview", "dev", "--policy-pack", "policies", "--", "--refresh", path=path, env={"FAKE_PULUMI_RC": "3"})
    assert result.returncode == 3
    assert calls() == [f"pulumi preview --stack dev --non-interactive --diff --policy-pack {ROOT / 'policies'} --refresh"]
    assert "==> pulumi preview of stack dev" in result.stdout
    assert "==> pulumi preview failed with exit code 3" in result.stdout


def test_up_runs_non_interactively(fakes):
    path, calls = fakes
    result = cli("up", "local", path=path)
    assert result.returncode == 0, result.stderr
    assert calls() == ["pulumi up --stack local --non-interactive --yes"]


def test_destroy_keeps_data_by_default(fakes):
    path, calls = fakes
    result = cli("destroy", "dev", "--yes", path=path)
    assert result.returncode == 0, result.stderr
    assert calls() == ["pulumi destroy --stack dev --non-interactive --yes"]
    assert "data volumes kept" in result.stdout


def test_destroy_delete_data_removes_only_the_stacks_data_volumes(fakes):
    path, calls = fakes
    result = cli("destroy", "dev", "--delete-data", "--yes", path=path)
    assert result.returncode == 0, result.stderr
    assert calls() == [
        "pulumi destroy --stack dev --non-interactive --yes",
        "docker volume ls --quiet --filter label=aistack.dev/data=true",
        "docker volume rm aistack-grafana-data aistack-models",
    ]
    assert "  aistack-models" in result.stdout.splitlines()


@pytest.mark.parametrize("args, message", [
    (["preview", "dev", "--policy-pack", "no-such-dir"], "error: --policy-pack: no-such-dir does not exist"),
    (["destroy", "dev"], "needs an answer and there is no terminal: pass --yes (make: YES=1)"),
    (["up", "prod"], "stack prod does not exist in"),
    (["destroy", "prod", "--delete-data", "--yes"], "stack prod targets kubernetes"),
    (["plan", "dev", "--", "--refresh"], "arguments after `--` go to pulumi; `plan` takes none"),
])
def test_bad_input_stops_before_pulumi(fakes, args, message):
    path, calls = fakes
    result = cli(*args, path=path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert calls() == []


def test_pr_comment_has_the_diff_and_the_report(tmp_path):
    out = tmp_path / "comment.md"
    env = {"AISTACK_PREVIEW_DEV": "\x1b[32m+ docker:index/container:Container aistack-cpu-a create\x1b[0m",
           "AISTACK_PREVIEW_DEV_OUTCOME": "failure"}
    result = cli("pr-comment", "dev", "--out", str(out), env=env)
    assert result.returncode == 1 and "preview failed for: dev" in result.stdout
    text = out.read_text()
    assert text.startswith("<!-- aistack:pr-comment -->\n## aistack: preview and compliance")
    assert "| `dev` | ❌ failed | 0 mandatory failure(s);" in text
    assert "````diff\n+ docker:index/container:Container aistack-cpu-a create\n````" in text
    assert "#### Policy compliance: stack `dev`" in text


# --- doctor's checks on hardware this machine does not have -----------------------------------------------------


def test_gpu_checks_without_a_driver():
    gpus = discover_gpus(fake_nvml.no_driver())
    check = check_gpus(gpus)
    assert check.status == OK and check.detail.startswith("no NVIDIA driver: CPU-only")
    assert check_nvidia_runtime(None, gpus).status == OK


def test_gpu_checks_with_a_gpu():
    gpus = discover_gpus(fake_nvml.rtx_5090())
    check = check_gpus(gpus)
    assert check.status == OK
    assert "1 GPU(s), driver 575.57.08: GPU 0: NVIDIA GeForce RTX 5090, 31.8 GiB, compute capability 12.0 (CUDA arch 120)" == check.detail
    runc_only = {"Runtimes": {"runc": {"path": "runc"}}}
    missing = check_nvidia_runtime(runc_only, gpus)
    if missing.status != OK:  # a machine with nvidia-container-runtime-hook on PATH passes through the hook
        assert missing.status == FAIL and "nvidia-ctk runtime configure --runtime=docker" in missing.fix
    assert check_nvidia_runtime({"Runtimes": {"nvidia": {}, "runc": {}}}, gpus).status == OK


def test_cpu_check_reads_the_topology():
    check = check_cpu(str(SYSFS / "ryzen-9950x"))
    assert check.status == OK
    assert "16 physical cores, 32 logical CPUs, SMT on (2 threads/core), 2 L3 domain(s) " \
           "(L3 0: CPUs 0-7,16-23; L3 1: CPUs 8-15,24-31)" in check.detail
    assert check_cpu(str(SYSFS / "no-such-machine")).status == FAIL


def _proc(tmp_path, hard: str, cap_eff: str):
    (tmp_path / "run").mkdir(exist_ok=True)
    (tmp_path / "run" / "docker.pid").write_text("42\n")
    proc = tmp_path / "proc" / "42"
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "limits").write_text(f"Limit Soft Hard Units\nMax locked memory         {hard}    {hard}    bytes\n")
    (proc / "status").write_text(f"Name:\tdockerd\nCapEff:\t{cap_eff}\n")
    return str(tmp_path), str(tmp_path / "proc")


def test_doctor_memlock_check_warns_when_the_daemon_cannot_raise_memlock(tmp_path):
    from components.cli.doctor_checks import OK, WARN, check_memlock

    root, proc = _proc(tmp_path, "8388608", "000001fffeffffff")  # no CAP_SYS_RESOURCE
    check = check_memlock({"ServerVersion": "20.10"}, root, proc)
    assert check.status == WARN and "8388608" in check.detail and "mlock: false" in check.fix
    root, proc = _proc(tmp_path, "unlimited", "000001fffeffffff")
    assert check_memlock({"ServerVersion": "20.10"}, root, proc).status == OK
    root, proc = _proc(tmp_path, "8388608", "000001ffffffffff")  # CAP_SYS_RESOURCE held
    assert check_memlock({"ServerVersion": "20.10"}, root, proc).status == OK
