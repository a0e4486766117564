"""Workload -> pod template. Pure functions over plain dicts (the manifest's camelCase), tested without the engine.

Every hardened default for the cluster lives here, once: non-root numeric user, no privilege escalation, all
capabilities dropped, read-only root with emptyDirs for scratch, seccomp RuntimeDefault, requests equal to limits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...spec import Probe, Workload

CONFIG_DIR = "/etc/aistack"
PROBE_PERIOD_S = 10
# Labels that select a workload's pods (a subset of Workload.labels, which never change for a workload).
SELECTOR_KEYS = ("app.kubernetes.io/name", "aistack.dev/workload")


@dataclass(frozen=True)
class PodContext:
    """What the renderer knows beyond the workload: names of the objects it made for it."""

    pvc_names: dict[str, str]  # DataVolume name -> PVC name
    config_map: str | None = None  # ConfigMap holding the non-secret files
    secret_files: str | None = None  # Secret holding the secret files
    env_secret: str | None = None  # Secret holding secret_env values
    runtime_class: str = "nvidia"
    gpu_taint_key: str = "nvidia.com/gpu"
    init_containers: tuple[dict[str, Any], ...] = ()  # e.g. waiting for verified models


def selector(wl: Workload) -> dict[str, str]:
    return {k: wl.labels[k] for k in SELECTOR_KEYS}


def quantity_mib(mib: int | float) -> str:
    return f"{int(math.ceil(mib))}Mi"


def cpu_quantity(cores: float) -> str:
    """Whole CPUs stay integers (the static CPU manager only pins integer requests); fractions become millicores."""
    if float(cores).is_integer():
        return str(int(cores))
    return f"{int(round(cores * 1000))}m"


def gpu_resource(wl: Workload) -> dict[str, int]:
    gpu = wl.resources.gpu
    if gpu is None:
        return {}
    name = f"nvidia.com/mig-{gpu.mig_profile}" if gpu.mig_profile else "nvidia.com/gpu"
    return {name: gpu.count}


def resources(wl: Workload) -> dict[str, Any]:
    """Requests equal limits for every resource: Guaranteed QoS, exclusive cores for integer CPU counts."""
    amounts: dict[str, Any] = {"cpu": cpu_quantity(wl.resources.cpu_cores), "memory": quantity_mib(wl.resources.memory_mib)}
    amounts.update(gpu_resource(wl))
    return {"requests": dict(amounts), "limits": dict(amounts)}


def container_security(uid: int, add_capabilities: tuple[str, ...] = (), read_only: bool = True) -> dict[str, Any]:
    caps: dict[str, Any] = {"drop": ["ALL"]}
    if add_capabilities:
        caps["add"] = list(add_capabilities)
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": read_only,
        "capabilities": caps,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security(uid: int) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,  # volumes (PVCs) writable by the numeric user
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def probes(probe: Probe | None) -> dict[str, Any]:
    """A startup probe sized from the model (its budget is `start_seconds`), then readiness and liveness."""
    if probe is None:
        return {}
    get = {"path": probe.path, "port": probe.port}
    startup_failures = max(3, math.ceil(probe.start_seconds / PROBE_PERIOD_S))
    return {
        "startupProbe": {"httpGet": get, "periodSeconds": PROBE_PERIOD_S, "timeoutSeconds": probe.timeout_seconds,
                         "failureThreshold": startup_failures},
        "readinessProbe": {"httpGet": get, "periodSeconds": probe.interval_seconds, "timeoutSeconds": probe.timeout_seconds,
                           "failureThreshold": probe.retries},
        "livenessProbe": {"httpGet": get, "periodSeconds": probe.interval_seconds * 2, "timeoutSeconds": probe.timeout_seconds,
                          "failureThreshold": probe.retries},
    }


def _volume_name(name: str) -> str:
    return name.replace("_", "-").replace(".", "-")[:63]


def volumes_and_mounts(wl: Workload, ctx: PodContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for m in wl.volumes:
        vname = _volume_name(m.volume.name)
        if not any(v["name"] == vname for v in volumes):
            volumes.append({"name": vname, "persistentVolumeClaim": {"claimName": ctx.pvc_names[m.volume.name],
                                                                     "readOnly": m.read_only}})
        mount = {"name": vname, "mountPath": m.path, "readOnly": m.read_only}
        if m.sub_path:
            mount["subPath"] = m.sub_path
        mounts.append(mount)
    for i, s in enumerate(wl.scratch):
        empty: dict[str, Any] = {"sizeLimit": quantity_mib(s.size_mib)}
        if s.memory_backed:
            empty["medium"] = "Memory"
        volumes.append({"name": f"scratch-{i}", "emptyDir": empty})
        mounts.append({"name": f"scratch-{i}", "mountPath": s.path})
    if wl.resources.shm_mib:
        # Shared memory for tensor-parallel workers: a memory-backed emptyDir, never the host's IPC namespace.
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": quantity_mib(wl.resources.shm_mib)}})
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    if wl.files:
        sources = []
        plain = [f for f in wl.files if not f.secret]
        secret = [f for f in wl.files if f.secret]
        if plain:
            sources.append({"configMap": {"name": ctx.config_map, "items": [{"key": file_key(f.name), "path": f.name} for f in plain]}})
        if secret:
            sources.append({"secret": {"name": ctx.secret_files, "items": [{"key": file_key(f.name), "path": f.name} for f in secret]}})
        volumes.append({"name": "config", "projected": {"sources": sources, "defaultMode": 0o440}})
        mounts.append({"name": "config", "mountPath": CONFIG_DIR, "readOnly": True})
    return volumes, mounts


def file_key(name: str) -> str:
    """ConfigMap/Secret keys cannot hold `/`; the mount path keeps the directories."""
    return name.replace("/", "__")


def env(wl: Workload, ctx: PodContext) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in wl.env]
    out += [{"name": k, "valueFrom": {"secretKeyRef": {"name": ctx.env_secret, "key": k}}} for k, _ in wl.secret_env]
    return out


def affinity(wl: Workload) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if wl.placement.node_selector:
        terms = [{"key": k, "operator": "In", "values": [v]} for k, v in wl.placement.node_selector]
        out["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": terms}]}}
    if wl.placement.spread and len(wl.replicas) > 1:
        out["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector(wl)}}}
        ]}
    return out


def main_container(wl: Workload, ctx: PodContext) -> dict[str, Any]:
    volumes, mounts = volumes_and_mounts(wl, ctx)
    container: dict[str, Any] = {
        "name": wl.name,
        "image": wl.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": p.name, "containerPort": p.port, "protocol": "TCP"} for p in wl.ports],
        "resources": resources(wl),
        "securityContext": container_security(wl.security.user, wl.security.add_capabilities, wl.security.read_only_root),
        "volumeMounts": mounts,
        **probes(wl.probe),
    }
    if wl.command:
        container["command"] = list(wl.command)
    if wl.args:
        container["args"] = list(wl.args)
    variables = env(wl, ctx)
    if variables:
        container["env"] = variables
    return container


def pod_template(wl: Workload, ctx: PodContext) -> dict[str, Any]:
    volumes, _ = volumes_and_mounts(wl, ctx)
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,  # no workload talks to the API server
        "enableServiceLinks": False,
        "securityContext": pod_security(wl.security.user),
        "containers": [main_container(wl, ctx)],
        "volumes": volumes,
        "terminationGracePeriodSeconds": 30,
    }
    if ctx.init_containers:
        spec["initContainers"] = list(ctx.init_containers)
    aff = affinity(wl)
    if aff:
        spec["affinity"] = aff
    if wl.resources.gpu is not None:
        spec["runtimeClassName"] = ctx.runtime_class
        spec["tolerations"] = [{"key": ctx.gpu_taint_key, "operator": "Exists", "effect": "NoSchedule"}]
    return {"metadata": {"labels": dict(wl.labels)}, "spec": spec}
