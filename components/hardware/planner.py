"""The placement plan: which cores, GPUs and node pools every server replica gets, or why it cannot.

Rules (workstation):
- A CPU replica gets whole physical cores (every SMT sibling) that no other workload uses.
- It stays inside one L3 domain when it fits, else inside one NUMA node, else it spans (with a warning).
- `reservedCores` physical cores stay free for the OS, and each GPU replica gets `hostCores` for its host threads.
Rules (cluster): every replica must fit one node of its pool after the reserve, and the pool must hold all of them.
GPU servers get whole GPUs (or MIG slices on pools that allow them) after a fit check.
"""
from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass, field

from ..config.load import ConfigError, Problem
from ..config.models import ModelConfig
from ..config.stack import StackConfig
from .fit import GpuFit, cpu_memory_needed_gib, gpu_fit, mig_memory_gib, model_size_gib
from .gpus import GpuInfo
from .inventory import Inventory, Machine
from .topology import PhysicalCore, format_cpu_list


@dataclass(frozen=True)
class CpuReplica:
    server: str
    replica: int
    machine: str
    core_count: int
    cores: tuple[PhysicalCore, ...] = ()  # empty on a cluster: the kubelet's CPU manager picks them
    memory_gib: float = 0

    @property
    def cpus(self) -> tuple[int, ...]:
        return tuple(sorted(c for core in self.cores for c in core.cpus))

    @property
    def cpuset(self) -> str:
        return format_cpu_list(self.cpus)

    @property
    def l3_domains(self) -> tuple[int, ...]:
        return tuple(sorted({c.l3 for c in self.cores}))

    @property
    def threads(self) -> int:
        """llama.cpp threads: one per physical core."""
        return self.core_count


@dataclass(frozen=True)
class GpuReplica:
    server: str
    replica: int
    machine: str
    gpus: tuple[GpuInfo, ...]
    fit: GpuFit
    mig_profile: str | None = None
    host_cores: tuple[PhysicalCore, ...] = ()
    host_core_count: int = 1
    memory_gib: float = 0

    @property
    def host_cpuset(self) -> str:
        return format_cpu_list(c for core in self.host_cores for c in core.cpus)

    @property
    def min_compute_capability(self) -> tuple[int, int]:
        return min(g.compute_capability for g in self.gpus)


@dataclass(frozen=True)
class Plan:
    inventory: Inventory
    cpu: tuple[CpuReplica, ...]
    gpu: tuple[GpuReplica, ...]
    reserved: tuple[PhysicalCore, ...] = ()
    model_sizes_gib: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def cpu_replicas(self, server: str) -> tuple[CpuReplica, ...]:
        return tuple(r for r in self.cpu if r.server == server)

    def gpu_replicas(self, server: str) -> tuple[GpuReplica, ...]:
        return tuple(r for r in self.gpu if r.server == server)

    @property
    def march(self) -> str:
        return self.inventory.machines[0].march

    @property
    def cuda_archs(self) -> tuple[str, ...]:
        return tuple(sorted({g.cuda_arch for r in self.gpu for g in r.gpus}))


def _cross_reference_problems(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for group, servers in (("cpuServers", cfg.cpu_servers), ("gpuServers", cfg.gpu_servers)):
        for i, server in enumerate(servers):
            path = f"{group}[{i}].name"
            if server.name in seen:
                problems.append(Problem(path, f"duplicate server name {server.name!r} (also {seen[server.name]}); names must be unique"))
            seen.setdefault(server.name, path)
    model_names = [m.name for m in cfg.models]
    for i, model in enumerate(cfg.models):
        if model_names.index(model.name) != i:
            problems.append(Problem(f"models[{i}].name", f"duplicate model name {model.name!r}"))
    for group, servers in (("cpuServers", cfg.cpu_servers), ("gpuServers", cfg.gpu_servers)):
        for i, server in enumerate(servers):
            if server.model not in model_names:
                known = ", ".join(model_names) or "none declared"
                problems.append(Problem(f"{group}[{i}].model", f"unknown model {server.model!r}; declare it in aistack:models (known: {known})"))
    for i, server in enumerate(cfg.gpu_servers):
        model = next((m for m in cfg.models if m.name == server.model), None)
        if model and server.engine == "llama-cuda" and model.format != "gguf":
            problems.append(Problem(f"gpuServers[{i}].engine", f"llama-cuda serves GGUF files; model {model.name!r} is {model.format}"))
    ports: dict[int, str] = {cfg.gateway.port: "gateway.port"}
    for group, servers in (("cpuServers", cfg.cpu_servers), ("gpuServers", cfg.gpu_servers)):
        for i, server in enumerate(servers):
            if server.publish_port is not None:
                path = f"{group}[{i}].publishPort"
                if server.publish_port in ports:
                    problems.append(Problem(path, f"port {server.publish_port} is already used by {ports[server.publish_port]}"))
                ports.setdefault(server.publish_port, path)
    return problems


def _model_sizes(cfg: StackConfig, project_dir: pathlib.Path) -> tuple[dict[str, float], list[Problem]]:
    sizes, problems = {}, []
    for i, model in enumerate(cfg.models):
        size_bytes = None
        if model.path is not None and model.size_gib is None:
            path = resolve_model_path(model, project_dir)
            if not path.is_file():
                problems.append(Problem(f"models[{i}].path", f"file {model.path!r} not found; check the path or use `url` with `sizeGib`"))
                continue
            size_bytes = path.stat().st_size
        sizes[model.name] = model_size_gib(model, size_bytes)
    return sizes, problems


def resolve_model_path(model: ModelConfig, project_dir: pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(model.path or "").expanduser()
    return path if path.is_absolute() else project_dir / path


class _CoreLedger:
    """Which physical cores of one host are still free."""

    def __init__(self, machine: Machine):
        self.machine = machine
        self.free = list(machine.topology.cores)

    def take(self, cores) -> None:
        for core in cores:
            self.free.remove(core)

    def choose(self, count: int) -> tuple[tuple[PhysicalCore, ...], str | None]:
        """Best fit inside one L3 domain, then one NUMA node, then anywhere (with a warning)."""
        for key, level in ((lambda c: c.l3, None), (lambda c: c.numa, "its L3 domain")):
            groups: dict[int, list[PhysicalCore]] = {}
            for core in self.free:
                groups.setdefault(key(core), []).append(core)
            fitting = [cores for cores in groups.values() if len(cores) >= count]
            if fitting:
                best = min(fitting, key=lambda cores: (len(cores), cores[0]))
                chosen = tuple(sorted(best)[:count])
                self.take(chosen)
                return chosen, ("spans more than one L3 domain" if level else None)
        if len(self.free) >= count:
            chosen = tuple(sorted(self.free)[:count])
            self.take(chosen)
            return chosen, "spans more than one NUMA node"
        return (), None


def _plan_workstation_cores(cfg: StackConfig, machine: Machine, order: list[int]) -> tuple[list[CpuReplica], dict[str, tuple], list[Problem], list[str], tuple]:
    """Place CPU replicas (in `order` of server index) and GPU host threads on one host."""
    ledger = _CoreLedger(machine)
    problems: list[Problem] = []
    warnings: list[str] = []
    by_cpu = {c: core for core in machine.topology.cores for c in core.cpus}
    explicit: dict[int, tuple[PhysicalCore, ...]] = {}
    owner: dict[PhysicalCore, str] = {}
    for i, server in enumerate(cfg.cpu_servers):
        if server.cpu_list is None:
            continue
        path = f"cpuServers[{i}].cpuList"
        unknown = [c for c in server.cpu_list if c not in by_cpu]
        if unknown:
            problems.append(Problem(path, f"CPU(s) {format_cpu_list(unknown)} do not exist on {machine.name} (CPUs 0-{machine.topology.logical_cpus - 1})"))
            continue
        cores = tuple(sorted({by_cpu[c] for c in server.cpu_list}))
        missing = sorted(set(c for core in cores for c in core.cpus) - set(server.cpu_list))
        if missing:
            problems.append(Problem(path, f"splits physical cores: add their SMT siblings {format_cpu_list(missing)}, so no other server shares them"))
        if len(cores) != server.cores:
            problems.append(Problem(path, f"covers {len(cores)} physical core(s) but cores is {server.cores}; make them agree"))
        clash = sorted({owner[c] for c in cores if c in owner})
        if clash:
            problems.append(Problem(path, f"overlaps the cores of {', '.join(clash)}; explicit core lists must be disjoint"))
        for core in cores:
            owner.setdefault(core, server.name)
        explicit[i] = cores
    if problems:
        return [], {}, problems, warnings, ()
    for cores in explicit.values():
        ledger.take(cores)
    # The OS reserve: the lowest-numbered cores (where Linux puts housekeeping and interrupts).
    reserved = tuple(sorted(ledger.free)[: cfg.hardware.reserved_cores])
    ledger.take(reserved)
    host_cores: dict[str, tuple] = {}
    for server in cfg.gpu_servers:
        for replica in range(server.replicas):
            cores, _ = ledger.choose(server.host_cores)
            if not cores:
                problems.append(_no_cores(cfg, machine, f"gpuServers[{cfg.gpu_servers.index(server)}].hostCores", server.host_cores))
                return [], {}, problems, warnings, reserved
            host_cores[f"{server.name}/{replica}"] = cores
    replicas: list[CpuReplica] = []
    for i in order:
        server = cfg.cpu_servers[i]
        for replica in range(server.replicas):
            if i in explicit:
                cores, note = explicit[i], None
            else:
                cores, note = ledger.choose(server.cores)
            if not cores:
                problems.append(_no_cores(cfg, machine, f"cpuServers[{i}].cores", server.cores))
                return [], {}, problems, warnings, reserved
            if note:
                warnings.append(f"{server.name} replica {replica} {note}: it fits no single L3 domain")
            replicas.append(CpuReplica(server.name, replica, machine.name, server.cores, cores, server.memory_gib))
    return replicas, host_cores, problems, warnings, reserved


def _no_cores(cfg: StackConfig, machine: Machine, path: str, want: int) -> Problem:
    total = len(machine.topology.cores)
    cpu_need = sum(s.cores * s.replicas for s in cfg.cpu_servers)
    gpu_need = sum(s.host_cores * s.replicas for s in cfg.gpu_servers)
    return Problem(
        path,
        f"not enough physical cores on {machine.name}: servers need {cpu_need} (CPU servers) + {gpu_need} "
        f"(GPU host threads) + {cfg.hardware.reserved_cores} reserved = {cpu_need + gpu_need + cfg.hardware.reserved_cores}, "
        f"the host has {total}; lower cores/replicas or hardware.reservedCores",
    )


def _resolve_gpu(machine: Machine, ref: int | str) -> GpuInfo | None:
    for gpu in machine.gpus:
        if (isinstance(ref, int) and gpu.index == ref) or (isinstance(ref, str) and ref in (gpu.uuid, str(gpu.index))):
            return gpu
    return None


def _plan_gpus(cfg: StackConfig, inv: Inventory, sizes: dict[str, float], host_cores: dict[str, tuple]) -> tuple[list[GpuReplica], list[Problem]]:
    problems: list[Problem] = []
    replicas: list[GpuReplica] = []
    models = {m.name: m for m in cfg.models}
    gpu_pools = [m for m in inv.machines if m.role in ("any", "gpu")]
    if cfg.gpu_servers and not any(m.gpus for m in gpu_pools):
        why = f" ({inv.gpu_note})" if inv.gpu_note else ""
        where = "this machine" if inv.detected else "the declared hardware"
        return [], [Problem("gpuServers", f"{len(cfg.gpu_servers)} GPU server(s) configured but {where} has no NVIDIA GPU{why}; remove gpuServers or deploy on a GPU host")]
    used: dict[tuple[str, int], str] = {}
    gpu_load: dict[tuple[str, int], list[tuple[str, float]]] = {}
    # Free whole GPUs on each node of each pool: a replica's GPUs must sit on one node.
    node_free: dict[str, list[int]] = {m.name: [len(m.gpus)] * m.count for m in gpu_pools}
    for i, server in enumerate(cfg.gpu_servers):
        model = models.get(server.model)
        if model is None or server.model not in sizes:
            continue
        path = f"gpuServers[{i}]"
        pool = next((m for m in gpu_pools if m.gpus), None)
        assert pool is not None
        needs_fp8 = server.quantization == "fp8" or server.kv_cache_dtype == "fp8"
        if server.mig_profile:
            if inv.kind != "cluster" or not pool.mig_allowed:
                problems.append(Problem(f"{path}.migProfile", "MIG slices are only planned on cluster GPU pools with migAllowed: true; remove migProfile"))
                continue
            gpu0 = pool.gpus[0]
            if not gpu0.mig_capable:
                problems.append(Problem(f"{path}.migProfile", f"the GPUs of pool {pool.name} ({gpu0.name}) are not MIG-capable; set migCapable: true on them if they are, or remove migProfile"))
                continue
            slice_gib = mig_memory_gib(server.mig_profile)
            compute = int(server.mig_profile.split("g.", 1)[0])
            # A GPU has 7 compute slices; memory bounds the count too (an "80GB" card reports a little less).
            per_gpu = min(7 // compute if 1 <= compute <= 7 else 0, int(gpu0.memory_gib * 1.05 // slice_gib))
            if per_gpu == 0:
                problems.append(Problem(f"{path}.migProfile", f"{server.mig_profile} does not fit a {gpu0.name} ({gpu0.memory_gib:.1f} GiB, 7 compute slices)"))
                continue
            fit = gpu_fit(server, model, sizes[model.name], slice_gib)
            whole_gpus = math.ceil(server.replicas / per_gpu)  # MIG GPUs are taken out of the whole-GPU count
            if not _take_gpus(node_free[pool.name], 1, whole_gpus):
                problems.append(Problem(f"{path}.replicas", f"pool {pool.name} has no room for {server.replicas} {server.mig_profile} slice(s) ({whole_gpus} GPU(s) at {per_gpu} per GPU; {sum(node_free[pool.name])} GPU(s) left)"))
            gpus_for = [pool.gpus[:1]] * server.replicas
        else:
            gpus_for = []
            if inv.kind == "workstation":
                refs = server.gpus
                if refs is None:
                    free = [g for g in pool.gpus if (pool.name, g.index) not in used and not g.mig_enabled]
                    refs = [g.index for g in free[: server.gpu_count * server.replicas]]
                    if len(refs) < server.gpu_count * server.replicas:
                        problems.append(Problem(f"{path}.gpuCount", f"needs {server.gpu_count * server.replicas} free GPU(s); {len(free)} left on {pool.name} ({len(pool.gpus)} in total)"))
                        continue
                chosen = []
                for j, ref in enumerate(refs):
                    gpu = _resolve_gpu(pool, ref)
                    if gpu is None:
                        have = ", ".join(f"{g.index} ({g.name})" for g in pool.gpus)
                        problems.append(Problem(f"{path}.gpus[{j}]", f"GPU {ref!r} does not exist on {pool.name}; it has GPU(s) {have}"))
                        continue
                    if gpu.mig_enabled:
                        problems.append(Problem(f"{path}.gpus[{j}]", f"GPU {gpu.index} ({gpu.name}) has MIG enabled, so it cannot be used whole; disable MIG on it (nvidia-smi -i {gpu.index} -mig 0) or pick another GPU"))
                        continue
                    used[(pool.name, gpu.index)] = server.name  # explicit lists may share a GPU: memory is checked below
                    chosen.append(gpu)
                if len(chosen) != len(refs):
                    continue
                gpus_for = [tuple(chosen[r * server.gpu_count:(r + 1) * server.gpu_count]) for r in range(server.replicas)]
            else:
                if server.gpu_count > len(pool.gpus):
                    problems.append(Problem(f"{path}.gpuCount", f"{server.gpu_count} GPUs per replica but nodes of pool {pool.name} have {len(pool.gpus)}"))
                    continue
                if not _take_gpus(node_free[pool.name], server.gpu_count, server.replicas):
                    problems.append(Problem(f"{path}.replicas", f"pool {pool.name} runs out of GPUs: {server.replicas} replica(s) × {server.gpu_count} GPU(s) on one node each, {sum(node_free[pool.name])} GPU(s) left on {pool.count} node(s) × {len(pool.gpus)}"))
                    continue
                gpus_for = [pool.gpus[: server.gpu_count]] * server.replicas
            slice_gib = min(g.memory_gib for g in gpus_for[0])
            fit = gpu_fit(server, model, sizes[model.name], slice_gib)
        if fit is None:
            problems.append(Problem(f"{path}.kvCacheGib", f"cannot size the KV cache of model {model.name!r}: set kvCacheGib here, or models[].architecture"))
            continue
        if not fit.fits:
            problems.append(Problem(path, f"model {model.name!r} does not fit: {fit.explain()}; use more GPUs (gpuCount), a smaller context/maxSequences, fp8, or a smaller model"))
            continue
        if needs_fp8:
            old = [g for g in gpus_for[0] if not g.supports_fp8]
            if old:
                cc = ".".join(map(str, old[0].compute_capability))
                problems.append(Problem(f"{path}.quantization", f"fp8 needs compute capability ≥ 8.9; {old[0].name} has {cc}; use quantization: none and kvCacheDtype: auto"))
                continue
        if inv.kind == "workstation":
            # vLLM takes utilization × memory up front; llama.cpp takes what it needs.
            share = fit.budget_gib if server.engine == "vllm" else fit.needed_gib
            for gpus in gpus_for:
                for gpu in gpus:
                    gpu_load.setdefault((pool.name, gpu.index), []).append((server.name, share / server.gpu_count))
        for r in range(server.replicas):
            replicas.append(
                GpuReplica(server.name, r, pool.name, tuple(gpus_for[r]), fit, server.mig_profile,
                           host_cores.get(f"{server.name}/{r}", ()), server.host_cores, server.memory_gib)
            )
    for (pool_name, index), loads in gpu_load.items():
        gpu = next(g for m in gpu_pools if m.name == pool_name for g in m.gpus if g.index == index)
        total = sum(gib for _, gib in loads)
        if len(loads) > 1 and total > gpu.memory_gib:
            parts = " + ".join(f"{name} {gib:.1f} GiB" for name, gib in loads)
            problems.append(Problem("gpuServers", f"GPU {index} ({gpu.name}, {gpu.memory_gib:.1f} GiB) is shared by {parts} = {total:.1f} GiB; lower gpuMemoryUtilization or move a server to another GPU"))
    return replicas, problems


def _take_gpus(free: list[int], per_replica: int, replicas: int) -> bool:
    """First fit of `replicas` groups of `per_replica` GPUs, each group on one node. Updates `free` only on success."""
    trial = list(free)
    for _ in range(replicas):
        node = next((n for n, left in enumerate(trial) if left >= per_replica), None)
        if node is None:
            return False
        trial[node] -= per_replica
    free[:] = trial
    return True


def _memory_problems(cfg: StackConfig, inv: Inventory, sizes: dict[str, float]) -> list[Problem]:
    problems: list[Problem] = []
    models = {m.name: m for m in cfg.models}
    for i, server in enumerate(cfg.cpu_servers):
        model = models.get(server.model)
        if model is None or model.name not in sizes:
            continue
        need = cpu_memory_needed_gib(server, model, sizes[model.name])
        if server.memory_gib < need:
            problems.append(Problem(f"cpuServers[{i}].memoryGib", f"{server.memory_gib:g} GiB is less than model {model.name!r} + KV cache + runtime = {need:.2f} GiB; raise it to at least {math.ceil(need * 4) / 4:g}"))
    for machine in inv.machines:
        usable = machine.memory_gib - inv.reserved_memory_gib
        if inv.kind == "workstation":
            total = sum(s.memory_gib * s.replicas for s in cfg.cpu_servers) + sum(s.memory_gib * s.replicas for s in cfg.gpu_servers)
            if total > usable:
                problems.append(Problem("cpuServers" if cfg.cpu_servers else "gpuServers", f"memory limits add up to {total:g} GiB but {machine.name} has {machine.memory_gib:.1f} GiB - {inv.reserved_memory_gib:g} GiB reserved = {usable:.1f} GiB; lower memoryGib or replicas"))
        else:
            for group, servers in (("cpuServers", cfg.cpu_servers), ("gpuServers", cfg.gpu_servers)):
                for i, s in enumerate(servers):
                    if _pool_for(inv, group).name == machine.name and s.memory_gib > usable:
                        problems.append(Problem(f"{group}[{i}].memoryGib", f"{s.memory_gib:g} GiB exceeds a {machine.name} node ({usable:.1f} GiB usable)"))
    return problems


def _pool_for(inv: Inventory, group: str) -> Machine:
    role = "cpu" if group == "cpuServers" else "gpu"
    return next((m for m in inv.machines if m.role == role), inv.machines[0])


def _plan_cluster_cpu(cfg: StackConfig, inv: Inventory) -> tuple[list[CpuReplica], list[Problem]]:
    pool = _pool_for(inv, "cpuServers")
    per_node = len(pool.topology.cores) - inv.reserved_cores
    problems, replicas = [], []
    # First-fit decreasing over the pool's nodes, by cores.
    free = [per_node] * pool.count
    order = sorted(range(len(cfg.cpu_servers)), key=lambda i: -cfg.cpu_servers[i].cores)
    for i in order:
        server = cfg.cpu_servers[i]
        if server.cpu_list is not None:
            problems.append(Problem(f"cpuServers[{i}].cpuList", "explicit CPU lists apply to a workstation; on a cluster the kubelet's static CPU manager picks cores"))
            continue
        if server.cores > per_node:
            problems.append(Problem(f"cpuServers[{i}].cores", f"{server.cores} cores per replica exceed a {pool.name} node ({per_node} after the reserve)"))
            continue
        for r in range(server.replicas):
            node = next((n for n, left in enumerate(free) if left >= server.cores), None)
            if node is None:
                problems.append(Problem(f"cpuServers[{i}].replicas", f"pool {pool.name} ({pool.count} nodes × {per_node} cores) has no room for replica {r}"))
                break
            free[node] -= server.cores
            replicas.append(CpuReplica(server.name, r, pool.name, server.cores, (), server.memory_gib))
    replicas.sort(key=lambda r: ([s.name for s in cfg.cpu_servers].index(r.server), r.replica))
    return replicas, problems


def plan(cfg: StackConfig, inv: Inventory, project_dir: str | pathlib.Path = ".", stack: str | None = None) -> Plan:
    """Plan the stack, or raise ConfigError listing every problem found."""
    project_dir = pathlib.Path(project_dir)
    problems = _cross_reference_problems(cfg)
    sizes, size_problems = _model_sizes(cfg, project_dir)
    problems += size_problems
    problems += _memory_problems(cfg, inv, sizes)
    warnings: list[str] = []
    reserved: tuple = ()
    if inv.kind == "workstation":
        machine = inv.machines[0]
        declared = list(range(len(cfg.cpu_servers)))
        largest_first = sorted(declared, key=lambda i: -cfg.cpu_servers[i].cores * cfg.cpu_servers[i].replicas)
        cpu, host_cores, core_problems, warnings, reserved = _plan_workstation_cores(cfg, machine, declared)
        if core_problems and largest_first != declared:
            retry = _plan_workstation_cores(cfg, machine, largest_first)
            if not retry[2]:
                cpu, host_cores, core_problems, warnings, reserved = retry
                cpu.sort(key=lambda r: (declared.index([s.name for s in cfg.cpu_servers].index(r.server)), r.replica))
        problems += core_problems
    else:
        cpu, cpu_problems = _plan_cluster_cpu(cfg, inv)
        problems += cpu_problems
        host_cores = {}
    gpu, gpu_problems = _plan_gpus(cfg, inv, sizes, host_cores)
    problems += gpu_problems
    if problems:
        raise ConfigError(_dedupe(problems), stack)
    return Plan(inv, tuple(cpu), tuple(gpu), reserved, sizes, tuple(warnings))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
