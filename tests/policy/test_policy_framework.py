"""The rule model: registry, config handling, waivers, unknown values and the analyzer wiring."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format, struct_pb2
from policy_fixtures import (
    CONTAINER,
    FAKE_HF_TOKEN,
    DEPLOYMENT,
    REMOTE_IMAGE,
    all_violations,
    docker_gateway,
    docker_inference,
    k8s_deployment,
    resource_args,
    violations,
    with_,
    without,
)
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, UnknownValueError

from policies.aistack_policies.core import PolicyConfigError, Status
from policies.aistack_policies.registry import RULES, STACK_RULES, get_rule
from policies.aistack_policies.subject import Subject

TABLE_IDS = [f"CTR-{n:02d}" for n in range(1, 19) if n != 13] + ["K8S-19", "K8S-20", "K8S-21", "SEC-22", "GPU-01", "GPU-02"]


def test_every_rule_of_the_table_is_registered():
    ids = [r.id for r in RULES]
    assert [i for i in TABLE_IDS if i not in ids] == []
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "rule_id, level",
    [("CTR-01", "mandatory"), ("CTR-12", "advisory"), ("CTR-17", "mandatory"), ("CTR-17-DIGEST", "advisory"), ("CTR-18", "advisory"), ("GPU-02", "mandatory"), ("GPU-02-SHM", "advisory")],
)
def test_default_levels_follow_the_table(rule_id, level):
    assert get_rule(rule_id).level.value == level


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_and_policy_object(rule):
    assert rule.description and rule.remediation and rule.benchmark and rule.title
    policy = rule.to_policy()
    assert policy.name == rule.id
    assert policy.enforcement_level == rule.level
    assert policy.remediation_steps == rule.remediation
    assert isinstance(policy, StackValidationPolicy if rule in STACK_RULES else ResourceValidationPolicy)
    if rule.config:
        schema = policy.config_schema.properties
        assert {o.key: o.default for o in rule.config} == {k: v["default"] for k, v in schema.items()}


# --- config --------------------------------------------------------------------------------------


def test_unknown_config_key_is_an_error():
    with pytest.raises(PolicyConfigError, match=r"CTR-03: unknown config key 'allowedCapabilites' \(known keys: allowedCapabilities\)"):
        violations("CTR-03", CONTAINER, docker_inference(), config={"allowedCapabilites": ["SYS_NICE"]})


def test_wrongly_typed_config_is_an_error():
    with pytest.raises(PolicyConfigError, match="CTR-08.allowedHostPaths: expected a list of strings"):
        violations("CTR-08", CONTAINER, docker_inference(), config={"allowedHostPaths": "/srv"})
    with pytest.raises(PolicyConfigError, match="CTR-15.maxRetryCount: expected an integer"):
        violations("CTR-15", CONTAINER, docker_inference(), config={"maxRetryCount": 2.5})


def test_enforcement_level_key_and_float_integers_are_accepted():
    assert violations("CTR-15", CONTAINER, docker_inference(), config={"enforcementLevel": "advisory", "maxRetryCount": 3.0}) == []


# --- waivers (allow-lists and exemptions) -------------------------------------------------------------


def evaluate(rule_id, resource_type, props, config=None):
    return get_rule(rule_id).evaluate(Subject.from_args(resource_args(resource_type, props)), config)


@pytest.mark.parametrize(
    "rule_id, props, config, waiver",
    [
        ("CTR-03", with_(docker_inference(), "capabilities.adds", ["CAP_SYS_NICE"]), {"allowedCapabilities": ["SYS_NICE"]}, "capabilities.adds[0]: SYS_NICE is allowed by allowedCapabilities"),
        ("CTR-06", with_(docker_inference(), "readOnly", False), {"exemptImages": ["ghcr.io/ggml-org/*"]}, "readOnly: writable root filesystem allowed: image matches exemptImages pattern 'ghcr.io/ggml-org/*'"),
        ("CTR-07", with_(docker_inference(), "user", "root"), {"exemptWorkloads": ["llama-7b"]}, "user: root allowed: workload 'llama-7b' is in exemptWorkloads"),
        ("CTR-08", with_(docker_inference(), "mounts.0", {"type": "bind", "source": "/sys/class/drm", "target": "/drm", "readOnly": True}), {"allowedHostPaths": ["/sys/class"]}, "mounts[0].source: /sys/class/drm is allowed by allowedHostPaths entry '/sys/class'"),
        ("CTR-16", with_(docker_inference(), "devices", [{"hostPath": "/dev/dri/renderD128"}]), {"allowedDevices": ["/dev/dri/renderD*"]}, "devices[0].hostPath: /dev/dri/renderD128 is allowed by allowedDevices pattern '/dev/dri/renderD*'"),
        ("CTR-17-DIGEST", with_(docker_inference(), "image", "aistack/llama-server:1.2.0"), {"exemptImages": ["aistack/*"]}, "image: aistack/llama-server:1.2.0 is exempt by exemptImages pattern 'aistack/*'"),
        ("K8S-19", with_(docker_inference(), "sysctls", {"net.core.somaxconn": "1024"}), {"allowedSysctls": ["net.core.somaxconn"]}, "sysctls[net.core.somaxconn]: net.core.somaxconn is allowed by allowedSysctls"),
        ("SEC-22", with_(docker_inference(), "envs", ["ENABLE_API_KEY=true"]), {"allowedKeys": ["ENABLE_API_KEY"]}, "envs[0]: ENABLE_API_KEY is listed in allowedKeys"),
        ("GPU-01", with_(docker_inference(), "gpus", "all"), {"allowAllGpus": True}, 'gpus: gpus "all" hands every GPU of the host to the container is allowed by allowAllGpus'),
        ("NET-01", with_(docker_gateway(), "ports.0.ip", "192.168.1.20"), {"allowedBindAddresses": ["127.0.0.1", "192.168.1.20"]}, "ports[0].ip: 192.168.1.20 is allowed by allowedBindAddresses"),
        ("NET-01", with_(docker_inference(), "ports", [{"internal": 8080.0, "ip": "127.0.0.1"}]), {"publishingRoles": ["gateway", "inference"]}, "ports: role 'inference' is allowed to publish by publishingRoles"),
    ],
)
def test_allow_lists_turn_failures_into_waivers(rule_id, props, config, waiver):
    assert evaluate(rule_id, CONTAINER, props).status is Status.FAIL
    result = evaluate(rule_id, CONTAINER, props, config)
    assert result.status is Status.WAIVED, result
    assert result.waivers == (waiver,)
    assert violations(rule_id, CONTAINER, props, config=config) == []


def test_default_device_allow_list_is_a_waiver():
    props = with_(docker_inference(), "devices", [{"hostPath": "/dev/nvidia0"}])
    result = evaluate("CTR-16", CONTAINER, props)
    assert result.status is Status.WAIVED
    assert result.waivers == ("devices[0].hostPath: /dev/nvidia0 is allowed by allowedDevices pattern '/dev/nvidia*'",)
    assert evaluate("CTR-16", CONTAINER, props, {"allowedDevices": []}).status is Status.FAIL


def test_k8s_image_exemption_for_non_root():
    props = with_(k8s_deployment(), "spec.template.spec.securityContext.runAsNonRoot", False)
    assert evaluate("CTR-07", DEPLOYMENT, props).status is Status.FAIL
    result = evaluate("CTR-07", DEPLOYMENT, props, {"exemptImages": ["docker.io/vllm/*"]})
    assert result.status is Status.WAIVED


def test_non_applicable_resources():
    assert evaluate("GPU-01", CONTAINER, docker_gateway()).status is Status.NOT_APPLICABLE
    assert evaluate("K8S-20", CONTAINER, docker_inference()).status is Status.NOT_APPLICABLE
    assert evaluate("CTR-15", DEPLOYMENT, k8s_deployment()).status is Status.NOT_APPLICABLE


# --- unknown values during preview ----------------------------------------------------------------


def test_unknown_value_needed_by_a_rule_raises_for_the_engine():
    with pytest.raises(UnknownValueError) as err:
        violations("CTR-01", CONTAINER, with_(docker_inference(), "privileged", UNKNOWN_BOOLEAN_VALUE))
    assert err.value.message == "boolean value at .privileged can't be known during preview"


def test_unknown_container_image_defers_to_the_image_resource():
    props = with_(docker_inference(), "image", UNKNOWN_STRING_VALUE)
    assert violations("CTR-17", CONTAINER, props) == []
    assert violations("CTR-17-DIGEST", CONTAINER, props) == []
    assert violations("CTR-17", REMOTE_IMAGE, {"name": "ghcr.io/ggml-org/llama.cpp:latest"})


def test_unknown_image_is_only_read_when_an_exemption_depends_on_it():
    props = with_(docker_inference(), "image", UNKNOWN_STRING_VALUE)
    assert violations("CTR-07", CONTAINER, props) == []  # user is fine: the image is never read
    root = with_(props, "user", "root")
    assert violations("CTR-07", CONTAINER, root) == ["user: must not be root (got \"root\")"]  # no exemptions configured
    assert violations("CTR-07", CONTAINER, root, config={"exemptWorkloads": ["llama-7b"]}) == []
    with pytest.raises(UnknownValueError):
        violations("CTR-07", CONTAINER, root, config={"exemptImages": ["ghcr.io/*"]})


def test_unknown_values_elsewhere_do_not_matter():
    props = with_(docker_inference(), "hostname", UNKNOWN_STRING_VALUE)
    assert violations("CTR-02", CONTAINER, props) == []


def test_a_computed_label_does_not_hide_the_others():
    # The program labels containers with values computed from other resources (models-verified).
    props = docker_inference()
    props["labels"] = props["labels"] + [{"label": "aistack.dev/models-verified", "value": UNKNOWN_STRING_VALUE}]
    assert all_violations(CONTAINER, props) == {}


def test_known_violations_are_reported_before_an_unknown_value():
    props = with_(docker_inference(), "envs", ["HF_TOKEN=" + FAKE_HF_TOKEN, UNKNOWN_STRING_VALUE])
    found: list[str] = []
    with pytest.raises(UnknownValueError):
        get_rule("SEC-22").validate(resource_args(CONTAINER, props), lambda m, u=None: found.append(m))
    assert found == [
        "envs[0]: HF_TOKEN holds a literal value and its name marks it as a secret; pass it as a file or a secret reference (value not shown)"
    ]
    result = evaluate("SEC-22", CONTAINER, props)
    assert result.status is Status.FAIL and result.unknown is not None
    only_unknown = evaluate("SEC-22", CONTAINER, with_(docker_inference(), "envs", [UNKNOWN_STRING_VALUE]))
    assert only_unknown.status is Status.UNKNOWN
    assert only_unknown.reason == "string value at .envs.0 can't be known during preview"


# --- the analyzer wiring, without starting a server ---------------------------------------------------


def _servicer(config=None):
    from pulumi.runtime import proto
    from pulumi_policy.policy import _PolicyAnalyzerServicer  # private: the class PolicyPack serves

    servicer = _PolicyAnalyzerServicer("aistack", "0.1.0", [r.to_policy() for r in RULES], EnforcementLevel.ADVISORY)
    request = proto.ConfigureAnalyzerRequest()
    for name, value in (config or {}).items():
        request.policyConfig[name].properties.update(value)
    servicer.Configure(request, None)
    return servicer, proto


def _analyze(servicer, proto, resource_type, props):
    struct = struct_pb2.Struct()
    json_format.ParseDict(json.loads(json.dumps(props)), struct)
    request = proto.AnalyzeRequest(type=resource_type, properties=struct, urn="urn:pulumi:dev::aistack::t::r", name="r", options=proto.AnalyzerResourceOptions())
    return servicer.Analyze(request, None)


def test_analyzer_reports_violations_with_policy_names_and_levels():
    servicer, proto = _servicer()
    info = servicer.GetAnalyzerInfo(None, None)
    assert [p.name for p in info.policies] == [r.id for r in RULES]
    props = with_(without(docker_inference(), "memory"), "privileged", True)
    response = _analyze(servicer, proto, CONTAINER, props)
    found = {(d.policyName, d.enforcementLevel) for d in response.diagnostics}
    assert found == {("CTR-01", proto.MANDATORY), ("CTR-11", proto.MANDATORY)}
    assert any("privileged: must not be true" in d.message for d in response.diagnostics)


def test_analyzer_passes_config_and_turns_unknowns_into_advisories():
    servicer, proto = _servicer({"CTR-03": {"allowedCapabilities": ["SYS_NICE"]}})
    props = with_(docker_inference(), "capabilities.adds", ["SYS_NICE"])
    assert list(_analyze(servicer, proto, CONTAINER, props).diagnostics) == []
    response = _analyze(servicer, proto, CONTAINER, with_(docker_inference(), "privileged", UNKNOWN_BOOLEAN_VALUE))
    (diag,) = response.diagnostics
    assert diag.policyName == "CTR-01" and diag.enforcementLevel == proto.ADVISORY
    assert "during preview" in diag.message
    props = with_(docker_inference(), "envs", ["DB_PASSWORD=hunter2", UNKNOWN_STRING_VALUE])
    response = _analyze(servicer, proto, CONTAINER, props)
    # the known violation stays mandatory; the rules that could not read envs[1] add an advisory
    assert sorted((d.policyName, d.enforcementLevel) for d in response.diagnostics) == sorted(
        [("CTR-16", proto.ADVISORY), ("SEC-22", proto.MANDATORY), ("SEC-22", proto.ADVISORY)]
    )


def test_images_built_by_the_stack_need_no_digest_but_pulled_ones_do():
    built = {"name": "aistack/llama-cpu:0.1.0", "build": {"context": "images", "dockerfile": "images/llama-cpu/Dockerfile"}}
    assert violations("CTR-17-DIGEST", REMOTE_IMAGE, built) == []
    assert violations("CTR-17-DIGEST", REMOTE_IMAGE, {"name": "aistack/llama-cpu:0.1.0"})
    assert violations("CTR-17", REMOTE_IMAGE, {**built, "name": "aistack/llama-cpu:latest"})  # the tag rule still applies
