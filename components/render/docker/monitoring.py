"""Monitoring on a workstation: Prometheus with a generated scrape config, exporters and Grafana as containers."""
from __future__ import annotations

from typing import Any

import yaml

from ...spec import ConfigFile, HostMount, MonitoringSpec, Port, Probe, Resources, Scratch, Security, VolumeMount, Workload

PROMETHEUS_PORT = 9090
PROMETHEUS_PREFIX = "/prometheus"  # served under the gateway, behind its API key


def prometheus_config(spec: MonitoringSpec, endpoints) -> str:
    """Scrape jobs derived from the declared workloads: nobody keeps a target list by hand."""
    jobs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in spec.targets:
        for address in endpoints(t.workload, t.port, t.replicas):
            jobs.setdefault((t.job, t.path), []).append({"targets": [address], "labels": {"workload": t.workload}})
    scrape_configs = [
        {"job_name": job, "metrics_path": path, "static_configs": groups} for (job, path), groups in sorted(jobs.items())
    ]
    doc = {
        "global": {"scrape_interval": f"{spec.scrape_interval_s}s", "evaluation_interval": f"{spec.scrape_interval_s}s"},
        "rule_files": ["/etc/aistack/alerts.yml"],
        "scrape_configs": [{"job_name": "prometheus", "metrics_path": f"{PROMETHEUS_PREFIX}/metrics", "static_configs": [{"targets": [f"127.0.0.1:{PROMETHEUS_PORT}"]}]}]
        + scrape_configs,
    }
    return yaml.safe_dump(doc, sort_keys=True)


def monitoring_workloads(spec: MonitoringSpec, renderer, image_for, parent) -> list[Workload]:
    workloads = []
    workloads.append(
        Workload(
            name="prometheus",
            component="MonitoringStack",
            role="monitoring",
            image=image_for("prometheus"),
            args=(
                "--config.file=/etc/aistack/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                f"--storage.tsdb.retention.time={spec.retention_days}d",
                "--web.listen-address=:9090",
                f"--web.external-url={PROMETHEUS_PREFIX}/",
                f"--web.route-prefix={PROMETHEUS_PREFIX}/",
            ),
            ports=(Port("http", PROMETHEUS_PORT),),
            volumes=(VolumeMount(spec.data, "/prometheus"),),
            scratch=(Scratch("/tmp", 16),),
            files=(
                ConfigFile("prometheus.yml", "/etc/aistack/prometheus.yml", prometheus_config(spec, renderer.endpoints)),
                ConfigFile("alerts.yml", "/etc/aistack/alerts.yml", spec.rules_yaml),
            ),
            probe=Probe(f"{PROMETHEUS_PREFIX}/-/ready", PROMETHEUS_PORT, start_seconds=30),
            resources=Resources(memory_mib=spec.prometheus_memory_mib, cpu_cores=0.5),
        )
    )
    if spec.node_exporter:
        workloads.append(
            Workload(
                name="node-exporter",
                component="MonitoringStack",
                role="exporter",
                image=image_for("node-exporter"),
                args=("--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--web.listen-address=:9100"),
                ports=(Port("metrics", 9100),),
                host_mounts=(
                    HostMount("/proc", "/host/proc", "host CPU, memory and load figures (read-only)"),
                    HostMount("/sys", "/host/sys", "host device and thermal figures (read-only)"),
                ),
                probe=Probe("/metrics", 9100, start_seconds=10),
                resources=Resources(memory_mib=128, cpu_cores=0.2),
            )
        )
    if spec.cadvisor:
        workloads.append(
            Workload(
                name="cadvisor",
                component="MonitoringStack",
                role="exporter",
                image=image_for("cadvisor"),
                args=("--port=8080", "--docker_only=true", "--housekeeping_interval=10s"),
                ports=(Port("metrics", 8080),),
                host_mounts=(
                    HostMount("/sys/fs/cgroup", "/sys/fs/cgroup", "per-container CPU and memory from cgroups (read-only)"),
                    HostMount("/var/lib/docker", "/var/lib/docker", "container metadata and filesystem usage (read-only)"),
                ),
                probe=Probe("/healthz", 8080, start_seconds=20),
                resources=Resources(memory_mib=256, cpu_cores=0.3),
            )
        )
    if spec.dcgm:
        from ...spec import GpuRequest

        workloads.append(
            Workload(
                name="dcgm-exporter",
                component="MonitoringStack",
                role="exporter",
                image=image_for("dcgm-exporter"),
                ports=(Port("metrics", 9400),),
                probe=Probe("/health", 9400, start_seconds=30, client=("curl", "-fsS")),
                resources=Resources(memory_mib=512, cpu_cores=0.2, gpu=GpuRequest(count=len(spec.gpu_ids), device_ids=spec.gpu_ids)),
            )
        )
    if spec.grafana:
        files = tuple(
            ConfigFile(f"dashboards/{name}", f"/etc/aistack/dashboards/{name}", body) for name, body in spec.dashboards
        )
        workloads.append(
            Workload(
                name="grafana",
                component="MonitoringStack",
                role="monitoring",
                image=image_for("grafana"),
                env=(
                    ("GF_PATHS_PROVISIONING", "/etc/aistack/provisioning"),
                    ("GF_PATHS_DATA", "/var/lib/grafana"),
                    ("GF_ANALYTICS_REPORTING_ENABLED", "false"),
                    ("GF_SERVER_ROOT_URL", "%(protocol)s://%(domain)s/grafana/"),
                    ("GF_SERVER_SERVE_FROM_SUB_PATH", "true"),
                ),
                secret_env=(("GF_SECURITY_ADMIN_PASSWORD", spec.grafana_admin_password),) if spec.grafana_admin_password else (),
                ports=(Port("http", 3000),),
                volumes=(VolumeMount(spec.grafana_data, "/var/lib/grafana"),) if spec.grafana_data else (),
                scratch=(Scratch("/tmp", 64),),
                files=(
                    ConfigFile("provisioning/datasources/prometheus.yml", "/etc/aistack/provisioning/datasources/prometheus.yml", grafana_datasource(renderer)),
                    ConfigFile("provisioning/dashboards/aistack.yml", "/etc/aistack/provisioning/dashboards/aistack.yml", grafana_dashboard_provider()),
                )
                + files,
                probe=Probe("/api/health", 3000, start_seconds=60, client=("wget", "-q", "-O", "/dev/null")),
                resources=Resources(memory_mib=512, cpu_cores=0.5),
                security=Security(user=472),
            )
        )
    return workloads


def grafana_datasource(renderer) -> str:
    url = "http://" + renderer.endpoints("prometheus", PROMETHEUS_PORT, 1)[0] + PROMETHEUS_PREFIX
    return yaml.safe_dump(
        {"apiVersion": 1, "datasources": [{"name": "Prometheus", "uid": "prometheus", "type": "prometheus", "url": url, "isDefault": True}]}
    )


def grafana_dashboard_provider() -> str:
    return yaml.safe_dump(
        {"apiVersion": 1, "providers": [{"name": "aistack", "type": "file", "options": {"path": "/etc/aistack/dashboards"}}]}
    )
