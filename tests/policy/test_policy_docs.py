"""The README's generated parts and config.example.json follow the rule registry."""

from __future__ import annotations

import json

from policies import docs
from policies.aistack_policies.registry import RULES


def test_readme_and_example_config_are_up_to_date():
    assert docs.stale_files() == [], "run: python -m policies.docs"


def test_rules_table_lists_every_rule_with_its_level():
    table = docs.rules_table().splitlines()
    assert len(table) == 2 + len(RULES)
    for rule, line in zip(RULES, table[2:]):
        assert line.startswith(f"| {rule.id} | {rule.title} | {rule.level.value} | {rule.scope} |")


def test_a_changed_rule_makes_the_readme_stale(monkeypatch):
    readme = docs.README.read_text()
    assert docs.render_readme(readme) == readme
    changed = (RULES[0].__class__(**{**vars(RULES[0]), "title": "Renamed"}),) + RULES[1:]
    monkeypatch.setattr(docs, "RULES", changed)
    monkeypatch.setattr(docs, "sections", lambda: {"rules": docs.rules_table(changed)})
    assert docs.render_readme(readme) != readme


def test_example_config_covers_every_option_at_its_default():
    example = json.loads(docs.EXAMPLE_CONFIG.read_text())
    expected = {r.id: {o.key: o.default for o in r.config} for r in RULES if r.config}
    assert example == expected


def test_check_mode_exit_codes(monkeypatch, capsys):
    assert docs.main(["--check"]) == 0
    monkeypatch.setattr(docs, "stale_files", lambda: ["policies/README.md"])
    assert docs.main(["--check"]) == 1
    assert "policies/README.md is stale" in capsys.readouterr().err
