"""One definition, two targets: a change made once in a component shows up on Docker and on Kubernetes, with
neither renderer touched."""
import dataclasses

import components.platform as platform
from components.testing.capture import capture_resources


def test_a_component_change_reaches_both_targets(monkeypatch):
    original = platform.cpu_server_workload

    def with_new_setting(*args, **kwargs):
        wl = original(*args, **kwargs)
        return dataclasses.replace(wl, env=wl.env + (("LLAMA_ARG_NEW_SETTING", "42"),), args=wl.args + ("--new-flag",))

    monkeypatch.setattr(platform, "cpu_server_workload", with_new_setting)
    docker = {r.props["name"]: r.props for r in capture_resources("dev") if r.type == "docker:index/container:Container"}
    cluster = {r.name: r.props for r in capture_resources("prod") if r.type == "kubernetes:apps/v1:Deployment"}

    for name in ("aistack-cpu-a", "aistack-cpu-b", "aistack-cpu-c"):
        assert "LLAMA_ARG_NEW_SETTING=42" in docker[name]["envs"] and docker[name]["command"][-1] == "--new-flag"
    container = cluster["cpu-chat"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "LLAMA_ARG_NEW_SETTING", "value": "42"} in container["env"]
    assert container["args"][-1] == "--new-flag"
    # GPU servers are another component: untouched.
    assert "--new-flag" not in cluster["llama70b"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "LLAMA_ARG_NEW_SETTING=42" not in (docker["aistack-vllm"].get("envs") or [])
