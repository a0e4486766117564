"""The namespace: Pod Security Admission `restricted` enforced, a ResourceQuota sized from what the stack declares,
and a LimitRange so that nothing runs without limits. Pure."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ...spec import Workload
from .pod import gpu_resource

PSA_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
HEADROOM = 1.5  # rolling updates start new pods before old ones go (GPU servers do not surge)


@dataclass
class Totals:
    """What the declared workloads request in the namespace."""

    cpu: float = 0
    memory_mib: float = 0
    gpus: dict[str, int] = field(default_factory=dict)
    storage_gib: float = 0
    claims: int = 0
    pods: int = 0
    largest_cpu: float = 0
    largest_memory_mib: float = 0

    def add(self, wl: Workload, replicas: int) -> None:
        self.cpu += wl.resources.cpu_cores * replicas
        self.memory_mib += wl.resources.memory_mib * replicas
        for name, count in gpu_resource(wl).items():
            self.gpus[name] = self.gpus.get(name, 0) + count * replicas
        self.pods += replicas
        self.largest_cpu = max(self.largest_cpu, wl.resources.cpu_cores)
        self.largest_memory_mib = max(self.largest_memory_mib, wl.resources.memory_mib)

    def add_claim(self, size_gib: float) -> None:
        self.storage_gib += size_gib
        self.claims += 1


def namespace_labels() -> dict[str, str]:
    return {**PSA_LABELS, "app.kubernetes.io/part-of": "aistack"}


def quota_spec(t: Totals, extra_pods: int = 0) -> dict[str, Any]:
    hard: dict[str, Any] = {
        "requests.cpu": str(math.ceil(t.cpu * HEADROOM)),
        "limits.cpu": str(math.ceil(t.cpu * HEADROOM)),
        "requests.memory": f"{math.ceil(t.memory_mib * HEADROOM / 1024)}Gi",
        "limits.memory": f"{math.ceil(t.memory_mib * HEADROOM / 1024)}Gi",
        "requests.storage": f"{math.ceil(t.storage_gib)}Gi",
        "persistentvolumeclaims": str(t.claims),
        "pods": str(math.ceil(t.pods * HEADROOM) + extra_pods),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }
    for name, count in sorted(t.gpus.items()):
        hard[f"requests.{name}"] = str(count)  # GPUs are exact: GPU servers never surge
    return {"hard": hard}


def limit_range_spec(t: Totals) -> dict[str, Any]:
    return {
        "limits": [{
            "type": "Container",
            "default": {"cpu": "500m", "memory": "512Mi"},
            "defaultRequest": {"cpu": "500m", "memory": "512Mi"},
            "max": {"cpu": str(math.ceil(t.largest_cpu)), "memory": f"{math.ceil(t.largest_memory_mib)}Mi"},
        }]
    }
