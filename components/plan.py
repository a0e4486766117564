"""Show a stack's placement plan without the Pulumi CLI.

    python -m components.plan --stack dev            # hardware summary, placement table, fit numbers, warnings
    python -m components.plan --stack dev --json     # the same as JSON, for scripts and CI
    python -m components.plan --stack local          # `detect: true` stacks read this machine (sysfs + NVML)

Reads Pulumi.<stack>.yaml (secure values are left out; they do not affect placement). A bad config prints every
problem with its `aistack:` key path and exits with status 2; a good one exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from typing import Any, Sequence

from .config import ConfigError, StackConfig, config_from_stack_file, load_stack_config
from .hardware.fit import cpu_memory_needed_gib
from .hardware.gpus import discover_gpus
from .hardware.inventory import Inventory, Machine, build_inventory
from .hardware.planner import CpuReplica, Plan, plan
from .hardware.topology import PhysicalCore, format_cpu_list, read_sysfs

EXIT_CONFIG_ERROR = 2


def make_plan(
    stack: str, project_dir: str | pathlib.Path = ".", sysfs_root: str | pathlib.Path = "/"
) -> tuple[StackConfig, Plan]:
    """Load Pulumi.<stack>.yaml and plan it. Raises ConfigError listing every problem."""
    raw = config_from_stack_file(stack, project_dir)
    cfg = load_stack_config(raw, stack)
    inventory = build_inventory(cfg.hardware, read_topology=lambda: read_sysfs(sysfs_root), discover=discover_gpus)
    return cfg, plan(cfg, inventory, project_dir, stack)


# --- machine-readable form -------------------------------------------------------------------------------------


def _cpuset(cores: Sequence[PhysicalCore]) -> str:
    return format_cpu_list(c for core in cores for c in core.cpus)


def _machine_dict(m: Machine) -> dict[str, Any]:
    topo = m.topology
    return {
        "name": m.name,
        "count": m.count,
        "role": m.role,
        "cpu": {
            "model": topo.model,
            "source": topo.source,
            "march": m.march,
            "physicalCores": len(topo.cores),
            "logicalCpus": topo.logical_cpus,
            "threadsPerCore": topo.threads_per_core,
            "l3Domains": {str(k): _cpuset(v) for k, v in topo.l3_domains.items()},
            "numaNodes": {str(k): _cpuset(v) for k, v in topo.numa_nodes.items()},
        },
        "memoryGib": round(m.memory_gib, 3),
        "gpus": [_gpu_dict(g) for g in m.gpus],
        "migAllowed": m.mig_allowed,
        "nodeSelector": dict(m.node_selector),
    }


def _gpu_dict(g) -> dict[str, Any]:
    return {
        "index": g.index,
        "uuid": g.uuid,
        "name": g.name,
        "memoryGib": round(g.memory_gib, 3),
        "computeCapability": ".".join(map(str, g.compute_capability)),
        "migCapable": g.mig_capable,
        "migEnabled": g.mig_enabled,
    }


def _cpu_fit(cfg: StackConfig, p: Plan, r: CpuReplica) -> tuple[float, float] | None:
    """(needed, limit) host memory in GiB for a CPU replica."""
    server = next(s for s in cfg.cpu_servers if s.name == r.server)
    model = next((m for m in cfg.models if m.name == server.model), None)
    if model is None or model.name not in p.model_sizes_gib:
        return None
    return cpu_memory_needed_gib(server, model, p.model_sizes_gib[model.name]), server.memory_gib


def plan_to_dict(cfg: StackConfig, p: Plan, stack: str | None = None) -> dict[str, Any]:
    """The plan as plain data (camelCase keys, sorted where order carries no meaning)."""
    inv = p.inventory
    cpu = []
    for r in p.cpu:
        fit = _cpu_fit(cfg, p, r)
        cpu.append(
            {
                "server": r.server,
                "replica": r.replica,
                "machine": r.machine,
                "cores": r.core_count,
                "cpuset": r.cpuset or None,  # None on a cluster: the kubelet's CPU manager picks the cores
                "l3Domains": list(r.l3_domains),
                "numaNodes": sorted({c.numa for c in r.cores}),
                "memoryGib": r.memory_gib,
                "memoryNeededGib": round(fit[0], 3) if fit else None,
            }
        )
    gpu = []
    for r in p.gpu:
        gpu.append(
            {
                "server": r.server,
                "replica": r.replica,
                "machine": r.machine,
                # On a cluster the device plugin picks the GPUs of a node: only their count is planned.
                "gpus": [g.index for g in r.gpus] if inv.kind == "workstation" else None,
                "gpuCount": len(r.gpus),
                "gpuNames": [g.name for g in r.gpus],
                "migProfile": r.mig_profile,
                "hostCores": r.host_core_count,
                "hostCpuset": r.host_cpuset or None,
                "hostL3Domains": sorted({c.l3 for c in r.host_cores}),
                "memoryGib": r.memory_gib,
                "fit": {
                    "weightsGib": round(r.fit.weights_gib, 3),
                    "kvCacheGib": round(r.fit.kv_cache_gib, 3),
                    "overheadGib": round(r.fit.overhead_gib, 3),
                    "neededGib": round(r.fit.needed_gib, 3),
                    "gpuMemoryGib": round(r.fit.gpu_memory_gib, 3),
                    "gpuCount": r.fit.gpu_count,
                    "utilization": r.fit.utilization,
                    "budgetGib": round(r.fit.budget_gib, 3),
                    "fits": r.fit.fits,
                    "explain": r.fit.explain(),
                },
            }
        )
    return {
        "ok": True,
        "stack": stack,
        "target": cfg.target,
        "hardware": {
            "kind": inv.kind,
            "detected": inv.detected,
            "gpuNote": inv.gpu_note,
            "reservedCores": inv.reserved_cores,
            "reservedMemoryGib": inv.reserved_memory_gib,
            "reservedCpuset": _cpuset(p.reserved) or None,
            "machines": [_machine_dict(m) for m in inv.machines],
        },
        "modelSizesGib": {k: round(v, 3) for k, v in sorted(p.model_sizes_gib.items())},
        "cpuReplicas": cpu,
        "gpuReplicas": gpu,
        "warnings": list(p.warnings),
    }


def error_to_dict(exc: ConfigError, stack: str | None) -> dict[str, Any]:
    return {
        "ok": False,
        "stack": stack,
        "problems": [{"path": f"aistack:{p.path}", "message": p.message} for p in exc.problems],
    }


# --- human-readable form ---------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _hardware_lines(inv: Inventory, p: Plan) -> list[str]:
    how = "detected on this machine (sysfs + NVML)" if inv.detected else "declared in the stack"
    lines = [f"Hardware: {inv.kind}, {how}"]
    for m in inv.machines:
        count = f" × {m.count} nodes" if inv.kind == "cluster" else ""
        role = f" [{m.role}]" if inv.kind == "cluster" else ""
        lines.append(f"  {m.name}{count}{role}")
        lines.append(f"    CPU:    {m.topology.summary()}; -march {m.march}")
        for l3, cores in m.topology.l3_domains.items():
            numa = sorted({c.numa for c in cores})
            lines.append(f"            L3 {l3}: CPUs {_cpuset(cores)} ({len(cores)} cores, NUMA {','.join(map(str, numa))})")
        lines.append(f"    Memory: {m.memory_gib:.1f} GiB ({inv.reserved_memory_gib:g} GiB reserved for the OS)")
        if m.gpus:
            for g in m.gpus:
                mig = " MIG on" if g.mig_enabled else (" MIG-capable" if g.mig_capable else "")
                cc = ".".join(map(str, g.compute_capability))
                lines.append(f"    GPU {g.index}:  {g.name}, {g.memory_gib:.1f} GiB, compute capability {cc}{mig}")
        else:
            lines.append(f"    GPUs:   none{f' ({inv.gpu_note})' if inv.gpu_note else ''}")
    if inv.kind == "workstation":
        reserved = _cpuset(p.reserved) or "none"
        lines.append(f"  Reserved: {inv.reserved_cores} core(s) for the OS (CPUs {reserved})")
    else:
        lines.append(f"  Reserved per node: {inv.reserved_cores} core(s), {inv.reserved_memory_gib:g} GiB")
    return lines


def format_plan(cfg: StackConfig, p: Plan, stack: str | None = None) -> str:
    lines = [f"Stack {stack or '?'}: target {cfg.target}", ""]
    lines += _hardware_lines(p.inventory, p)
    lines.append("")
    header = ["SERVER", "REPLICA", "MACHINE", "CORES", "CPUSET", "L3", "GPUS/MIG", "FIT (GiB)"]
    rows: list[Sequence[str]] = []
    for r in p.cpu:
        fit = _cpu_fit(cfg, p, r)
        fit_text = f"RAM {fit[0]:.1f} needed ≤ {fit[1]:g} limit" if fit else "-"
        cpuset = r.cpuset or "(kubelet)"
        l3 = ",".join(map(str, r.l3_domains)) or "-"
        rows.append([r.server, str(r.replica), r.machine, str(r.core_count), cpuset, l3, "-", fit_text])
    for r in p.gpu:
        gpus = ",".join(str(g.index) for g in r.gpus)
        if p.inventory.kind == "cluster":
            gpus = f"{len(r.gpus)} × GPU"
        if r.mig_profile:
            gpus = f"MIG {r.mig_profile}"
        l3 = ",".join(map(str, sorted({c.l3 for c in r.host_cores}))) or "-"
        fit_text = f"GPU {r.fit.needed_gib:.1f} needed ≤ {r.fit.budget_gib:.1f} budget"
        rows.append([r.server, str(r.replica), r.machine, str(r.host_core_count), r.host_cpuset or "(kubelet)", l3, gpus, fit_text])
    if rows:
        lines += _table(header, rows)
    else:
        lines.append("No servers configured.")
    if p.gpu:
        lines += ["", "GPU fit (per replica):"]
        seen = set()
        for r in p.gpu:
            if r.server not in seen:
                seen.add(r.server)
                lines.append(f"  {r.server}: {r.fit.explain()}")
    lines.append("")
    if p.warnings:
        lines.append("Warnings:")
        lines += [f"  - {w}" for w in p.warnings]
    else:
        lines.append("Warnings: none")
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.plan",
        description="Validate a stack's config and show where every server replica runs (no Pulumi CLI needed).",
    )
    parser.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--project-dir", default=".", help="directory holding Pulumi.<stack>.yaml (default: .)")
    parser.add_argument("--json", action="store_true", help="print the plan (or the problems) as JSON")
    parser.add_argument(
        "--sysfs-root",
        default="/",
        help="for `detect: true` stacks: read the CPU topology from this copy of /sys and /proc (default: /)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg, result = make_plan(args.stack, args.project_dir, args.sysfs_root)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        if args.json:
            print(json.dumps(error_to_dict(exc, args.stack), indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_CONFIG_ERROR
    text = (
        json.dumps(plan_to_dict(cfg, result, args.stack), indent=2, sort_keys=True, ensure_ascii=False)
        if args.json
        else format_plan(cfg, result, args.stack)
    )
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
