"""Every bad config is refused with a message that starts with its `aistack:` key path; all problems at once."""
from __future__ import annotations

import pytest
from unit_support import ROOT, stack_file

from components.config import ConfigError, config_from_stack_file, load_stack_config
from components.hardware.inventory import build_inventory
from components.hardware.planner import plan


def _check(raw: dict) -> ConfigError:
    """Validate and plan (declared hardware only); return the ConfigError."""
    with pytest.raises(ConfigError) as info:
        cfg = load_stack_config(raw, "dev")
        plan(cfg, build_inventory(cfg.hardware), ROOT, "dev")
    return info.value


def _set(path: str, value):
    """A mutation that sets a dotted/indexed key of the dev stack (`cpuServers.0.cores`); value None deletes it."""

    def mutate(raw: dict) -> None:
        *parents, last = path.split(".")
        node = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        key = int(last) if last.isdigit() else last
        if value is None:
            del node[key]
        else:
            node[key] = value

    return mutate


def _both(*mutations):
    def mutate(raw):
        for m in mutations:
            m(raw)

    return mutate


BAD = [
    # (id, mutation of Pulumi.dev.yaml, key path, fragment of the message)
    ("typo-with-hint", _set("cpuServers.0.coers", 4), "cpuServers[0].coers", "unknown key; did you mean `cores`?"),
    ("typo-top-level", _set("cpuServer", []), "cpuServer", "did you mean `cpuServers`?"),
    ("typo-nested", _set("hardware.host.cpu.physicalCore", 16), "hardware.host.cpu.physicalCore",
     "did you mean `physicalCores`?"),
    ("wrong-type-int", _set("cpuServers.0.cores", "four"), "cpuServers[0].cores",
     "wrong type: should be a valid integer, unable to parse string as an integer (got 'four')"),
    ("wrong-type-list", _set("cpuServers", {"name": "x"}), "cpuServers", "wrong type: should be a valid list"),
    ("wrong-type-union", _set("gpuServers.0.gpus", [1.5]), "gpuServers[0].gpus[0]",
     "wrong type: should be an integer or a string (got 1.5)"),
    ("unquoted-digits", _set("models.0.sha256", 0), "models[0].sha256", "quote the value in the stack file"),
    ("negative-memory", _set("cpuServers.0.memoryGib", -1), "cpuServers[0].memoryGib", "must be greater than 0 (got -1)"),
    ("zero-cores", _set("cpuServers.0.cores", 0), "cpuServers[0].cores", "must be greater than or equal to 1 (got 0)"),
    ("zero-model-size", _set("models.0.sizeGib", 0), "models[0].sizeGib", "must be greater than 0 (got 0)"),
    ("negative-reserve", _set("hardware.reservedCores", -2), "hardware.reservedCores", "greater than or equal to 0"),
    ("unknown-target", _set("target", "nomad"), "target", "must be one of 'docker' or 'kubernetes' (got 'nomad')"),
    ("missing-key", _set("cpuServers.0.model", None), "cpuServers[0].model", "required key is missing"),
    ("bad-sha-form", _set("models.0.sha256", "XYZ"), "models[0].sha256", "64 lowercase hex digits"),
    ("missing-sha256", _set("models.0.sha256", None), "models[0]", "`sha256` is required"),
    ("two-sources", _set("models.0.url", "https://example.com/m.gguf"), "models[0]",
     "set exactly one source: `path`, `url` or `huggingFace` (got url, huggingFace)"),
    ("no-source", _set("models.0.huggingFace", None), "models[0]", "set exactly one source"),
    ("no-hardware", _set("hardware", {}), "hardware", "set exactly one of `detect: true`, `host: {...}`"),
    ("uneven-l3", _set("hardware.host.cpu.l3Domains", 3), "hardware.host.cpu", "l3Domains=3 must divide physicalCores=16"),
    ("gateway-not-loopback", _set("gateway.bindAddress", "0.0.0.0"), "gateway.bindAddress", "has the wrong form"),
    ("gpus-vs-replicas", _set("gpuServers.0.replicas", 2), "gpuServers[0]",
     "`gpus` lists 1 GPU(s) but replicas × gpuCount = 2"),
    # --- found while planning
    ("duplicate-name", _set("cpuServers.1.name", "cpu-a"), "cpuServers[1].name",
     "duplicate server name 'cpu-a' (also cpuServers[0].name)"),
    ("duplicate-across-groups", _set("gpuServers.0.name", "cpu-b"), "gpuServers[0].name", "duplicate server name 'cpu-b'"),
    ("duplicate-model", lambda raw: raw["models"].append(dict(raw["models"][0])), "models[3].name",
     "duplicate model name 'qwen2.5-7b-q4'"),
    ("unknown-model", _set("cpuServers.0.model", "qwen-typo"), "cpuServers[0].model",
     "unknown model 'qwen-typo'; declare it in aistack:models (known: qwen2.5-7b-q4, qwen2.5-14b-q4, qwen2.5-3b)"),
    ("gpu-index-missing", _set("gpuServers.0.gpus", [3]), "gpuServers[0].gpus[0]",
     "GPU 3 does not exist on ryzen-9950x; it has GPU(s) 0 (NVIDIA GeForce RTX 5090)"),
    ("too-many-cores", _set("cpuServers.0.cores", 12), "cpuServers[1].cores",
     "not enough physical cores on ryzen-9950x: servers need 20 (CPU servers) + 2 (GPU host threads) + 1 reserved = 23, "
     "the host has 16"),
    ("too-much-memory", _set("cpuServers.0.memoryGib", 500), "cpuServers",
     "memory limits add up to 564 GiB but ryzen-9950x has 192.0 GiB - 8 GiB reserved = 184.0 GiB"),
    ("memory-below-model", _set("cpuServers.0.memoryGib", 2), "cpuServers[0].memoryGib",
     "2 GiB is less than model 'qwen2.5-7b-q4' + KV cache + runtime = 5.05 GiB; raise it to at least 5.25"),
    ("overlapping-core-lists", _both(_set("cpuServers.0.cpuList", [1, 2, 17, 18]), _set("cpuServers.0.cores", 2),
                                     _set("cpuServers.1.cpuList", [2, 3, 18, 19]), _set("cpuServers.1.cores", 2)),
     "cpuServers[1].cpuList", "overlaps the cores of cpu-a; explicit core lists must be disjoint"),
    ("cpu-list-off-host", _set("cpuServers.0.cpuList", [40, 41]), "cpuServers[0].cpuList",
     "CPU(s) 40-41 do not exist on ryzen-9950x (CPUs 0-31)"),
    ("cpu-list-many-replicas", _both(_set("cpuServers.0.cpuList", [1, 17]), _set("cpuServers.0.replicas", 2)),
     "cpuServers[0]", "`cpuList` pins one replica"),
    ("mig-on-workstation", _set("gpuServers.1.migProfile", "3g.40gb"), "gpuServers[1].migProfile",
     "MIG slices are only planned on cluster GPU pools"),
    ("llama-cuda-safetensors", _set("gpuServers.0.model", "qwen2.5-3b"), "gpuServers[0].engine",
     "llama-cuda serves GGUF files; model 'qwen2.5-3b' is safetensors"),
    ("port-clash", _set("cpuServers.0.publishPort", 8080), "cpuServers[0].publishPort",
     "port 8080 is already used by gateway.port"),
    ("kv-cache-unsizeable", _set("models.2.architecture", None), "gpuServers[1].kvCacheGib",
     "cannot size the KV cache of model 'qwen2.5-3b'"),
    ("target-vs-hardware", _set("target", "kubernetes"), "hardware",
     "target `kubernetes` needs `hardware.nodePools`, not `hardware.host`"),
]


@pytest.mark.parametrize("mutate, path, fragment", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_names_its_key_path(mutate, path, fragment):
    raw = stack_file("dev")
    mutate(raw)
    error = _check(raw)
    line = f"aistack:{path}: "
    matching = [str(p) for p in error.problems if str(p).startswith(line)]
    assert matching, f"no problem at {line!r} in:\n{error}"
    assert any(fragment in m for m in matching), f"{fragment!r} not in {matching}"
    assert len(error.problems) == 1, str(error)  # one mistake, one line
    assert "Traceback" not in str(error)


def test_there_are_at_least_15_bad_configs():
    assert len(BAD) >= 15


def test_three_validation_errors_give_three_lines():
    raw = stack_file("dev")
    raw["cpuServers"][0]["cores"] = 0
    raw["targt"] = "docker"
    del raw["models"][0]["sha256"]
    error = _check(raw)
    lines = str(error).splitlines()
    assert lines[0] == "3 problem(s) in Pulumi.dev.yaml; nothing was deployed:"
    assert sorted(lines[1:]) == sorted(
        [
            "  - aistack:cpuServers[0].cores: must be greater than or equal to 1 (got 0)",
            "  - aistack:models[0]: `sha256` is required: the file is verified against it before any server starts",
            "  - aistack:targt: unknown key; did you mean `target`? valid keys here: cpuServers, docker, gateway, "
            "gatewayApiKey, gpuServers, grafanaAdminPassword, hardware, hfToken, images, kubernetes, models, "
            "monitoring, target",
        ]
    )


def test_three_planning_errors_give_three_lines():
    raw = stack_file("dev")
    raw["cpuServers"][1]["name"] = "cpu-a"
    raw["cpuServers"][2]["model"] = "nope"
    raw["gpuServers"][0]["gpus"] = [7]
    error = _check(raw)
    assert [p.path for p in error.problems] == ["cpuServers[1].name", "cpuServers[2].model", "gpuServers[0].gpus[0]"]
    assert len(str(error).splitlines()) == 4


def test_secret_values_are_never_echoed():
    raw = stack_file("dev")
    raw["gatewayApiKey"] = ["sk-very-secret"]
    error = _check(raw)
    assert "sk-very-secret" not in str(error)
    assert str(error.problems[0]).startswith("aistack:gatewayApiKey: wrong type")


# --- reading stack files ------------------------------------------------------------------------------------------


def _write_stack(tmp_path, text: str, name: str = "t"):
    (tmp_path / f"Pulumi.{name}.yaml").write_text(text)
    return config_from_stack_file(name, tmp_path)


def test_misspelled_namespace_is_reported_with_the_other_problems(tmp_path):
    raw = _write_stack(tmp_path, "config:\n  aistak:cpuServers: []\n  aistack:target: nomad\n  docker:host: unix:///x\n")
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, "t")
    assert [str(p) for p in info.value.problems] == [
        "aistack:aistak:cpuServers: unknown namespace `aistak`; did you mean `aistack:cpuServers`?",
        "aistack:target: must be one of 'docker' or 'kubernetes' (got 'nomad')",
        "aistack:hardware: required key is missing; add it",
    ]


def test_key_without_namespace_is_reported(tmp_path):
    raw = _write_stack(tmp_path, "config:\n  target: docker\n  aistack:target: docker\n  aistack:hardware: {detect: true}\n")
    with pytest.raises(ConfigError, match=r"did you mean `aistack:target`\?"):
        load_stack_config(raw, "t")


def test_secure_values_are_left_out(tmp_path):
    raw = _write_stack(
        tmp_path,
        "config:\n  aistack:target: docker\n  aistack:hardware: {detect: true}\n"
        "  aistack:gatewayApiKey:\n    secure: AAABAxyz\n",
    )
    assert load_stack_config(raw, "t").gateway_api_key is None


def test_invalid_yaml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"aistack:\(stack\): Pulumi.t.yaml is not valid YAML"):
        _write_stack(tmp_path, "config:\n  aistack:target: [docker\n")


def test_missing_stack_file_lists_the_stacks():
    with pytest.raises(ConfigError, match="no stack file Pulumi.nope.yaml; stacks: .*dev.*prod"):
        config_from_stack_file("nope", ROOT)
