"""CTR-08: no sensitive host paths, no runtime socket, every bind read-only."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from ..core import (
    DOCKER,
    KUBERNETES,
    MANDATORY,
    ConfigOption,
    Findings,
    ResourceRule,
    RuleConfig,
    cis_docker,
    pss,
)
from ..conventions import LABEL_ROLE, ROLE_EXPORTER
from ..docker import binds, norm_path, role
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, is_true

# The directory and everything below it.
SENSITIVE_TREES = (
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/var/lib/docker",
    "/var/lib/containerd",
)
# Only the directory itself (binding it exposes the runtime socket or the whole system).
SENSITIVE_EXACT = ("/", "/run", "/var/run", "/var")
# Never allowed, whatever the config says.
RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "podman.sock", "dockershim.sock")


def _under(path: str, root: str) -> bool:
    root = norm_path(root)
    return root == "/" or path == root or path.startswith(root + "/")


def is_socket(path: str) -> bool:
    return any(path.endswith("/" + s) or path == s for s in RUNTIME_SOCKETS)


def is_sensitive(path: str) -> bool:
    return path in SENSITIVE_EXACT or any(path == t or path.startswith(t + "/") for t in SENSITIVE_TREES)


def allowed_by(path: str, allowed: Iterable[str]) -> str | None:
    for entry in allowed:
        if entry.strip() and _under(path, entry):
            return entry
    return None


def _allowance(path: str, workload_role: str, config: RuleConfig) -> str | None:
    """Which allow-list lets this host path in, as a sentence; None if none does."""
    entry = allowed_by(path, config["allowedHostPaths"])
    if entry:
        return f"{path} is allowed by allowedHostPaths entry {entry!r}"
    if workload_role == ROLE_EXPORTER:
        entry = allowed_by(path, config["exporterHostPaths"])
        if entry:
            return f"{path} is allowed for {LABEL_ROLE}={ROLE_EXPORTER} by exporterHostPaths entry {entry!r}"
    return None


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    workload_role = role(subject.props)
    for b in binds(subject.props):
        where = f"{b.path}.source" if b.path.startswith("mounts") else f"{b.path}.hostPath"
        if not b.source:
            out.fail(where, "host path is empty")
            continue
        if is_socket(b.source):
            out.fail(where, f"{b.source} is a container runtime socket: binding it gives root on the host")
            continue
        allowance = _allowance(b.source, workload_role, config)
        if allowance:
            out.waive(where, allowance)
        elif is_sensitive(b.source):
            out.fail(where, f"{b.source} is a sensitive host path (list it in allowedHostPaths if it must be read)")
            continue
        if not b.read_only:
            out.fail(f"{b.path}.readOnly", f"bind of {b.source} must be read-only (unset defaults to false)")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    host_volumes: dict[str, str] = {}
    for where, volume in pod.volumes():
        host = as_map(volume.get("hostPath"))
        if not host:
            continue
        path = norm_path(str(host.get("path") or ""))
        allowance = _allowance(path, pod.role, config) if path else None
        if is_socket(path):
            out.fail(f"{where}.hostPath.path", f"{path} is a container runtime socket: mounting it gives root on the node")
        elif allowance:
            out.waive(f"{where}.hostPath.path", allowance)
            host_volumes[str(volume.get("name") or "")] = path
        else:
            out.fail(
                f"{where}.hostPath.path",
                f"hostPath volumes are not allowed unless listed in allowedHostPaths (got {path or 'an empty path'})",
            )
    for c in pod.containers():
        for i, mount in enumerate(as_list(c.spec.get("volumeMounts"))):
            mount = as_map(mount)
            name = str(mount.get("name") or "")
            if name in host_volumes and not is_true(mount.get("readOnly")):
                out.fail(
                    f"{c.path}.volumeMounts[{i}].readOnly",
                    f"hostPath volume {name!r} ({host_volumes[name]}) must be mounted read-only",
                )


RULE = ResourceRule(
    id="CTR-08",
    title="No sensitive host paths",
    description=(
        "Containers must not mount sensitive host directories or the container runtime socket; "
        "host paths are mounted read-only."
    ),
    remediation=(
        "Use named volumes (Docker) or PVC/configMap/emptyDir volumes (Kubernetes) instead of host "
        "paths. A host path a workload must read (e.g. a model directory) is mounted read-only and, if "
        "sensitive or on Kubernetes, listed in `allowedHostPaths` (`exporterHostPaths` for exporters). "
        "Never mount docker.sock."
    ),
    benchmarks=(cis_docker("5.6, 5.32"), pss("baseline: HostPath Volumes")),
    level=MANDATORY,
    severity=Severity.CRITICAL,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowedHostPaths",
            "array",
            [],
            "Host paths (and everything below them) that any container may mount, read-only only; each "
            "use is reported as waived. Runtime sockets are never allowed.",
        ),
        ConfigOption(
            "exporterHostPaths",
            "array",
            ["/proc", "/sys", "/var/lib/docker"],
            f"Host paths that only containers labelled {LABEL_ROLE}={ROLE_EXPORTER} (node-exporter, "
            "cAdvisor) may mount, read-only only; each use is reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
