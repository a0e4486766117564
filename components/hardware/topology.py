"""CPU topology: physical cores with their SMT siblings, grouped into L3 and NUMA domains.

Read from sysfs on the machine the program runs on, or synthesised from a declared CpuProfile.
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PhysicalCore:
    """One physical core and the logical CPUs (SMT threads) that share it."""

    first_cpu: int  # lowest logical CPU; orders cores the way Linux numbers them
    cpus: tuple[int, ...]
    l3: int
    numa: int
    package: int


@dataclass(frozen=True)
class CpuTopology:
    model: str
    cores: tuple[PhysicalCore, ...]
    march: str | None = None
    memory_bytes: int = 0
    source: str = "declared"

    @property
    def logical_cpus(self) -> int:
        return sum(len(c.cpus) for c in self.cores)

    @property
    def threads_per_core(self) -> int:
        return max((len(c.cpus) for c in self.cores), default=1)

    @property
    def l3_domains(self) -> dict[int, tuple[PhysicalCore, ...]]:
        return _group(self.cores, lambda c: c.l3)

    @property
    def numa_nodes(self) -> dict[int, tuple[PhysicalCore, ...]]:
        return _group(self.cores, lambda c: c.numa)

    def summary(self) -> str:
        return (
            f"{self.model}: {len(self.cores)} cores / {self.logical_cpus} threads, "
            f"{len(self.l3_domains)} L3 domain(s), {len(self.numa_nodes)} NUMA node(s)"
        )


def _group(cores, key) -> dict[int, tuple[PhysicalCore, ...]]:
    groups: dict[int, list[PhysicalCore]] = {}
    for core in cores:
        groups.setdefault(key(core), []).append(core)
    return {k: tuple(sorted(v)) for k, v in sorted(groups.items())}


def parse_cpu_list(text: str) -> list[int]:
    """Parse the kernel's list format: `0-3,8,10-11`."""
    cpus: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


def format_cpu_list(cpus) -> str:
    """Inverse of parse_cpu_list, with ranges collapsed: [0,1,2,16,17] -> `0-2,16-17`."""
    ordered = sorted(set(cpus))
    ranges: list[str] = []
    start = prev = None
    for cpu in ordered + [None]:
        if start is not None and prev is not None and cpu == prev + 1:
            prev = cpu
            continue
        if start is not None:
            ranges.append(f"{start}-{prev}" if prev != start else f"{start}")
        start = prev = cpu
    return ",".join(ranges)


def synthesize(
    *,
    model: str,
    physical_cores: int,
    threads_per_core: int = 2,
    sockets: int = 1,
    l3_domains: int = 1,
    numa_nodes: int = 1,
    smt_layout: str = "offset",
    march: str | None = None,
    memory_bytes: int = 0,
) -> CpuTopology:
    """Build the topology Linux would report for a declared CPU."""
    per_l3 = physical_cores // l3_domains
    per_numa = physical_cores // numa_nodes
    per_socket = physical_cores // sockets
    cores = []
    for core in range(physical_cores):
        if smt_layout == "offset":
            cpus = tuple(core + t * physical_cores for t in range(threads_per_core))
        else:
            cpus = tuple(core * threads_per_core + t for t in range(threads_per_core))
        cores.append(PhysicalCore(cpus[0], cpus, core // per_l3, core // per_numa, core // per_socket))
    return CpuTopology(model, tuple(cores), march, memory_bytes, "declared")


@dataclass
class _CpuFacts:
    package: int = 0
    core_id: int = 0
    siblings: tuple[int, ...] = ()
    l3: int | None = None
    numa: int = 0


def read_sysfs(root: str | pathlib.Path = "/", march: str | None = None) -> CpuTopology:
    """Read the CPU topology and RAM of this machine. `root` points at a fixture tree in tests."""
    root = pathlib.Path(root)
    cpu_dir = root / "sys/devices/system/cpu"
    online = parse_cpu_list((cpu_dir / "online").read_text())
    numa_of: dict[int, int] = {}
    for node in sorted((root / "sys/devices/system/node").glob("node[0-9]*")):
        for cpu in parse_cpu_list((node / "cpulist").read_text()):
            numa_of[cpu] = int(node.name[4:])
    l3_keys: dict[tuple[int, ...], int] = {}
    facts: dict[int, _CpuFacts] = {}
    for cpu in online:
        base = cpu_dir / f"cpu{cpu}"
        topo = base / "topology"
        siblings_file = topo / "thread_siblings_list"
        if not siblings_file.exists():
            siblings_file = topo / "core_cpus_list"
        siblings = tuple(c for c in parse_cpu_list(siblings_file.read_text()) if c in online)
        l3 = None
        for index in sorted((base / "cache").glob("index[0-9]*")):
            if (index / "level").read_text().strip() == "3":
                shared = tuple(parse_cpu_list((index / "shared_cpu_list").read_text()))
                l3 = l3_keys.setdefault(shared, len(l3_keys))
        facts[cpu] = _CpuFacts(
            package=int((topo / "physical_package_id").read_text()),
            core_id=int((topo / "core_id").read_text()),
            siblings=siblings or (cpu,),
            l3=l3,
            numa=numa_of.get(cpu, 0),
        )
    cores: dict[tuple[int, ...], PhysicalCore] = {}
    for cpu, f in facts.items():
        key = tuple(sorted(f.siblings))
        if key not in cores:
            # No L3 info (some VMs): treat each package as one domain.
            l3 = f.l3 if f.l3 is not None else f.package
            cores[key] = PhysicalCore(key[0], key, l3, f.numa, f.package)
    model = _cpu_model(root)
    return CpuTopology(model, tuple(sorted(cores.values())), march, read_memory_bytes(root), "sysfs")


def _cpu_model(root: pathlib.Path) -> str:
    cpuinfo = root / "proc/cpuinfo"
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def read_memory_bytes(root: str | pathlib.Path = "/") -> int:
    meminfo = pathlib.Path(root) / "proc/meminfo"
    if not meminfo.exists():
        return 0
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0
