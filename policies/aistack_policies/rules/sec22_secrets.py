"""SEC-22: no literal secrets in environment variables or command lines.

Policies receive secret inputs as plaintext, so every message names the variable or flag and never
its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from ..core import DOCKER, KUBERNETES, MANDATORY, ConfigOption, Findings, ResourceRule, RuleConfig, aistack
from ..docker import envs
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_map, known_items

# A variable whose name says it holds a secret. ``*_FILE`` / ``*_PATH`` variables hold paths.
SENSITIVE_NAME = re.compile(
    r"(^|_)(TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|SECRET_KEY|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)($|_)",
    re.IGNORECASE,
)
PATH_SUFFIX = re.compile(r"_(FILE|PATH|DIR)$", re.IGNORECASE)
# Values that are secrets whatever the variable is called.
SECRET_VALUE = re.compile(
    r"\b(hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|xox[baprs]-[A-Za-z0-9-]{10,})\b"
)
SECRET_FLAGS = frozenset({"--api-key", "--hf-token", "--token", "--password", "--secret", "--auth-token"})


def sensitive_name(name: str) -> bool:
    return bool(SENSITIVE_NAME.search(name)) and not PATH_SUFFIX.search(name)


def _check_env(where: str, key: str, value: str | None, config: RuleConfig, out: Findings) -> None:
    if not value:
        return
    by_name = sensitive_name(key)
    by_value = bool(SECRET_VALUE.search(value))
    if not (by_name or by_value):
        return
    if key in config["allowedKeys"]:
        out.waive(where, f"{key} is listed in allowedKeys")
        return
    reason = "its name marks it as a secret" if by_name else "its value looks like an access token"
    out.fail(where, f"{key} holds a literal value and {reason}; pass it as a file or a secret reference (value not shown)")


def _check_args(where: str, args: Sequence[str], out: Findings) -> None:
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:  # the value of a secret flag, already reported
            skip_next = False
            continue
        flag, eq, inline = arg.partition("=")
        if flag in SECRET_FLAGS and ((eq and inline) or (not eq and i + 1 < len(args))):
            out.fail(
                f"{where}[{i}]",
                f"{flag} takes a literal secret on the command line; use its *-file variant or an env secret "
                "(value not shown)",
            )
            skip_next = not eq
        elif SECRET_VALUE.search(arg):
            out.fail(f"{where}[{i}]", "argument looks like an access token (value not shown)")


def _args(values: object, out: Findings) -> list[str]:
    """The known arguments (an unknown one is deferred; a secret could hide only in it)."""
    return [str(v) for _, v in known_items(values, out.defer)]


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for env in envs(subject.props):
        if env.unknown is not None:
            out.defer(env.unknown)
            continue
        _check_env(env.path, env.key, env.value, config, out)
    for key in ("command", "entrypoints"):
        _check_args(key, _args(subject.props.get(key), out), out)


def _check_pod_env(where: str, env: Mapping[str, Any], config: RuleConfig, out: Findings) -> None:
    name = str(env.get("name") or "")
    value_from = as_map(env.get("valueFrom"))
    if "value" in env and env["value"] is not None:
        _check_env(where, name, str(env["value"]), config, out)
    elif value_from.get("configMapKeyRef") and sensitive_name(name) and name not in config["allowedKeys"]:
        out.fail(f"{where}.valueFrom.configMapKeyRef", f"{name} is a secret: read it with secretKeyRef, not from a ConfigMap")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        for i, env in known_items(c.spec.get("env"), out.defer):
            try:
                _check_pod_env(f"{c.path}.env[{i}]", as_map(env), config, out)
            except UnknownValueError as e:
                out.defer(e)
        for key in ("command", "args"):
            _check_args(f"{c.path}.{key}", _args(c.spec.get(key), out), out)


RULE = ResourceRule(
    id="SEC-22",
    title="No literal secrets",
    description="Tokens and passwords must not appear as literal environment values or command-line arguments.",
    remediation=(
        "Docker: upload the secret as a file (e.g. /run/secrets/hf_token, from a Pulumi secret) and "
        "point `*_FILE` / `--api-key-file` at it. Kubernetes: use `valueFrom.secretKeyRef` or a mounted "
        "Secret. Names that only look secret go in `allowedKeys`."
    ),
    benchmarks=(aistack("secret hygiene"),),
    level=MANDATORY,
    severity=Severity.CRITICAL,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowedKeys",
            "array",
            [],
            "Environment variable names that look secret but are not; a match is reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
