"""nginx configuration for the gateway: API-key auth, OpenAI `/v1` routes to every backend. Pure text."""
from __future__ import annotations

from dataclasses import dataclass

GATEWAY_PORT = 8080


@dataclass(frozen=True)
class Backend:
    name: str  # server name: `/<name>/v1/...`
    endpoints: tuple[str, ...]  # host:port per replica (or one Service)


def nginx_conf(backends: list[Backend], extra_routes: dict[str, tuple[str, bool]], *, timeout_s: int, resolver: str | None = None) -> str:
    """`/v1/...` goes to the first backend; `/<server>/v1/...` to that server; extra routes (prefix -> (upstream,
    needs_key)) to their upstreams. API routes need `Authorization: Bearer <key>`; UIs with their own login do not."""
    ups = []
    for b in backends:
        servers = "\n".join(f"        server {e} max_fails=3 fail_timeout=10s;" for e in b.endpoints)
        ups.append(f"    upstream be_{_ident(b.name)} {{\n{servers}\n        keepalive 16;\n    }}")
    routes = []
    for b in backends:
        routes.append(_location(f"/{b.name}/v1/", f"http://be_{_ident(b.name)}/v1/", timeout_s))
    if backends:
        routes.append(_location("/v1/", f"http://be_{_ident(backends[0].name)}/v1/", timeout_s))
    for prefix, (upstream, needs_key) in sorted(extra_routes.items()):
        routes.append(_location(prefix, f"http://{upstream}{prefix}", timeout_s, needs_key=needs_key))
    if "/" not in extra_routes:
        routes.append(NOT_FOUND)
    return NGINX_TEMPLATE.format(
        port=GATEWAY_PORT,
        upstreams="\n".join(ups),
        routes="\n".join(routes),
        resolver=f"    resolver {resolver} valid=10s;\n" if resolver else "",
    )


def api_keys_map(key: str) -> str:
    """The map nginx includes; kept in its own secret file so the key never sits in the main config."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'"Bearer {escaped}" 1;\n'


def _ident(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def _location(prefix: str, target: str, timeout_s: int, needs_key: bool = True) -> str:
    check = UNAUTHORIZED if needs_key else ""
    return f"""        location {prefix} {{
{check}            proxy_pass {target};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_read_timeout {timeout_s}s;
            proxy_send_timeout {timeout_s}s;
        }}"""


NGINX_TEMPLATE = """worker_processes auto;
pid /tmp/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log /dev/stdout;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    server_tokens off;
    client_max_body_size 32m;
    default_type application/json;
{resolver}    map $http_authorization $aistack_authorized {{
        default 0;
        include /etc/aistack/api-keys.map;
    }}
{upstreams}
    server {{
        listen {port};
        location = /healthz {{ access_log off; return 200 'ok\\n'; }}
        location = /nginx_status {{ stub_status; allow 127.0.0.1; deny all; }}
{routes}
    }}
}}
"""

UNAUTHORIZED = """            if ($aistack_authorized = 0) { return 401 '{"error":{"message":"missing or invalid API key","type":"invalid_request_error"}}\\n'; }
            proxy_set_header Authorization "";
"""
NOT_FOUND = """        location / { return 404 '{"error":{"message":"unknown route; use /v1/... or /<server>/v1/...","type":"invalid_request_error"}}\\n'; }"""
