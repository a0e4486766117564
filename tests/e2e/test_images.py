"""Every image the local stack uses builds for real from our Dockerfiles (offline, on the Debian base), with the
build arguments HardenedImage gives it, and comes out hardened: numeric non-root user, OCI labels, no compilers
or package caches in the final stage. Then each runs under the stack's constraints (images/smoke-test.sh)."""
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from components.config.load import config_from_stack_file
from components.images import image_spec
from components.program import load_and_plan

from components.testing.scratch import ROOT

pytestmark = pytest.mark.e2e
OFFLINE_IMAGES = ("llama-cpu", "gateway", "prometheus", "node-exporter", "model-fetch")
TAG = "e2e"
FORBIDDEN = ("usr/bin/gcc", "usr/bin/cc", "usr/bin/g++", "usr/bin/make", "usr/bin/apt-get", "usr/bin/dpkg", "var/cache/apt/archives",
             "var/lib/apt/lists")


def docker(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def built():
    if shutil.which("docker") is None or docker("info").returncode != 0:
        pytest.fail("no Docker engine answers: run scripts/bootstrap.sh --engine")
    raw = {**config_from_stack_file("local", ROOT), "gatewayApiKey": "unused"}
    cfg, plan = load_and_plan(raw, "local", ROOT)
    refs = {}
    for name in OFFLINE_IMAGES:
        spec = image_spec(name, cfg, plan)
        args = [a for k, v in spec.build_args for a in ("--build-arg", f"{k}={v}")]
        ref = f"aistack/{name}:{TAG}"
        proc = subprocess.run(["docker", "build", "-q", "-t", ref, "-f", spec.dockerfile, *args, spec.context],
                              capture_output=True, text=True, timeout=1800, env={**os.environ, "DOCKER_BUILDKIT": "1"})
        assert proc.returncode == 0, f"{name} did not build:\n{proc.stderr[-3000:]}"
        refs[name] = (ref, dict(spec.build_args))
    return refs


def inspect(ref: str) -> dict:
    return json.loads(docker("image", "inspect", ref).stdout)[0]


@pytest.mark.parametrize("name", OFFLINE_IMAGES)
def test_image_is_non_root_labelled_and_tuned(built, name):
    ref, args = built[name]
    config = inspect(ref)["Config"]
    user = config["User"].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"{name} runs as {config['User']!r}"
    labels = config["Labels"]
    for key in ("source", "revision", "version", "created"):
        assert labels.get(f"org.opencontainers.image.{key}"), f"{name} lacks the OCI {key} label"
    assert labels["org.opencontainers.image.revision"] == args["OCI_REVISION"]
    if name == "llama-cpu":
        assert args["CPU_MARCH"]  # tuned to the detected CPU (or the safe default)


@pytest.mark.parametrize("name", OFFLINE_IMAGES)
def test_final_stage_has_no_compilers_or_package_caches(built, name):
    ref, _ = built[name]
    container = docker("create", ref).stdout.strip()
    try:
        listing = subprocess.run(f"docker export {container} | tar -t", shell=True, capture_output=True, text=True, timeout=300).stdout
    finally:
        docker("rm", container)
    paths = {line.rstrip("/") for line in listing.splitlines()}
    assert paths, f"{name}: empty filesystem listing"
    found = [p for p in FORBIDDEN if p in paths]
    assert found == [], f"{name} ships {found}"


def test_images_run_under_the_stack_constraints(built):
    model = ROOT / ".state" / "models" / "tiny-llama.gguf"
    assert model.exists(), "run scripts/bootstrap.sh: it writes the tiny test model"
    proc = subprocess.run([str(ROOT / "images" / "smoke-test.sh"), TAG], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "AISTACK_TEST_GGUF": str(model)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all smoke tests passed" in proc.stdout
    assert "ok    llama-cpu: serves a model" in proc.stdout


def test_llama_server_accepts_the_arguments_the_program_gives_it(built):
    """The program's llama.cpp flags (mlock on, as for a real model) against the image's llama-server."""
    from components.testing.capture import capture_resources

    servers = {r.props["name"]: r.props for r in capture_resources("local", overrides={"cpuServers": [
        {"name": "tiny", "model": "tiny", "cores": 1, "memoryGib": 0.5, "contextSize": 256, "mlock": True}]})
        if r.type == "docker:index/container:Container"}
    args = servers["aistack-tiny"]["command"]
    assert args[args.index("--load-mode") + 1] == "mmap+mlock"
    models = ROOT / ".state" / "models"
    name = "aistack-e2e-args"
    docker("rm", "-f", name)
    run = docker("run", "-d", "--name", name, "--read-only", "--cap-drop", "ALL", "--user", "65532:65532",
                 "--tmpfs", "/tmp", "-v", f"{models}:/models:ro", "-p", "127.0.0.1::8080", built["llama-cpu"][0], *args)
    try:
        assert run.returncode == 0, run.stderr
        port = docker("port", name, "8080").stdout.split(":")[-1].strip()
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                time.sleep(1)
        else:
            raise AssertionError("llama-server did not answer /health:\n" + docker("logs", name).stderr[-2000:])
    finally:
        docker("rm", "-f", name)
