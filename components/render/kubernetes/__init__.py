"""The cluster target: pulumi-kubernetes resources in one namespace, monitoring through kube-prometheus-stack."""
from __future__ import annotations

from typing import Any, Callable

import pulumi
import pulumi_kubernetes as k8s

from ...spec import DataVolume, ImageSpec, MonitoringSpec, Workload
from ..base import RenderedImage, RenderedWorkload
from . import monitoring as mon
from .models import fetch_job_spec, wait_for_models
from .namespace import Totals, limit_range_spec, namespace_labels, quota_spec
from .network import Peers, network_policies
from .pod import PodContext, file_key, pod_template, selector

DATA_LABELS = {"aistack.dev/data": "true", "aistack.dev/retain": "true"}


class KubernetesRenderer:
    target = "kubernetes"

    def __init__(self, cfg, plan, parent: pulumi.Resource):
        self.cfg, self.plan, self.parent = cfg, plan, parent
        kc = cfg.kubernetes
        self.ns_name = kc.namespace
        self.mon_ns_name = f"{kc.namespace}-monitoring"
        self.provider = k8s.Provider(
            "k8s", render_yaml_to_directory=kc.render_yaml_to, enable_server_side_apply=kc.render_yaml_to is None,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        # Deleting a namespace deletes every claim in it: namespaces outlive the stack, like the data.
        self.namespace = self._namespace(self.ns_name, "namespace")
        self.totals = Totals()
        self.workloads: list[Workload] = []
        self._pvcs: dict[str, k8s.core.v1.PersistentVolumeClaim] = {}
        self._fetch_jobs: dict[str, k8s.batch.v1.Job] = {}
        self._monitoring_release: Any = None
        self._pending_monitors: tuple[MonitoringSpec, pulumi.ResourceOptions] | None = None
        self.image_provider: Callable[[str], Any] | None = None  # set by the platform: name -> image reference

    # -- plumbing ---------------------------------------------------------------------------------
    def _opts(self, parent: pulumi.Resource, **kw) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **kw)

    def _meta(self, name: str, labels: dict[str, str] | None = None, namespace: str | None = None, **extra) -> dict[str, Any]:
        meta = {"name": name, "namespace": namespace or self.ns_name, "labels": {"app.kubernetes.io/part-of": "aistack", **(labels or {})}}
        meta.update(extra)
        return meta

    def _namespace(self, name: str, key: str) -> k8s.core.v1.Namespace:
        return k8s.core.v1.Namespace(
            key, metadata={"name": name, "labels": namespace_labels()},
            opts=self._opts(self.parent, retain_on_delete=True),
        )

    def _ns_opts(self, parent: pulumi.Resource, **kw) -> pulumi.ResourceOptions:
        deps = list(kw.pop("depends_on", []))
        return self._opts(parent, depends_on=[self.namespace, *deps], **kw)

    def _image_ref(self, name: str) -> Any:
        assert self.image_provider is not None, "the platform sets image_provider before rendering workloads"
        return self.image_provider(name)

    # -- images -----------------------------------------------------------------------------------
    def image(self, spec: ImageSpec, parent: pulumi.Resource) -> RenderedImage:
        """Our images come from the registry CI pushes them to, pinned by digest when the stack records one."""
        digest = self.cfg.images.digests.get(spec.name)
        ref = f"{spec.repository}:{spec.tag}" + (f"@{digest}" if digest else "")
        out = pulumi.Output.from_input(ref)
        return RenderedImage(ref=out, digest=pulumi.Output.from_input(digest or ""), size_bytes=pulumi.Output.from_input(0))

    def upstream_image(self, key: str, ref: str, parent: pulumi.Resource) -> pulumi.Output:
        return pulumi.Output.from_input(ref)

    # -- addresses --------------------------------------------------------------------------------
    def endpoints(self, name: str, port: int, replicas: int) -> list[str]:
        chart_service = mon.service_address(name, self.mon_ns_name)
        if chart_service:
            return [chart_service]
        return [f"{name}.{self.ns_name}.svc.cluster.local:{port}"]  # one Service balances every replica

    def public_url(self, port) -> str:
        return f"https://{self.cfg.gateway.ingress.host}"

    # -- data -------------------------------------------------------------------------------------
    def pvc(self, spec: DataVolume) -> k8s.core.v1.PersistentVolumeClaim:
        """Claims are created once and outlive the stack: never deleted by replacement or `destroy`."""
        if spec.name not in self._pvcs:
            kc = self.cfg.kubernetes
            size = kc.models_pvc_gib if spec.name == "models" else spec.size_gib
            storage: dict[str, Any] = {
                "accessModes": [kc.models_access_mode if spec.shared else "ReadWriteOnce"],
                "resources": {"requests": {"storage": f"{size:g}Gi"}},
            }
            if kc.storage_class:
                storage["storageClassName"] = kc.storage_class
            self.totals.add_claim(size)
            self._pvcs[spec.name] = k8s.core.v1.PersistentVolumeClaim(
                spec.name, metadata=self._meta(spec.name, DATA_LABELS), spec=storage,
                opts=self._ns_opts(self.parent, retain_on_delete=True),
            )
        return self._pvcs[spec.name]

    def _fetch_job(self, model, pvc: k8s.core.v1.PersistentVolumeClaim) -> k8s.batch.v1.Job:
        if model.name not in self._fetch_jobs:
            labels = {"aistack.dev/role": "model-fetch", "aistack.dev/workload": f"fetch-{model.name}",
                      "aistack.dev/component": "Models"}
            hf_secret = None
            if self.cfg.hf_token and model.url and "huggingface.co" in model.url:
                hf_secret = self._secret(f"fetch-{model.name}-hf", {"HF_TOKEN": pulumi.Output.secret(self.cfg.hf_token)}, self.parent).metadata.name
            self._fetch_jobs[model.name] = k8s.batch.v1.Job(
                f"fetch-{model.name}",
                metadata=self._meta(f"fetch-{model.name}", labels),
                spec=fetch_job_spec(model, self._image_ref("model-fetch"), pvc.metadata.name, labels, hf_secret),
                opts=self._ns_opts(self.parent, depends_on=[pvc]),
            )
        return self._fetch_jobs[model.name]

    def _config_meta(self, labels: dict[str, str] | None = None) -> dict[str, Any]:
        """No fixed name: Pulumi names it `<resource>-<suffix>` and replaces it under a new name when its data
        changes, so the pods that reference it roll (secrets included, without putting a hash of them anywhere)."""
        meta = self._meta("", labels)
        del meta["name"]
        return meta

    def _secret(self, name: str, data: dict[str, Any], parent: pulumi.Resource) -> k8s.core.v1.Secret:
        return k8s.core.v1.Secret(name, metadata=self._config_meta(), string_data=data, type="Opaque", opts=self._ns_opts(parent))

    # -- workloads --------------------------------------------------------------------------------
    def workload(self, wl: Workload, parent: pulumi.Resource) -> RenderedWorkload:
        made: list[Any] = []
        pvc_names = {m.volume.name: self.pvc(m.volume).metadata.name for m in wl.volumes}
        depends_on: list[Any] = [self._pvcs[n] for n in pvc_names]
        init = []
        files = [f for f in wl.files if not f.secret]
        secret_files = [f for f in wl.files if f.secret]
        ctx = dict(pvc_names=pvc_names, runtime_class=self.cfg.kubernetes.runtime_class, gpu_taint_key=self.cfg.kubernetes.gpu_taint_key)
        fetched = [m for m in wl.models if not m.snapshot_repo]
        if fetched:
            assert wl.models_volume is not None, "a workload with models declares its models volume"
            models_pvc = self.pvc(wl.models_volume)
            depends_on += [self._fetch_job(m, models_pvc) for m in fetched]
            init.append(wait_for_models(tuple(fetched), self._image_ref("model-fetch"), wl.security.user, "models"))
        if files:
            cm = k8s.core.v1.ConfigMap(
                f"{wl.name}-config", metadata=self._config_meta(wl.labels),
                data={file_key(f.name): f.content for f in files}, opts=self._ns_opts(parent),
            )
            made.append(cm)
            ctx["config_map"] = cm.metadata.name
        if secret_files:
            sec = self._secret(f"{wl.name}-files", {file_key(f.name): pulumi.Output.secret(f.content) for f in secret_files}, parent)
            made.append(sec)
            ctx["secret_files"] = sec.metadata.name
        if wl.secret_env:
            sec = self._secret(f"{wl.name}-env", {k: pulumi.Output.secret(v) for k, v in wl.secret_env}, parent)
            made.append(sec)
            ctx["env_secret"] = sec.metadata.name
        template = pod_template(wl, PodContext(**ctx, init_containers=tuple(init)))
        replicas = len(wl.replicas)
        strategy = ({"type": "Recreate"} if any(not m.volume.shared for m in wl.volumes if not m.read_only) else
                    {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0 if wl.resources.gpu else 1, "maxUnavailable": 1}})
        deployment = k8s.apps.v1.Deployment(
            wl.name,
            metadata=self._meta(wl.name, wl.labels),
            spec={"replicas": replicas, "selector": {"matchLabels": selector(wl)}, "strategy": strategy, "template": template,
                  "revisionHistoryLimit": 3},
            opts=self._ns_opts(parent, depends_on=depends_on),
        )
        made.append(deployment)
        if wl.ports:
            made.append(k8s.core.v1.Service(
                wl.name, metadata=self._meta(wl.name, wl.labels),
                spec={"type": "ClusterIP", "selector": selector(wl),
                      "ports": [{"name": p.name, "port": p.port, "targetPort": p.name, "protocol": "TCP"} for p in wl.ports]},
                opts=self._ns_opts(parent),
            ))
        made.append(k8s.policy.v1.PodDisruptionBudget(
            wl.name, metadata=self._meta(wl.name, wl.labels),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector(wl)}}, opts=self._ns_opts(parent),
        ))
        public = [p for p in wl.ports if p.public]
        if public:
            made.append(self._ingress(wl, public[0], parent))
        self.totals.add(wl, replicas)
        self.workloads.append(wl)
        return RenderedWorkload(wl.name, self.endpoints(wl.name, wl.ports[0].port if wl.ports else 0, replicas), made)

    def _ingress(self, wl: Workload, port, parent) -> k8s.networking.v1.Ingress:
        ing = self.cfg.gateway.ingress
        annotations = {
            "nginx.ingress.kubernetes.io/proxy-read-timeout": str(self.cfg.gateway.request_timeout_s),
            "nginx.ingress.kubernetes.io/proxy-send-timeout": str(self.cfg.gateway.request_timeout_s),
            "nginx.ingress.kubernetes.io/proxy-body-size": "64m",
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        }
        if not ing.tls_secret_name:
            annotations["cert-manager.io/cluster-issuer"] = ing.cluster_issuer
        return k8s.networking.v1.Ingress(
            wl.name,
            metadata=self._meta(wl.name, wl.labels, annotations=annotations),
            spec={
                "ingressClassName": ing.class_name,
                "tls": [{"hosts": [ing.host], "secretName": ing.tls_secret_name or f"{wl.name}-tls"}],
                "rules": [{"host": ing.host, "http": {"paths": [{
                    "path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": wl.name, "port": {"number": port.port}}},
                }]}}],
            },
            opts=self._ns_opts(parent),
        )

    # -- monitoring -------------------------------------------------------------------------------
    def monitoring(self, spec: MonitoringSpec, image_for, parent: pulumi.Resource) -> list[Any]:
        kc = self.cfg.kubernetes
        made: list[Any] = []
        mon_ns = self._namespace(self.mon_ns_name, "monitoring-namespace")
        if spec.grafana and spec.grafana_admin_password is not None:
            made.append(k8s.core.v1.Secret(
                mon.GRAFANA_ADMIN_SECRET, metadata=self._meta(mon.GRAFANA_ADMIN_SECRET, namespace=self.mon_ns_name),
                string_data={"admin-user": "admin", "admin-password": pulumi.Output.secret(spec.grafana_admin_password)},
                opts=pulumi.ResourceOptions(parent=parent, provider=self.provider, depends_on=[mon_ns]),
            ))
        release = None
        if kc.render_yaml_to:
            # Rendering to files has no cluster to install a Helm release into (and no chart repository offline).
            pulumi.log.info(f"render mode: kube-prometheus-stack {kc.kube_prometheus_stack_version} is not rendered; "
                            "install it with the values of a cluster deployment", resource=parent)
        else:
            release = self._monitoring_release = self._kube_prometheus_stack(spec, parent, [mon_ns, *made])
            made.append(release)
        crd_opts = self._ns_opts(parent, depends_on=[release] if release else [])
        self._pending_monitors = (spec, crd_opts)  # PodMonitors need the workloads' port names: made in finish()
        made.append(k8s.apiextensions.CustomResource(
            "aistack-alerts", api_version="monitoring.coreos.com/v1", kind="PrometheusRule",
            metadata=self._meta("aistack-alerts", {"aistack.dev/component": "MonitoringStack"}),
            spec=mon.prometheus_rule_spec(spec), opts=crd_opts,
        ))
        for name, body in spec.dashboards:
            key = name.removesuffix(".json")
            made.append(k8s.core.v1.ConfigMap(
                f"dashboard-{key}", metadata=self._meta(f"dashboard-{key}", {mon.DASHBOARD_LABEL: "1"}),
                data={name: body}, opts=self._ns_opts(parent),
            ))
        dcgm = self._dcgm(parent, crd_opts) if spec.dcgm else None
        return made + ([dcgm] if dcgm is not None else [])

    def _kube_prometheus_stack(self, spec: MonitoringSpec, parent: pulumi.Resource, after: list[Any]) -> Any:
        kc = self.cfg.kubernetes
        return k8s.helm.v3.Release(
            "kube-prometheus-stack",
            name=mon.RELEASE,
            chart="kube-prometheus-stack",
            version=kc.kube_prometheus_stack_version,
            namespace=self.mon_ns_name,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=mon.KPS_REPO),
            values=mon.chart_values(spec, storage_class=kc.storage_class, public_url=self.public_url(None)),
            opts=pulumi.ResourceOptions(parent=parent, provider=self.provider, depends_on=after),
        )

    def _dcgm(self, parent, crd_opts) -> Any | None:
        kc = self.cfg.kubernetes
        if kc.dcgm_exporter_from_gpu_operator:
            return k8s.apiextensions.CustomResource(
                "dcgm-exporter", api_version="monitoring.coreos.com/v1", kind="ServiceMonitor",
                metadata=self._meta("dcgm-exporter", {"aistack.dev/component": "MonitoringStack"}),
                spec=mon.dcgm_service_monitor_spec(), opts=crd_opts,
            )
        if self._monitoring_release is None:
            return None  # render mode: no Helm releases
        gpu_pool = next((m for m in self.plan.inventory.machines if m.role == "gpu"), None)
        return k8s.helm.v3.Release(
            "dcgm-exporter", name="dcgm-exporter", chart="dcgm-exporter", version=mon.DCGM_CHART_VERSION,
            namespace=self.mon_ns_name, repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=mon.DCGM_REPO),
            values=mon.dcgm_chart_values(dict(gpu_pool.node_selector) if gpu_pool else {}, kc.runtime_class, kc.gpu_taint_key),
            opts=pulumi.ResourceOptions(parent=parent, provider=self.provider, depends_on=[self._monitoring_release]),
        )

    # -- stack-wide -------------------------------------------------------------------------------
    def finish(self) -> dict[str, Any]:
        by_name = {w.name: w for w in self.workloads}
        pending = self._pending_monitors
        if pending:
            spec, crd_opts = pending
            for t in spec.targets:
                k8s.apiextensions.CustomResource(
                    f"{t.workload}-metrics", api_version="monitoring.coreos.com/v1", kind="PodMonitor",
                    metadata=self._meta(f"{t.workload}-metrics", {"aistack.dev/component": "MonitoringStack"}),
                    spec=mon.pod_monitor_spec(by_name[t.workload], t.job, t.path, t.port, spec.scrape_interval_s),
                    opts=crd_opts,
                )
        peers = Peers(
            ingress_namespace=self.cfg.gateway.ingress.controller_namespace,
            monitoring_namespace=self.mon_ns_name,
            monitoring_ports=(mon.PROMETHEUS_PORT, mon.GRAFANA_PORT) if pending else (),
        )
        for name, spec in network_policies(self.workloads, peers):
            k8s.networking.v1.NetworkPolicy(
                name, metadata=self._meta(name, {"aistack.dev/component": "Platform"}), spec=spec, opts=self._ns_opts(self.parent),
            )
        k8s.core.v1.ResourceQuota(
            "quota", metadata=self._meta("aistack"), spec=quota_spec(self.totals, extra_pods=len(self._fetch_jobs)),
            opts=self._ns_opts(self.parent),
        )
        k8s.core.v1.LimitRange(
            "limits", metadata=self._meta("aistack"), spec=limit_range_spec(self.totals), opts=self._ns_opts(self.parent),
        )
        return {"namespace": self.ns_name, "monitoringNamespace": self.mon_ns_name if pending else None}
