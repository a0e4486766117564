"""Workload replica -> docker.Container arguments. Pure: tested without the engine."""
from __future__ import annotations

from typing import Any

import pulumi
import pulumi_docker as docker

from ...spec import Replica, Workload

DEFAULT_CLIENT = ("/usr/local/bin/healthcheck",)


def container_name(prefix: str, wl: Workload, replica: Replica) -> str:
    return f"{prefix}-{wl.name}" if len(wl.replicas) == 1 else f"{prefix}-{wl.name}-{replica.index}"


def healthcheck(wl: Workload) -> docker.ContainerHealthcheckArgs | None:
    probe = wl.probe
    if probe is None:
        return None
    client = probe_client(wl)
    return docker.ContainerHealthcheckArgs(
        tests=["CMD", *client, f"http://127.0.0.1:{probe.port}{probe.path}"],
        start_period=f"{probe.start_seconds}s",
        interval=f"{probe.interval_seconds}s",
        timeout=f"{probe.timeout_seconds}s",
        retries=probe.retries,
    )


def probe_client(wl: Workload) -> tuple[str, ...]:
    return (wl.probe.client if wl.probe else ()) or DEFAULT_CLIENT


def container_args(
    wl: Workload,
    replica: Replica,
    *,
    prefix: str,
    network: Any,
    volume_names: dict[str, Any],
    config_volume: Any | None,
) -> dict[str, Any]:
    """Every hardened default lives here, once, for every container we run."""
    res = wl.resources
    mounts = [
        docker.ContainerMountArgs(type="volume", source=volume_names[m.volume.name], target=m.path, read_only=m.read_only)
        for m in wl.volumes
    ]
    mounts += [
        docker.ContainerMountArgs(type="bind", source=h.host_path, target=h.path, read_only=True)
        for h in wl.host_mounts
    ]
    uploads = []
    if wl.files:
        # A read-only root only accepts uploads into a volume: config files go to a small config volume.
        mounts.append(docker.ContainerMountArgs(type="volume", source=config_volume, target="/etc/aistack", read_only=False))
        uploads = [
            docker.ContainerUploadArgs(file=f"/etc/aistack/{f.name}", content=pulumi.Output.secret(f.content) if f.secret else f.content)
            for f in wl.files
        ]
    envs = [pulumi.Output.concat(k, "=", v) if isinstance(v, pulumi.Output) else f"{k}={v}" for k, v in wl.env]
    envs += [pulumi.Output.secret(pulumi.Output.concat(k, "=", v)) for k, v in wl.secret_env]
    ports = [
        docker.ContainerPortArgs(internal=p.port, external=p.host_port, ip=p.host_ip, protocol="tcp")
        for p in wl.ports
        if p.host_port is not None
    ]
    gpus = None
    if res.gpu is not None:
        ids = list(replica.gpu_ids or res.gpu.device_ids)
        gpus = "all" if ids == ["all"] else f"device={','.join(ids)}"  # exact GPUs, never `all` for servers
    labels = [docker.ContainerLabelArgs(label=k, value=v) for k, v in sorted(wl.labels.items())]
    labels.append(docker.ContainerLabelArgs(label="aistack.dev/replica", value=str(replica.index)))
    args: dict[str, Any] = dict(
        name=container_name(prefix, wl, replica),
        image=wl.image,
        command=list(wl.args) or None,
        entrypoints=list(wl.command) or None,
        envs=envs or None,
        user=f"{wl.security.user}:{wl.security.user}",
        read_only=wl.security.read_only_root,
        capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"], adds=list(wl.security.add_capabilities) or None),
        security_opts=["no-new-privileges:true"],
        memory=res.memory_mib,
        memory_swap=res.memory_mib,  # no swap: a memory limit that means what it says
        cpu_set=replica.cpuset or res.cpuset,
        cpu_shares=None if (replica.cpuset or res.cpuset) else max(2, int(res.cpu_cores * 1024)),
        ulimits=[docker.ContainerUlimitArgs(name="memlock", soft=-1, hard=-1)] if res.memlock_unlimited else None,
        shm_size=res.shm_mib,
        ipc_mode="private" if res.shm_mib else None,
        gpus=gpus,
        tmpfs={s.path: f"rw,noexec,nosuid,size={s.size_mib}m" for s in wl.scratch} or None,
        mounts=mounts or None,
        uploads=uploads or None,
        ports=ports or None,
        networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name, aliases=[wl.name])],
        healthcheck=healthcheck(wl),
        restart="on-failure",
        max_retry_count=5,  # CIS 5.15: bounded restarts
        labels=labels,
        log_driver="json-file",
        log_opts={"max-size": "20m", "max-file": "3"},
        wait=wl.probe is not None,
        wait_timeout=(wl.probe.start_seconds + 120) if wl.probe else None,
        must_run=True,
    )
    return {k: v for k, v in args.items() if v is not None}
