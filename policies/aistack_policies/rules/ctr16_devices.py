"""CTR-16: host devices only from an allow-list; GPUs through the GPU interfaces; no cgroupParent."""

from __future__ import annotations

import fnmatch

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
)
from ..docker import envs, norm_path
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, fmt, is_set

NVIDIA_ENV = "NVIDIA_VISIBLE_DEVICES"
NVIDIA_ENV_HARMLESS = frozenset({"", "void", "none"})


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    props = subject.props
    for i, dev in enumerate(as_list(props.get("devices"))):
        host = norm_path(str(as_map(dev).get("hostPath") or ""))
        pattern = next((p for p in config["allowedDevices"] if fnmatch.fnmatchcase(host, p)), None)
        if pattern:
            out.waive(f"devices[{i}].hostPath", f"{host} is allowed by allowedDevices pattern {pattern!r}")
        else:
            out.fail(
                f"devices[{i}].hostPath",
                f"{host} is not in allowedDevices; request GPUs with `gpus` / `deviceRequests` instead",
            )
    if is_set(props.get("deviceCgroupRules")):
        out.fail("deviceCgroupRules", "must not be set: it opens device access outside the allow-list")
    if is_set(props.get("cgroupParent")):
        out.fail("cgroupParent", f"must not be set (got {fmt(props.get('cgroupParent'))})")
    for env in envs(props):
        if env.unknown is not None:
            out.defer(env.unknown)
            continue
        if env.key == NVIDIA_ENV and (env.value or "").strip().lower() not in NVIDIA_ENV_HARMLESS:
            out.fail(env.path, f"{NVIDIA_ENV} bypasses `gpus`; request GPUs with `gpus: device=...`")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for where, volume in pod.volumes():
        path = norm_path(str(as_map(volume.get("hostPath")).get("path") or ""))
        if path == "/dev" or path.startswith("/dev/"):
            out.fail(f"{where}.hostPath.path", f"{path}: devices (GPUs) must come from extended resources such as nvidia.com/gpu")
    for c in pod.containers():
        for i, env in enumerate(as_list(c.spec.get("env"))):
            env = as_map(env)
            if env.get("name") != NVIDIA_ENV:
                continue
            value = env.get("value")
            if value is None or str(value).strip().lower() not in NVIDIA_ENV_HARMLESS:
                out.fail(
                    f"{c.path}.env[{i}]",
                    f"{NVIDIA_ENV} bypasses the device plugin; request nvidia.com/gpu in resources.limits",
                )


RULE = ResourceRule(
    id="CTR-16",
    title="Devices and cgroups",
    description=(
        "Host devices come only from an allow-list and GPUs only through the GPU interfaces; "
        "containers stay in the runtime's cgroup."
    ),
    remediation=(
        "Request GPUs with `gpus: device=<ids>` (Docker) or `nvidia.com/gpu` limits (Kubernetes); list "
        "any other device a workload needs in `allowedDevices`; drop `cgroupParent`, "
        f"`deviceCgroupRules` and `{NVIDIA_ENV}`."
    ),
    benchmarks=(cis_docker("5.18, 5.25"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowedDevices",
            "array",
            ["/dev/nvidia*"],
            "Host device globs (fnmatch) that may be passed with `devices`; each use is reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
