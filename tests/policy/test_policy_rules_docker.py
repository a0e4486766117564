"""Resource rules against Docker containers, volumes and images (pulumi-docker 5.x inputs)."""

from __future__ import annotations

import pytest
from policy_fixtures import (
    CONTAINER,
    DIGEST,
    FAKE_HF_TOKEN,
    REMOTE_IMAGE,
    VOLUME,
    all_violations,
    data_volume,
    docker_gateway,
    docker_inference,
    docker_prometheus,
    labels,
    violations,
    with_,
    without,
)


@pytest.mark.parametrize(
    "props",
    [docker_inference(), docker_gateway(), docker_prometheus("llama-7b:8080")],
    ids=["inference", "gateway", "prometheus"],
)
def test_compliant_containers_pass_every_rule(props):
    assert all_violations(CONTAINER, props) == {}


INFERENCE = docker_inference()
GATEWAY = docker_gateway()

# (rule id, props that violate only that rule, text expected in the message)
VIOLATIONS = [
    ("CTR-01", with_(INFERENCE, "privileged", True), "privileged: must not be true"),
    ("CTR-02", with_(INFERENCE, "pidMode", "host"), 'pidMode: must not be "host"'),
    ("CTR-02", with_(INFERENCE, "usernsMode", "host"), 'usernsMode: must not be "host"'),
    ("CTR-03", with_(INFERENCE, "capabilities.drops", ["NET_RAW"]), "capabilities.drops: must contain ALL (got NET_RAW)"),
    ("CTR-03", with_(INFERENCE, "capabilities.adds", ["SYS_ADMIN"]), "capabilities.adds[0]: SYS_ADMIN is not allowed"),
    ("CTR-04", with_(INFERENCE, "securityOpts", []), 'securityOpts: must contain "no-new-privileges"'),
    ("CTR-04", with_(INFERENCE, "securityOpts", ["no-new-privileges=false"]), "no-new-privileges must be enabled"),
    ("CTR-05", with_(INFERENCE, "securityOpts", ["no-new-privileges", "seccomp=unconfined"]), "securityOpts[1]: seccomp must not be unconfined"),
    ("CTR-05", with_(INFERENCE, "securityOpts", ["no-new-privileges", "apparmor:unconfined"]), "apparmor must not be unconfined"),
    ("CTR-05", with_(INFERENCE, "securityOpts", ["no-new-privileges", "label=disable"]), "SELinux labelling must not be disabled"),
    ("CTR-06", without(INFERENCE, "readOnly"), "readOnly: must be true (unset, which defaults to false)"),
    ("CTR-06", with_(INFERENCE, "readOnly", False), "readOnly: must be true (got false)"),
    ("CTR-07", without(INFERENCE, "user"), "user: must be set to a non-root user"),
    ("CTR-07", with_(INFERENCE, "user", "0:0"), 'user: must not be root (got "0:0")'),
    ("CTR-07", with_(INFERENCE, "user", "root"), "user: must not be root"),
    ("CTR-08", with_(INFERENCE, "mounts.0", {"type": "bind", "source": "/etc/", "target": "/host-etc", "readOnly": True}), "mounts[0].source: /etc is a sensitive host path"),
    ("CTR-08", with_(INFERENCE, "mounts.0", {"type": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock", "readOnly": True}), "container runtime socket"),
    ("CTR-08", with_(INFERENCE, "mounts.0", {"type": "bind", "source": "/srv/models", "target": "/models"}), "mounts[0].readOnly: bind of /srv/models must be read-only"),
    ("CTR-08", with_(INFERENCE, "volumes", [{"hostPath": "/srv/models", "containerPath": "/models"}]), "volumes[0].readOnly: bind of /srv/models must be read-only"),
    ("CTR-08", with_(INFERENCE, "volumes", [{"hostPath": "/", "containerPath": "/host", "readOnly": True}]), "volumes[0].hostPath: / is a sensitive host path"),
    ("CTR-09", with_(INFERENCE, "mounts.0", {"type": "bind", "source": "/srv/models", "target": "/models", "readOnly": True, "bindOptions": {"propagation": "rshared"}}), 'mounts[0].bindOptions.propagation: must not be shared or rshared (got "rshared")'),
    ("CTR-10", with_(GATEWAY, "ports.0.ip", "0.0.0.0"), 'ports[0].ip: port 8080 must be published on an explicit address such as 127.0.0.1 (got "0.0.0.0")'),
    ("CTR-10", with_(GATEWAY, "ports.0.ip", "::"), 'ports[0].ip'),
    ("CTR-11", without(INFERENCE, "memory"), "memory: must be a limit in MB greater than 0 (unset)"),
    ("CTR-11", with_(INFERENCE, "memory", 0.0), "memory: must be a limit in MB greater than 0 (got 0)"),
    ("CTR-12", without(INFERENCE, "cpuSet"), "cpuSet: set cpuSet"),
    ("CTR-14", without(INFERENCE, "healthcheck"), "healthcheck.tests: must be set"),
    ("CTR-14", with_(INFERENCE, "healthcheck", {"tests": ["NONE"]}), "must not disable the health check"),
    ("CTR-15", without(INFERENCE, "restart"), 'restart: must be set explicitly (unset means "no")'),
    ("CTR-15", with_(INFERENCE, "restart", "on-failure"), "maxRetryCount: must be between 1 and 5 with on-failure (unset, which retries forever)"),
    ("CTR-15", with_(with_(INFERENCE, "restart", "on-failure"), "maxRetryCount", 50.0), "(got 50)"),
    ("CTR-16", with_(INFERENCE, "devices", [{"hostPath": "/dev/kvm", "containerPath": "/dev/kvm"}]), "devices[0].hostPath: /dev/kvm is not in allowedDevices"),
    ("CTR-16", with_(INFERENCE, "cgroupParent", "/system.slice"), 'cgroupParent: must not be set (got "/system.slice")'),
    ("CTR-16", with_(INFERENCE, "envs", ["NVIDIA_VISIBLE_DEVICES=all"]), "envs[0]: NVIDIA_VISIBLE_DEVICES bypasses `gpus`"),
    ("CTR-17", with_(INFERENCE, "image", "ghcr.io/ggml-org/llama.cpp:latest"), "image: ghcr.io/ggml-org/llama.cpp:latest uses the latest tag"),
    ("CTR-17", with_(INFERENCE, "image", "localhost:5000/llama"), 'localhost:5000/llama has no tag, which means "latest"'),
    ("CTR-17-DIGEST", with_(INFERENCE, "image", "ghcr.io/ggml-org/llama.cpp:server-b4500"), "image: ghcr.io/ggml-org/llama.cpp:server-b4500 is not pinned by digest"),
    ("K8S-19", with_(INFERENCE, "sysctls", {"net.ipv4.ip_forward": "1"}), "sysctls[net.ipv4.ip_forward]: net.ipv4.ip_forward is not in the Pod Security Standards safe set"),
    ("K8S-19", with_(INFERENCE, "securityOpts", ["no-new-privileges", "systempaths=unconfined"]), "systempaths=unconfined unmasks"),
    ("SEC-22", with_(INFERENCE, "envs", ["HF_TOKEN=" + FAKE_HF_TOKEN]), "envs[0]: HF_TOKEN holds a literal value and its name marks it as a secret"),
    ("SEC-22", with_(INFERENCE, "envs", ["POSTGRES_PASSWORD=hunter2"]), "envs[0]: POSTGRES_PASSWORD holds a literal value"),
    ("SEC-22", with_(INFERENCE, "envs", ["MODEL_SOURCE=" + FAKE_HF_TOKEN]), "its value looks like an access token"),
    ("SEC-22", with_(INFERENCE, "command", ["--api-key", "s3cr3t-value"]), "command[0]: --api-key takes a literal secret"),
    ("SEC-22", with_(INFERENCE, "command", ["--api-key=s3cr3t-value"]), "command[0]: --api-key takes a literal secret"),
    ("GPU-01", with_(INFERENCE, "gpus", "all"), 'gpus: gpus "all" hands every GPU of the host to the container'),
    ("GPU-01", with_(INFERENCE, "gpus", "2"), 'gpus: must name devices (device=0,1), not a count (got "2")'),
    ("GPU-02", with_(INFERENCE, "ipcMode", "host"), 'ipcMode: must not be "host" for a GPU server'),
    ("GPU-02-SHM", without(INFERENCE, "shmSize"), "shmSize: must be at least 1024 MB for a GPU server (unset, Docker's default is 64)"),
    ("GPU-02-SHM", with_(INFERENCE, "shmSize", 64.0), "(got 64)"),
    ("LBL-01", with_(INFERENCE, "labels", [{"label": "aistack.dev/workload", "value": "llama"}]), "labels[aistack.dev/role]: must be one of inference, gateway, webui, monitoring, model-fetch, exporter, config (missing)"),
    ("LBL-01", with_(INFERENCE, "labels", [{"label": "aistack.dev/role", "value": "inference"}]), "labels[aistack.dev/workload]: must name the workload"),
    ("NET-01", with_(INFERENCE, "ports", [{"internal": 8080.0, "ip": "127.0.0.1"}]), 'ports: only the gateway publishes ports (aistack.dev/role is "inference")'),
    ("NET-01", with_(GATEWAY, "ports.0.ip", "192.168.1.20"), "ports[0].ip: must be 127.0.0.1 (got 192.168.1.20)"),
]


@pytest.mark.parametrize("rule_id, props, expected", VIOLATIONS, ids=[f"{v[0]}-{i}" for i, v in enumerate(VIOLATIONS)])
def test_violation_is_reported_by_its_rule(rule_id, props, expected):
    found = violations(rule_id, CONTAINER, props)
    assert any(expected in m for m in found), found


def test_each_violation_fixture_breaks_only_the_expected_rules():
    # Guards the table above: a fixture that trips other rules would hide which rule caught it.
    related = {"CTR-02": {"GPU-02"}, "GPU-02": {"CTR-02"}, "CTR-08": {"CTR-09"}, "CTR-17": {"CTR-17-DIGEST"}, "CTR-10": {"NET-01"}, "NET-01": {"CTR-10"}, "SEC-22": {"CTR-16"}, "CTR-16": {"SEC-22"}}
    for rule_id, props, _ in VIOLATIONS:
        found = set(all_violations(CONTAINER, props))
        assert rule_id in found
        assert found - {rule_id} <= related.get(rule_id, set()), (rule_id, found)


def test_absent_port_ip_means_all_interfaces():
    props = without(GATEWAY, "ports.0.ip")
    assert violations("CTR-10", CONTAINER, props) == [
        "ports[0].ip: port 8080 must be published on an explicit address such as 127.0.0.1 (unset, which means 0.0.0.0)"
    ]
    assert violations("NET-01", CONTAINER, props) == ["ports[0].ip: must be 127.0.0.1 (got 0.0.0.0, the default)"]


def test_publish_all_ports_is_refused():
    assert violations("CTR-10", CONTAINER, with_(GATEWAY, "publishAllPorts", True))[0].startswith("publishAllPorts:")


def test_secret_values_are_never_echoed():
    props = with_(INFERENCE, "envs", ["HF_TOKEN=" + FAKE_HF_TOKEN, "WEBUI_SECRET_KEY=correct-horse", "X=" + FAKE_HF_TOKEN])
    props = with_(props, "command", ["--hf-token", FAKE_HF_TOKEN])
    found = violations("SEC-22", CONTAINER, props)
    assert len(found) == 4
    for message in found:
        assert FAKE_HF_TOKEN not in message and "correct-horse" not in message


def test_secret_file_variables_and_empty_values_pass():
    props = with_(INFERENCE, "envs", ["HF_TOKEN_FILE=/run/secrets/hf", "HF_TOKEN=", "TOKENIZER_MODE=auto", "PWD=/app"])
    assert violations("SEC-22", CONTAINER, props) == []


def test_non_gpu_container_is_not_checked_by_gpu_rules():
    assert violations("GPU-01", CONTAINER, GATEWAY) == []
    assert violations("GPU-02-SHM", CONTAINER, with_(GATEWAY, "ipcMode", "host")) == []


def test_gpu_device_requests():
    req = {"capabilities": [["gpu"]], "count": -1.0}
    assert "take" in violations("GPU-01", CONTAINER, with_(without(INFERENCE, "gpus"), "deviceRequests", [req]))[0]
    named = {"capabilities": [["gpu"]], "deviceIds": ["0", "1"]}
    assert violations("GPU-01", CONTAINER, with_(without(INFERENCE, "gpus"), "deviceRequests", [named])) == []


def test_tmpfs_shm_satisfies_gpu_shm_rule():
    props = with_(without(INFERENCE, "shmSize"), "tmpfs", {"/dev/shm": "size=4g"})
    assert violations("GPU-02-SHM", CONTAINER, props) == []


def test_image_resource_names_are_checked():
    assert violations("CTR-17", REMOTE_IMAGE, {"name": "ghcr.io/open-webui/open-webui"}) == [
        'name: ghcr.io/open-webui/open-webui has no tag, which means "latest"; use a version tag or a digest'
    ]
    assert violations("CTR-17", REMOTE_IMAGE, {"name": "ghcr.io/open-webui/open-webui:v0.5.4"}) == []
    assert violations("CTR-17-DIGEST", REMOTE_IMAGE, {"name": "ghcr.io/open-webui/open-webui:v0.5.4" + DIGEST}) == []


def test_image_id_counts_as_pinned():
    props = with_(INFERENCE, "image", "sha256:" + "b" * 64)
    assert violations("CTR-17", CONTAINER, props) == []
    assert violations("CTR-17-DIGEST", CONTAINER, props) == []


def exporter(*mounts):
    props = with_(docker_gateway(), "labels", labels("exporter", "node-exporter"))
    return with_(without(props, "ports"), "mounts", list(mounts))


def test_exporters_may_read_proc_and_sys():
    props = exporter({"type": "bind", "source": "/proc", "target": "/host/proc", "readOnly": True})
    assert violations("CTR-08", CONTAINER, props) == []
    writable = exporter({"type": "bind", "source": "/proc", "target": "/host/proc"})
    assert violations("CTR-08", CONTAINER, writable) == ["mounts[0].readOnly: bind of /proc must be read-only (unset defaults to false)"]
    inference = with_(INFERENCE, "mounts", [{"type": "bind", "source": "/proc", "target": "/host/proc", "readOnly": True}])
    assert violations("CTR-08", CONTAINER, inference)  # the exporter allow-list is scoped to the role
    assert violations("CTR-08", CONTAINER, props, config={"exporterHostPaths": []})


# --- DAT-01 on Docker volumes ---------------------------------------------------------------------


def test_data_volume_with_retain_label_passes():
    assert violations("DAT-01", VOLUME, data_volume(retain=True)) == []


def test_data_volume_without_retain_label_fails():
    assert violations("DAT-01", VOLUME, data_volume(retain=False)) == [
        'labels[aistack.dev/retain]: must be "true" on a data volume declared with retain_on_delete=True (or protect=True)'
    ]


def test_protected_data_volume_passes():
    assert violations("DAT-01", VOLUME, data_volume(retain=False), protect=True) == []


def test_scratch_volume_is_not_a_data_volume():
    assert violations("DAT-01", VOLUME, {"name": "scratch"}) == []


@pytest.mark.parametrize("one_shot_role, checked", [("model-fetch", False), ("config", False), ("inference", True)])
def test_one_shot_containers_need_no_health_check(one_shot_role, checked):
    labels = [{"label": "aistack.dev/role", "value": one_shot_role}, {"label": "aistack.dev/workload", "value": "x"}]
    props = with_(without(INFERENCE, "healthcheck"), "labels", labels)
    assert bool(violations("CTR-14", CONTAINER, props)) is checked
