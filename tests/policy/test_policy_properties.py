"""Property tests: the rules survive any input shape and never echo secret values."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_fixtures import (
    CONTAINER,
    DEPLOYMENT,
    docker_inference,
    k8s_deployment,
    resource_args,
    stack_resources,
    with_,
)
from pulumi_policy import StackValidationArgs

from policies.aistack_policies.registry import RESOURCE_RULES, STACK_RULES

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)

DOCKER_KEYS = sorted(docker_inference()) + ["ports", "devices", "volumes", "sysctls", "deviceRequests", "uploads", "tmpfs", "networkMode", "ipcMode", "publishAllPorts", "privileged"]


def paths(obj, prefix=()):
    """Every key path of a fixture, down to the leaves."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in items:
        path = (*prefix, str(key))
        yield path
        yield from paths(value, path)


DOCKER_PATHS = sorted(paths(docker_inference()))
POD_PATHS = sorted(paths(k8s_deployment())) + [("spec", "volumeClaimTemplates"), ("spec", "template", "spec", "hostIPC")]

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_all(resource_type, props):
    for rule in RESOURCE_RULES:
        rule.validate(resource_args(resource_type, props), lambda m, u=None: None)


@FAST
@given(st.dictionaries(st.sampled_from(DOCKER_KEYS), json_values, max_size=6))
def test_docker_rules_survive_any_property_shape(overrides):
    props = docker_inference()
    props.update(overrides)
    run_all(CONTAINER, props)


@FAST
@given(st.sampled_from(DOCKER_PATHS), json_values)
def test_docker_rules_survive_any_nested_value(path, value):
    run_all(CONTAINER, with_(docker_inference(), path, value))


@FAST
@given(st.sampled_from(POD_PATHS), json_values)
def test_pod_rules_survive_any_nested_value(path, value):
    run_all(DEPLOYMENT, with_(k8s_deployment(), path, value))


@FAST
@given(st.lists(st.tuples(st.sampled_from(DOCKER_KEYS), json_values), max_size=4))
def test_stack_rules_survive_any_property_shape(changes):
    props = docker_inference()
    for key, value in changes:
        props[key] = value
    args = StackValidationArgs(stack_resources([(CONTAINER, "c", props), (DEPLOYMENT, "d", k8s_deployment())]))
    for rule in STACK_RULES:
        rule.validate(args, lambda m, u=None: None)


secret_values = st.text(alphabet=string.ascii_letters + string.digits + "-_/+", min_size=12, max_size=40)
secret_names = st.sampled_from(["HF_TOKEN", "API_KEY", "DB_PASSWORD", "WEBUI_SECRET_KEY", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY"])


@FAST
@given(secret_names, secret_values)
def test_secret_values_never_appear_in_messages(name, value):
    props = with_(docker_inference(), "envs", [f"{name}={value}"])
    props = with_(props, "command", ["--api-key", value, f"--token={value}"])
    messages: list[str] = []
    for rule in RESOURCE_RULES:
        rule.validate(resource_args(CONTAINER, props), lambda m, u=None: messages.append(m))
    assert len([m for m in messages if name in m]) == 1
    assert all(value not in m for m in messages)

    env = [{"name": name, "value": value}]
    deployment = with_(k8s_deployment(), "spec.template.spec.containers.0.env", env)
    messages.clear()
    for rule in RESOURCE_RULES:
        rule.validate(resource_args(DEPLOYMENT, deployment), lambda m, u=None: messages.append(m))
    assert messages and all(value not in m for m in messages)
