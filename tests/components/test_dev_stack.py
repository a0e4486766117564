"""The dev stack (9950X + RTX 5090) under Pulumi mocks: assert on the declared resources users get."""
import pytest

from components.hardware.topology import parse_cpu_list
from components.testing.capture import capture_resources

CONTAINER = "docker:index/container:Container"


@pytest.fixture(scope="module")
def resources():
    return capture_resources("dev")


def containers(resources):
    return {r.props["name"]: r.props for r in resources if r.type == CONTAINER}


def written_files(writer):
    """The files a config writer container puts into its workload's config volume."""
    import base64

    envs = writer["envs"]
    envs = envs["value"] if isinstance(envs, dict) else envs  # a list holding a secret is a secret as a whole
    env = dict(e.split("=", 1) for e in envs)
    return {env[f"AISTACK_PATH_{i}"]: base64.b64decode(env[f"AISTACK_FILE_{i}"]).decode() for i in range(int(env["AISTACK_FILES"]))}


def label(props, key):
    return next((l["value"] for l in props.get("labels", []) if l["label"] == key), None)


def test_all_five_components_declared(resources):
    types = {r.type for r in resources}
    for token in ("HardenedImage", "PinnedCpuServer", "GpuInferenceServer", "WebGateway", "MonitoringStack"):
        assert any(t.endswith(f":{token}") and t.startswith("aistack:") for t in types), token


def test_cpu_servers_disjoint_whole_physical_cores(resources):
    siblings = lambda cpu: {cpu % 16, cpu % 16 + 16}  # 9950X: sibling of n is n+16
    seen = {}
    for name, props in containers(resources).items():
        if label(props, "aistack.dev/role") != "inference" or "cpuSet" not in props:
            continue
        cpus = set(parse_cpu_list(props["cpuSet"]))
        for cpu in cpus:
            assert siblings(cpu) <= cpus, f"{name} splits a physical core at CPU {cpu}"
        cores = {c % 16 for c in cpus}
        for other, other_cores in seen.items():
            assert not cores & other_cores, f"{name} shares physical cores with {other}"
        seen[name] = cores
    assert {"aistack-cpu-a", "aistack-cpu-b", "aistack-cpu-c"} <= set(seen)


def test_only_gateway_publishes_and_only_on_loopback(resources):
    for name, props in containers(resources).items():
        for port in props.get("ports", []) or []:
            assert name == "aistack-gateway", f"{name} publishes a port"
            assert port["ip"] == "127.0.0.1"


def test_hardened_defaults_on_every_container(resources):
    for name, props in containers(resources).items():
        assert props["readOnly"] is True, name
        assert props["capabilities"]["drops"] == ["ALL"], name
        assert "no-new-privileges:true" in props["securityOpts"], name
        assert not props["user"].startswith("0"), name
        assert props["memory"] > 0, name
        assert not props.get("privileged"), name
        for mount in props.get("mounts", []) or []:
            assert "docker.sock" not in mount.get("source", ""), name
            if mount["type"] == "bind":
                assert mount["readOnly"] is True, name


def test_cpu_servers_mlock_threads_and_health(resources):
    props = containers(resources)["aistack-cpu-a"]
    args = props["command"]
    assert args[args.index("--threads") + 1] == "4"
    assert args[args.index("--load-mode") + 1] == "mmap+mlock" and "--metrics" in args
    assert {"name": "memlock", "soft": -1, "hard": -1} in props["ulimits"]
    assert props["healthcheck"]["tests"][-1] == "http://127.0.0.1:8080/health"
    models = [m for m in props["mounts"] if m["target"] == "/models"]
    assert models and models[0]["readOnly"] is True


def test_gpu_servers_get_exact_gpus_shm_and_fp8_only_where_supported(resources):
    vllm = containers(resources)["aistack-vllm"]
    assert vllm["gpus"] == "device=0"
    assert vllm["shmSize"] == 4096 and vllm.get("ipcMode") != "host"
    assert "--enable-prefix-caching" in vllm["command"]
    assert vllm["command"][vllm["command"].index("--gpu-memory-utilization") + 1] == "0.45"


def test_scrape_targets_equal_declared_servers(resources):
    import yaml

    conf = yaml.safe_load(written_files(containers(resources)["aistack-prometheus-config-writer"])["prometheus.yml"])
    job = next(j for j in conf["scrape_configs"] if j["job_name"] == "inference")
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    assert targets == {"aistack-cpu-a:8080", "aistack-cpu-b:8080", "aistack-cpu-c:8080", "aistack-llama-gpu:8080", "aistack-vllm:8000"}


def test_data_volumes_survive_destroy(resources):
    volumes = [r for r in resources if r.type == "docker:index/volume:Volume"]
    data = [v for v in volumes if any(l["label"] == "aistack.dev/data" for l in v.props.get("labels", []))]
    assert {v.props["name"] for v in data} >= {"aistack-models", "aistack-prometheus-data", "aistack-open-webui-data"}
    for v in data:
        assert any(l["label"] == "aistack.dev/retain" and l["value"] == "true" for l in v.props["labels"])


def test_dev_stack_has_no_mandatory_policy_violations(resources):
    from policies.report import build_report

    report = build_report(resources, {})
    failures = [(c.rule_id, c.resource) if hasattr(c, "rule_id") else c for c in report.failures("mandatory")]
    assert failures == []


def test_local_stack_detects_this_machine_and_serves_the_tiny_model():
    resources = capture_resources("local")
    servers = {r.props["name"]: r.props for r in resources if r.type == CONTAINER}
    tiny = servers["aistack-tiny"]
    assert len(tiny["cpuSet"].split(",")) >= 1 and tiny["memory"] == 512
    assert "aistack-gateway" in servers and "aistack-prometheus" in servers
    images = [r.props for r in resources if r.type == "docker:index/remoteImage:RemoteImage"]
    assert images and all("build" in i for i in images), "the local stack builds every image offline, pulls none"
    assert all(i["build"]["buildArgs"]["BASE_IMAGE"] == "aistack/debian-base:sid" for i in images)


def test_bad_config_stops_the_program_before_any_resource():
    import pulumi

    bad = [{"name": "cpu-a", "model": "qwen2.5-7b-q4", "cores": 0, "memoryGib": 12}]
    from components.testing import capture

    registered = []
    with pytest.raises(pulumi.RunError) as err:
        capture.capture_resources("dev", overrides={"cpuServers": bad, "taget": "docker"}, sink=registered)
    message = str(err.value)
    assert "aistack:cpuServers[0].cores" in message
    assert "aistack:taget" in message and "target" in message  # a typo gets a hint
    assert "Traceback" not in message
    assert registered == []  # nothing is created


def test_hardened_images_are_built_for_the_planned_hardware(resources):
    images = {r.props["name"]: r.props for r in resources if r.type == "docker:index/remoteImage:RemoteImage" and "build" in r.props}
    cpu = images["aistack/llama-cpu:0.1.0"]["build"]
    assert cpu["buildArgs"]["CPU_MARCH"] == "znver5"  # the 9950X
    assert cpu["dockerfile"].endswith("images/llama-cpu/Dockerfile")
    assert images["aistack/llama-cuda:0.1.0"]["build"]["buildArgs"]["CUDA_ARCH"] == "120"  # RTX 5090
    for name, image in images.items():
        assert image["build"]["buildArgs"]["OCI_REVISION"], name
        assert len(image["triggers"]["context"]) == 64, name  # a source change rebuilds the image
        assert image["keepLocally"] is True, name


def test_config_files_reach_read_only_workloads_through_a_hardened_writer(resources):
    all_containers = containers(resources)
    gateway, writer = all_containers["aistack-gateway"], all_containers["aistack-gateway-config-writer"]
    config = [m for m in gateway["mounts"] if m["target"] == "/etc/aistack"]
    assert config == [{"type": "volume", "source": "aistack-gateway-config", "target": "/etc/aistack", "readOnly": True}]
    assert "uploads" not in gateway  # the provider's upload cannot write into a read-only root
    assert writer["readOnly"] is True and writer["capabilities"]["drops"] == ["ALL"] and writer["networkMode"] == "none"
    assert writer["mounts"][0]["source"] == "aistack-gateway-config"
    assert isinstance(writer["envs"], dict), "the API key travels as a secret"
    files = written_files(writer)
    assert "nginx.conf" in files and "api-keys.map" in files
    assert "test-gateway-key" in files["api-keys.map"] and "test-gateway-key" not in files["nginx.conf"]
    assert label(gateway, "aistack.dev/config-writer")  # a new writer (changed files) replaces the workload


def test_a_model_that_fails_its_checksum_stops_the_deploy_naming_the_model(monkeypatch):
    import pulumi

    from components.testing import capture

    original = capture._Mocks.new_resource

    def fetch_fails(self, args):
        rid, outputs = original(self, args)
        if args.typ == CONTAINER and args.inputs.get("name") == "aistack-fetch-tiny":
            outputs.update(exitCode=1, containerLogs="model tiny: content checksum mismatch; expected sha256 081e, got 5d1c")
        return rid, outputs

    monkeypatch.setattr(capture._Mocks, "new_resource", fetch_fails)
    with pytest.raises(pulumi.RunError) as err:
        capture.capture_resources("local")
    assert "model tiny: provisioning failed (exit 1): model tiny: content checksum mismatch" in str(err.value)
