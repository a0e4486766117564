"""GPU-01: GPUs are requested by name (Docker) and as whole extended-resource limits (Kubernetes)."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import (
    DOCKER,
    KUBERNETES,
    MANDATORY,
    Benchmark,
    ConfigOption,
    Findings,
    ResourceRule,
    RuleConfig,
)
from ..k8s import parse_quantity, require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, as_number, fmt, is_set


def _all_gpus(where: str, what: str, config: RuleConfig, out: Findings) -> None:
    if config["allowAllGpus"]:
        out.waive(where, f"{what} is allowed by allowAllGpus")
    else:
        out.fail(where, f"{what}: name the devices from the placement plan (device=0,1)")


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    props = subject.props
    gpu_requests = [
        (i, as_map(r))
        for i, r in enumerate(as_list(props.get("deviceRequests")))
        if "gpu" in {str(c).lower() for g in as_list(as_map(r).get("capabilities")) for c in as_list(g)}
        or str(as_map(r).get("driver") or "").lower() == "nvidia"
    ]
    gpus = props.get("gpus")
    if not is_set(gpus) and not gpu_requests:
        out.not_applicable("no GPUs requested")
    if is_set(gpus):
        value = str(gpus).strip().strip("'\"")
        if value.lower() == "all":
            _all_gpus("gpus", 'gpus "all" hands every GPU of the host to the container', config, out)
        elif value.startswith("device="):
            if not all(d.strip() for d in value[len("device=") :].split(",")):
                out.fail("gpus", f"device list is malformed (got {fmt(str(gpus))})")
        else:
            out.fail("gpus", f"must name devices (device=0,1), not a count (got {fmt(str(gpus))})")
    for i, req in gpu_requests:
        if as_list(req.get("deviceIds")):
            continue
        count = as_number(req.get("count"))
        if count is None or count < 0:
            _all_gpus(f"deviceRequests[{i}].count", "a GPU request without deviceIds takes every GPU", config, out)
        else:
            out.fail(f"deviceRequests[{i}].deviceIds", "must name the devices instead of a count")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    gpu_containers = [c for c in pod.containers() if c.uses_gpu()]
    if not gpu_containers:
        out.not_applicable("no GPUs requested")
    for c in gpu_containers:
        res = c.gpu_resources()
        for name, value in sorted(res["requests"].items()):
            if name not in res["limits"]:
                out.fail(f"{c.path}.resources.limits[{name}]", "must be set: extended resources are requested through limits")
            elif parse_quantity(value) != parse_quantity(res["limits"][name]):
                out.fail(
                    f"{c.path}.resources.requests[{name}]",
                    f"must equal the limit (got {fmt(value)}, limit {fmt(res['limits'][name])})",
                )
        for name, value in sorted(res["limits"].items()):
            number = parse_quantity(value)
            if number is None or number <= 0 or not float(number).is_integer():
                out.fail(f"{c.path}.resources.limits[{name}]", f"must be a whole number of devices (got {fmt(value)})")


RULE = ResourceRule(
    id="GPU-01",
    title="GPUs requested explicitly",
    description=(
        "Docker containers name their GPUs (not `all`); Kubernetes containers request GPUs as whole "
        "extended resources in limits, with requests equal to limits."
    ),
    remediation=(
        "Docker: `gpus: device=<ids from the plan>` or `deviceRequests` with `deviceIds`. Kubernetes: "
        "`resources.limits[nvidia.com/gpu]` (or a MIG resource) with an equal request. Set "
        "`allowAllGpus` for single-GPU workstations where `all` is intended."
    ),
    benchmarks=(Benchmark("Kubernetes GPU scheduling", "", "(extended resources in limits)", "Kubernetes GPU scheduling"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowAllGpus",
            "boolean",
            False,
            'Allow Docker `gpus: "all"` (reported as waived).',
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
