"""The checks of `doctor`. Each returns a Check; none raises. Only the standard library and the project's
hardware modules are needed, so `doctor` also runs before the venv exists."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from ..docker_api import engine_get
from ..hardware.gpus import GpuDiscovery, discover_gpus
from ..hardware.topology import format_cpu_list, read_sysfs
from .common import ROOT

OK, WARN, FAIL = "OK", "WARN", "FAIL"
TINY_MODEL = ".state/models/tiny-llama.gguf"
# What a detected (`detect: true`) machine is built for: components.hardware.inventory.DEFAULT_MARCH.
X86_LEVELS = {  # /proc/cpuinfo flags each x86-64 micro-architecture level needs (beyond the previous one)
    "x86-64-v2": {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"},
    "x86-64-v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"},
    "x86-64-v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    status: str
    detail: str
    fix: str = ""


def _run(cmd: list[str], timeout: float = 20) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


# --- Docker ----------------------------------------------------------------------------------------------------


def docker_info() -> tuple[dict[str, Any] | None, str, str]:
    """(engine info or None, how it was reached, why not). Unix socket first, then the docker CLI."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    why = ""
    if host.startswith("unix://"):
        path = host[len("unix://"):]
        try:
            status, body = engine_get("/info", path)
            if status == 200:
                return body, host, ""
            why = f"{host} answered HTTP {status}"
        except FileNotFoundError:
            why = f"{path} does not exist"
        except PermissionError:
            why = f"no permission to open {path}"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            why = f"{host}: {exc}"
    if shutil.which("docker"):
        out = _run(["docker", "info", "--format", "{{json .}}"])
        if out is not None and out.returncode == 0:
            try:
                info = json.loads(out.stdout)
            except ValueError:
                info = None
            if isinstance(info, dict) and info.get("ServerVersion"):
                return info, "the docker CLI", ""
        why = why or "`docker info` failed"
    else:
        why = (why + "; " if why else "") + "no docker CLI on PATH"
    return None, "", why


def check_engine(info: dict[str, Any] | None, via: str, why: str) -> Check:
    if info is None:
        return Check(
            "engine", "Docker engine", FAIL, f"no Docker engine answers ({why})",
            "scripts/bootstrap.sh --engine (installs and starts Debian's docker.io), or start your Docker service; "
            "as a non-root user, join the docker group",
        )
    detail = f"Docker Engine {info.get('ServerVersion', '?')} via {via}; storage {info.get('Driver', '?')}, " \
             f"cgroup v{info.get('CgroupVersion', '?')}, {info.get('Containers', 0)} container(s)"
    return Check("engine", "Docker engine", OK, detail)


def check_buildkit(info: dict[str, Any] | None) -> Check:
    name = "BuildKit (buildx)"
    out = _run(["docker", "buildx", "version"]) if shutil.which("docker") else None
    if out is not None and out.returncode == 0:
        return Check("buildkit", name, OK, out.stdout.strip().splitlines()[0] if out.stdout.strip() else "buildx found")
    fix = "install the buildx plugin (Debian: apt-get install docker-buildx); images/ builds need BuildKit"
    if info is None:
        return Check("buildkit", name, WARN, "not checked: no Docker engine or CLI", fix)
    return Check("buildkit", name, WARN, "`docker buildx` is not available", fix)


CAP_SYS_RESOURCE = 24


def _daemon_pid(root: str = "/", proc: str = "/proc") -> int | None:
    """dockerd's pid: its pid file, else the process named dockerd."""
    for candidate in ("var/run/docker.pid", "run/docker.pid"):
        try:
            return int(pathlib.Path(root, candidate).read_text().strip())
        except (OSError, ValueError):
            continue
    for comm in pathlib.Path(proc).glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "dockerd":
                return int(comm.parent.name)
        except OSError:
            continue
    return None


def memlock_state(pid: int, proc: str = "/proc") -> tuple[str | None, bool | None]:
    """(the process's hard memlock limit, whether it holds CAP_SYS_RESOURCE); None where unreadable."""
    hard = cap = None
    try:
        for line in pathlib.Path(proc, str(pid), "limits").read_text().splitlines():
            if line.startswith("Max locked memory"):
                hard = line.split()[4]
        for line in pathlib.Path(proc, str(pid), "status").read_text().splitlines():
            if line.startswith("CapEff:"):
                cap = bool(int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return hard, cap


def check_memlock(info: dict[str, Any] | None, root: str = "/", proc: str = "/proc") -> Check:
    """`mlock: true` (the default) runs servers with an unlimited memlock ulimit: the engine must be able to set it."""
    name = "memlock for --mlock"
    pid = _daemon_pid(root, proc) if info is not None else None
    if pid is None:
        return Check("memlock", name, WARN, "not checked: no local Docker daemon process to inspect")
    hard, cap = memlock_state(pid, proc)
    if hard == "unlimited" or cap:
        return Check("memlock", name, OK, f"the Docker daemon can give containers an unlimited memlock ulimit (hard limit {hard})")
    if hard is None:
        return Check("memlock", name, WARN, f"cannot read the limits of the Docker daemon (pid {pid})")
    return Check("memlock", name, WARN,
                 f"the Docker daemon's memlock hard limit is {hard} bytes and it cannot raise it: servers with "
                 "`mlock: true` (the default) fail to start",
                 "raise the daemon's limit (systemd: LimitMEMLOCK=infinity for docker.service), or set "
                 "`mlock: false` on the CPU servers of this machine's stacks")


def check_nvidia_runtime(info: dict[str, Any] | None, gpus: GpuDiscovery) -> Check:
    name = "NVIDIA container runtime"
    if not gpus.gpus:
        return Check("nvidia-runtime", name, OK, "not needed: no NVIDIA GPU on this machine")
    fix = ("install nvidia-container-toolkit, run `nvidia-ctk runtime configure --runtime=docker` "
           "and restart the Docker engine")
    if info is None:
        return Check("nvidia-runtime", name, WARN, f"{len(gpus.gpus)} GPU(s) found but no Docker engine to check", fix)
    runtimes = sorted((info.get("Runtimes") or {}).keys())
    if "nvidia" in runtimes:
        return Check("nvidia-runtime", name, OK, f"Docker runtimes: {', '.join(runtimes)}")
    if shutil.which("nvidia-container-runtime-hook"):
        return Check("nvidia-runtime", name, OK, "nvidia-container-runtime-hook on PATH (serves --gpus requests)")
    return Check("nvidia-runtime", name, FAIL,
                 f"GPUs present but Docker has no nvidia runtime (runtimes: {', '.join(runtimes) or 'none'})", fix)


# --- hardware --------------------------------------------------------------------------------------------------


def check_gpus(gpus: GpuDiscovery) -> Check:
    name = "GPUs (NVML)"
    if not gpus.gpus:
        why = gpus.error or "NVML reports no GPU"
        if "not installed" in why:
            return Check("gpus", name, WARN, f"cannot ask NVML: {why}", "scripts/bootstrap.sh (installs nvidia-ml-py)")
        return Check("gpus", name, OK, f"no NVIDIA driver: CPU-only ({why.removesuffix(': no NVIDIA driver')})")
    parts = []
    for g in gpus.gpus:
        mig = ", MIG on" if g.mig_enabled else (", MIG off" if g.mig_capable else "")
        parts.append(f"GPU {g.index}: {g.name}, {g.memory_gib:.1f} GiB, compute capability "
                     f"{g.compute_capability[0]}.{g.compute_capability[1]} (CUDA arch {g.cuda_arch}){mig}")
    detail = f"{len(gpus.gpus)} GPU(s), driver {gpus.driver_version}: " + "; ".join(parts)
    if gpus.error:
        return Check("gpus", name, WARN, f"{detail}; {gpus.error}", "check `nvidia-smi`; a GPU that fell off the bus needs a reset or reboot")
    return Check("gpus", name, OK, detail)


def _cpu_flags(root: str = "/") -> set[str]:
    try:
        text = pathlib.Path(root, "proc/cpuinfo").read_text()
    except OSError:
        return set()
    match = re.search(r"^flags\s*:\s*(.*)$", text, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def x86_level(flags: set[str]) -> str | None:
    """Highest x86-64 micro-architecture level these CPU flags support, None when not x86-64."""
    if "lm" not in flags:
        return None
    level = "x86-64"
    for name, needed in X86_LEVELS.items():
        if not needed <= flags:
            break
        level = name
    return level


def _default_march() -> str:
    try:
        from ..hardware.inventory import DEFAULT_MARCH
    except ImportError:  # pydantic missing: the venv check says so
        return "x86-64-v3"
    return DEFAULT_MARCH


def check_cpu(root: str = "/") -> Check:
    name = "CPU topology"
    try:
        topo = read_sysfs(root)
    except (OSError, ValueError) as exc:
        return Check("cpu", name, FAIL, f"cannot read the CPU topology from sysfs ({exc})",
                     "run on Linux with /sys mounted, or declare the CPU in aistack:hardware.host.cpu")
    smt = f"SMT on ({topo.threads_per_core} threads/core)" if topo.threads_per_core > 1 else "SMT off"
    l3 = "; ".join(f"L3 {k}: CPUs {format_cpu_list(c for core in v for c in core.cpus)}"
                   for k, v in topo.l3_domains.items())
    flags = _cpu_flags(root)
    level = x86_level(flags)
    march = _default_march()
    supports = f"this CPU supports {level}" if level else ("no x86-64 CPU flags" if flags else "CPU flags unknown")
    detail = (f"{topo.model}: {len(topo.cores)} physical cores, {topo.logical_cpus} logical CPUs, {smt}, "
              f"{len(topo.l3_domains)} L3 domain(s) ({l3}), {len(topo.numa_nodes)} NUMA node(s); "
              f"-march for detected machines {march}, {supports}")
    cache = pathlib.Path(root, "sys/devices/system/cpu/cpu0/cache")
    has_l3 = any((index / "level").read_text().strip() == "3" for index in cache.glob("index[0-9]*"))
    if level is not None and march.startswith("x86-64") and march > level:
        return Check("cpu", name, WARN, detail,
                     f"this CPU lacks {march} instructions: set aistack:hardware.host.cpu.march to {level} "
                     "(declared hardware) so images do not die with illegal instructions")
    if not has_l3:
        return Check("cpu", name, WARN, detail + "; sysfs has no L3 cache info (a VM?): each package counts as one L3 domain",
                     "nothing to do unless pinning across L3 domains matters; on bare metal check the kernel's cacheinfo")
    return Check("cpu", name, OK, detail)


# --- toolchain -------------------------------------------------------------------------------------------------


def versions_env() -> dict[str, str]:
    out = {}
    try:
        for line in (ROOT / "scripts/versions.env").read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                out[key.strip()] = value.strip()
    except OSError:
        pass
    return out


TOOLCHAIN_FIX = "scripts/bootstrap.sh --toolchain, then . scripts/env.sh"


def check_pulumi(pins: dict[str, str]) -> tuple[Check, str | None]:
    name = "Pulumi CLI"
    want = pins.get("PULUMI_VERSION", "?")
    exe = shutil.which("pulumi")
    if exe is None:
        cache = os.environ.get("AISTACK_CACHE", os.path.expanduser("~/.cache/aistack"))
        built = os.path.join(cache, "tools", f"pulumi-{want}", "pulumi")
        if os.path.exists(built):
            return Check("pulumi", name, FAIL, f"not on PATH (a built {want} is at {built})", ". scripts/env.sh"), None
        return Check("pulumi", name, FAIL, "pulumi is not on PATH", TOOLCHAIN_FIX), None
    out = _run([exe, "version"])
    have = (out.stdout.strip() if out is not None and out.returncode == 0 else "").lstrip("v")
    if not have:
        return Check("pulumi", name, FAIL, f"{exe} does not run (`pulumi version` failed)", TOOLCHAIN_FIX), None
    if have.split("-")[0] != want:
        return Check("pulumi", name, WARN, f"{exe} is {have}; scripts/versions.env pins {want} (the Python SDK's version)",
                     TOOLCHAIN_FIX + "; or install Pulumi " + want), exe
    return Check("pulumi", name, OK, f"{exe} {have} (pinned {want})"), exe


def _stacks_by_target() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        match = re.search(r"^\s*aistack:target:\s*(\w+)", path.read_text(), re.MULTILINE)
        found.setdefault(match.group(1) if match else "docker", []).append(path.name[7:-5])
    return found


def check_plugins(exe: str | None, pins: dict[str, str]) -> list[Check]:
    wanted = {"docker": pins.get("PULUMI_DOCKER_VERSION", "?"), "kubernetes": pins.get("PULUMI_KUBERNETES_VERSION", "?")}
    if exe is None:
        return [Check(f"plugin-{p}", f"Pulumi plugin {p}", WARN, "not checked: no Pulumi CLI", TOOLCHAIN_FIX) for p in wanted]
    out = _run([exe, "plugin", "ls", "--json"], timeout=60)
    installed: dict[str, list[str]] = {}
    if out is not None and out.returncode == 0:
        try:
            for plugin in json.loads(out.stdout or "[]") or []:
                if plugin.get("kind") == "resource":
                    installed.setdefault(plugin.get("name"), []).append(str(plugin.get("version", "")).lstrip("v"))
        except (ValueError, AttributeError):
            pass
    users = _stacks_by_target()
    checks = []
    for plugin, version in wanted.items():
        name, stacks = f"Pulumi plugin {plugin}", ", ".join(users.get(plugin, [])) or "none"
        have = installed.get(plugin, [])
        if version in have:
            checks.append(Check(f"plugin-{plugin}", name, OK, f"resource plugin {plugin} {version} installed"))
        elif have:
            checks.append(Check(f"plugin-{plugin}", name, WARN, f"{plugin} {', '.join(have)} installed, pinned {version}",
                                f"pulumi plugin install resource {plugin} {version}"))
        else:
            fix = TOOLCHAIN_FIX if plugin == "kubernetes" else (
                f"scripts/bootstrap.sh --toolchain; with internet: pulumi plugin install resource docker {version}")
            checks.append(Check(f"plugin-{plugin}", name, WARN,
                                f"resource plugin {plugin} {version} is not installed (needed by stacks: {stacks})", fix))
    return checks


def check_venv() -> Check:
    name = "Python venv"
    venv = ROOT / ".venv"
    python = venv / "bin" / "python"
    if not python.exists():
        return Check("venv", name, FAIL, ".venv does not exist", "scripts/bootstrap.sh")
    marker, reqs = venv / ".installed", ROOT / "requirements-dev.txt"
    if not marker.exists() or (reqs.exists() and reqs.stat().st_mtime > marker.stat().st_mtime):
        return Check("venv", name, WARN, ".venv exists but its packages are older than requirements-dev.txt",
                     "scripts/bootstrap.sh")
    here = os.path.realpath(sys.prefix) == os.path.realpath(venv)
    if not here:
        return Check("venv", name, WARN, f".venv is ready, but this runs under {sys.executable}",
                     ". scripts/env.sh (puts .venv/bin first on PATH) or use .venv/bin/python")
    mismatched = _pin_mismatches(ROOT / "requirements.txt")
    if mismatched:
        return Check("venv", name, WARN, "packages differ from requirements.txt: " + ", ".join(mismatched),
                     "scripts/bootstrap.sh (or .venv/bin/pip install -r requirements-dev.txt)")
    return Check("venv", name, OK, f".venv with Python {sys.version.split()[0]}; requirements.txt pins installed")


def _pin_mismatches(path: pathlib.Path) -> list[str]:
    from importlib import metadata

    out = []
    for line in path.read_text().splitlines():
        name, sep, want = line.split("#")[0].strip().partition("==")
        if not sep:
            continue
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = "missing"
        if have != want.strip():
            out.append(f"{name} {have} (pinned {want.strip()})")
    return out


def _pinned_sha256(stack_file: pathlib.Path) -> str | None:
    """sha256 of the tiny model in Pulumi.local.yaml (the line after its `path:`), without a YAML parser."""
    try:
        text = stack_file.read_text()
    except OSError:
        return None
    match = re.search(re.escape(TINY_MODEL) + r"\s*\n\s*sha256:\s*([0-9a-f]{64})", text)
    return match.group(1) if match else None


def check_tiny_model() -> Check:
    name = "tiny local model"
    path = ROOT / TINY_MODEL
    fix = f"scripts/bootstrap.sh (writes {TINY_MODEL} for the local stack)"
    if not path.exists():
        return Check("tiny-model", name, WARN, f"{TINY_MODEL} is missing (the local stack serves it)", fix)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    pinned = _pinned_sha256(ROOT / "Pulumi.local.yaml")
    if pinned and digest != pinned:
        return Check("tiny-model", name, WARN, f"{TINY_MODEL} has sha256 {digest[:12]}…, Pulumi.local.yaml pins {pinned[:12]}…",
                     f"rm {TINY_MODEL} && " + fix)
    return Check("tiny-model", name, OK, f"{TINY_MODEL}, {path.stat().st_size} bytes, sha256 matches Pulumi.local.yaml")


def run_all(discover=discover_gpus) -> list[Check]:
    info, via, why = docker_info()
    gpus = discover()
    pins = versions_env()
    pulumi, exe = check_pulumi(pins)
    return [
        check_engine(info, via, why),
        check_buildkit(info),
        check_memlock(info),
        check_gpus(gpus),
        check_nvidia_runtime(info, gpus),
        check_cpu(),
        pulumi,
        *check_plugins(exe, pins),
        check_venv(),
        check_tiny_model(),
    ]
