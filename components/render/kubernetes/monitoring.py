"""Monitoring on a cluster: kube-prometheus-stack through Helm (never a hand-written operator), a PodMonitor per
declared server, the same alert rules as a PrometheusRule, dashboards as ConfigMaps for Grafana's sidecar, and
DCGM metrics from the GPU operator's exporter (or NVIDIA's chart)."""
from __future__ import annotations

from typing import Any

import yaml

from ...spec import MonitoringSpec, Workload

KPS_REPO = "https://prometheus-community.github.io/helm-charts"
DCGM_REPO = "https://nvidia.github.io/dcgm-exporter/helm-charts"
DCGM_CHART_VERSION = "4.2.3"
RELEASE = "monitoring"  # fullnameOverride: the Prometheus Service is `monitoring-prometheus`
PROMETHEUS_PORT = 9090
PROMETHEUS_PREFIX = "/prometheus"
GRAFANA_SERVICE = "grafana"
GRAFANA_PORT = 3000
DASHBOARD_LABEL = "grafana_dashboard"
GRAFANA_ADMIN_SECRET = "grafana-admin"


def service_address(name: str, namespace: str) -> str | None:
    """In-cluster addresses of the chart's services that the gateway routes to."""
    if name == "prometheus":
        return f"{RELEASE}-prometheus.{namespace}.svc.cluster.local:{PROMETHEUS_PORT}"
    if name == "grafana":
        return f"{GRAFANA_SERVICE}.{namespace}.svc.cluster.local:{GRAFANA_PORT}"
    return None


def chart_values(spec: MonitoringSpec, *, storage_class: str | None, public_url: str) -> dict[str, Any]:
    storage: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": f"{spec.data.size_gib:g}Gi"}},
    }
    if storage_class:
        storage["storageClassName"] = storage_class
    memory = f"{spec.prometheus_memory_mib}Mi"
    values: dict[str, Any] = {
        "fullnameOverride": RELEASE,
        "prometheus": {
            "prometheusSpec": {
                "routePrefix": PROMETHEUS_PREFIX,
                "externalUrl": f"{public_url}{PROMETHEUS_PREFIX}",
                "retention": f"{spec.retention_days}d",
                "scrapeInterval": f"{spec.scrape_interval_s}s",
                "evaluationInterval": f"{spec.scrape_interval_s}s",
                # Pick up our PodMonitors and rules without the chart's release label.
                "podMonitorSelectorNilUsesHelmValues": False,
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "resources": {"requests": {"cpu": "500m", "memory": memory}, "limits": {"cpu": "500m", "memory": memory}},
                # The operator's StatefulSet keeps this claim when the release is removed: data survives.
                "storageSpec": {"volumeClaimTemplate": {"metadata": {"labels": {"aistack.dev/data": "true", "aistack.dev/retain": "true"}},
                                                        "spec": storage}},
            }
        },
        "nodeExporter": {"enabled": spec.node_exporter},
        "grafana": {"enabled": spec.grafana},
    }
    if spec.grafana:
        persistence: dict[str, Any] = {
            "enabled": True,
            "size": f"{spec.grafana_data.size_gib:g}Gi" if spec.grafana_data else "5Gi",
            "annotations": {"helm.sh/resource-policy": "keep"},  # `helm uninstall` keeps the claim
        }
        if storage_class:
            persistence["storageClassName"] = storage_class
        values["grafana"].update({
            "fullnameOverride": GRAFANA_SERVICE,
            "service": {"port": GRAFANA_PORT},
            "persistence": persistence,
            "sidecar": {"dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1", "searchNamespace": "ALL"}},
            "grafana.ini": {
                "server": {"root_url": f"{public_url}/grafana/", "serve_from_sub_path": True},
                "analytics": {"reporting_enabled": False, "check_for_updates": False},
            },
        })
        if spec.grafana_admin_password is not None:
            values["grafana"]["admin"] = {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"}
    return values


def metrics_port_name(wl: Workload, port: int) -> str:
    return next((p.name for p in wl.ports if p.port == port), "metrics")


def pod_monitor_spec(wl: Workload, job: str, path: str, port: int, interval_s: int) -> dict[str, Any]:
    return {
        "selector": {"matchLabels": {"aistack.dev/workload": wl.name}},
        "podMetricsEndpoints": [{
            "port": metrics_port_name(wl, port),
            "path": path,
            "interval": f"{interval_s}s",
            # The same labels as on the workstation, so alerts and dashboards work unchanged.
            "relabelings": [
                {"action": "replace", "targetLabel": "job", "replacement": job},
                {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_label_aistack_dev_workload"], "targetLabel": "workload"},
            ],
        }],
    }


def prometheus_rule_spec(spec: MonitoringSpec) -> dict[str, Any]:
    return yaml.safe_load(spec.rules_yaml)


def dcgm_service_monitor_spec(gpu_operator_namespace: str = "gpu-operator") -> dict[str, Any]:
    """The GPU operator's DCGM exporter Service, scraped as job `dcgm`."""
    return {
        "selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}},
        "namespaceSelector": {"matchNames": [gpu_operator_namespace]},
        "endpoints": [{"port": "gpu-metrics", "path": "/metrics", "relabelings": [{"action": "replace", "targetLabel": "job", "replacement": "dcgm"}]}],
    }


def dcgm_chart_values(node_selector: dict[str, str], runtime_class: str, taint_key: str) -> dict[str, Any]:
    return {
        "serviceMonitor": {"enabled": True},
        "nodeSelector": node_selector,
        "runtimeClassName": runtime_class,
        "tolerations": [{"key": taint_key, "operator": "Exists", "effect": "NoSchedule"}],
        "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"cpu": "100m", "memory": "512Mi"}},
    }
