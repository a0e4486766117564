"""The machines a stack deploys onto: one workstation host, or cluster node pools."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from ..config.hardware import CpuProfile, GpuProfile, HardwareConfig
from .gpus import GIB, GpuDiscovery, GpuInfo, discover_gpus
from .topology import CpuTopology, read_sysfs, synthesize

DEFAULT_MARCH = "x86-64-v3"


@dataclass(frozen=True)
class Machine:
    """A host, or one node of a pool (all `count` nodes of a pool are identical)."""

    name: str
    topology: CpuTopology
    memory_bytes: int
    gpus: tuple[GpuInfo, ...]
    count: int = 1
    role: Literal["any", "cpu", "gpu"] = "any"
    node_selector: tuple[tuple[str, str], ...] = ()
    mig_allowed: bool = False

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / GIB

    @property
    def march(self) -> str:
        return self.topology.march or DEFAULT_MARCH


@dataclass(frozen=True)
class Inventory:
    kind: Literal["workstation", "cluster"]
    machines: tuple[Machine, ...]
    reserved_cores: int
    reserved_memory_gib: float
    detected: bool = False
    gpu_note: str | None = None  # why there are no GPUs, when discovery found none

    @property
    def all_gpus(self) -> tuple[GpuInfo, ...]:
        return tuple(g for m in self.machines for g in m.gpus)


def _topology(cpu: CpuProfile, memory_gib: float) -> CpuTopology:
    return synthesize(
        model=cpu.model,
        physical_cores=cpu.physical_cores,
        threads_per_core=cpu.threads_per_core,
        sockets=cpu.sockets,
        l3_domains=cpu.l3_domains,
        numa_nodes=cpu.numa_nodes,
        smt_layout=cpu.smt_layout,
        march=cpu.march,
        memory_bytes=int(memory_gib * GIB),
    )


def _gpus(profiles: list[GpuProfile]) -> tuple[GpuInfo, ...]:
    out = []
    for index, gpu in enumerate(profiles):
        major, minor = (int(x) for x in gpu.compute_capability.split("."))
        out.append(
            GpuInfo(index, gpu.uuid or f"GPU-declared-{index}", gpu.name, int(gpu.memory_gib * GIB), (major, minor), gpu.mig_capable)
        )
    return tuple(out)


def build_inventory(
    hw: HardwareConfig,
    *,
    read_topology: Callable[[], CpuTopology] = read_sysfs,
    discover: Callable[[], GpuDiscovery] = discover_gpus,
) -> Inventory:
    """Declared profiles become machines as given; `detect: true` reads this machine."""
    if hw.detect:
        topology = read_topology()
        found = discover()
        host = Machine("localhost", topology, topology.memory_bytes, found.gpus)
        return Inventory("workstation", (host,), hw.reserved_cores, hw.reserved_memory_gib, True, found.error)
    if hw.host is not None:
        h = hw.host
        machine = Machine(h.name, _topology(h.cpu, h.memory_gib), int(h.memory_gib * GIB), _gpus(h.gpus))
        return Inventory("workstation", (machine,), hw.reserved_cores, hw.reserved_memory_gib)
    pools = tuple(
        Machine(
            p.name,
            _topology(p.cpu, p.memory_gib),
            int(p.memory_gib * GIB),
            _gpus(p.gpus),
            count=p.nodes,
            role=p.role,
            node_selector=tuple(sorted((p.node_selector or {"aistack.dev/pool": p.name}).items())),
            mig_allowed=p.mig_allowed,
        )
        for p in hw.node_pools or []
    )
    return Inventory("cluster", pools, hw.reserved_cores, hw.reserved_memory_gib)
