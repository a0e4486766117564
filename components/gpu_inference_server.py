"""GpuInferenceServer: vLLM or llama.cpp-CUDA on exactly the planned GPUs, fit-checked at preview."""
from __future__ import annotations

import pulumi

from .config.servers import GpuServerConfig
from .hardware.planner import GpuReplica
from .models import MODELS_PATH, MODELS_VOLUME, load_grace_seconds
from .pinned_cpu_server import LLAMA_PORT, llama_args
from .spec import (DataVolume, GpuRequest, Metrics, ModelSource, Placement, Port, Probe, Replica, Resources, Scratch,
                   VolumeMount, Workload)

VLLM_PORT = 8000
VLLM_CACHE = DataVolume("vllm-cache", size_gib=200, shared=True)  # one cache for every vLLM server


def vllm_args(server: GpuServerConfig, model: ModelSource, fp8_ok: bool) -> tuple[str, ...]:
    source = model.snapshot_repo or f"{MODELS_PATH}/{model.file}"
    args = [
        "--host", "0.0.0.0", "--port", str(VLLM_PORT),
        "--model", source,
        "--served-model-name", server.name, model.name,
        "--gpu-memory-utilization", f"{server.gpu_memory_utilization:.2f}",
        "--max-model-len", str(server.context_size),
        "--max-num-seqs", str(server.max_sequences),
        "--tensor-parallel-size", str(server.gpu_count),
        "--enable-prefix-caching",
        "--disable-log-requests",
    ]
    if model.snapshot_repo and model.revision:
        args += ["--revision", model.revision]
    # FP8 only where the GPU has FP8 tensor cores; the planner refuses an explicit request elsewhere.
    if server.quantization == "fp8" and fp8_ok:
        args += ["--quantization", "fp8"]
    if server.kv_cache_dtype == "fp8" and fp8_ok:
        args += ["--kv-cache-dtype", "fp8"]
    return tuple(args + list(server.extra_args))


def gpu_server_workload(server: GpuServerConfig, model: ModelSource, placements: tuple[GpuReplica, ...], image,
                        hf_token=None, node_selector=()) -> Workload:
    first = placements[0]
    fp8_ok = all(g.supports_fp8 for g in first.gpus)
    if server.engine == "vllm":
        args, port = vllm_args(server, model, fp8_ok), VLLM_PORT
        volumes = (VolumeMount(MODELS_VOLUME, MODELS_PATH, read_only=True), VolumeMount(VLLM_CACHE, "/cache"))
        env = (("HF_HOME", "/cache/huggingface"), ("VLLM_CACHE_ROOT", "/cache/vllm"), ("XDG_CACHE_HOME", "/cache"),
               ("VLLM_NO_USAGE_STATS", "1"), ("DO_NOT_TRACK", "1"))
    else:
        args = llama_args(None, model.file, server.name, max(1, first.host_core_count), context=server.context_size,
                          parallel=server.max_sequences, mlock=False, extra=server.extra_args, gpu_layers=999)
        port = LLAMA_PORT
        volumes = (VolumeMount(MODELS_VOLUME, MODELS_PATH, read_only=True),)
        env = ()
    return Workload(
        name=server.name,
        component="GpuInferenceServer",
        role="inference",
        image=image,
        args=args,
        env=env,
        secret_env=(("HF_TOKEN", hf_token),) if (hf_token and model.snapshot_repo) else (),
        ports=(Port("http", port, host_port=server.publish_port),),
        volumes=volumes,
        scratch=(Scratch("/tmp", 1024),),
        probe=Probe("/health", port, start_seconds=load_grace_seconds(model.size_gib, gpu=True)),
        resources=Resources(
            memory_mib=int(server.memory_gib * 1024),
            cpu_cores=float(server.host_cores),
            cpuset=None,
            gpu=GpuRequest(count=server.gpu_count, mig_profile=server.mig_profile),
            shm_mib=int(server.shm_gib * 1024),
        ),
        metrics=Metrics(port),
        replicas=tuple(
            Replica(p.replica, cpuset=p.host_cpuset or None, gpu_ids=tuple(str(g.index) for g in p.gpus) if not p.mig_profile else ())
            for p in placements
        ),
        placement=Placement(node_selector=node_selector, gpu_node=True),
        models=(model,),
        models_volume=MODELS_VOLUME,
        allowed_from=("gateway", "prometheus"),
        egress_internet=model.snapshot_repo is not None,
        serves_models=(server.name, model.name),
    )


class GpuInferenceServer(pulumi.ComponentResource):
    def __init__(self, name: str, workload: Workload, fit: str, renderer, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:gpu_inference_server:GpuInferenceServer", name, None, opts)
        self.workload = workload
        rendered = renderer.workload(workload, self)
        self.endpoints = rendered.endpoints
        self.fit = fit
        self.register_outputs({"endpoints": self.endpoints, "fit": fit})
