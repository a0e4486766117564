"""WebGateway: the only way in. nginx checks the API key and routes `/v1` to every backend; Open WebUI behind it."""
from __future__ import annotations

import pulumi

from .gateway_config import GATEWAY_PORT, Backend, api_keys_map, nginx_conf
from .spec import ConfigFile, DataVolume, Port, Probe, Replica, Resources, Scratch, Security, VolumeMount, Workload

WEBUI_PORT = 8080
WEBUI_DATA = DataVolume("open-webui-data", size_gib=5)


def gateway_workload(cfg, backends: list[Backend], extra_routes: dict[str, tuple[str, bool]], image, api_key) -> Workload:
    gw = cfg.gateway
    conf = nginx_conf(backends, extra_routes, timeout_s=gw.request_timeout_s)
    keys = pulumi.Output.secret(api_key).apply(api_keys_map)
    return Workload(
        name="gateway",
        component="WebGateway",
        role="gateway",
        image=image,
        args=("-c", "/etc/aistack/nginx.conf", "-g", "daemon off;"),
        ports=(Port("http", GATEWAY_PORT, host_port=gw.port, host_ip=gw.bind_address, public=True),),
        scratch=(Scratch("/tmp", 64),),
        files=(
            ConfigFile("nginx.conf", "/etc/aistack/nginx.conf", conf),
            ConfigFile("api-keys.map", "/etc/aistack/api-keys.map", keys, secret=True),
        ),
        probe=Probe("/healthz", GATEWAY_PORT, start_seconds=10, interval_seconds=10),
        resources=Resources(memory_mib=int(gw.memory_gib * 1024), cpu_cores=0.5),
        replicas=tuple(Replica(i) for i in range(gw.replicas)),
        allowed_from=("ingress", "open-webui") if gw.webui.enabled else ("ingress",),
    )


def webui_workload(cfg, backends: list[Backend], gateway_address: str, image, api_key) -> Workload:
    bases = ";".join(f"http://{gateway_address}/{b.name}/v1" for b in backends)
    return Workload(
        name="open-webui",
        component="WebGateway",
        role="webui",
        image=image,
        env=(
            ("OPENAI_API_BASE_URLS", bases),
            ("ENABLE_OLLAMA_API", "false"),
            ("DATA_DIR", "/app/backend/data"),
            ("HOME", "/tmp"),
            ("ANONYMIZED_TELEMETRY", "false"),
            ("DO_NOT_TRACK", "true"),
            ("HF_HUB_OFFLINE", "1"),
            ("WEBUI_URL", "http://localhost"),
        ),
        secret_env=(("OPENAI_API_KEYS", pulumi.Output.secret(api_key).apply(lambda k: ";".join([k] * len(backends)))),),
        ports=(Port("http", WEBUI_PORT),),
        volumes=(VolumeMount(WEBUI_DATA, "/app/backend/data"),),
        scratch=(Scratch("/tmp", 512),),
        probe=Probe("/health", WEBUI_PORT, start_seconds=120, client=("curl", "-fsS")),
        resources=Resources(memory_mib=int(cfg.gateway.webui.memory_gib * 1024), cpu_cores=1.0),
        security=Security(user=65532),
        allowed_from=("gateway",),
    )


class WebGateway(pulumi.ComponentResource):
    def __init__(self, name: str, cfg, backends: list[Backend], renderer, gateway_image, webui_image, api_key,
                 extra_routes: dict[str, tuple[str, bool]] | None = None, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:web_gateway:WebGateway", name, None, opts)
        routes = dict(extra_routes or {})
        if cfg.gateway.webui.enabled:
            webui = webui_workload(cfg, backends, renderer.endpoints("gateway", GATEWAY_PORT, 1)[0], webui_image, api_key)
            routes["/"] = (renderer.endpoints("open-webui", WEBUI_PORT, 1)[0], False)  # Open WebUI has its own login
        gateway = gateway_workload(cfg, backends, routes, gateway_image, api_key)
        self.gateway = renderer.workload(gateway, self)
        if cfg.gateway.webui.enabled:
            renderer.workload(webui, self)
        self.url = renderer.public_url(gateway.ports[0])
        self.workloads = [gateway] + ([webui] if cfg.gateway.webui.enabled else [])
        self.register_outputs({"url": self.url})
