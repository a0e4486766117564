"""Generates the rule tables of policies/README.md and policies/config.example.json from the registry.

    python -m policies.docs           # rewrite the generated parts
    python -m policies.docs --check   # exit 1 if they are stale (CI and tests)

Only the text between the ``<!-- BEGIN name -->`` / ``<!-- END name -->`` markers of the README is
generated; everything else is written by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .aistack_policies.core import Rule
from .aistack_policies.registry import RULES

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
EXAMPLE_CONFIG = HERE / "config.example.json"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_table(rules: Sequence[Rule] = RULES) -> str:
    lines = [
        "| ID | Rule | Level | Kind | Targets | Benchmark | Config |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        config = ", ".join(f"`{o.key}`" for o in r.config) or "-"
        lines.append(
            f"| {r.id} | {_cell(r.title)} | {r.level.value} | {r.scope} | {', '.join(r.targets)} | "
            f"{_cell(r.benchmark)} | {config} |"
        )
    return "\n".join(lines)


def rule_details(rules: Sequence[Rule] = RULES) -> str:
    blocks = []
    for r in rules:
        blocks.append(f"**{r.id} {r.title}** ({r.level.value}). {r.description} *Fix:* {r.remediation}")
    return "\n\n".join(blocks)


def config_table(rules: Sequence[Rule] = RULES) -> str:
    lines = ["| Rule | Key | Type | Default | Meaning |", "|---|---|---|---|---|"]
    for r in rules:
        for o in r.config:
            lines.append(f"| {r.id} | `{o.key}` | {o.type} | `{json.dumps(o.default)}` | {_cell(o.description)} |")
    return "\n".join(lines)


def example_config(rules: Sequence[Rule] = RULES) -> str:
    """Every config option at its default, per rule: a starting point to edit."""
    config = {r.id: {o.key: o.default for o in r.config} for r in rules if r.config}
    return json.dumps(config, indent=2) + "\n"


def sections() -> dict[str, str]:
    return {
        "rules": rules_table(),
        "rule-details": rule_details(),
        "config": config_table(),
        "config-example": "```json\n" + example_config().rstrip("\n") + "\n```",
    }


def render_readme(text: str) -> str:
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- BEGIN {re.escape(name)} -->\n)(?:.*?\n)?(<!-- END {re.escape(name)} -->)", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"{README.name}: markers for {name!r} are missing")
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)  # called at once: no late binding
    return text


def stale_files() -> list[str]:
    stale = []
    if render_readme(README.read_text()) != README.read_text():
        stale.append(str(README.relative_to(HERE.parent)))
    if not EXAMPLE_CONFIG.exists() or EXAMPLE_CONFIG.read_text() != example_config():
        stale.append(str(EXAMPLE_CONFIG.relative_to(HERE.parent)))
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"{path} is stale: run python -m policies.docs", file=sys.stderr)
        return 1 if stale else 0
    README.write_text(render_readme(README.read_text()))
    EXAMPLE_CONFIG.write_text(example_config())
    return 0


if __name__ == "__main__":
    sys.exit(main())
