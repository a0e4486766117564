"""Generate a docker compose project from the same plan the Pulumi program renders (the comparison baseline).

    python bench/compose.py --stack local --out DIR      # writes DIR/compose.yaml and DIR/files/...

The program runs under Pulumi's mocks (components.testing.capture); every docker.Container it declares becomes a
compose service with the same image, cpuset, memory, read-only root, capabilities, security options, tmpfs,
ulimits, mounts, health check, ports, environment, command and network aliases. Differences, all on purpose:
- `uploads` (config files the provider copies into a container) become read-only bind mounts of files written
  under DIR/files; a config volume that only receives uploads is replaced by that directory.
- Container, volume and network names get the prefix `aistackbench-` (project `aistackbench`), and the network
  has no fixed subnet, so a deployed stack on the same engine is never touched. Services keep the original
  container names as DNS names, so the generated nginx/Prometheus configs resolve unchanged.
- The gateway gets `depends_on` (healthy) every service its config names (nginx upstreams; the config comes as
  uploaded files or through a one-shot config writer's env), as the program orders it after the servers.
- A published port that is busy on 127.0.0.1 moves to a free one; `$` is escaped as `$$` (compose would
  interpolate it; the program's strings are literal).
- One-shot containers (`restart: no`, attached, e.g. the model fetcher) become `depends_on:
  service_completed_successfully` of every service that mounts a volume they write.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import socket
import sys
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import ROOT  # noqa: E402

PREFIX = "aistackbench"


def _unsecret(v: Any) -> Any:
    """Mocks hand secret values over wrapped as {<sig>: <secret sig>, "value": ...}."""
    if isinstance(v, dict) and "value" in v and "4dabf18193072939515e22adb298388d" in v:
        return v["value"]
    return v


def capture(stack: str, overrides=None):
    """Capture the stack's resources; images get their ref (name:tag) as ID (docker.Image) or imageId
    (docker.RemoteImage), so containers name their image."""
    sys.path.insert(0, str(ROOT))
    from components.testing import capture as cap

    class _RefMocks(cap._Mocks):
        def new_resource(self, args):
            rid, outputs = super().new_resource(args)
            if args.typ == "docker:index/image:Image":
                rid = args.inputs.get("imageName", rid)
            if args.typ == "docker:index/remoteImage:RemoteImage":
                outputs["imageId"] = args.inputs.get("name", outputs.get("imageId"))
            return [rid, outputs]

    cap._Mocks = _RefMocks
    return cap.capture_resources(stack, ROOT, overrides)


def _port_free(ip: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


def _free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def _decoded(env: str) -> str:
    """An env entry's value, base64-decoded when it is base64 (config writers pass files that way)."""
    import base64
    import binascii

    value = env.split("=", 1)[-1]
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def _escape_dollars(v):
    """Compose interpolates `$VAR` in every value; the program's strings are literal (shell scripts in entrypoints)."""
    if isinstance(v, str):
        return v.replace("$", "$$")
    if isinstance(v, list):
        return [_escape_dollars(x) for x in v]
    if isinstance(v, dict):
        return {k: _escape_dollars(x) for k, x in v.items()}
    return v


def _num(v) -> int:
    return int(float(v))


def generate(resources, out: pathlib.Path) -> dict:
    """Write out/compose.yaml (JSON is valid YAML) and out/files/*; return the compose document."""
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    containers = [r for r in resources if r.type == "docker:index/container:Container"]
    volumes = {r.props.get("name", r.name): r for r in resources if r.type == "docker:index/volume:Volume"}
    networks = {r.props.get("name", r.name) for r in resources if r.type == "docker:index/network:Network"}
    unsupported = {"gpus", "devices", "privileged", "pidMode", "ipcMode", "cgroupParent"}
    doc: dict[str, Any] = {"name": PREFIX, "services": {}, "volumes": {}, "networks": {}}
    for n in sorted(networks):
        doc["networks"][n] = {"name": f"{PREFIX}-{n}"}
    used_volumes: set[str] = set()
    writers: dict[str, str] = {}  # volume -> one-shot service that writes it
    config_text: dict[str, str] = {}  # service -> its config files and env (base64 values decoded)

    for c in containers:
        p = {k: _unsecret(v) for k, v in c.props.items()}
        bad = unsupported & {k for k, v in p.items() if v}
        if p.get("networkMode") not in (None, "", "none", "bridge"):
            bad.add("networkMode")
        if bad:
            raise SystemExit(f"{c.name}: cannot express {sorted(bad)} in the compose baseline")
        name = p.get("name", c.name)
        s: dict[str, Any] = {"image": p["image"], "container_name": f"{PREFIX}-{name}"}
        if p.get("user"):
            s["user"] = p["user"]
        if p.get("cpuSet"):
            s["cpuset"] = p["cpuSet"]
        if p.get("cpuShares"):
            s["cpu_shares"] = _num(p["cpuShares"])
        if p.get("memory"):
            s["mem_limit"] = f"{_num(p['memory'])}m"
        if p.get("memorySwap"):
            s["memswap_limit"] = f"{_num(p['memorySwap'])}m"
        if p.get("shmSize"):
            s["shm_size"] = f"{_num(p['shmSize'])}m"
        if p.get("readOnly"):
            s["read_only"] = True
        caps = p.get("capabilities") or {}
        if caps.get("drops"):
            s["cap_drop"] = caps["drops"]
        if caps.get("adds"):
            s["cap_add"] = caps["adds"]
        if p.get("securityOpts"):
            s["security_opt"] = p["securityOpts"]
        if p.get("tmpfs"):
            s["tmpfs"] = [f"{k}:{v}" if v else k for k, v in p["tmpfs"].items()]
        if p.get("ulimits"):
            s["ulimits"] = {u["name"]: {"soft": _num(u["soft"]), "hard": _num(u["hard"])} for u in p["ulimits"]}
        if p.get("envs"):
            s["environment"] = list(p["envs"])
        if p.get("entrypoints"):
            s["entrypoint"] = list(p["entrypoints"])
        if p.get("command"):
            s["command"] = list(p["command"])
        if p.get("workingDir"):
            s["working_dir"] = p["workingDir"]
        if p.get("labels"):
            s["labels"] = {lb["label"]: lb["value"] for lb in p["labels"]}
        if p.get("logDriver"):
            s["logging"] = {"driver": p["logDriver"], "options": p.get("logOpts") or {}}
        restart = p.get("restart", "no")
        if restart == "on-failure" and p.get("maxRetryCount"):
            restart = f"on-failure:{_num(p['maxRetryCount'])}"
        s["restart"] = restart
        hc = p.get("healthcheck")
        if hc and hc.get("tests"):
            s["healthcheck"] = {"test": hc["tests"]}
            for k, ck in (("interval", "interval"), ("timeout", "timeout"), ("startPeriod", "start_period")):
                if hc.get(k):
                    s["healthcheck"][ck] = hc[k]
            if hc.get("retries"):
                s["healthcheck"]["retries"] = _num(hc["retries"])
        ports = []
        for port in p.get("ports") or []:
            ip = port.get("ip", "0.0.0.0")
            ext = _num(port.get("external", port["internal"]))
            if not _port_free(ip, ext):
                ext = _free_port(ip)
            ports.append(f"{ip}:{ext}:{_num(port['internal'])}/{port.get('protocol', 'tcp')}")
        if ports:
            s["ports"] = ports
        if p.get("networkMode") == "none":
            s["network_mode"] = "none"
        nets = {}
        for na in p.get("networksAdvanced") or []:
            nets[na["name"]] = {"aliases": sorted(set(na.get("aliases") or []) | {name})}
        if nets:
            s["networks"] = nets

        # uploads -> files; a config volume that receives the uploads becomes a bind of that directory
        uploads = p.get("uploads") or []
        upload_dirs: dict[str, pathlib.Path] = {}
        for u in uploads:
            target = pathlib.PurePosixPath(u["file"])
            host_dir = files / name / str(target.parent).strip("/").replace("/", "_")
            host_dir.mkdir(parents=True, exist_ok=True)
            (host_dir / target.name).write_text(u.get("content") or "")
            (host_dir / target.name).chmod(0o644)
            upload_dirs[str(target.parent)] = host_dir
        vols = []
        for m in p.get("mounts") or []:
            ro = bool(m.get("readOnly"))
            if m.get("type") == "volume" and m["target"] in upload_dirs:
                vols.append({"type": "bind", "source": str(upload_dirs.pop(m["target"])), "target": m["target"],
                             "read_only": True})
                continue
            if m.get("type") == "volume":
                used_volumes.add(m["source"])
                vols.append({"type": "volume", "source": m["source"], "target": m["target"], "read_only": ro})
                if restart == "no" and p.get("attach") and not ro:
                    writers[m["source"]] = name
            elif m.get("type") == "bind":
                vols.append({"type": "bind", "source": m["source"], "target": m["target"], "read_only": ro})
            elif m.get("type") == "tmpfs":
                vols.append({"type": "tmpfs", "target": m["target"]})
        for target, host_dir in upload_dirs.items():  # uploads without a config volume: bind each file
            for f in sorted(host_dir.iterdir()):
                vols.append({"type": "bind", "source": str(f), "target": f"{target}/{f.name}", "read_only": True})
        if vols:
            s["volumes"] = vols
        doc["services"][name] = s
        config_text[name] = "".join(u.get("content") or "" for u in uploads) + "".join(
            _decoded(e) for e in (p.get("envs") or []))

    for name, s in doc["services"].items():
        deps = {writers[v["source"]] for v in s.get("volumes", []) if v["type"] == "volume"
                and v["source"] in writers and writers[v["source"]] != name}
        s["depends_on"] = {d: {"condition": "service_completed_successfully"} for d in sorted(deps)}
        # a service whose config names another service (nginx upstreams) starts after it is healthy, as the
        # program orders the gateway after the servers; the config may come from a one-shot writer's env
        configs = config_text[name] + "".join(config_text.get(w, "") for w in s["depends_on"])
        if s.get("labels", {}).get("aistack.dev/role") != "gateway":
            configs = ""  # Prometheus names its targets too, but the program does not order it after them
        for other, o in doc["services"].items():
            if other != name and f"{other}:" in configs and other not in s["depends_on"] and s.get("restart") != "no" \
                    and doc["services"][other].get("restart") != "no":
                s["depends_on"][other] = {"condition": "service_healthy" if "healthcheck" in o else "service_started"}
        if not s["depends_on"]:
            del s["depends_on"]
    doc["services"] = _escape_dollars(doc["services"])
    for v in sorted(used_volumes):
        doc["volumes"][v] = {"name": f"{PREFIX}-{v}"}
        if v in volumes and volumes[v].props.get("labels"):
            doc["volumes"][v]["labels"] = {lb["label"]: lb["value"] for lb in volumes[v].props["labels"]}
    (out / "compose.yaml").write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack", default="local")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    out = pathlib.Path(a.out)
    doc = generate(capture(a.stack), out)
    print(f"{out / 'compose.yaml'}: {len(doc['services'])} services, {len(doc['volumes'])} volumes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
