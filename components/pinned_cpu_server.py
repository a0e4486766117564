"""PinnedCpuServer: llama.cpp replicas, each on its own whole physical cores."""
from __future__ import annotations

import pulumi

from .config.servers import CpuServerConfig
from .hardware.planner import CpuReplica
from .models import MODELS_PATH, MODELS_VOLUME, load_grace_seconds
from .spec import Metrics, ModelSource, Placement, Port, Probe, Replica, Resources, Scratch, VolumeMount, Workload

LLAMA_PORT = 8080


def llama_args(server: CpuServerConfig | None, model_file: str, alias: str, threads: int, *, context: int, parallel: int,
               mlock: bool, extra: list[str], gpu_layers: int | None = None) -> tuple[str, ...]:
    args = [
        "--host", "0.0.0.0", "--port", str(LLAMA_PORT),
        "--model", f"{MODELS_PATH}/{model_file}",
        "--alias", alias,
        "--threads", str(threads), "--threads-batch", str(threads),
        "--ctx-size", str(context), "--parallel", str(parallel),
        "--metrics", "--no-webui",
    ]
    if mlock:
        args += ["--load-mode", "mmap+mlock"]  # the flag of the llama.cpp both image sources pin (b11669)
    if gpu_layers is not None:
        args += ["--n-gpu-layers", str(gpu_layers)]
    return tuple(args + list(extra))


def cpu_server_workload(
    server: CpuServerConfig, model: ModelSource, placements: tuple[CpuReplica, ...], image, threads_per_core: int, node_selector=()
) -> Workload:
    first = placements[0]
    return Workload(
        name=server.name,
        component="PinnedCpuServer",
        role="inference",
        image=image,
        args=llama_args(server, model.file, server.name, first.threads, context=server.context_size,
                        parallel=server.parallel, mlock=server.mlock, extra=server.extra_args),
        ports=(Port("http", LLAMA_PORT, host_port=server.publish_port),),
        volumes=(VolumeMount(MODELS_VOLUME, MODELS_PATH, read_only=True),),
        scratch=(Scratch("/tmp", 64),),
        probe=Probe("/health", LLAMA_PORT, start_seconds=load_grace_seconds(model.size_gib)),
        resources=Resources(
            memory_mib=int(server.memory_gib * 1024),
            cpu_cores=float(server.cores * threads_per_core),
            memlock_unlimited=server.mlock,
        ),
        metrics=Metrics(LLAMA_PORT),
        replicas=tuple(Replica(p.replica, cpuset=p.cpuset or None) for p in placements),
        placement=Placement(node_selector=node_selector),
        models=(model,),
        models_volume=MODELS_VOLUME,
        allowed_from=("gateway", "prometheus"),
        serves_models=(server.name, model.name),
    )


class PinnedCpuServer(pulumi.ComponentResource):
    def __init__(self, name: str, workload: Workload, renderer, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:pinned_cpu_server:PinnedCpuServer", name, None, opts)
        self.workload = workload
        rendered = renderer.workload(workload, self)
        self.endpoints = rendered.endpoints
        self.cpusets = [r.cpuset for r in workload.replicas]
        self.register_outputs({"endpoints": self.endpoints, "cpusets": self.cpusets})
