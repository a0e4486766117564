"""Program evaluation under Pulumi's mocks: dev and prod stacks, and scaling with N CPU servers.

    python bench/evaluate.py                 # dev + prod, N = 3, 30, 300; 5 samples each
    python bench/evaluate.py --quick         # 3 samples each
    python bench/evaluate.py --samples 9 --sizes 3,30,300,1000

Every sample is a fresh Python process, so imports are cold (the OS file cache is warm: a first-ever run is
slower). A sample reports three times, measured in-process with time.perf_counter():
- sdk import: `pulumi`, `pulumi_docker`, `pulumi_kubernetes` and every submodule of them that the program loads
  lazily during evaluation (found once by a probe run), imported up front;
- app import: `components` (the program, pydantic models, PyYAML);
- evaluation: components.testing.capture.capture_resources(stack): config validation, hardware inventory, the
  plan and every resource registered with the mock engine.

Scaling uses the `local` stack (target docker) with a declared host (1 thread per core, N + 8 physical cores,
one L3 domain) and N CPU servers of 1 core each (mode `servers`: N entries in `aistack:cpuServers`, each with
its own gateway route and scrape target) or one server with N replicas (mode `replicas`); a mode with `+nogc`
(e.g. `--modes servers,servers+nogc`) runs the evaluation with Python's cyclic garbage collector disabled, to show
how much of the growth is the collector scanning a growing heap. Cost per added server
is the slope between consecutive sizes; flat means the slopes agree (a quadratic planner would show the second
slope ~10x the first).
"""
from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import PY, ROOT, header, median, verdict, write_json  # noqa: E402

SDKS = ("pulumi", "pulumi_docker", "pulumi_kubernetes")
WORKLOAD_TYPES = {"Container", "Deployment", "StatefulSet", "DaemonSet", "Job"}
TARGET_EVAL_S, TARGET_PER_SERVER_MS = 1.0, 10.0


def scaling_overrides(n: int, mode: str) -> dict:
    hardware = {
        "host": {
            "name": "bench-host",
            "cpu": {"model": "synthetic", "physicalCores": n + 8, "threadsPerCore": 1, "l3Domains": 1},
            "memoryGib": n + 64,
        },
        "reservedCores": 0,
        "reservedMemoryGib": 1,
    }
    server = {"model": "tiny", "cores": 1, "memoryGib": 0.5, "contextSize": 256}
    if mode == "servers":
        servers = [dict(server, name=f"cpu-{i}") for i in range(n)]
    else:
        servers = [dict(server, name="cpu", replicas=n)]
    return {"hardware": hardware, "cpuServers": servers}


# ---------------------------------------------------------------------------------------------- worker ------


def worker(stack: str, n: int, mode: str, preload: list[str], probe: bool) -> None:
    out: dict = {}
    t0 = time.perf_counter()
    for sdk in SDKS:
        t = time.perf_counter()
        importlib.import_module(sdk)
        out[f"import_{sdk}_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for mod in preload:
        importlib.import_module(mod)
    out["import_lazy_submodules_s"] = time.perf_counter() - t
    out["sdk_import_s"] = time.perf_counter() - t0
    before = set(sys.modules)  # SDK submodules loaded after this point are lazy loads (app import or evaluation)
    t = time.perf_counter()
    from components.testing.capture import capture_resources

    out["app_import_s"] = time.perf_counter() - t
    overrides = scaling_overrides(n, mode.split("+")[0]) if n else None
    if mode.endswith("+nogc"):  # diagnostic: how much of the cost is Python's cyclic garbage collector
        import gc

        gc.disable()
    t, cpu = time.perf_counter(), time.process_time()
    try:
        resources = capture_resources(stack, ROOT, overrides)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        out["error"] = f"{type(exc).__name__}: {msg}"
        if isinstance(exc, ModuleNotFoundError) or "kubernetes" in msg.lower() and "render" in msg.lower():
            out["renderer_missing"] = True
        print(json.dumps(out))
        return
    out["eval_s"] = time.perf_counter() - t
    out["eval_cpu_s"] = time.process_time() - cpu  # this process's CPU time: less sensitive to a busy machine
    out["resources"] = len(resources)
    out["containers"] = sum(r.type.split(":")[-1] in WORKLOAD_TYPES for r in resources)
    if probe:
        # class-named modules (apps.v1.Deployment) are imported by their package; importing them by name first
        # would shadow the class attribute with the module
        out["lazy_modules"] = sorted(m for m in set(sys.modules) - before
                                     if m.split(".")[0] in SDKS and not m.rsplit(".", 1)[-1][:1].isupper())
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------- driver ------


def sample(stack: str, n: int = 0, mode: str = "servers", preload=(), probe=False) -> dict:
    cmd = [PY, __file__, "--worker", stack, "--n", str(n), "--mode", mode, "--preload", ",".join(preload)]
    if probe:
        cmd.append("--probe")
    p = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (p.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def series(stack: str, samples: int, n=0, mode="servers", preload=()) -> dict:
    runs = [sample(stack, n, mode, preload) for _ in range(samples)]
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"], "renderer_missing": runs[0].get("renderer_missing", False)}
    keys = [k for k in ok[0] if k.endswith("_s")]
    res = {k: median([r[k] for r in ok]) for k in keys}
    res["eval_runs_s"] = [round(r["eval_s"], 4) for r in ok]
    res["resources"], res["containers"] = ok[0]["resources"], ok[0]["containers"]
    return res


def kubernetes_renderer_available() -> bool:
    return (ROOT / "components" / "render" / "kubernetes" / "__init__.py").exists()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--samples", type=int)
    ap.add_argument("--sizes", default="3,30,300")
    ap.add_argument("--modes", default="servers,replicas,servers+nogc")
    ap.add_argument("--json")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="servers", help=argparse.SUPPRESS)
    ap.add_argument("--preload", default="", help=argparse.SUPPRESS)
    ap.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        sys.path.insert(0, str(ROOT))
        worker(a.worker, a.n, a.mode, [m for m in a.preload.split(",") if m], a.probe)
        return 0

    samples = a.samples or (3 if a.quick else 5)
    sizes = [int(x) for x in a.sizes.split(",")]
    modes = [m for m in a.modes.split(",") if m] if not a.quick else ["servers"]
    header(f"evaluate: program evaluation under mocks ({samples} samples each, fresh process per sample)")
    if not (ROOT / ".state" / "models" / "tiny-llama.gguf").exists():
        subprocess.run([PY, "scripts/make_tiny_model.py", ".state/models/tiny-llama.gguf"], cwd=ROOT, check=True,
                       capture_output=True)
    results: dict = {"samples": samples}

    # probe once per stack: which SDK submodules does evaluation load lazily?
    preload: dict[str, list[str]] = {}
    stacks = ["dev", "prod"]
    for stack in ("dev", "prod", "local"):
        if stack == "prod" and not kubernetes_renderer_available():
            continue
        preload[stack] = sample(stack, probe=True).get("lazy_modules", [])
    results["lazy_sdk_modules"] = {k: len(v) for k, v in preload.items()}

    print("\n## Stacks: medians (seconds)")
    print("| stack | sdk import (pulumi / pulumi_docker / pulumi_kubernetes / lazy submodules) | app import | evaluation (CPU time) | resources | workloads (containers / k8s workloads) | target: evaluation ≤ 1 s |")
    print("|---|---|---|---|---|---|---|")
    for stack in stacks:
        if stack == "prod" and not kubernetes_renderer_available():
            print(f"| {stack} | prod: kubernetes renderer not available | | | | | not measured |")
            results[stack] = {"error": "kubernetes renderer not available"}
            continue
        r = results[stack] = series(stack, samples, preload=preload[stack])
        if "error" in r:
            why = "kubernetes renderer not available" if r.get("renderer_missing") else r["error"]
            print(f"| {stack} | {stack}: {why} | | | | | not measured |")
            continue
        ok = verdict(r["eval_s"], TARGET_EVAL_S, " s")
        print(f"| {stack} | {r['sdk_import_s']:.3f} ({r['import_pulumi_s']:.3f} / {r['import_pulumi_docker_s']:.3f} / "
              f"{r['import_pulumi_kubernetes_s']:.3f} / {r['import_lazy_submodules_s']:.3f}) | {r['app_import_s']:.3f} | "
              f"{r['eval_s']:.3f} ({r['eval_cpu_s']:.3f}) | {r['resources']} | {r['containers']} | {ok} |")

    for mode in modes:
        print(f"\n## Scaling, local stack, mode `{mode}`: medians")
        print("| N | evaluation (s) | CPU time (s) | resources | containers | cost per added server (ms), from "
              "previous N: wall (CPU) |")
        print("|---|---|---|---|---|---|")
        rows = []
        for n in sizes:
            r = series("local", samples, n, mode, preload.get("local", []))
            results[f"scale_{mode}_{n}"] = r
            if "error" in r:
                print(f"| {n} | error: {r['error']} | | | | |")
                continue
            slope = ""
            if rows:
                pn, pr_ = rows[-1]
                results[f"slope_{mode}_{pn}_{n}_ms"] = (r["eval_s"] - pr_["eval_s"]) / (n - pn) * 1000
                results[f"cpuslope_{mode}_{pn}_{n}_ms"] = (r["eval_cpu_s"] - pr_["eval_cpu_s"]) / (n - pn) * 1000
                slope = f"{results[f'slope_{mode}_{pn}_{n}_ms']:.2f} ({results[f'cpuslope_{mode}_{pn}_{n}_ms']:.2f})"
            rows.append((n, r))
            print(f"| {n} | {r['eval_s']:.3f} | {r['eval_cpu_s']:.3f} | {r['resources']} | {r['containers']} | {slope} |")
        slopes = [results[k] for k in results if k.startswith(f"slope_{mode}_")]
        if slopes:
            worst = max(slopes)
            flat = (slopes[-1] / slopes[0]) if len(slopes) > 1 and slopes[0] > 0 else None
            ok = verdict(worst, TARGET_PER_SERVER_MS, " ms")
            print(f"cost per added server ({mode}): {', '.join(f'{s:.2f}' for s in slopes)} ms "
                  f"(last/first slope ratio {flat:.2f}; 1.0 = flat, ~10 = quadratic); target ≤ 10 ms: {ok}"
                  if flat is not None else f"cost per added server ({mode}): {slopes[0]:.2f} ms; target ≤ 10 ms: {ok}")
            results[f"slope_ratio_{mode}"] = flat
            cpu_slopes = [results[k] for k in results if k.startswith(f"cpuslope_{mode}_")]
            print(f"  in CPU time: {', '.join(f'{s:.2f}' for s in cpu_slopes)} ms per added server")
    write_json(a.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
