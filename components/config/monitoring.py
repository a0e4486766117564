"""`aistack:monitoring`: Prometheus, Grafana, exporters and alert thresholds."""
from pydantic import Field

from .base import ConfigModel


class AlertThresholds(ConfigModel):
    """When alerts fire."""

    gpu_temperature_c: int = Field(85, ge=40, le=110, description="GPU hot above this temperature (°C).")
    memory_ratio: float = Field(0.9, gt=0, le=1, description="Container near its memory limit above this share.")
    p95_latency_s: float = Field(30, gt=0, le=3600, description="p95 request latency alert threshold (s).")
    down_for: str = Field("2m", pattern=r"^\d+[smh]$", description="How long a target is down before alerting.")


class MonitoringConfig(ConfigModel):
    """What the monitoring stack runs."""

    enabled: bool = Field(True, description="Deploy monitoring.")
    grafana: bool = Field(True, description="Deploy Grafana with provisioned dashboards.")
    cadvisor: bool = Field(True, description="Per-container CPU/memory metrics (workstation).")
    node_exporter: bool = Field(True, description="Host metrics.")
    dcgm: bool = Field(True, description="GPU metrics through DCGM exporter (only where the plan has GPUs).")
    scrape_interval_s: int = Field(15, ge=1, le=3600, description="Prometheus scrape interval (s).")
    retention_days: int = Field(15, ge=1, le=3650, description="Prometheus data retention (days).")
    prometheus_data_gib: float = Field(20, gt=0, le=100000, description="Prometheus volume size (cluster) in GiB.")
    prometheus_memory_gib: float = Field(1, gt=0, le=1024, description="Prometheus memory limit in GiB.")
    alerts: AlertThresholds = Field(default_factory=AlertThresholds)
