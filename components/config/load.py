"""Turn raw `aistack:` config into a StackConfig, or into one readable list of problems."""
from __future__ import annotations

import difflib
import json
import pathlib
from dataclasses import dataclass
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from .stack import StackConfig

NAMESPACE = "aistack"
SECRET_KEYS = {"gatewayApiKey", "hfToken", "grafanaAdminPassword"}
# Patterns shown to users in words rather than as regular expressions.
PATTERN_WORDS = {
    r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$": "lowercase letters, digits and dashes, at most 40 characters",
    r"^[a-z0-9]([-a-z0-9.]{0,62}[a-z0-9])?$": "lowercase letters, digits, dots and dashes, at most 64 characters",
    r"^[0-9a-f]{64}$": "64 lowercase hex digits (a sha256)",
    r"^\d+\.\d+$": "`major.minor`, e.g. \"9.0\"",
}
_UNION_TAGS = {"int", "str", "float", "bool", "list[int]", "dict[str,str]"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config, located by its key path."""

    path: str  # e.g. "cpuServers[1].cores"
    message: str

    def __str__(self) -> str:
        return f"{NAMESPACE}:{self.path}: {self.message}"


class ConfigError(Exception):
    """All problems found in a stack config, reported at once."""

    def __init__(self, problems: Iterable[Problem], stack: str | None = None):
        self.problems = list(problems)
        self.stack = stack
        where = f" in Pulumi.{stack}.yaml" if stack else ""
        lines = [f"{len(self.problems)} problem(s){where}; nothing was deployed:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def format_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS or str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the keys at `loc` (for 'did you mean' hints)."""
    model: Any = StackConfig
    for part in loc:
        if isinstance(part, int) or part in _UNION_TAGS:
            continue
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part or name == part), None)
        if field is None:
            return None
        model = _innermost_model(field.annotation)
        if model is None:
            return None
    return model


def _innermost_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _innermost_model(arg)
        if found:
            return found
    return None


def _hint(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        keys = sorted((f.alias or n) for n, f in owner.model_fields.items()) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
        guess = f"did you mean `{close[0]}`? " if close else ""
        return f"unknown key; {guess}valid keys here: {', '.join(keys)}"
    if kind == "missing":
        return "required key is missing; add it"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return err["msg"].replace("Input should be", "must be")
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        return f"has the wrong form: expected {PATTERN_WORDS.get(pattern, f'a match for {pattern}')}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return err["msg"].replace("Input should be", "wrong type: should be")
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _got(err: dict[str, Any], path: str) -> str:
    if err["type"] in ("missing", "extra_forbidden") or "input" not in err:
        return ""
    if path.split(".")[0].split("[")[0] in SECRET_KEYS:
        return ""
    value = err["input"]
    if isinstance(value, (dict, list)):
        return ""
    return f" (got {json.dumps(value) if not isinstance(value, str) else repr(value)})"


def problems_from_validation(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = format_path(err["loc"]) or "(root)"
        problems.append(Problem(path, _hint(err) + _got(err, path)))
    return problems


def parse_stack_config(raw: dict[str, Any], stack: str | None = None) -> StackConfig:
    """Validate raw `{key: value}` config (namespace already stripped). Raises ConfigError."""
    try:
        return StackConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc), stack) from None


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON strings; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def strip_namespace(config: dict[str, Any], stack: str | None = None) -> dict[str, Any]:
    raw, foreign = {}, []
    for key, value in config.items():
        ns, _, name = key.partition(":")
        if ns == NAMESPACE:
            raw[name] = _decode(value)
        elif ns not in ("pulumi", "docker", "kubernetes", ""):
            foreign.append(key)
    return raw


def config_from_pulumi() -> dict[str, Any]:
    """All `aistack:` keys of the running Pulumi stack, decoded."""
    from pulumi.runtime import config as pconfig

    return strip_namespace(dict(pconfig.get_config_env()))


def config_from_stack_file(stack: str, project_dir: str | pathlib.Path = ".") -> dict[str, Any]:
    """Read Pulumi.<stack>.yaml without the Pulumi CLI (secure values are left out)."""
    path = pathlib.Path(project_dir) / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise ConfigError([Problem("(stack)", f"no stack file {path.name}; stacks: {', '.join(list_stacks(project_dir))}")])
    data = yaml.safe_load(path.read_text()) or {}
    config = {k: v for k, v in (data.get("config") or {}).items() if not (isinstance(v, dict) and "secure" in v)}
    return strip_namespace(config)


def list_stacks(project_dir: str | pathlib.Path = ".") -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in pathlib.Path(project_dir).glob("Pulumi.*.yaml"))


def load_stack_config(raw: dict[str, Any], stack: str | None = None) -> StackConfig:
    return parse_stack_config(raw, stack)
