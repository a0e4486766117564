"""Resource rules against Kubernetes pod specs (Pod and every workload template), Services, Ingress, PVCs."""

from __future__ import annotations

import pytest
from policy_fixtures import (
    CRONJOB,
    DEPLOYMENT,
    FAKE_HF_TOKEN,
    INGRESS,
    JOB,
    POD,
    PVC,
    SERVICE,
    STATEFULSET,
    all_violations,
    key_path,
    k8s_deployment,
    k8s_pod_spec,
    pod_labels,
    violations,
    with_,
    without,
)

DEPLOY = k8s_deployment()
C0 = "spec.template.spec.containers.0"
POD_SPEC = "spec.template.spec"
C0_PATH = "spec.template.spec.containers[0](vllm)"


def test_compliant_gpu_deployment_passes_every_rule():
    assert all_violations(DEPLOYMENT, DEPLOY) == {}


def test_compliant_cpu_deployment_passes_every_rule():
    assert all_violations(DEPLOYMENT, k8s_deployment(gpu=False, name="llama-cpu")) == {}


VIOLATIONS = [
    ("CTR-01", with_(DEPLOY, f"{C0}.securityContext.privileged", True), f"{C0_PATH}.securityContext.privileged: must not be true"),
    ("CTR-02", with_(DEPLOY, f"{POD_SPEC}.hostNetwork", True), "spec.template.spec.hostNetwork: must be false (got true)"),
    ("CTR-02", with_(DEPLOY, f"{POD_SPEC}.hostPID", True), "spec.template.spec.hostPID: must be false"),
    ("CTR-03", with_(DEPLOY, f"{C0}.securityContext.capabilities", {}), f"{C0_PATH}.securityContext.capabilities.drop: must contain ALL (got nothing)"),
    ("CTR-03", with_(DEPLOY, f"{C0}.securityContext.capabilities.add", ["CAP_NET_ADMIN"]), f"{C0_PATH}.securityContext.capabilities.add[0]: NET_ADMIN is not allowed"),
    ("CTR-04", without(DEPLOY, f"{C0}.securityContext.allowPrivilegeEscalation"), f"{C0_PATH}.securityContext.allowPrivilegeEscalation: must be false (unset, which defaults to true)"),
    ("CTR-05", without(DEPLOY, f"{POD_SPEC}.securityContext.seccompProfile"), f"{C0_PATH}.securityContext.seccompProfile.type: must be RuntimeDefault or Localhost, on the container or the pod (unset)"),
    ("CTR-05", with_(DEPLOY, f"{C0}.securityContext.seccompProfile", {"type": "Unconfined"}), '(got "Unconfined")'),
    ("CTR-05", with_(DEPLOY, f"{C0}.securityContext.appArmorProfile", {"type": "Unconfined"}), 'appArmorProfile.type: must not be "Unconfined"'),
    ("CTR-05", with_(DEPLOY, "spec.template.metadata.annotations", {"container.apparmor.security.beta.kubernetes.io/vllm": "unconfined"}), "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/vllm]"),
    ("CTR-05", with_(DEPLOY, f"{POD_SPEC}.securityContext.seLinuxOptions", {"type": "spc_t"}), "spec.template.spec.securityContext.seLinuxOptions.type: must be one of the container_* types"),
    ("CTR-06", with_(DEPLOY, f"{C0}.securityContext.readOnlyRootFilesystem", False), f"{C0_PATH}.securityContext.readOnlyRootFilesystem: must be true (got false)"),
    ("CTR-07", without(DEPLOY, f"{POD_SPEC}.securityContext.runAsNonRoot"), f"{C0_PATH}.securityContext.runAsNonRoot: must be true, on the container or the pod (unset)"),
    ("CTR-07", with_(DEPLOY, f"{C0}.securityContext.runAsUser", 0.0), f"{C0_PATH}.securityContext.runAsUser: must not be 0"),
    ("CTR-07", with_(DEPLOY, f"{C0}.securityContext.runAsNonRoot", False), f"{C0_PATH}.securityContext.runAsNonRoot: must be true, on the container or the pod (got false)"),
    ("CTR-08", with_(DEPLOY, f"{POD_SPEC}.volumes.0", {"name": "models", "hostPath": {"path": "/srv/models"}}), "spec.template.spec.volumes[0](models).hostPath.path: hostPath volumes are not allowed unless listed in allowedHostPaths (got /srv/models)"),
    ("CTR-09", with_(DEPLOY, f"{C0}.volumeMounts.0.mountPropagation", "Bidirectional"), f'{C0_PATH}.volumeMounts[0].mountPropagation: must not be "Bidirectional"'),
    ("CTR-10", with_(DEPLOY, f"{C0}.ports.0.hostPort", 8000.0), f"{C0_PATH}.ports[0].hostPort: must not be set (got 8000)"),
    ("CTR-11", without(DEPLOY, f"{C0}.resources.limits.memory"), f"{C0_PATH}.resources.limits.memory: must be set (unset)"),
    ("CTR-11", with_(DEPLOY, f"{C0}.resources.limits.memory", "0"), '(got "0")'),
    ("CTR-12", without(DEPLOY, f"{C0}.resources.requests.cpu"), f"{C0_PATH}.resources.requests.cpu: must be set"),
    ("CTR-14", without(DEPLOY, f"{C0}.readinessProbe"), f"{C0_PATH}.readinessProbe: must be set"),
    ("CTR-14", without(DEPLOY, f"{C0}.livenessProbe"), f"{C0_PATH}.livenessProbe: must be set (or a startupProbe)"),
    ("CTR-16", with_(DEPLOY, f"{C0}.env", [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}]), f"{C0_PATH}.env[0]: NVIDIA_VISIBLE_DEVICES bypasses the device plugin"),
    ("CTR-17", with_(DEPLOY, f"{C0}.image", "vllm/vllm-openai:latest"), f"{C0_PATH}.image: vllm/vllm-openai:latest uses the latest tag"),
    ("CTR-17", with_(DEPLOY, f"{C0}.image", "vllm/vllm-openai"), "has no tag"),
    ("CTR-17-DIGEST", with_(DEPLOY, f"{C0}.image", "vllm/vllm-openai:v0.6.4"), "is not pinned by digest"),
    ("K8S-19", with_(DEPLOY, f"{POD_SPEC}.securityContext.sysctls", [{"name": "kernel.msgmax", "value": "65536"}]), "spec.template.spec.securityContext.sysctls[0]: kernel.msgmax is not in the Pod Security Standards safe set"),
    ("K8S-19", with_(DEPLOY, f"{C0}.securityContext.procMount", "Unmasked"), f'{C0_PATH}.securityContext.procMount: must be "Default" (got "Unmasked")'),
    ("K8S-20", with_(DEPLOY, f"{POD_SPEC}.volumes.0", {"name": "models", "nfs": {"server": "nas", "path": "/models"}}), "spec.template.spec.volumes[0](models).nfs: volume type nfs is not allowed"),
    ("SEC-22", with_(DEPLOY, f"{C0}.env", [{"name": "HF_TOKEN", "value": FAKE_HF_TOKEN}]), f"{C0_PATH}.env[0]: HF_TOKEN holds a literal value"),
    ("SEC-22", with_(DEPLOY, f"{C0}.env", [{"name": "DB_PASSWORD", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "pw"}}}]), "read it with secretKeyRef, not from a ConfigMap"),
    ("SEC-22", with_(DEPLOY, f"{C0}.args", ["--api-key", "literal"]), f"{C0_PATH}.args[0]: --api-key takes a literal secret"),
    ("GPU-01", without(DEPLOY, key_path(f"{C0}.resources.limits", "nvidia.com/gpu")), f"{C0_PATH}.resources.limits[nvidia.com/gpu]: must be set"),
    ("GPU-01", with_(DEPLOY, key_path(f"{C0}.resources.requests", "nvidia.com/gpu"), "2"), f'{C0_PATH}.resources.requests[nvidia.com/gpu]: must equal the limit (got "2", limit "1")'),
    ("GPU-02", with_(DEPLOY, f"{POD_SPEC}.hostIPC", True), "spec.template.spec.hostIPC: must be false for a GPU server"),
    ("GPU-02-SHM", without(DEPLOY, f"{POD_SPEC}.volumes.1.emptyDir.sizeLimit"), "spec.template.spec.volumes[1](dshm).emptyDir.sizeLimit: must be at least 1024Mi (unset)"),
    ("GPU-02-SHM", with_(DEPLOY, f"{C0}.volumeMounts", [{"name": "models", "mountPath": "/models", "readOnly": True}]), f"{C0_PATH}.volumeMounts: must mount an emptyDir with medium Memory at /dev/shm"),
    ("LBL-01", with_(DEPLOY, "spec.template.metadata.labels", {"app": "vllm"}), "spec.template.metadata.labels[aistack.dev/role]: must be one of"),
]


@pytest.mark.parametrize("rule_id, props, expected", VIOLATIONS, ids=[f"{v[0]}-{i}" for i, v in enumerate(VIOLATIONS)])
def test_violation_is_reported_by_its_rule(rule_id, props, expected):
    found = violations(rule_id, DEPLOYMENT, props)
    assert any(expected in m for m in found), found


@pytest.mark.parametrize(
    "resource_type, props",
    [
        (POD, {"metadata": {"name": "p", "labels": pod_labels("inference", "p")}, "spec": k8s_pod_spec()}),
        (STATEFULSET, {"metadata": {"name": "s"}, "spec": {"template": {"metadata": {"labels": pod_labels("inference", "s")}, "spec": k8s_pod_spec()}}}),
        (JOB, {"metadata": {"name": "j"}, "spec": {"template": {"metadata": {"labels": pod_labels("model-fetch", "j")}, "spec": k8s_pod_spec(gpu=False)}}}),
        (
            CRONJOB,
            {"metadata": {"name": "c"}, "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"metadata": {"labels": pod_labels("model-fetch", "c")}, "spec": k8s_pod_spec(gpu=False)}}}}},
        ),
    ],
    ids=["pod", "statefulset", "job", "cronjob"],
)
def test_every_workload_kind_is_checked(resource_type, props):
    assert all_violations(resource_type, props) == {}
    spec_path = {POD: "spec", STATEFULSET: "spec.template.spec", JOB: "spec.template.spec", CRONJOB: "spec.jobTemplate.spec.template.spec"}[resource_type]
    bad = with_(props, f"{spec_path}.containers.0.securityContext.privileged", True)
    assert violations("CTR-01", resource_type, bad) == [f"{spec_path}.containers[0]({bad_name(bad, spec_path)}).securityContext.privileged: must not be true (got true)"]


def bad_name(props, spec_path):
    cur = props
    for key in spec_path.split("."):
        cur = cur[key]
    return cur["containers"][0]["name"]


def test_init_containers_are_checked_too():
    init = dict(k8s_pod_spec(gpu=False)["containers"][0], name="fetch")
    init["securityContext"] = {"allowPrivilegeEscalation": True}
    props = with_(DEPLOY, f"{POD_SPEC}.initContainers", [init])
    assert "spec.template.spec.initContainers[0](fetch).securityContext.allowPrivilegeEscalation: must be false (got true)" in violations("CTR-04", DEPLOYMENT, props)


def test_batch_workloads_need_no_probes():
    job = {"metadata": {"name": "fetch"}, "spec": {"template": {"metadata": {"labels": pod_labels("model-fetch", "fetch")}, "spec": without(k8s_pod_spec(gpu=False), "containers.0.readinessProbe")}}}
    assert violations("CTR-14", JOB, job) == []


def test_container_level_security_context_overrides_pod():
    props = with_(DEPLOY, f"{C0}.securityContext.runAsNonRoot", False)
    assert violations("CTR-07", DEPLOYMENT, props)  # the container's false wins over the pod's true
    props = with_(without(DEPLOY, f"{POD_SPEC}.securityContext.runAsNonRoot"), f"{C0}.securityContext.runAsNonRoot", True)
    assert violations("CTR-07", DEPLOYMENT, props) == []


def test_cpu_limit_implies_request():
    props = with_(without(DEPLOY, f"{C0}.resources.requests.cpu"), f"{C0}.resources.limits.cpu", "4")
    assert violations("CTR-12", DEPLOYMENT, props) == []


def test_secret_key_ref_passes_and_literal_value_is_not_echoed():
    props = with_(DEPLOY, f"{C0}.env", [{"name": "HF_TOKEN", "value": FAKE_HF_TOKEN}])
    (message,) = violations("SEC-22", DEPLOYMENT, props)
    assert FAKE_HF_TOKEN not in message
    assert violations("SEC-22", DEPLOYMENT, DEPLOY) == []


def test_mig_resources_count_as_gpus():
    props = with_(DEPLOY, f"{C0}.resources", {"limits": {"memory": "16Gi", "nvidia.com/mig-1g.10gb": "1"}, "requests": {"cpu": "2", "nvidia.com/mig-1g.10gb": "1"}})
    assert violations("GPU-01", DEPLOYMENT, props) == []
    assert violations("GPU-02-SHM", DEPLOYMENT, props) == []
    props = with_(props, key_path(f"{C0}.resources.limits", "nvidia.com/mig-1g.10gb"), "0.5")
    props = with_(props, key_path(f"{C0}.resources.requests", "nvidia.com/mig-1g.10gb"), "0.5")
    assert violations("GPU-01", DEPLOYMENT, props) == [
        f'{C0_PATH}.resources.limits[nvidia.com/mig-1g.10gb]: must be a whole number of devices (got "0.5")'
    ]


# --- K8S-21: Services and Ingress ------------------------------------------------------------------


def service(kind: str, role: str) -> dict:
    return {"metadata": {"name": role, "namespace": "aistack", "labels": pod_labels(role, role)}, "spec": {"type": kind, "selector": pod_labels(role, role), "ports": [{"port": 443.0}]}}


def test_gateway_may_be_a_load_balancer():
    assert violations("K8S-21", SERVICE, service("LoadBalancer", "gateway")) == []


def test_inference_service_must_stay_cluster_internal():
    assert violations("K8S-21", SERVICE, service("NodePort", "inference")) == [
        "spec.type: NodePort is only allowed for the gateway (label or selector aistack.dev/role=gateway); use ClusterIP"
    ]
    assert violations("K8S-21", SERVICE, service("ClusterIP", "inference")) == []


def ingress(tls: list | None, host: str = "ai.example.com") -> dict:
    spec: dict = {"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "gateway", "port": {"number": 443.0}}}}]}}]}
    if tls is not None:
        spec["tls"] = tls
    return {"metadata": {"name": "gateway", "namespace": "aistack"}, "spec": spec}


def test_ingress_needs_tls():
    assert violations("K8S-21", INGRESS, ingress(None)) == ["spec.tls: must be set: the Ingress serves plain HTTP"]
    assert violations("K8S-21", INGRESS, ingress([{"hosts": ["ai.example.com"], "secretName": "tls"}])) == []
    assert violations("K8S-21", INGRESS, ingress([{"hosts": ["*.example.com"], "secretName": "tls"}])) == []


def test_ingress_hosts_must_be_covered_by_tls():
    assert violations("K8S-21", INGRESS, ingress([{"hosts": ["other.example.org"], "secretName": "tls"}])) == [
        'spec.rules[0].host: "ai.example.com" is not covered by spec.tls[].hosts'
    ]


# --- DAT-01 on PVCs and StatefulSets ------------------------------------------------------------


def test_pvc_needs_retain_label_or_protect():
    pvc = {"metadata": {"name": "models", "namespace": "aistack", "labels": {"aistack.dev/retain": "true"}}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    assert violations("DAT-01", PVC, pvc) == []
    bare = without(pvc, "metadata.labels")
    assert violations("DAT-01", PVC, bare) == [
        'metadata.labels[aistack.dev/retain]: must be "true" on a data volume declared with retain_on_delete=True (or protect=True)'
    ]
    assert violations("DAT-01", PVC, bare, protect=True) == []


def test_statefulset_must_not_delete_its_claims():
    sts = {"metadata": {"name": "s"}, "spec": {"template": {"metadata": {"labels": pod_labels("inference", "s")}, "spec": k8s_pod_spec()}, "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}
    assert violations("DAT-01", STATEFULSET, sts) == []
    sts = with_(sts, "spec.persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Delete"})
    assert violations("DAT-01", STATEFULSET, sts) == [
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: must be "Retain" (the default): deleting the StatefulSet would delete its data'
    ]
