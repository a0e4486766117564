"""`aistack:hardware`: either `detect: true` or a declared profile (a workstation host or cluster node pools)."""
from typing import Literal

from pydantic import Field, model_validator

from .base import ConfigModel


class CpuProfile(ConfigModel):
    """The CPU of a host or of every node in a pool."""

    model: str = Field("generic x86-64", description="Marketing name, shown in the plan.")
    sockets: int = Field(1, ge=1, le=8, description="CPU packages.")
    physical_cores: int = Field(..., ge=1, le=1024, description="Physical cores in total (all sockets).")
    threads_per_core: int = Field(2, ge=1, le=4, description="SMT threads per physical core (1 = no SMT).")
    l3_domains: int = Field(1, ge=1, le=256, description="L3 cache domains (CCDs/CCXs) in total; cores split evenly.")
    numa_nodes: int = Field(1, ge=1, le=64, description="NUMA nodes in total; cores split evenly.")
    smt_layout: Literal["offset", "adjacent"] = Field(
        "offset",
        description="How Linux numbers SMT siblings: `offset` = sibling of CPU n is n + physicalCores "
        "(AMD/Intel desktops and servers), `adjacent` = siblings are 2n and 2n+1.",
    )
    march: str | None = Field(
        None, description="Compiler -march for images built for this CPU (e.g. znver5). Unset: a safe default."
    )

    @model_validator(mode="after")
    def _even_split(self) -> "CpuProfile":
        for key, count in (("l3Domains", self.l3_domains), ("numaNodes", self.numa_nodes), ("sockets", self.sockets)):
            if self.physical_cores % count:
                raise ValueError(f"{key}={count} must divide physicalCores={self.physical_cores} evenly")
        return self


class GpuProfile(ConfigModel):
    """One GPU of a host or node."""

    name: str = Field(..., min_length=1, description="Model name, e.g. `NVIDIA GeForce RTX 5090`.")
    memory_gib: float = Field(..., gt=0, le=4096, description="Total GPU memory in GiB.")
    compute_capability: str = Field(
        ..., pattern=r"^\d+\.\d+$", description="CUDA compute capability `major.minor`, e.g. `12.0` or `9.0`."
    )
    uuid: str | None = Field(None, description="GPU UUID; when set, containers request the GPU by UUID.")
    mig_capable: bool = Field(False, description="Whether the GPU supports MIG partitioning.")


class HostProfile(ConfigModel):
    """A single machine (the workstation target)."""

    name: str = Field("workstation", min_length=1, description="Host name used in the plan.")
    cpu: CpuProfile
    memory_gib: float = Field(..., gt=0, le=65536, description="Host RAM in GiB.")
    gpus: list[GpuProfile] = Field(default_factory=list, description="GPUs, in NVML index order.")


class NodePool(ConfigModel):
    """A group of identical cluster nodes (the Kubernetes target)."""

    name: str = Field(..., pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="Pool name (node label value).")
    role: Literal["cpu", "gpu"] = Field(..., description="`cpu` runs CPU servers, `gpu` runs GPU servers.")
    nodes: int = Field(..., ge=1, le=10000, description="Number of nodes in the pool.")
    cpu: CpuProfile
    memory_gib: float = Field(..., gt=0, le=65536, description="RAM per node in GiB.")
    gpus: list[GpuProfile] = Field(default_factory=list, description="GPUs per node.")
    node_selector: dict[str, str] = Field(
        default_factory=dict, description="Node labels that select this pool (default: `aistack.dev/pool: <name>`)."
    )
    mig_allowed: bool = Field(False, description="GPU servers in this pool may be placed on MIG slices.")


class HardwareConfig(ConfigModel):
    """Exactly one of `detect`, `host` or `nodePools`."""

    detect: bool = Field(False, description="Read the machine the program runs on (sysfs + NVML).")
    host: HostProfile | None = Field(None, description="A declared workstation.")
    node_pools: list[NodePool] | None = Field(None, description="Declared cluster node pools.")
    reserved_cores: int = Field(
        1, ge=0, le=64, description="Physical cores per host/node kept free for the OS, Docker and kubelet."
    )
    reserved_memory_gib: float = Field(4, ge=0, le=1024, description="RAM per host/node kept free for the OS.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "HardwareConfig":
        chosen = [k for k, v in (("detect", self.detect), ("host", self.host), ("nodePools", self.node_pools)) if v]
        if len(chosen) != 1:
            raise ValueError(
                "set exactly one of `detect: true`, `host: {...}` or `nodePools: [...]`"
                + (f" (got {', '.join(chosen)})" if chosen else " (got none)")
            )
        return self
