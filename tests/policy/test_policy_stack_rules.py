"""Stack rules (CTR-18, MON-01) called with StackValidationArgs, as the analyzer does."""

from __future__ import annotations

import base64
import json

import pytest
from policy_fixtures import (
    CONTAINER,
    DEPLOYMENT,
    NETPOL,
    PODMONITOR,
    SERVICE,
    SERVICEMONITOR,
    default_deny,
    docker_gateway,
    docker_inference,
    docker_prometheus,
    k8s_deployment,
    pod_monitor,
    stack_violations,
    with_,
    without,
)
from pulumi_policy.proxy import UnknownValueError

# --- MON-01 on Docker ---------------------------------------------------------------------------


def workstation(prometheus_targets=("llama-7b:8080",), inference=None):
    return [
        (CONTAINER, "gateway", docker_gateway()),
        (CONTAINER, "llama-7b", inference or docker_inference("llama-7b")),
        (CONTAINER, "prometheus", docker_prometheus(*prometheus_targets)),
    ]


def test_scraped_inference_container_passes():
    assert stack_violations("MON-01", workstation()) == []


def test_unscraped_inference_container_fails():
    assert stack_violations("MON-01", workstation(prometheus_targets=("gateway:9113",))) == [
        ("llama-7b", "name: 'llama-7b' is not a static_configs target of Prometheus (targets are gateway)")
    ]


def test_network_alias_counts_as_target():
    inference = with_(docker_inference("llama-7b"), "networksAdvanced", [{"name": "aistack", "aliases": ["llm"]}])
    assert stack_violations("MON-01", workstation(prometheus_targets=("llm:8080",), inference=inference)) == []


def test_missing_prometheus_fails_every_inference_container():
    resources = [r for r in workstation() if r[1] != "prometheus"]
    ((name, message),) = stack_violations("MON-01", resources)
    assert name == "llama-7b"
    assert "the stack has no Prometheus container (aistack.dev/role=monitoring, aistack.dev/workload=prometheus)" in message


def test_prometheus_config_without_upload_is_reported():
    resources = workstation()
    resources[2] = (CONTAINER, "prometheus", without(resources[2][2], "uploads"))
    ((_, message),) = stack_violations("MON-01", resources)
    assert "'prometheus' has no upload or config writer of /etc/prometheus/prometheus.yml" in message


def test_prometheus_config_as_json_and_base64():
    cfg = {"scrape_configs": [{"job_name": "llm", "static_configs": [{"targets": ["llama-7b:8080"]}]}]}
    resources = workstation()
    upload = {"file": "/etc/prometheus/prometheus.yml", "contentBase64": base64.b64encode(json.dumps(cfg).encode()).decode()}
    resources[2] = (CONTAINER, "prometheus", with_(resources[2][2], "uploads", [upload]))
    assert stack_violations("MON-01", resources) == []


def _writer(targets, writes_for="prometheus"):
    cfg = {"scrape_configs": [{"job_name": "inference", "static_configs": [{"targets": list(targets)}]}]}
    envs = ["AISTACK_FILES=1", "AISTACK_PATH_0=prometheus.yml",
            "AISTACK_FILE_0=" + base64.b64encode(json.dumps(cfg).encode()).decode()]
    labels = [{"label": "aistack.dev/role", "value": "config"}, {"label": "aistack.dev/workload", "value": "prometheus-config"},
              {"label": "aistack.dev/config-for", "value": writes_for}]
    return (CONTAINER, "prometheus-config-writer", {"name": "prometheus-config-writer", "envs": envs, "labels": labels})


@pytest.mark.parametrize("targets, writes_for, scraped", [
    (["llama-7b:8080"], "prometheus", True),
    (["other:8080"], "prometheus", False),
    (["llama-7b:8080"], "gateway", False),  # a writer for another workload does not configure Prometheus
])
def test_prometheus_config_from_a_config_writer(targets, writes_for, scraped):
    resources = workstation()
    prometheus = with_(without(resources[2][2], "uploads"), "command", ["--config.file=/etc/aistack/prometheus.yml"])
    resources[2] = (CONTAINER, "prometheus", prometheus)
    resources.append(_writer(targets, writes_for))
    assert (stack_violations("MON-01", resources) == []) is scraped


def test_config_path_follows_the_config_file_flag():
    resources = workstation()
    prometheus = resources[2][2]
    moved = with_(prometheus, "uploads.0.file", "/etc/aistack/prometheus.yml")
    resources[2] = (CONTAINER, "prometheus", moved)
    ((_, message),) = stack_violations("MON-01", resources)
    assert "has no upload or config writer of /etc/prometheus/prometheus.yml" in message
    resources[2] = (CONTAINER, "prometheus", with_(moved, "command", ["--config.file=/etc/aistack/prometheus.yml"]))
    assert stack_violations("MON-01", resources) == []
    resources[2] = (CONTAINER, "prometheus", with_(moved, "command", ["--config.file", "/etc/aistack/prometheus.yml"]))
    assert stack_violations("MON-01", resources) == []


def test_config_path_is_configurable():
    assert stack_violations("MON-01", workstation(), config={"prometheusConfigPath": "/etc/prometheus/other.yml"})


def test_empty_outputs_during_preview_are_unknown_not_compliant():
    resources = workstation()
    resources[1] = (CONTAINER, "llama-7b", {})
    with pytest.raises(UnknownValueError) as err:
        stack_violations("MON-01", resources)
    assert "outputs of docker:index/container:Container 'llama-7b' are not known yet" in err.value.message


# --- MON-01 on Kubernetes ---------------------------------------------------------------------------


def cluster(*extra):
    return [
        (DEPLOYMENT, "vllm", k8s_deployment("inference", "vllm")),
        (DEPLOYMENT, "gateway", k8s_deployment("gateway", "gateway", gpu=False)),
        (NETPOL, "default-deny", default_deny()),
        *extra,
    ]


def test_pod_monitor_selecting_inference_pods_passes():
    assert stack_violations("MON-01", cluster((PODMONITOR, "inference", pod_monitor()))) == []


def test_inference_workload_without_monitor_fails():
    assert stack_violations("MON-01", cluster()) == [
        (
            "vllm",
            "spec.template.metadata.labels: inference workload is not selected by any PodMonitor or ServiceMonitor (monitoring.coreos.com/v1)",
        )
    ]


def test_pod_monitor_in_other_namespace_does_not_count_unless_selected():
    other = pod_monitor(namespace="monitoring")
    assert stack_violations("MON-01", cluster((PODMONITOR, "inference", other)))
    other = with_(other, "spec.namespaceSelector", {"matchNames": ["aistack"]})
    assert stack_violations("MON-01", cluster((PODMONITOR, "inference", other))) == []


def test_pod_monitor_with_non_matching_labels_fails():
    monitor = pod_monitor(**{"aistack.dev/workload": "other"})
    assert stack_violations("MON-01", cluster((PODMONITOR, "inference", monitor)))


def test_service_monitor_through_service():
    svc = {
        "metadata": {"name": "vllm", "namespace": "aistack", "labels": {"metrics": "inference"}},
        "spec": {"selector": {"aistack.dev/workload": "vllm"}, "ports": [{"port": 8000.0, "name": "http"}]},
    }
    monitor = {"metadata": {"name": "inference", "namespace": "aistack"}, "spec": {"selector": {"matchLabels": {"metrics": "inference"}}}}
    assert stack_violations("MON-01", cluster((SERVICE, "vllm", svc), (SERVICEMONITOR, "inference", monitor))) == []
    svc = with_(svc, "spec.selector", {"aistack.dev/workload": "other"})
    assert stack_violations("MON-01", cluster((SERVICE, "vllm", svc), (SERVICEMONITOR, "inference", monitor)))


# --- CTR-18 -------------------------------------------------------------------------------------------


def test_namespace_with_default_deny_passes():
    assert stack_violations("CTR-18", cluster()) == []


def test_namespace_without_default_deny_fails_every_workload_in_it():
    resources = [r for r in cluster() if r[0] != NETPOL]
    assert [n for n, _ in stack_violations("CTR-18", resources)] == ["gateway", "vllm"]
    assert "namespace 'aistack' has no default-deny NetworkPolicy" in stack_violations("CTR-18", resources)[0][1]


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress"]},
        {"podSelector": {}, "policyTypes": ["Egress"]},
        {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]},
    ],
    ids=["selects-some-pods", "egress-only", "allows-ingress"],
)
def test_policies_that_are_not_default_deny(spec):
    resources = [r for r in cluster() if r[0] != NETPOL] + [(NETPOL, "np", {"metadata": {"namespace": "aistack"}, "spec": spec})]
    assert len(stack_violations("CTR-18", resources)) == 2


def test_policy_types_default_to_ingress():
    resources = [r for r in cluster() if r[0] != NETPOL] + [(NETPOL, "np", {"metadata": {"namespace": "aistack"}, "spec": {"podSelector": {}}})]
    assert stack_violations("CTR-18", resources) == []


def test_docker_container_on_default_bridge_fails():
    resources = workstation()
    resources[0] = (CONTAINER, "gateway", without(docker_gateway(), "networksAdvanced"))
    assert stack_violations("CTR-18", resources) == [
        ("gateway", "networksAdvanced: is empty, so the container sits on the default bridge; join a user-defined network")
    ]
    resources[0] = (CONTAINER, "gateway", with_(docker_gateway(), "networksAdvanced", [{"name": "bridge"}]))
    assert stack_violations("CTR-18", resources) == [("gateway", 'networksAdvanced[0].name: "bridge" is not a user-defined network')]


def test_docker_containers_on_user_network_pass():
    assert stack_violations("CTR-18", workstation()) == []
