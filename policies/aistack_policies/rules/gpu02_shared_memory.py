"""GPU-02 (no host IPC for GPU servers, mandatory) and GPU-02-SHM (sized /dev/shm, advisory).

vLLM and NCCL need a large /dev/shm; the usual shortcut, ``--ipc=host``, breaks CIS 5.17. A sized
``shmSize`` (Docker) or a memory-backed emptyDir at /dev/shm (Kubernetes) gives the same without
sharing the host's IPC namespace.
"""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import (
    ADVISORY,
    DOCKER,
    KUBERNETES,
    MANDATORY,
    ConfigOption,
    Findings,
    ResourceRule,
    RuleConfig,
    cis_docker,
)
from ..docker import gpu_request
from ..k8s import parse_quantity, require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, as_number, fmt, get, is_true

SHM = "/dev/shm"
MB = 1024 * 1024


def check_ipc_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    if not gpu_request(subject.props):
        out.not_applicable("not a GPU container")
    mode = str(subject.props.get("ipcMode") or "")
    if mode.lower() == "host":
        out.fail("ipcMode", 'must not be "host" for a GPU server; size /dev/shm with shmSize instead')


def check_ipc_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    if not any(c.uses_gpu() for c in pod.containers()):
        out.not_applicable("no GPU containers")
    if is_true(pod.spec.get("hostIPC")):
        out.fail(pod.field("hostIPC"), "must be false for a GPU server; mount a memory-backed emptyDir at /dev/shm")


def check_shm_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    props = subject.props
    if not gpu_request(props):
        out.not_applicable("not a GPU container")
    minimum = config["minShmSizeMb"]
    if SHM in as_map(props.get("tmpfs")):
        return
    for m in as_list(props.get("mounts")):
        m = as_map(m)
        if str(m.get("type") or "") == "tmpfs" and str(m.get("target") or "").rstrip("/") == SHM:
            size = as_number(get(m, "tmpfsOptions", "sizeBytes"))
            if size is not None and size >= minimum * MB:
                return
    size = as_number(props.get("shmSize"))
    if size is None or size < minimum:
        got = "unset, Docker's default is 64" if size is None else f"got {fmt(props.get('shmSize'))}"
        out.fail("shmSize", f"must be at least {minimum} MB for a GPU server ({got})")


def check_shm_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    gpu_containers = [c for c in pod.containers() if c.uses_gpu()]
    if not gpu_containers:
        out.not_applicable("no GPU containers")
    minimum = config["minShmSizeMb"] * MB
    volumes = {str(v.get("name") or ""): (where, v) for where, v in pod.volumes()}
    for c in gpu_containers:
        mount = next(
            (as_map(m) for m in as_list(c.spec.get("volumeMounts")) if str(as_map(m).get("mountPath") or "").rstrip("/") == SHM),
            None,
        )
        if mount is None:
            out.fail(f"{c.path}.volumeMounts", f"must mount an emptyDir with medium Memory at {SHM}")
            continue
        where, volume = volumes.get(str(mount.get("name") or ""), ("", {}))
        empty_dir = as_map(volume.get("emptyDir"))
        if not where or empty_dir.get("medium") != "Memory":
            out.fail(f"{c.path}.volumeMounts", f"the volume at {SHM} must be an emptyDir with medium Memory")
            continue
        size = parse_quantity(empty_dir.get("sizeLimit")) if empty_dir.get("sizeLimit") is not None else None
        if size is None or size < minimum:
            got = "unset" if size is None else f"got {fmt(empty_dir.get('sizeLimit'))}"
            out.fail(f"{where}.emptyDir.sizeLimit", f"must be at least {config['minShmSizeMb']}Mi ({got})")


RULE = ResourceRule(
    id="GPU-02",
    title="No host IPC for GPU servers",
    description="GPU servers get shared memory from a sized /dev/shm, never from the host's IPC namespace.",
    remediation=(
        "Remove `ipcMode: host` / `hostIPC: true`; set `shmSize` (Docker) or mount an emptyDir "
        "`{medium: Memory, sizeLimit: ...}` at /dev/shm (Kubernetes)."
    ),
    benchmarks=(cis_docker("5.17"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_ipc_docker, Kind.K8S_WORKLOAD: check_ipc_pod},
)

SHM_RULE = ResourceRule(
    id="GPU-02-SHM",
    title="Sized /dev/shm for GPU servers",
    description="GPU servers have a /dev/shm large enough for NCCL and the vLLM workers.",
    remediation=(
        "Set `shmSize` (MB) on Docker GPU containers, or mount an emptyDir with medium Memory and a "
        "`sizeLimit` at /dev/shm on Kubernetes."
    ),
    benchmarks=(cis_docker("5.17"),),
    level=ADVISORY,
    severity=Severity.LOW,
    targets=(DOCKER, KUBERNETES),
    config=(ConfigOption("minShmSizeMb", "integer", 1024, "Smallest acceptable /dev/shm in MiB."),),
    checks={Kind.DOCKER_CONTAINER: check_shm_docker, Kind.K8S_WORKLOAD: check_shm_pod},
)
