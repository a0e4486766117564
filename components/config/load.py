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
    if kind == "string_type" and isinstance(err.get("input"), (int, float)) and not isinstance(err.get("input"), bool):
        # YAML reads unquoted digits as a number (and drops leading zeros): the value must be quoted.
        return "wrong type: should be a string; quote the value in the stack file (YAML reads unquoted digits as a number)"
    if kind.endswith("_type") or kind.endswith("_parsing") or kind.startswith(("int_from", "float_from")):
        return err["msg"].replace("Input should be", "wrong type: should be")
    msg = err["msg"]
    return msg.removeprefix("Value error, ").replace("Input should be", "must be")


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
    """One problem per key: the branches of a union (`int | str`) failing together count once."""
    by_path: dict[str, list[Any]] = {}
    for err in exc.errors():
        by_path.setdefault(format_path(err["loc"]) or "(root)", []).append(err)
    problems = []
    for path, errs in by_path.items():
        if len(errs) > 1 and all(_is_union_branch(e) for e in errs):
            wanted = " or ".join(dict.fromkeys(_expected(e) for e in errs))
            problems.append(Problem(path, f"wrong type: should be {wanted}" + _got(errs[0], path)))
            continue
        problems += [Problem(path, _hint(err) + _got(err, path)) for err in errs]
    return problems


def _is_union_branch(err: dict[str, Any]) -> bool:
    return any(part in _UNION_TAGS for part in err["loc"] if isinstance(part, str))


def _expected(err: dict[str, Any]) -> str:
    tag = next((p for p in reversed(err["loc"]) if isinstance(p, str) and p in _UNION_TAGS), "")
    return {"int": "an integer", "str": "a string", "float": "a number", "bool": "true or false"}.get(tag, tag)


class RawConfig(dict):
    """The `aistack:` keys of a stack (namespace stripped), plus problems found while reading them."""

    def __init__(self, *args: Any, problems: Iterable[Problem] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.problems = list(problems)


def parse_stack_config(raw: dict[str, Any], stack: str | None = None) -> StackConfig:
    """Validate raw `{key: value}` config (namespace already stripped). Raises ConfigError."""
    early = list(getattr(raw, "problems", ()))
    try:
        cfg = StackConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(early + problems_from_validation(exc), stack) from None
    if early:
        raise ConfigError(early, stack)
    return cfg


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON strings; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def strip_namespace(config: dict[str, Any], stack: str | None = None) -> RawConfig:
    """`aistack:` keys without their namespace. A key whose namespace looks like a typo of `aistack`, or that has
    no namespace at all, is reported (in `.problems`) instead of being silently ignored."""
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in config.items():
        ns, colon, name = key.partition(":")
        if ns == NAMESPACE:
            raw[name] = _decode(value)
        elif not colon:
            problems.append(Problem(key, f"config keys need a namespace; did you mean `{NAMESPACE}:{key}`?"))
        elif ns not in ("pulumi", "docker", "kubernetes") and difflib.get_close_matches(ns, [NAMESPACE], cutoff=0.6):
            problems.append(Problem(key, f"unknown namespace `{ns}`; did you mean `{NAMESPACE}:{name}`?"))
    return RawConfig(raw, problems=problems)


def config_from_pulumi() -> dict[str, Any]:
    """All `aistack:` keys of the running Pulumi stack, decoded."""
    from pulumi.runtime import config as pconfig

    # The engine hands config over in the environment; mocks set it in-process. Either way it lands here.
    merged = {**dict(pconfig.get_config_env()), **dict(pconfig.CONFIG.get())}
    return strip_namespace(merged)


def config_from_stack_file(stack: str, project_dir: str | pathlib.Path = ".") -> dict[str, Any]:
    """Read Pulumi.<stack>.yaml without the Pulumi CLI (secure values are left out)."""
    path = pathlib.Path(project_dir) / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise ConfigError([Problem("(stack)", f"no stack file {path.name}; stacks: {', '.join(list_stacks(project_dir))}")])
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("(stack)", f"{path.name} is not valid YAML: {exc}".replace("\n", " "))], stack) from None
    if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict):
        raise ConfigError([Problem("(stack)", f"{path.name} must be a mapping with a `config:` mapping")], stack)
    config = {k: v for k, v in (data.get("config") or {}).items() if not (isinstance(v, dict) and "secure" in v)}
    return strip_namespace(config, stack)


def list_stacks(project_dir: str | pathlib.Path = ".") -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in pathlib.Path(project_dir).glob("Pulumi.*.yaml"))


load_stack_config = parse_stack_config  # the name the package exports
