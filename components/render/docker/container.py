"""Workload replica -> docker.Container arguments. Pure: tested without the engine."""
from __future__ import annotations

from typing import Any

import pulumi
import pulumi_docker as docker

from ...spec import Replica, Workload
from .config_files import CONFIG_DIR

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
    if wl.files:
        # Filled by the workload's config writer (config_files.py); the workload only reads it.
        mounts.append(docker.ContainerMountArgs(type="volume", source=config_volume, target=CONFIG_DIR, read_only=True))
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


def one_shot_args(image: Any, labels: dict[str, str], memory_mib: int) -> dict[str, Any]:
    """A hardened container that runs once to completion (model fetch, config writer); the deploy waits for it."""
    return dict(
        image=image,
        user="65532:65532",
        read_only=True,
        capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
        security_opts=["no-new-privileges:true"],
        memory=memory_mib,
        memory_swap=memory_mib,
        cpu_shares=256,
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in labels.items()],
        must_run=False,
        attach=True,  # wait until it has finished
        logs=True,
        restart="no",
    )


class OneShotFailed(pulumi.RunError):
    pass


def completed(container: docker.Container, what: str) -> pulumi.Output:
    """The one-shot container's ID once it exited 0; otherwise the deploy ends with its last log line."""
    def check(result: list[Any]) -> str:
        container_id, code, logs = result
        if code not in (0, None) and not pulumi.runtime.is_dry_run():
            last = (logs or "").strip().splitlines()[-1:] or ["no output"]
            raise OneShotFailed(f"{what} failed (exit {code}): {last[0]}")
        return container_id

    return pulumi.Output.all(container.id, container.exit_code, container.container_logs).apply(check)
