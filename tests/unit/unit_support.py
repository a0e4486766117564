"""Shared helpers for the pure unit tests: fixture paths, stack builders, planning with injected hardware."""
from __future__ import annotations

import copy
import json
import os
import pathlib
import sys
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SYSFS = FIXTURES / "sysfs"
for path in (ROOT, FIXTURES):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import fake_nvml  # noqa: E402
from components.config.load import load_stack_config, config_from_stack_file  # noqa: E402
from components.hardware.gpus import discover_gpus  # noqa: E402
from components.hardware.inventory import build_inventory  # noqa: E402
from components.hardware.planner import plan  # noqa: E402
from components.hardware.topology import read_sysfs  # noqa: E402

# `unit` (default) is fast and repeatable; HYPOTHESIS_PROFILE=thorough searches far longer with fresh examples.
settings.register_profile(
    "unit", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("thorough", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "unit"))

GGUF_7B = {
    "name": "qwen2.5-7b-q4",
    "url": "https://example.com/qwen2.5-7b-instruct-q4_k_m.gguf",
    "sha256": "65b8fcd92af6b4fefa935c625d1ac27ea29dcb6ee14589c55a8f115ceaaa1423",
    "sizeGib": 4.36,
    "architecture": {"layers": 28, "kvHeads": 4, "headDim": 128},
}


def detect_stack(**keys: Any) -> dict[str, Any]:
    """A `detect: true` workstation stack (raw, namespace stripped) with one GGUF model; keys override."""
    raw: dict[str, Any] = {
        "target": "docker",
        "hardware": {"detect": True, "reservedCores": 1, "reservedMemoryGib": 8},
        "models": [copy.deepcopy(GGUF_7B)],
        "cpuServers": [],
    }
    raw.update(copy.deepcopy(keys))
    return raw


def cpu_server(name: str, cores: int = 4, **extra: Any) -> dict[str, Any]:
    return {"name": name, "model": "qwen2.5-7b-q4", "cores": cores, "memoryGib": 12, "contextSize": 8192, **extra}


def plan_on(raw: dict[str, Any], sysfs: str = "ryzen-9950x", nvml: Callable[[], Any] | None = None, stack: str = "test"):
    """Validate `raw` and plan it on a fixture machine (sysfs tree + fake NVML). Raises ConfigError."""
    cfg = load_stack_config(raw, stack)
    inv = build_inventory(
        cfg.hardware,
        read_topology=lambda: read_sysfs(SYSFS / sysfs),
        discover=lambda: discover_gpus((nvml or fake_nvml.no_driver)()),
    )
    return cfg, plan(cfg, inv, ROOT, stack)


def stack_file(name: str) -> dict[str, Any]:
    return config_from_stack_file(name, ROOT)


@pytest.fixture(scope="session")
def h100_discovery() -> dict[str, Any]:
    return json.loads((FIXTURES / "h100_discovery.json").read_text())
