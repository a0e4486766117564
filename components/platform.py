"""Platform: the top component. Plan in, the five components out, wired to one target renderer."""
from __future__ import annotations

import pathlib
from typing import Any

import pulumi

from .config.stack import StackConfig
from .gateway_config import Backend
from .gpu_inference_server import GpuInferenceServer, gpu_server_workload
from .hardened_image import HardenedImage
from .hardware.planner import Plan
from .images import image_spec
from .models import model_source
from .monitoring_stack import MonitoringStack, monitoring_spec
from .pinned_cpu_server import PinnedCpuServer, cpu_server_workload
from .render import renderer_for
from .web_gateway import WebGateway

OUR_IMAGES = ("llama-cpu", "llama-cuda", "vllm", "gateway", "prometheus", "node-exporter", "model-fetch")
PROMETHEUS = ("prometheus", 9090)
GRAFANA = ("grafana", 3000)


class Platform(pulumi.ComponentResource):
    def __init__(self, name: str, cfg: StackConfig, plan: Plan, secrets: dict[str, Any], project_dir: pathlib.Path,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:platform:Platform", name, None, opts)
        self.cfg, self.plan = cfg, plan
        self.renderer = renderer_for(cfg.target, cfg, plan, self)
        self.renderer.image_provider = self.image
        self.images: dict[str, Any] = {}
        self.hardened: dict[str, HardenedImage] = {}
        sizes = plan.model_sizes_gib
        models = {m.name: model_source(m, sizes.get(m.name, 0), project_dir) for m in cfg.models}
        selector = {m.role: m.node_selector for m in plan.inventory.machines}

        servers: list[Any] = []
        workloads = []
        for server in cfg.cpu_servers:
            pool = next((m for m in plan.inventory.machines if m.role in ("cpu", "any")), plan.inventory.machines[0])
            wl = cpu_server_workload(server, models[server.model], plan.cpu_replicas(server.name), self.image("llama-cpu"),
                                     pool.topology.threads_per_core, selector.get("cpu", ()))
            servers.append(PinnedCpuServer(server.name, wl, self.renderer, pulumi.ResourceOptions(parent=self)))
            workloads.append(wl)
        for server in cfg.gpu_servers:
            placements = plan.gpu_replicas(server.name)
            wl = gpu_server_workload(server, models[server.model], placements,
                                     self.image("vllm" if server.engine == "vllm" else "llama-cuda"),
                                     secrets.get("hfToken"), selector.get("gpu", ()))
            servers.append(GpuInferenceServer(server.name, wl, placements[0].fit.explain(), self.renderer,
                                              pulumi.ResourceOptions(parent=self)))
            workloads.append(wl)

        monitoring = None
        routes: dict[str, tuple[str, bool]] = {}
        if cfg.monitoring.enabled:
            gpu_ids = tuple(sorted({str(g.index) for r in plan.gpu for g in r.gpus}))
            spec = monitoring_spec(cfg, workloads, gpu_ids, secrets.get("grafanaAdminPassword"))
            monitoring = MonitoringStack("monitoring", spec, self.renderer, self.image, pulumi.ResourceOptions(parent=self))
            routes["/prometheus/"] = (self.renderer.endpoints(*PROMETHEUS, 1)[0], True)
            if cfg.monitoring.grafana:
                routes["/grafana/"] = (self.renderer.endpoints(*GRAFANA, 1)[0], False)  # Grafana has its own login

        backends = [Backend(w.name, tuple(self.renderer.endpoints(w.name, w.ports[0].port, len(w.replicas)))) for w in workloads]
        # nginx resolves its upstreams when it starts: backends and monitoring come first.
        self.gateway = WebGateway(
            "gateway", cfg, backends, self.renderer, self.image("gateway"),
            self.image("open-webui") if cfg.gateway.webui.enabled else None,
            secrets["gatewayApiKey"], routes,
            pulumi.ResourceOptions(parent=self, depends_on=servers + ([monitoring] if monitoring else [])),
        )
        self.extra = self.renderer.finish()
        self.workloads = workloads + self.gateway.workloads
        self.register_outputs({"gatewayUrl": self.gateway.url})

    def image(self, name: str) -> Any:
        """The reference of an image, built (ours) or pinned (upstream) on first use, shared by all users."""
        if name not in self.images:
            if name in OUR_IMAGES:
                hardened = HardenedImage(name, image_spec(name, self.cfg, self.plan), self.renderer,
                                         pulumi.ResourceOptions(parent=self))
                self.hardened[name] = hardened
                self.images[name] = hardened.ref
            else:
                self.images[name] = self.renderer.upstream_image(name, self.cfg.images.upstream_ref(name), self)
        return self.images[name]
