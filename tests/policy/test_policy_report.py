"""The compliance report on fixture resources: statuses, Markdown table, JSON, CLI."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from policy_fixtures import (
    CONTAINER,
    DEPLOYMENT,
    FAKE_HF_TOKEN,
    NETPOL,
    PODMONITOR,
    REMOTE_IMAGE,
    VOLUME,
    data_volume,
    default_deny,
    docker_gateway,
    docker_inference,
    docker_prometheus,
    k8s_deployment,
    pod_monitor,
    urn,
    with_,
)

from policies import report as report_module
from policies.aistack_policies.core import PolicyConfigError, Status
from policies.report import build_report, parse_pack_config


@dataclass
class Captured:
    """The shape of components.testing.capture.CapturedResource."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    opts: dict[str, Any] = field(default_factory=dict)


def captured(resource_type: str, name: str, props: dict[str, Any], **opts: Any) -> Captured:
    return Captured(resource_type, name, urn(resource_type, name), props, dict(opts))


def workstation() -> list[Captured]:
    inference = with_(docker_inference("llama-7b"), "readOnly", False)  # CTR-06 fails
    inference = with_(inference, "envs", ["HF_TOKEN=" + FAKE_HF_TOKEN])  # SEC-22 fails, value never shown
    return [
        captured(CONTAINER, "gateway", docker_gateway()),
        captured(CONTAINER, "llama-7b", inference),
        captured(CONTAINER, "prometheus", with_(docker_prometheus("llama-7b:8080"), "user", "root")),
        captured(VOLUME, "models", data_volume(retain=False), retain_on_delete=True),  # DAT-01 fails
        captured(REMOTE_IMAGE, "llama-image", {"name": "ghcr.io/ggml-org/llama.cpp:server-cuda-b4500"}),
        captured("docker:index/network:Network", "aistack", {"name": "aistack"}),
        captured("pulumi:providers:docker", "default", {}),
        captured("aistack:index:Platform", "aistack", {}),
    ]


CONFIG = {"CTR-07": {"exemptWorkloads": ["prometheus"]}, "CTR-12": "disabled"}


@pytest.fixture(name="report")
def fixture_report():
    return build_report(workstation(), CONFIG, stack="dev")


def status(report, rule_id, name):
    (res,) = [r for r in report.resources if r.name == name]
    return report.cell(rule_id, res.urn).status


def test_statuses(report):
    assert status(report, "CTR-01", "llama-7b") is Status.PASS
    assert status(report, "CTR-06", "llama-7b") is Status.FAIL
    assert status(report, "SEC-22", "llama-7b") is Status.FAIL
    assert status(report, "CTR-07", "prometheus") is Status.WAIVED
    assert status(report, "CTR-16", "gateway") is Status.PASS
    assert status(report, "GPU-01", "gateway") is Status.NOT_APPLICABLE
    assert status(report, "K8S-20", "gateway") is Status.NOT_APPLICABLE
    assert status(report, "MON-01", "llama-7b") is Status.PASS  # stack rule, per resource
    assert status(report, "MON-01", "gateway") is Status.NOT_APPLICABLE
    assert status(report, "DAT-01", "models") is Status.FAIL
    assert status(report, "CTR-17-DIGEST", "llama-image") is Status.FAIL
    assert status(report, "CTR-12", "llama-7b") is Status.NOT_APPLICABLE  # disabled


def test_resources_not_covered_by_any_rule_are_listed_apart(report):
    assert [r.name for r in report.resources] == ["gateway", "llama-7b", "prometheus", "llama-image", "models"]
    assert [r.name for r in report.uncovered] == ["aistack"]  # providers and components are left out


def test_markdown_table(report):
    md = report.to_markdown()
    lines = md.splitlines()
    assert lines[0] == "## Policy compliance: stack `dev`"
    header = "| Rule | Level | gateway | llama-7b | prometheus | llama-image | models |"
    assert header in lines
    assert lines[lines.index(header) + 1] == "|---|---|---|---|---|---|---|"
    assert "| CTR-06 Read-only root filesystem | mandatory | pass | **fail** | pass | n/a | n/a |" in lines
    assert "| CTR-07 Run as non-root | mandatory | pass | pass | waived | n/a | n/a |" in lines
    assert "| CTR-12 CPU allocation | disabled | n/a | n/a | n/a | n/a | n/a |" in lines
    assert "| MON-01 Inference servers are scraped | mandatory | n/a | pass | n/a | n/a | n/a |" in lines
    assert "- **CTR-06** (mandatory) `llama-7b`: readOnly: must be true (got false)" in lines
    assert "- **CTR-07** `prometheus`: user: root allowed: workload 'prometheus' is in exemptWorkloads" in lines
    assert any(line.startswith("- **DAT-01** (mandatory) `models`: ") and "retain_on_delete is set, but policies cannot see it" in line for line in lines)
    assert "1 resource is not checked by any rule: `aistack` (Network)." in lines
    assert FAKE_HF_TOKEN not in md


def test_markdown_summary_counts(report):
    counts = report.counts()
    assert counts["fail"] >= 4 and counts["waived"] >= 1
    summary = report.to_markdown().splitlines()[2]
    assert summary.startswith(f"{len(report.rules)} rules x 5 resources: {counts['fail']} fail, {counts['waived']} waived, {counts['pass']} pass")


def test_json_contents(report):
    data = json.loads(json.dumps(report.to_json()))
    assert data["stack"] == "dev"
    assert data["summary"]["resources"] == 5
    assert data["summary"]["mandatory_failures"] == 3
    assert sorted(c.rule for c in report.failures("mandatory")) == ["CTR-06", "DAT-01", "SEC-22"]
    assert [c.rule for c in report.failures("advisory")] == ["CTR-17-DIGEST"]
    assert [r["id"] for r in data["rules"]][:3] == ["CTR-01", "CTR-02", "CTR-03"]
    by_key = {(r["rule"], r["urn"].rsplit("::", 1)[1]): r for r in data["results"]}
    assert by_key[("CTR-06", "llama-7b")] == {
        "rule": "CTR-06",
        "urn": urn(CONTAINER, "llama-7b"),
        "status": "fail",
        "messages": ["readOnly: must be true (got false)"],
    }
    assert by_key[("CTR-07", "prometheus")]["status"] == "waived"
    assert by_key[("GPU-01", "gateway")] == {"rule": "GPU-01", "urn": urn(CONTAINER, "gateway"), "status": "n/a", "messages": ["no GPUs requested"]}
    assert len(data["results"]) == len(data["rules"]) * 5
    assert [r["name"] for r in data["uncovered_resources"]] == ["aistack"]
    assert FAKE_HF_TOKEN not in json.dumps(data)


def test_report_is_deterministic():
    a = build_report(workstation(), CONFIG, stack="dev")
    b = build_report(list(reversed(workstation())), CONFIG, stack="dev")
    assert a.to_markdown() == b.to_markdown()
    assert a.to_json() == b.to_json()


def test_unknown_values_are_reported_as_unknown():
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    props = unknown_checking_proxy(with_(docker_inference("llama-7b"), "envs", [UNKNOWN_STRING_VALUE]))
    report = build_report([captured(CONTAINER, "llama-7b", props)], None)
    cell = report.cell("SEC-22", urn(CONTAINER, "llama-7b"))
    assert cell.status is Status.UNKNOWN
    assert cell.messages == ("string value at .envs.0 can't be known during preview",)
    assert "### Unknown" in report.to_markdown()


def test_cluster_report():
    resources = [
        captured(DEPLOYMENT, "vllm", k8s_deployment()),
        captured(NETPOL, "default-deny", default_deny()),
        captured(PODMONITOR, "inference", pod_monitor()),
    ]
    report = build_report(resources, None, stack="prod")
    assert report.failures() == []
    assert status(report, "MON-01", "vllm") is Status.PASS
    assert status(report, "CTR-18", "vllm") is Status.PASS
    assert status(report, "GPU-01", "vllm") is Status.PASS


def test_config_levels():
    settings = parse_pack_config({"all": "advisory", "CTR-01": {"enforcementLevel": "mandatory"}, "CTR-17": "remediate"})
    assert settings["CTR-01"].level == "mandatory"
    assert settings["CTR-02"].level == "advisory"
    assert settings["CTR-17"].level == "mandatory"  # remediate acts as mandatory
    assert parse_pack_config(None)["CTR-12"].level == "advisory"


@pytest.mark.parametrize(
    "config, error",
    [
        ({"CTR-99": "advisory"}, "policy config names unknown rules: CTR-99"),
        ({"CTR-01": "blocking"}, "CTR-01: 'blocking' is not an enforcement level"),
        ({"CTR-03": {"allowedCaps": []}}, "CTR-03: unknown config key 'allowedCaps'"),
    ],
)
def test_bad_config_is_refused(config, error):
    with pytest.raises(PolicyConfigError, match=error):
        build_report(workstation(), config)


def test_example_config_is_valid():
    from pathlib import Path

    example = json.loads((Path(report_module.__file__).parent / "config.example.json").read_text())
    assert parse_pack_config(example)


# --- CLI ----------------------------------------------------------------------------------------------


@pytest.fixture(name="fake_capture")
def fixture_fake_capture(monkeypatch):
    """Stands in for components.testing.capture, which runs the real program under mocks."""
    calls = []
    module = types.ModuleType("components.testing.capture")

    def capture_resources(stack: str):
        calls.append(stack)
        return workstation()

    module.capture_resources = capture_resources
    monkeypatch.setitem(sys.modules, "components.testing.capture", module)
    return calls


def test_cli_markdown_to_file(fake_capture, tmp_path):
    out = tmp_path / "report.md"
    assert report_module.main(["--stack", "dev", "--out", str(out)]) == 0
    assert fake_capture == ["dev"]
    assert out.read_text().startswith("## Policy compliance: stack `dev`\n")


def test_cli_json_to_stdout(fake_capture, capsys):
    assert report_module.main(["--stack", "prod", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "prod"


def test_cli_check_fails_on_mandatory_failures(fake_capture, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(CONFIG))
    assert report_module.main(["--stack", "dev", "--config", str(cfg), "--check", "--out", str(tmp_path / "r.md")]) == 1


def test_cli_bad_config_exits_2(fake_capture, tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"CTR-99": "advisory"}))
    assert report_module.main(["--stack", "dev", "--config", str(cfg)]) == 2
    assert "CTR-99" in capsys.readouterr().err
    assert fake_capture == []
