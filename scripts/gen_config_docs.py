#!/usr/bin/env python3
"""Generate docs/config-reference.md from the pydantic config models (components/config).

    python scripts/gen_config_docs.py           # rewrite docs/config-reference.md
    python scripts/gen_config_docs.py --check   # exit 1 if the committed file is stale

The page is built from `StackConfig.model_json_schema(by_alias=True)`: every key path with its type, default,
constraints and description, one table per config group. A unit test fails when the committed page differs from
what this script generates.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.config.load import NAMESPACE, PATTERN_WORDS, SECRET_KEYS  # noqa: E402
from components.config.stack import StackConfig  # noqa: E402

OUTPUT = ROOT / "docs" / "config-reference.md"
SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "null": "null"}


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _non_null(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Unwrap `X | None`: (the X branch, whether null is allowed)."""
    branches = node.get("anyOf")
    if not branches:
        return node, False
    rest = [b for b in branches if b.get("type") != "null"]
    nullable = len(rest) != len(branches)
    if len(rest) == 1:
        merged = {k: v for k, v in node.items() if k != "anyOf"}
        merged.update(rest[0])
        return merged, nullable
    return {**{k: v for k, v in node.items() if k != "anyOf"}, "anyOf": rest}, nullable


def _markdown(text: str) -> str:
    """Escape `<` and `>` outside code spans, so `Pulumi.<stack>.yaml` is not read as an HTML tag."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


class Renderer:
    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.sections: list[tuple[str, str, dict[str, Any]]] = []  # (key path, anchor, object schema)

    # --- naming
    @staticmethod
    def anchor(path: str) -> str:
        slug = "".join(ch if ch.isalnum() else "-" for ch in path.lower()).strip("-")
        while "--" in slug:
            slug = slug.replace("--", "-")
        return slug

    def type_text(self, node: dict[str, Any], path: str) -> str:
        node, nullable = _non_null(node)
        text = self._type(node, path)
        return f"{text} (optional)" if nullable else text

    def _type(self, node: dict[str, Any], path: str) -> str:
        if "anyOf" in node:
            return " or ".join(self._type(b, path) for b in node["anyOf"])
        if "enum" in node:
            return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
        if "const" in node:
            return f"`{json.dumps(node['const'])}`"
        name = _ref_name(node)
        if name:
            return f"[object](#{self.anchor(path)})"
        kind = node.get("type")
        if kind == "array":
            return "list of " + self._type(node.get("items", {}), path + "[]")
        if kind == "object":
            values = node.get("additionalProperties")
            if isinstance(values, dict):
                return f"map of string to {self._type(values, path + '.*')}"
            return "object"
        return SCALARS.get(kind, str(kind))

    # --- columns
    @staticmethod
    def default_text(node: dict[str, Any], required: bool) -> str:
        if required:
            return "**required**"
        if "default" in node:
            return f"`{json.dumps(node['default'], ensure_ascii=False)}`"
        unwrapped, _ = _non_null(node)
        if unwrapped.get("type") == "array":
            return "`[]`"
        if unwrapped.get("type") == "object" and "additionalProperties" in unwrapped:
            return "`{}`"
        return "see its table"

    def constraints_text(self, node: dict[str, Any]) -> str:
        node, _ = _non_null(node)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            inner = self.constraints_text(node["items"])
        else:
            inner = ""
        parts = []
        for key, sign in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤")):
            if key in node:
                parts.append(f"{sign} {node[key]}")
        if "minLength" in node:
            parts.append(f"at least {node['minLength']} character(s)")
        if "maxLength" in node:
            parts.append(f"at most {node['maxLength']} characters")
        if "minItems" in node:
            parts.append(f"at least {node['minItems']} item(s)")
        if "maxItems" in node:
            parts.append(f"at most {node['maxItems']} items")
        if "pattern" in node:
            words = PATTERN_WORDS.get(node["pattern"])
            parts.append(words if words else f"matches `{node['pattern']}`")
        if inner:
            parts.append(f"each item: {inner}")
        return "; ".join(parts)

    # --- walking
    def child_object(self, node: dict[str, Any]) -> tuple[str, bool] | None:
        """(definition name, is a list) when the key holds an object or a list of objects."""
        node, _ = _non_null(node)
        name = _ref_name(node)
        if name:
            return name, False
        if node.get("type") == "array":
            item_name = _ref_name(_non_null(node.get("items", {}))[0])
            if item_name:
                return item_name, True
        return None

    def collect(self, path: str, obj: dict[str, Any]) -> None:
        self.sections.append((path, self.anchor(path), obj))
        for key, node in obj.get("properties", {}).items():
            child = self.child_object(node)
            if child:
                name, is_list = child
                self.collect(self.key_path(path, key) + ("[]" if is_list else ""), self.defs[name])

    @staticmethod
    def key_path(parent: str, key: str) -> str:
        return f"{NAMESPACE}:{key}" if parent == f"{NAMESPACE}:" else f"{parent}.{key}"

    def row(self, parent: str, key: str, node: dict[str, Any], required: bool) -> str:
        path = self.key_path(parent, key)
        child = self.child_object(node)
        type_path = path + ("[]" if child and child[1] else "")
        description = node.get("description") or _non_null(node)[0].get("description") or ""
        if child and not description:
            description = self.defs[child[0]].get("description", "")
        description = _markdown(" ".join(description.split()))
        if parent == f"{NAMESPACE}:" and key in SECRET_KEYS:
            rest = description.removeprefix("Secret: ")
            description = f"**Secret.** {rest[:1].upper()}{rest[1:]}"
        cells = [
            f"`{path}`",
            self.type_text(node, type_path),
            self.default_text(node, required),
            self.constraints_text(node),
            description,
        ]
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    def render(self) -> str:
        self.sections.clear()
        self.collect(f"{NAMESPACE}:", self.schema)
        out = [
            "# Configuration reference",
            "",
            "<!-- Generated by scripts/gen_config_docs.py from the models in components/config. Do not edit by hand:",
            "     change the models, then run `python scripts/gen_config_docs.py`. -->",
            "",
            f"Every key lives in the `{NAMESPACE}:` namespace of `Pulumi.<stack>.yaml`. Keys are camelCase; an unknown",
            "or misspelled key is an error, never ignored. `[]` in a path stands for any item of a list.",
            "Check a stack without deploying it: `python -m components.plan --stack <stack>`.",
            "",
            "## Contents",
            "",
        ]
        for path, anchor, _ in self.sections:
            title = "Top-level keys" if path == f"{NAMESPACE}:" else f"`{path}`"
            out.append(f"- [{title}](#{anchor})")
        for path, anchor, obj in self.sections:
            title = "Top-level keys" if path == f"{NAMESPACE}:" else f"`{path}`"
            out += ["", f'<a id="{anchor}"></a>', "", f"## {title}", ""]
            if obj.get("description"):
                out += [_markdown(" ".join(obj["description"].split())), ""]
            out += ["| key | type | default | constraints | description |", "|---|---|---|---|---|"]
            required = set(obj.get("required", []))
            for key, node in obj.get("properties", {}).items():
                out.append(self.row(path, key, node, key in required))
        return "\n".join(out) + "\n"


def render() -> str:
    return Renderer(StackConfig.model_json_schema(by_alias=True)).render()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/config-reference.md from the config models.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run `python scripts/gen_config_docs.py`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
