"""The `local` stack through the real Pulumi engine onto the real Docker engine: images built from our
Dockerfiles, a llama.cpp server on its planned cores serving the tiny model, the gateway on 127.0.0.1, and
Prometheus scraping the server. Tests run in file order against one deployment; the last one destroys it."""
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from components.testing.scratch import ScratchProject

pytestmark = pytest.mark.e2e
STACK = "local"
PREFIX = "aistack-e2e"  # container and volume names: never those of a user's own `local` stack
PORT = 18181
KEY = "e2e-gateway-key"
SERVER = f"{PREFIX}-tiny"


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=True).stdout


def inspect(name: str) -> dict:
    return json.loads(docker("inspect", name))[0]


def http(path: str, body: dict | None = None, key: str | None = KEY) -> tuple[int, dict | str]:
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read().decode()
            return resp.status, json.loads(text) if text.startswith(("{", "[")) else text
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def wait_for(check, what: str, timeout_s: float = 120):
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(2)


def remove_leftovers() -> None:
    """Containers, volumes and the network of an earlier, interrupted run of this module."""
    containers = docker("ps", "-aq", "--filter", f"name={PREFIX}-").split()
    volumes = docker("volume", "ls", "-q", "--filter", f"name={PREFIX}-").split()
    for cmd in (["container", "rm", "-f", *containers] if containers else None,
                ["volume", "rm", *volumes] if volumes else None,
                ["network", "rm", f"{PREFIX}-net"]):
        if cmd:
            subprocess.run(["docker", *cmd], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if shutil.which("pulumi") is None:
        pytest.fail("no `pulumi` on PATH: run scripts/bootstrap.sh --all, then `. scripts/env.sh`")
    remove_leftovers()
    project = ScratchProject(tmp_path_factory.mktemp("workstation"))
    assert (project.dir / ".state" / "models" / "tiny-llama.gguf").exists(), "run scripts/bootstrap.sh (tiny model)"
    project.init_stack(STACK, {"aistack:gatewayApiKey": KEY})
    for path, value in (("aistack:docker.namePrefix", PREFIX), ("aistack:docker.networkSubnet", "172.29.181.0/24"),
                        ("aistack:gateway.port", str(PORT))):
        project.set_config(STACK, path, value)
    project.up = project.pulumi("up", "--yes", "--skip-preview", stack=STACK, timeout=2400)
    yield project
    project.pulumi("destroy", "--yes", stack=STACK, check=False, timeout=900)
    remove_leftovers()


def planned_cpuset(project) -> str:
    plan = json.loads(project.pulumi("stack", "output", "plan", "--json", stack=STACK).stdout)
    return next(r["cpuset"] for r in plan["cpuReplicas"] if r["server"] == "tiny")


def test_containers_are_hardened_as_declared(stack):
    server = inspect(SERVER)
    host = server["HostConfig"]
    assert host["CpusetCpus"] == planned_cpuset(stack)
    assert host["Memory"] == 512 * 1024 * 1024 and host["MemorySwap"] == host["Memory"]
    for name in (SERVER, f"{PREFIX}-gateway", f"{PREFIX}-prometheus"):
        c = inspect(name)
        assert c["HostConfig"]["ReadonlyRootfs"] is True, name
        assert c["HostConfig"]["CapDrop"] == ["ALL"], name
        assert any(o.startswith("no-new-privileges") for o in c["HostConfig"]["SecurityOpt"]), name
        assert c["Config"]["User"].split(":")[0] not in ("", "0", "root"), name
        assert not c["HostConfig"]["Privileged"], name
        wait_for(lambda: inspect(name)["State"].get("Health", {}).get("Status") == "healthy", f"{name} healthy", 180)
    ports = inspect(f"{PREFIX}-gateway")["HostConfig"]["PortBindings"]
    assert ports == {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(PORT)}]}
    assert not inspect(SERVER)["HostConfig"]["PortBindings"]


def test_gateway_needs_the_key_and_serves_completions(stack):
    status, _ = http("/v1/chat/completions", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}, key=None)
    assert status == 401
    status, _ = http("/v1/models", key="wrong-key")
    assert status == 401
    status, body = http("/v1/chat/completions", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})
    assert status == 200, body
    assert body["choices"][0]["message"]["role"] == "assistant"
    status, body = http("/tiny/v1/completions", {"prompt": "a", "max_tokens": 4})
    assert status == 200 and body["choices"], body


def test_prometheus_scrapes_the_server(stack):
    def server_up():
        status, body = http("/prometheus/api/v1/targets")
        assert status == 200, body
        return [t for t in body["data"]["activeTargets"]
                if t["labels"].get("job") == "inference" and t["labels"].get("workload") == "tiny" and t["health"] == "up"]
    assert wait_for(server_up, "the tiny server's scrape target to be up", 120)
    status, body = http("/prometheus/api/v1/rules")
    loaded = {r["name"] for g in body["data"]["groups"] for r in g["rules"]}
    assert {"InferenceServerDown", "ContainerNearMemoryLimit", "ContainerOomKilled", "GpuHot"} <= loaded, body


def test_second_up_changes_nothing(stack):
    again = stack.pulumi("up", "--yes", "--skip-preview", stack=STACK)
    assert "unchanged" in again.stdout
    for verb in ("created", "updated", "replaced", "deleted"):
        assert f" {verb}" not in again.stdout.split("Resources:")[-1], again.stdout[-2000:]


def test_one_field_change_touches_only_that_server(stack):
    stack.set_config(STACK, "aistack:cpuServers[0].contextSize", "512")
    preview = json.loads(stack.pulumi("preview", "--json", stack=STACK).stdout)
    changed = {s["urn"].split("::")[-1]: s["op"] for s in preview.get("steps", []) if s["op"] not in ("same", "read")}
    assert set(changed) == {SERVER}, changed
    stack.pulumi("up", "--yes", "--skip-preview", stack=STACK)
    cmd = inspect(SERVER)["Config"]["Cmd"]
    assert cmd[cmd.index("--ctx-size") + 1] == "512"


def test_policy_pack_passes_the_deployed_stack(stack):
    stack.env["AISTACK_POLICY_PACK"] = str(stack.dir / "policies")
    result = stack.pulumi("preview", "--policy-pack", str(stack.dir / "policies"), stack=STACK, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "aistack@v0.1.0" in result.stdout and "[mandatory]" not in result.stdout


def test_a_crashed_server_comes_back_by_its_restart_policy(stack):
    before = inspect(SERVER)
    subprocess.run(["kill", "-9", str(before["State"]["Pid"])], check=True)
    wait_for(lambda: inspect(SERVER)["RestartCount"] > before["RestartCount"] and inspect(SERVER)["State"]["Running"],
             "the server to be restarted", 60)
    wait_for(lambda: inspect(SERVER)["State"].get("Health", {}).get("Status") == "healthy", "the server healthy again", 120)


def test_destroy_removes_containers_and_keeps_data(stack):
    stack.pulumi("destroy", "--yes", stack=STACK, timeout=900)
    assert docker("ps", "-aq", "--filter", f"name={PREFIX}-").split() == []
    volumes = set(docker("volume", "ls", "-q", "--filter", "label=aistack.dev/data=true").split())
    assert {f"{PREFIX}-models", f"{PREFIX}-prometheus-data"} <= volumes
