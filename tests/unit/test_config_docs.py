"""docs/config-reference.md is generated from the config models and must be kept current."""
from __future__ import annotations

import importlib.util
import typing

from unit_support import ROOT
from pydantic import BaseModel

from components.config import StackConfig

STALE = "docs/config-reference.md is stale: run `python scripts/gen_config_docs.py` and commit the result"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_config_docs", ROOT / "scripts" / "gen_config_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _key_paths(model: type[BaseModel], prefix: str = "aistack:") -> list[tuple[str, type[BaseModel], str]]:
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}{key}" if prefix.endswith(":") else f"{prefix}.{key}"
        out.append((path, model, name))
        for child in _models(field.annotation):
            is_list = typing.get_origin(field.annotation) is list or any(
                typing.get_origin(a) is list for a in typing.get_args(field.annotation)
            )
            out += _key_paths(child, path + ("[]" if is_list else ""))
    return out


def test_committed_reference_is_current():
    committed = (ROOT / "docs" / "config-reference.md").read_text()
    assert committed == _generator().render(), STALE


def test_every_key_path_is_documented():
    text = (ROOT / "docs" / "config-reference.md").read_text()
    paths = _key_paths(StackConfig)
    assert len(paths) > 100
    missing = [p for p, _, _ in paths if f"| `{p}` |" not in text]
    assert not missing, f"undocumented keys {missing}; {STALE}"


def test_every_key_has_a_description():
    """Style: every field says what it is for (a nested group may rely on its model's docstring)."""
    bare = [
        path
        for path, model, name in _key_paths(StackConfig)
        if not model.model_fields[name].description and not any(m.__doc__ for m in _models(model.model_fields[name].annotation))
    ]
    assert not bare, f"fields without a description: {bare}"


def test_check_mode_reports_stale(tmp_path, monkeypatch):
    gen = _generator()
    monkeypatch.setattr(gen, "OUTPUT", tmp_path / "config-reference.md")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    (tmp_path / "config-reference.md").write_text("old\n")
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0
