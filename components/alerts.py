"""Alert rules, the same on both targets: generated from the thresholds in `aistack:monitoring.alerts`.

Container series are selected by `image!=""` (real containers) and named by `name` (Docker's cAdvisor) or `pod`
(the kubelet's): one expression works on both."""
from __future__ import annotations

import yaml


def alert_rules(alerts) -> dict:
    """A Prometheus rule group (the `groups` document, also the spec of a PrometheusRule)."""
    return {
        "groups": [
            {
                "name": "aistack",
                "rules": [
                    {
                        "alert": "InferenceServerDown",
                        "expr": 'up{job="inference"} == 0',
                        "for": alerts.down_for,
                        "labels": {"severity": "critical"},
                        "annotations": {"summary": "Inference server {{ $labels.workload }} ({{ $labels.instance }}) is down"},
                    },
                    {
                        "alert": "GpuHot",
                        "expr": f"DCGM_FI_DEV_GPU_TEMP > {alerts.gpu_temperature_c}",
                        "for": "5m",
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "GPU {{ $labels.gpu }} is at {{ $value }} °C"},
                    },
                    {
                        "alert": "ContainerNearMemoryLimit",
                        "expr": (
                            'container_memory_working_set_bytes{image!=""} / '
                            f'(container_spec_memory_limit_bytes{{image!=""}} > 0) > {alerts.memory_ratio}'
                        ),
                        "for": "5m",
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "{{ $labels.name }}{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit"},
                    },
                    {
                        "alert": "ContainerOomKilled",
                        "expr": 'increase(container_oom_events_total{image!=""}[10m]) > 0',
                        "labels": {"severity": "critical"},
                        "annotations": {"summary": "{{ $labels.name }}{{ $labels.pod }} was OOM-killed"},
                    },
                    {
                        "alert": "InferenceLatencyHigh",
                        "expr": (
                            "histogram_quantile(0.95, sum by (le, workload) "
                            "(rate(vllm:e2e_request_latency_seconds_bucket[5m]))) > " + f"{alerts.p95_latency_s:g}"
                        ),
                        "for": "10m",
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "p95 latency of {{ $labels.workload }} is {{ $value }} s"},
                    },
                    {
                        "alert": "LlamaCppRequestsDeferred",
                        "expr": "max by (workload) (llamacpp:requests_deferred) > 0",
                        "for": "10m",
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "{{ $labels.workload }} queues requests: all slots busy"},
                    },
                ],
            }
        ]
    }


def alert_rules_yaml(alerts) -> str:
    return yaml.safe_dump(alert_rules(alerts), sort_keys=False)
