"""MonitoringStack: what to watch is derived from the declared workloads; the renderer decides how."""
from __future__ import annotations

import pathlib

import pulumi

from .alerts import alert_rules_yaml
from .spec import DataVolume, MonitoringSpec, ScrapeTarget, Workload

DASHBOARDS_DIR = pathlib.Path(__file__).resolve().parent / "dashboards"


def dashboards() -> tuple[tuple[str, str], ...]:
    return tuple((p.name, p.read_text()) for p in sorted(DASHBOARDS_DIR.glob("*.json")))


def monitoring_spec(cfg, workloads: list[Workload], gpu_ids: tuple[str, ...], grafana_password=None) -> MonitoringSpec:
    mon = cfg.monitoring
    targets = tuple(
        ScrapeTarget(w.name, w.metrics.port, w.metrics.path, job="inference", replicas=len(w.replicas))
        for w in workloads
        if w.metrics is not None
    )
    return MonitoringSpec(
        targets=targets,
        rules_yaml=alert_rules_yaml(mon.alerts),
        dashboards=dashboards(),
        scrape_interval_s=mon.scrape_interval_s,
        retention_days=mon.retention_days,
        data=DataVolume("prometheus-data", size_gib=mon.prometheus_data_gib),
        grafana_data=DataVolume("grafana-data", size_gib=5) if mon.grafana else None,
        grafana=mon.grafana,
        cadvisor=mon.cadvisor,
        node_exporter=mon.node_exporter,
        dcgm=mon.dcgm and bool(gpu_ids),
        prometheus_memory_mib=int(mon.prometheus_memory_gib * 1024),
        grafana_admin_password=grafana_password,
        gpu_ids=gpu_ids,
    )


class MonitoringStack(pulumi.ComponentResource):
    def __init__(self, name: str, spec: MonitoringSpec, renderer, image_for, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aistack:monitoring_stack:MonitoringStack", name, None, opts)
        self.spec = spec
        self.resources = renderer.monitoring(spec, image_for, self)
        self.scrape_targets = [t.workload for t in spec.targets]
        self.register_outputs({"scrapeTargets": self.scrape_targets})
