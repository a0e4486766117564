"""Fixture resources and helpers that call the validators the way the policy engine does."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies.aistack_policies.registry import RESOURCE_RULES, get_rule

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFULSET = "kubernetes:apps/v1:StatefulSet"
POD = "kubernetes:core/v1:Pod"
JOB = "kubernetes:batch/v1:Job"
CRONJOB = "kubernetes:batch/v1:CronJob"
SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PODMONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
SERVICEMONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"

DIGEST = "@sha256:" + "a" * 64
# Not a real token: built at runtime so that the fixture never looks like a leaked credential.
FAKE_HF_TOKEN = "hf_" + "Zq7" * 12


def labels(role: str, workload: str, **extra: str) -> list[dict[str, str]]:
    items = {"aistack.dev/role": role, "aistack.dev/workload": workload, **extra}
    return [{"label": k, "value": v} for k, v in items.items()]


def docker_inference(name: str = "llama-7b") -> dict[str, Any]:
    """A GPU inference container that satisfies every rule (numbers are floats, as on the wire)."""
    return {
        "name": name,
        "image": "ghcr.io/ggml-org/llama.cpp:server-cuda-b4500" + DIGEST,
        "user": "10001:10001",
        "readOnly": True,
        "capabilities": {"drops": ["ALL"]},
        "securityOpts": ["no-new-privileges:true"],
        "memory": 16384.0,
        "cpuSet": "0-7",
        "gpus": "device=0",
        "shmSize": 2048.0,
        "healthcheck": {"tests": ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/health"], "interval": "30s"},
        "restart": "unless-stopped",
        "labels": labels("inference", name),
        "networksAdvanced": [{"name": "aistack"}],
        "mounts": [
            {"type": "volume", "source": "aistack-models", "target": "/models", "readOnly": True},
            {"type": "tmpfs", "target": "/tmp"},
        ],
        "envs": ["LLAMA_ARG_CTX_SIZE=8192", "HF_TOKEN_FILE=/run/secrets/hf_token", "MAX_TOKENS=512"],
        "command": ["--model", "/models/llama-7b.gguf", "--api-key-file", "/run/secrets/api_key"],
    }


def docker_gateway() -> dict[str, Any]:
    props = docker_inference("gateway")
    for key in ("gpus", "shmSize"):
        del props[key]
    props["image"] = "docker.io/nginxinc/nginx-unprivileged:1.27-alpine" + DIGEST
    props["labels"] = labels("gateway", "gateway")
    props["ports"] = [{"internal": 8080.0, "external": 8443.0, "ip": "127.0.0.1", "protocol": "tcp"}]
    props["command"] = []
    props["envs"] = []
    return props


def prometheus_config(*targets: str) -> str:
    lines = ["global:", "  scrape_interval: 15s", "scrape_configs:", "  - job_name: inference", "    static_configs:"]
    lines.append("      - targets: [" + ", ".join(f'"{t}"' for t in targets) + "]")
    return "\n".join(lines) + "\n"


def docker_prometheus(*targets: str) -> dict[str, Any]:
    props = docker_inference("prometheus")
    for key in ("gpus", "shmSize"):
        del props[key]
    props["image"] = "docker.io/prom/prometheus:v2.54.1" + DIGEST
    props["labels"] = labels("monitoring", "prometheus")
    props["command"] = []
    props["envs"] = []
    props["uploads"] = [{"file": "/etc/prometheus/prometheus.yml", "content": prometheus_config(*targets)}]
    return props


def data_volume(retain: bool = True) -> dict[str, Any]:
    items = [{"label": "aistack.dev/data", "value": "true"}]
    if retain:
        items.append({"label": "aistack.dev/retain", "value": "true"})
    return {"name": "aistack-models", "labels": items}


def pod_labels(role: str, workload: str) -> dict[str, str]:
    return {"aistack.dev/role": role, "aistack.dev/workload": workload}


def k8s_container(name: str = "vllm", gpu: bool = True) -> dict[str, Any]:
    limits: dict[str, Any] = {"memory": "32Gi"}
    requests: dict[str, Any] = {"cpu": "4", "memory": "32Gi"}
    mounts: list[dict[str, Any]] = [{"name": "models", "mountPath": "/models", "readOnly": True}]
    if gpu:
        limits["nvidia.com/gpu"] = "1"
        requests["nvidia.com/gpu"] = "1"
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    return {
        "name": name,
        "image": "docker.io/vllm/vllm-openai:v0.6.4" + DIGEST,
        "args": ["--model", "/models/qwen", "--port", "8000"],
        "ports": [{"containerPort": 8000.0, "name": "http"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {"limits": limits, "requests": requests},
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8000.0}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8000.0}},
        "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}],
        "volumeMounts": mounts,
    }


def k8s_pod_spec(gpu: bool = True, name: str = "vllm") -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "models", "persistentVolumeClaim": {"claimName": "models"}}]
    if gpu:
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}})
    return {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001.0,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [k8s_container(name, gpu)],
        "volumes": volumes,
    }


def k8s_deployment(role: str = "inference", name: str = "vllm", namespace: str = "aistack", gpu: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": pod_labels(role, name)},
        "spec": {
            "replicas": 1.0,
            "selector": {"matchLabels": pod_labels(role, name)},
            "template": {"metadata": {"labels": pod_labels(role, name)}, "spec": k8s_pod_spec(gpu, name)},
        },
    }


def default_deny(namespace: str = "aistack") -> dict[str, Any]:
    return {
        "metadata": {"name": "default-deny", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }


def pod_monitor(namespace: str = "aistack", **match: str) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "inference", "namespace": namespace},
        "spec": {"selector": {"matchLabels": match or {"aistack.dev/role": "inference"}}, "podMetricsEndpoints": [{"port": "http"}]},
    }


# --- mutation helpers ---------------------------------------------------------------------------


def _parts(path: str | tuple[str, ...]) -> list[str]:
    return list(path) if isinstance(path, tuple) else path.split(".")


def key_path(path: str, key: str) -> tuple[str, ...]:
    """A path whose last key contains dots (``nvidia.com/gpu``)."""
    return (*path.split("."), key)


def with_(props: Mapping[str, Any], path: str | tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``props`` with ``value`` at a dotted path (``a.b.0.c``) or a tuple of keys."""
    out = copy.deepcopy(dict(props))
    *parents, last = _parts(path)
    cur: Any = out
    for key in parents:
        cur = cur[int(key)] if isinstance(cur, list) else cur.setdefault(key, {})
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return out


def without(props: Mapping[str, Any], path: str | tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(dict(props))
    *parents, last = _parts(path)
    cur: Any = out
    for key in parents:
        cur = cur[int(key)] if isinstance(cur, list) else cur[key]
    if isinstance(cur, list):
        del cur[int(last)]
    else:
        cur.pop(last, None)
    return out


# --- calling validators -------------------------------------------------------------------------


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:dev::aistack::{resource_type}::{name}"


def resource_args(
    resource_type: str, props: Mapping[str, Any], name: str = "res", config: Mapping[str, Any] | None = None, protect: bool = False
) -> ResourceValidationArgs:
    """Arguments as the analyzer builds them: props behind the unknown-checking proxy."""
    return ResourceValidationArgs(
        resource_type, unknown_checking_proxy(copy.deepcopy(dict(props))), urn(resource_type, name), name, options(protect), None, config
    )


def violations(rule_id: str, resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any] | None = None, protect: bool = False) -> list[str]:
    found: list[str] = []
    get_rule(rule_id).validate(resource_args(resource_type, props, config=config, protect=protect), lambda m, u=None: found.append(m))
    return found


def all_violations(resource_type: str, props: Mapping[str, Any]) -> dict[str, list[str]]:
    """Violations of every resource rule, by rule id (rules without violations left out)."""
    out: dict[str, list[str]] = {}
    for rule in RESOURCE_RULES:
        found: list[str] = []
        rule.validate(resource_args(resource_type, props), lambda m, u=None: found.append(m))
        if found:
            out[rule.id] = found
    return out


def stack_resources(resources: Sequence[tuple[str, str, Mapping[str, Any]]]) -> list[PolicyResource]:
    return [
        PolicyResource(t, unknown_checking_proxy(copy.deepcopy(dict(p))), urn(t, n), n, options(), None, None, [], {})
        for t, n, p in resources
    ]


def stack_violations(
    rule_id: str, resources: Sequence[tuple[str, str, Mapping[str, Any]]], config: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(urn name, message) pairs reported by a stack rule."""
    found: list[tuple[str, str]] = []
    args = StackValidationArgs(stack_resources(resources), config)
    get_rule(rule_id).validate(args, lambda m, u=None: found.append(((u or "").rsplit("::", 1)[-1], m)))
    return found
