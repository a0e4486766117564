"""Helpers shared by the bench scripts: timing, medians, machine description, subprocess runs."""
from __future__ import annotations

import datetime
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else "python3"
CACHE = pathlib.Path(os.environ.get("AISTACK_BENCH_CACHE", pathlib.Path.home() / ".cache" / "aistack-bench"))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x, unit="s", digits=2):
    return "n/a" if x is None else f"{x:.{digits}f} {unit}"


def run(cmd, check=True, env=None, cwd=None, capture=True, timeout=None):
    """Run a command; return (seconds, CompletedProcess)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd or ROOT, env=env, text=True, timeout=timeout,
                       stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None)
    dt = time.perf_counter() - t0
    if check and p.returncode != 0:
        tail = (p.stdout or "")[-3000:]
        raise RuntimeError(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return dt, p


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs, {mem} RAM, Linux {platform.release()}, Python {platform.python_version()}"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"# machine: {machine()}")
    print(f"# date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    try:
        load = os.getloadavg()
        print(f"# load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass


def stack_run_args(doc: str, argv, quick_runs: int, full_runs: int):
    """The common CLI of the engine benchmarks: --quick, --runs, --stack, --json. Returns (args, runs)."""
    import argparse

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--stack", default="local")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    return a, a.runs or (quick_runs if a.quick else full_runs)


def verdict(value: float, target: float, unit: str = "") -> str:
    """`ok` when value ≤ target, else how much it misses by."""
    return "ok" if value <= target else f"MISS by {value - target:.2f}{unit}"


def write_json(path, data) -> None:
    if path:
        pathlib.Path(path).write_text(__import__("json").dumps(data, indent=2))


def error_summary(exc: BaseException, lines: int = 4) -> str:
    """The lines of a failed command's output that say what went wrong (error lines first), on one line."""
    text = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    generic = ("error occurred", "update failed", "creating failed", "errored")
    errors = [ln for ln in text[1:] if ("error" in ln.lower() or "failed" in ln.lower())
              and not any(g in ln.lower() for g in generic)]
    errors = list(dict.fromkeys(e.split("error:", 1)[-1].strip() for e in errors))  # unique, in order
    failed = [ln.split("::")[-1].split(":")[0] for ln in text if "urn:pulumi:" in ln and ("creating" in ln or "updating" in ln)]
    where = f"[{', '.join(dict.fromkeys(failed))}] " if failed else ""
    return (where + " | ".join((errors or text[-lines:])[:lines]))[:1200]
