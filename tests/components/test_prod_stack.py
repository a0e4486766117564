"""The prod stack (Kubernetes: a CPU pool and 4x 8 H100) under Pulumi mocks: pod specs, QoS, GPUs, probes, the
NetworkPolicy graph, monitoring, data protection, and every rendered manifest against the Kubernetes schemas."""
import math

import pytest
import yaml

from components.models import load_grace_seconds
from components.testing.capture import capture_resources
from components.testing.manifests import manifests, validate

DEPLOYMENT = "kubernetes:apps/v1:Deployment"


@pytest.fixture(scope="module")
def resources():
    return capture_resources("prod")


def of_type(resources, kind):
    return {r.name: r.props for r in resources if r.type.endswith(f":{kind}")}


def pod(props):
    return props["spec"]["template"]["spec"]


def all_containers(resources):
    for name, props in of_type(resources, "Deployment").items():
        spec = pod(props)
        for c in spec.get("initContainers", []) + spec["containers"]:
            yield name, spec, c
    for name, props in of_type(resources, "Job").items():
        spec = pod(props)
        for c in spec["containers"]:
            yield name, spec, c


def test_all_five_components_declared_on_the_cluster(resources):
    types = {r.type for r in resources}
    for token in ("HardenedImage", "PinnedCpuServer", "GpuInferenceServer", "WebGateway", "MonitoringStack"):
        assert f"aistack:{token[0].lower()}" in " ".join(types) and any(t.endswith(f":{token}") for t in types), token
    assert not any(t.startswith("docker:") for t in types), "the cluster target declares no Docker resources"


def test_namespace_enforces_restricted_pod_security_with_quota_and_limits(resources):
    ns = of_type(resources, "Namespace")["namespace"]
    assert ns["metadata"]["name"] == "aistack"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    quota = of_type(resources, "ResourceQuota")["quota"]["spec"]["hard"]
    assert quota["requests.nvidia.com/gpu"] == "8"  # llama70b: 2 replicas x 4 GPUs, exactly
    assert quota["requests.nvidia.com/mig-3g.40gb"] == "4"
    assert quota["services.loadbalancers"] == "0"
    limits = of_type(resources, "LimitRange")["limits"]["spec"]["limits"][0]
    assert limits["type"] == "Container" and limits["default"]["memory"]


def test_every_container_is_hardened_with_requests_equal_to_limits(resources):
    checked = 0
    for name, spec, c in all_containers(resources):
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True and int(sc["runAsUser"]) > 0, (name, c["name"])
        assert sc["allowPrivilegeEscalation"] is False, (name, c["name"])
        assert sc["capabilities"]["drop"] == ["ALL"], (name, c["name"])
        assert sc["readOnlyRootFilesystem"] is True, (name, c["name"])
        assert sc["seccompProfile"]["type"] == "RuntimeDefault", (name, c["name"])
        assert c["resources"]["requests"] == c["resources"]["limits"], (name, c["name"])
        assert not spec.get("hostIPC") and not spec.get("hostNetwork") and not spec.get("hostPID"), name
        assert spec["automountServiceAccountToken"] is False, name
        checked += 1
    assert checked == 7  # 5 Deployments, the cpu-chat init container, 1 fetch Job


def test_cpu_server_gets_exclusive_whole_cores_spread_over_the_cpu_pool(resources):
    deployment = of_type(resources, "Deployment")["cpu-chat"]
    assert deployment["spec"]["replicas"] == 6
    spec = pod(deployment)
    main = spec["containers"][0]
    cpu = main["resources"]["limits"]["cpu"]
    assert cpu == "16" and main["resources"]["requests"]["cpu"] == "16"  # 8 cores x 2 threads, integer: static CPU manager
    assert main["resources"]["limits"]["memory"] == "16384Mi"
    assert main["args"][main["args"].index("--threads") + 1] == "8"
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"] == [{"key": "aistack.dev/pool", "operator": "In", "values": ["cpu"]}]
    assert spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    pdb = of_type(resources, "PodDisruptionBudget")["cpu-chat"]["spec"]
    assert pdb["maxUnavailable"] == 1 and pdb["selector"]["matchLabels"]["aistack.dev/workload"] == "cpu-chat"


def test_gpu_servers_request_exact_gpus_or_mig_slices_on_the_gpu_pool(resources):
    deployments = of_type(resources, "Deployment")
    big = pod(deployments["llama70b"])
    limits = big["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 4 and big["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] == 4
    small = pod(deployments["small"])["containers"][0]["resources"]["limits"]
    assert small["nvidia.com/mig-3g.40gb"] == 1 and "nvidia.com/gpu" not in small
    for name in ("llama70b", "small"):
        spec = pod(deployments[name])
        assert spec["runtimeClassName"] == "nvidia"
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
        shm = next(v for v in spec["volumes"] if v["name"] == "dshm")
        assert shm["emptyDir"]["medium"] == "Memory" and shm["emptyDir"]["sizeLimit"].endswith("Mi")
        mounts = {m["mountPath"]: m for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["/dev/shm"]["name"] == "dshm"
        assert "/cache" in mounts, "model cache PVC"
        expr = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        assert expr["matchExpressions"][0]["values"] == ["gpu"]
        assert deployments[name]["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0  # GPUs never surge


def test_startup_probe_budget_comes_from_the_model_size(resources):
    spec = pod(of_type(resources, "Deployment")["llama70b"])
    probe = spec["containers"][0]["startupProbe"]
    budget = probe["periodSeconds"] * probe["failureThreshold"]
    assert budget >= load_grace_seconds(131.4, gpu=True) > 300  # a 131 GiB model: minutes, not the default 30 s
    assert spec["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/health"
    assert spec["containers"][0]["livenessProbe"]["httpGet"]["path"] == "/health"
    small_probe = pod(of_type(resources, "Deployment")["cpu-chat"])["containers"][0]["startupProbe"]
    assert small_probe["periodSeconds"] * small_probe["failureThreshold"] < budget


def test_models_are_fetched_once_by_a_job_and_verified_before_servers_start(resources):
    jobs = of_type(resources, "Job")
    assert list(jobs) == ["fetch-qwen2.5-7b-q4"]
    env = {e["name"]: e.get("value") for e in pod(jobs["fetch-qwen2.5-7b-q4"])["containers"][0]["env"]}
    assert env["MODEL_SHA256"] == "65b8fcd92af6b4fefa935c625d1ac27ea29dcb6ee14589c55a8f115ceaaa1423"
    assert env["MODEL_URL"].startswith("https://huggingface.co/Qwen/")
    init = pod(of_type(resources, "Deployment")["cpu-chat"])["initContainers"][0]
    assert "sha256sum -c" in init["command"][-1] and env["MODEL_SHA256"] in init["command"][-1]


def test_local_model_files_are_refused_on_the_cluster_before_anything_is_created():
    import pulumi

    models = yaml.safe_load(open("Pulumi.prod.yaml"))["config"]["aistack:models"]
    models[0] = {"name": models[0]["name"], "path": "models/x.gguf", "sha256": "0" * 64, "sizeGib": 1}
    registered = []
    with pytest.raises(pulumi.RunError) as err:
        capture_resources("prod", overrides={"models": models}, sink=registered)
    assert "aistack:models" in str(err.value) and "local `path`" in str(err.value)
    assert registered == []


def test_gateway_is_reached_only_through_a_tls_ingress(resources):
    for name, svc in of_type(resources, "Service").items():
        assert svc["spec"]["type"] == "ClusterIP", name
    ingress = of_type(resources, "Ingress")["gateway"]
    assert ingress["spec"]["tls"] == [{"hosts": ["ai.example.com"], "secretName": "gateway-tls"}]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"


def test_api_key_lives_in_a_secret_not_in_config(resources):
    secrets = of_type(resources, "Secret")
    assert "test-gateway-key" in str(secrets["gateway-files"]["stringData"])
    for name, cm in of_type(resources, "ConfigMap").items():
        assert "test-gateway-key" not in str(cm), name
    deployment = pod(of_type(resources, "Deployment")["gateway"])
    sources = next(v for v in deployment["volumes"] if v["name"] == "config")["projected"]["sources"]
    # No fixed name: a changed key gets a new Secret name, which rolls the gateway pods.
    assert "name" not in secrets["gateway-files"]["metadata"]
    assert {"gateway-files-a1b2c3d4", "gateway-config-a1b2c3d4"} == {
        (src.get("secret") or src.get("configMap"))["name"] for src in sources}


# --- NetworkPolicy graph -----------------------------------------------------------------------------

def _matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).get("matchLabels", {}).items())


def _peer_admits(peer, src_labels, src_ns, own_ns):
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        ns_ok = _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": src_ns})
    else:
        ns_ok = src_ns == own_ns
    return ns_ok and _matches(peer.get("podSelector", {}), src_labels)


def allowed(policies, src_labels, src_ns, dst_labels, port, own_ns="aistack"):
    """Can a pod (src_labels in src_ns) open `port` on a pod with dst_labels in our namespace? Ingress side."""
    selecting = [p["spec"] for p in policies.values()
                 if "Ingress" in p["spec"]["policyTypes"] and _matches(p["spec"]["podSelector"], dst_labels)]
    assert selecting, "every pod is selected by the default deny"
    for spec in selecting:
        for rule in spec.get("ingress", []):
            if any(pt["port"] == port for pt in rule.get("ports", [])) and any(
                    _peer_admits(peer, src_labels, src_ns, own_ns) for peer in rule["from"]):
                return True
    return False


def test_network_policy_graph(resources):
    policies = of_type(resources, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny
    labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in of_type(resources, "Deployment").items()}
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    # ingress controller -> gateway
    assert allowed(policies, {}, "ingress-nginx", labels["gateway"], 8080)
    assert not allowed(policies, {}, "default", labels["gateway"], 8080)
    # gateway -> every backend; monitoring -> metrics ports
    for server, port in (("cpu-chat", 8080), ("llama70b", 8000), ("small", 8000)):
        assert allowed(policies, labels["gateway"], "aistack", labels[server], port), server
        assert allowed(policies, prometheus, "aistack-monitoring", labels[server], port), server
        assert not allowed(policies, labels["open-webui"], "aistack", labels[server], port), server
        assert not allowed(policies, {}, "ingress-nginx", labels[server], port), server
    # Open WebUI only from the gateway; the gateway also from Open WebUI (its API calls)
    assert allowed(policies, labels["gateway"], "aistack", labels["open-webui"], 8080)
    assert not allowed(policies, labels["cpu-chat"], "aistack", labels["open-webui"], 8080)
    assert allowed(policies, labels["open-webui"], "aistack", labels["gateway"], 8080)
    # egress: the gateway reaches the backends it routes to
    egress = policies["gateway-egress"]["spec"]["egress"]
    reached = {tuple(sorted(r["to"][0].get("podSelector", {}).get("matchLabels", {}).items())) for r in egress}
    assert (("aistack.dev/workload", "cpu-chat"), ("app.kubernetes.io/name", "cpu-chat")) in reached


# --- monitoring --------------------------------------------------------------------------------------

def test_monitoring_through_kube_prometheus_stack_with_a_pod_monitor_per_server(resources):
    release = of_type(resources, "Release")["kube-prometheus-stack"]
    assert release["chart"] == "kube-prometheus-stack" and release["version"]
    assert release["repositoryOpts"]["repo"].startswith("https://")
    values = release["values"]
    assert values["prometheus"]["prometheusSpec"]["podMonitorSelectorNilUsesHelmValues"] is False
    assert values["grafana"]["sidecar"]["dashboards"]["label"] == "grafana_dashboard"
    monitors = of_type(resources, "PodMonitor")
    deployments = of_type(resources, "Deployment")
    inference = {n for n, d in deployments.items() if d["metadata"]["labels"]["aistack.dev/role"] == "inference"}
    selected = set()
    for m in monitors.values():
        for name in inference:
            if _matches(m["spec"]["selector"], deployments[name]["spec"]["template"]["metadata"]["labels"]):
                selected.add(name)
                ports = {p["name"] for p in pod(deployments[name])["containers"][0]["ports"]}
                assert m["spec"]["podMetricsEndpoints"][0]["port"] in ports
    assert selected == inference == {"cpu-chat", "llama70b", "small"}


def test_same_alerts_and_dashboards_as_the_workstation(resources):
    from components.alerts import alert_rules
    from components.config.monitoring import AlertThresholds
    from components.monitoring_stack import dashboards

    rule = of_type(resources, "PrometheusRule")["aistack-alerts"]
    names = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert names == {r["alert"] for g in alert_rules(AlertThresholds())["groups"] for r in g["rules"]}
    maps = of_type(resources, "ConfigMap")
    shipped = {name for name, _ in dashboards()}
    found = {k for m in maps.values() if m["metadata"]["labels"].get("grafana_dashboard") == "1" for k in m["data"]}
    assert found == shipped and len(shipped) >= 3
    # Container series are selected the same way on both targets: no Docker-only `name` matchers.
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]] + [
        body for m in maps.values() if m["metadata"]["labels"].get("grafana_dashboard") == "1" for body in m["data"].values()]
    assert not [e for e in exprs if "name=~" in e]
    dcgm = of_type(resources, "ServiceMonitor")["dcgm-exporter"]["spec"]
    assert dcgm["namespaceSelector"]["matchNames"] == ["gpu-operator"]


def test_data_claims_and_namespaces_are_retained(resources):
    pvcs = of_type(resources, "PersistentVolumeClaim")
    assert set(pvcs) == {"models", "vllm-cache", "open-webui-data"}
    assert pvcs["models"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvcs["models"]["spec"]["resources"]["requests"]["storage"] == "500Gi"
    for name, pvc in pvcs.items():
        assert pvc["metadata"]["labels"]["aistack.dev/retain"] == "true", name
    values = of_type(resources, "Release")["kube-prometheus-stack"]["values"]
    assert values["grafana"]["persistence"]["annotations"]["helm.sh/resource-policy"] == "keep"
    webui = of_type(resources, "Deployment")["open-webui"]
    assert webui["spec"]["strategy"]["type"] == "Recreate"  # one writer on its ReadWriteOnce claim


def test_every_rendered_manifest_validates_against_the_kubernetes_schemas(resources):
    rendered = manifests(resources)
    kinds = {m.kind for m in rendered}
    assert {"Deployment", "Service", "Ingress", "NetworkPolicy", "PersistentVolumeClaim", "Job", "PodMonitor",
            "PrometheusRule", "ResourceQuota", "LimitRange", "Namespace", "PodDisruptionBudget"} <= kinds
    problems = [p for m in rendered for p in validate(m)]
    assert problems == []


def test_schema_validation_catches_a_broken_manifest(resources):
    deployment = next(m for m in manifests(resources) if m.kind == "Deployment")
    deployment.body["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFS"] = True
    assert validate(deployment) and "readOnlyRootFS" in validate(deployment)[0]


def test_prod_stack_has_no_mandatory_policy_violations(resources):
    from policies.report import build_report

    report = build_report(resources, {}, stack="prod")
    assert [(c.rule_id, c.resource) for c in report.failures("mandatory")] == []
    assert math.isfinite(len(report.failures()))


def test_cluster_without_a_registry_gets_one_clear_message():
    import pulumi

    with pytest.raises(pulumi.RunError) as err:
        capture_resources("prod", overrides={"images": {"source": "upstream"}})
    assert "aistack:images: target `kubernetes` needs `images.registry`" in str(err.value)


def test_render_mode_writes_no_helm_release_but_keeps_monitors_and_rules(tmp_path):
    rendered = capture_resources("prod", overrides={"kubernetes": {"namespace": "aistack", "modelsPvcGib": 500,
                                                                   "renderYamlTo": str(tmp_path)}})
    types = {r.type for r in rendered}
    assert not any(t.startswith("kubernetes:helm.sh/") for t in types)
    assert "kubernetes:monitoring.coreos.com/v1:PodMonitor" in types
    provider = next(r for r in rendered if r.type == "pulumi:providers:kubernetes")
    assert provider.props["renderYamlToDirectory"] == str(tmp_path)
