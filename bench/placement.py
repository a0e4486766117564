"""Placement quality: llama.cpp throughput of two servers running at once, under three CPU layouts.

    python bench/placement.py plan --cores 16 --threads-per-core 1        # our planner's cpusets for 2 servers
    python bench/placement.py run --src llama.cpp-src.tar.gz --planned 0-7:8-15 [--rounds 3]
    python bench/placement.py run --src ... --quick                       # 1 round, smaller model

`run` needs cmake, a C/C++ compiler, taskset, Python 3 with numpy (and `gguf`, or llama.cpp's gguf-py from the
source tarball); no Docker and no network. It builds llama-bench and llama-quantize from a llama.cpp source
tarball, writes a random-weight llama model (bench/make_bench_model.py, ~360 M parameters) and quantizes it to
Q4_0, then runs two llama-bench processes at the same time, each with threads = cores per server:
- planned:  each on the disjoint whole physical cores our planner gives (components/hardware/planner.py; `plan`
            prints them for a declared host; `run` without --planned plans for this machine's topology);
- unpinned: no affinity, threads = half the logical CPUs each (what `docker run` without --cpuset-cpus does);
- naive:    the seed's overlapping layout: both servers on the same physical cores (SMT siblings of the same
            cores where the machine has SMT, as "0-7" and "16-23" on a 16-core/32-thread CPU; the same CPUs
            where it has none).
Prompt processing (pp) and generation (tg) run as separate pairs so both processes are in the same phase; the
rounds interleave the layouts. Aggregate throughput = the sum of both processes' tokens/s; medians over rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def parse_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        elif part:
            out.append(int(part))
    return out


def fmt_list(cpus) -> str:
    cpus = sorted(set(cpus))
    parts, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(parts)


# ------------------------------------------------------------------------------------------------ plan ------


def planned_cpusets(cores: int, threads_per_core: int, l3_domains: int, per_server: int, servers: int = 2,
                    reserved: int = 0, detect: bool = False) -> list[str]:
    """Run our planner (needs the project's venv) for `servers` servers of `per_server` cores each."""
    sys.path.insert(0, str(ROOT))
    from components.config.load import config_from_stack_file
    from components.program import load_and_plan

    raw = config_from_stack_file("local", ROOT)
    if detect:
        raw["hardware"] = {"detect": True, "reservedCores": reserved, "reservedMemoryGib": 1}
    else:
        raw["hardware"] = {
            "host": {"name": "bench", "memoryGib": 64,
                     "cpu": {"physicalCores": cores, "threadsPerCore": threads_per_core, "l3Domains": l3_domains}},
            "reservedCores": reserved, "reservedMemoryGib": 1}
    raw["cpuServers"] = [{"name": f"srv-{i}", "model": "tiny", "cores": per_server, "memoryGib": 1,
                          "contextSize": 256} for i in range(servers)]
    raw["gatewayApiKey"] = "bench"
    _, plan = load_and_plan(raw, "local", ROOT)
    return [r.cpuset for r in plan.cpu]


# ------------------------------------------------------------------------------------------------- run ------


def sh(cmd, **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def siblings(cpu: int) -> list[int]:
    p = pathlib.Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list")
    return parse_list(p.read_text().strip()) if p.exists() else [cpu]


def build(src: pathlib.Path, work: pathlib.Path) -> pathlib.Path:
    srcdir = work / "llama.cpp"
    if not srcdir.exists():
        with tarfile.open(src) as tf:
            tf.extractall(work)
    b = work / "build"
    jobs = str(os.cpu_count() or 2)
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    sh(["cmake", "-S", str(srcdir), "-B", str(b), *gen, "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON",
        "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=OFF",
        "-DGGML_CUDA=OFF", "-DBUILD_SHARED_LIBS=OFF"], stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", str(b), "--target", "llama-bench", "llama-quantize", "-j", jobs], stdout=subprocess.DEVNULL)
    return b / "bin"


def make_model(work: pathlib.Path, bindir: pathlib.Path, quick: bool) -> pathlib.Path:
    f16, q4 = work / "bench-f16.gguf", work / "bench-q4_0.gguf"
    env = dict(os.environ)
    try:
        import gguf  # noqa: F401
    except ImportError:
        env["PYTHONPATH"] = str(work / "llama.cpp" / "gguf-py")
    dims = ["--dim", "1024", "--layers", "4", "--ff", "2816"] if quick else []
    sh([sys.executable, str(HERE / "make_bench_model.py"), str(f16), *dims], env=env)
    sh([str(bindir / "llama-quantize"), str(f16), str(q4), "Q4_0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return q4


def pair(bindir, model, layout: list[tuple[str | None, int]], test: str, reps: int, timeout: float = 60) -> dict:
    """Start one llama-bench per (cpuset, threads) at once; return tokens/s of each and wall times.

    A pair that has not finished after `timeout` seconds is killed; its aggregate is then an upper bound (all
    tokens it was asked for, over the timeout), flagged `upper_bound`."""
    args = ["-p", "256", "-n", "0"] if test == "pp" else ["-p", "0", "-n", "64"]
    procs = []
    t0 = time.perf_counter()
    for cpus, threads in layout:
        cmd = [str(bindir / "llama-bench"), "-m", str(model), "-t", str(threads), "-r", str(reps), "-o", "json", *args]
        if cpus:
            cmd = ["taskset", "-c", cpus, *cmd]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    out: dict = {"tps": [], "wall_s": []}
    for p in procs:
        try:
            stdout, _ = p.communicate(timeout=max(1.0, timeout - (time.perf_counter() - t0)))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
                q.wait()
            # llama-bench runs 1 warm-up + `reps` timed runs of this many tokens each
            tokens = (256 if test == "pp" else 64) * (reps + 1)
            out.update(timeout_s=timeout, aggregate=len(layout) * tokens / timeout, upper_bound=True)
            return out
        out["wall_s"].append(round(time.perf_counter() - t0, 2))
        out["tps"].append(json.loads(stdout)[0]["avg_ts"])
    out["aggregate"] = sum(out["tps"])
    return out


def summarize(runs: list[dict]) -> dict:
    """Print the medians table of the runs (also usable on a partial log) and return it."""
    print("\n| test | planned t/s (sum) | unpinned t/s (sum) | naive overlap t/s (sum) | planned/naive | planned/unpinned | runs |")
    print("|---|---|---|---|---|---|---|")
    summary = {}
    for test in ("pp", "tg"):
        sel = {name: [x for x in runs if x["test"] == test and x["layout"] == name] for name in ("planned", "unpinned", "naive")}
        if not all(sel.values()):
            continue
        med = {name: statistics.median(x["aggregate"] for x in xs) for name, xs in sel.items()}
        bound = {name: "< " if any(x.get("upper_bound") for x in xs) else "" for name, xs in sel.items()}
        summary[test] = dict(med, planned_over_naive=med["planned"] / med["naive"],
                             planned_over_unpinned=med["planned"] / med["unpinned"], runs=len(sel["planned"]),
                             upper_bounds=[n for n, b in bound.items() if b])

        def ratio(a: str, b: str) -> str:
            mark = "" if not bound[a] and not bound[b] else "> " if bound[b] and not bound[a] else "? "
            return f"{mark}{med[a] / med[b]:.2f}x"

        print(f"| {test} | {bound['planned']}{med['planned']:.1f} | {bound['unpinned']}{med['unpinned']:.1f} | "
              f"{bound['naive']}{med['naive']:.1f} | {ratio('planned', 'naive')} | {ratio('planned', 'unpinned')} | "
              f"{len(sel['planned'])} |")
    return summary


def run_bench(a) -> int:
    work = pathlib.Path(a.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    ncpu = os.cpu_count() or 2
    print(f"# placement: {platform.processor() or platform.machine()}, {ncpu} logical CPUs", flush=True)
    subprocess.run(["bash", "-c", "lscpu | grep -E 'Model name|^CPU\\(s\\)|Thread|Core|Socket|L3|NUMA node\\('"])
    if a.planned:
        planned = a.planned.split(":")
    else:
        planned = planned_cpusets(0, 0, 0, a.cores_per_server, detect=True)
    sets = [parse_list(s) for s in planned]
    cores_per_server = len({tuple(siblings(c)) for c in sets[0]})
    threads = cores_per_server  # llama.cpp threads: one per physical core (as the planner's CpuReplica.threads)
    groups = sorted({tuple(siblings(c)) for c in sets[0]})  # the physical cores of server A
    naive_a = [g[0] for g in groups]
    naive_b = [g[1] for g in groups] if all(len(g) > 1 for g in groups) else naive_a
    layouts = {
        "planned": [(planned[0], threads), (planned[1], threads)],
        "unpinned": [(None, ncpu // 2), (None, ncpu // 2)],
        "naive": [(fmt_list(naive_a), threads), (fmt_list(naive_b), threads)],
    }
    print(f"layouts: {json.dumps(layouts)}", flush=True)

    t = time.perf_counter()
    bindir = build(pathlib.Path(a.src).resolve(), work)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    model = make_model(work, bindir, a.quick)
    model_s = time.perf_counter() - t
    print(f"build {build_s:.0f} s, model {model_s:.0f} s ({model.stat().st_size / 1e6:.0f} MB Q4_0)", flush=True)

    rounds = 1 if a.quick else a.rounds
    if a.json:
        pathlib.Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    results: dict = {"layouts": layouts, "rounds": rounds, "model_mb": model.stat().st_size / 1e6, "runs": []}
    solo = {test: pair(bindir, model, [(planned[0], threads)], test, a.reps, a.pair_timeout) for test in ("pp", "tg")}
    results["solo"] = solo
    print(f"solo (one server alone, planned cores): {json.dumps(solo)}", flush=True)
    for r in range(rounds):
        for test in ("pp", "tg"):
            for name in (("planned", "unpinned", "naive") if r % 2 == 0 else ("naive", "unpinned", "planned")):
                res = pair(bindir, model, layouts[name], test, a.reps, a.pair_timeout)
                res.update(round=r, test=test, layout=name)
                results["runs"].append(res)
                print(json.dumps(res), flush=True)
                if a.json:  # keep what was measured even if the whole command is cut short
                    pathlib.Path(a.json).write_text(json.dumps(results, indent=2))

    results["summary"] = summarize(results["runs"])
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan", help="print our planner's cpusets for two servers on a declared host")
    p.add_argument("--cores", type=int, required=True, help="physical cores")
    p.add_argument("--threads-per-core", type=int, default=1)
    p.add_argument("--l3-domains", type=int, default=1)
    p.add_argument("--cores-per-server", type=int)
    r = sub.add_parser("run", help="build llama.cpp and run the three layouts")
    r.add_argument("--src", required=True, help="llama.cpp source tarball (top directory llama.cpp/)")
    r.add_argument("--planned", help="two cpusets A:B (default: plan this machine's topology)")
    r.add_argument("--cores-per-server", type=int, default=0, help="with the default plan (0: half the cores)")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--reps", type=int, default=3, help="llama-bench repetitions per run")
    r.add_argument("--work", default="/tmp/aistack-bench-placement")
    r.add_argument("--pair-timeout", type=float, default=60,
                   help="seconds before a pair is killed (its throughput is then reported as an upper bound)")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--json")
    m = sub.add_parser("summary", help="the table from a saved `run` output (also a partial one)")
    m.add_argument("log")
    a = ap.parse_args(argv)
    if a.cmd == "summary":
        runs = [json.loads(ln) for ln in open(a.log) if ln.startswith('{"tps"')]
        summarize(runs)
        return 0
    if a.cmd == "plan":
        per = a.cores_per_server or a.cores // 2
        print(":".join(planned_cpusets(a.cores, a.threads_per_core, a.l3_domains, per)))
        return 0
    if not a.planned and not a.cores_per_server:
        a.cores_per_server = max(1, len({tuple(siblings(c)) for c in range(os.cpu_count() or 2)}) // 2)
    return run_bench(a)


if __name__ == "__main__":
    sys.exit(main())
