"""Compliance report: every rule of the pack against every resource of a stack.

    python -m policies.report --stack dev [--format markdown|json] [--out FILE]
                              [--config policies/config.example.json] [--check]

The resources come from running the stack program under Pulumi mocks
(``components.testing.capture.capture_resources``), so the report sees inputs, like resource
policies do during preview. Each cell is one of

* ``pass``: the rule checked the resource and found nothing;
* ``fail``: a violation (the message says where and why; secret values are never shown);
* ``waived``: it passed because an allow-list or config exemption applied;
* ``n/a``: the rule does not apply to the resource (other type, not a GPU server, disabled, ...);
* ``unknown``: a value the rule needs is not known (computed) when the program runs under mocks.

``--config`` takes the same JSON as ``pulumi preview --policy-pack-config``: per rule an
enforcement level or ``{"enforcementLevel": ..., <options>}``, and ``"all"`` for every rule.
``--check`` exits 1 when a rule whose effective level is mandatory fails. Markdown is meant for PR
comments, JSON for machines; both are deterministic.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .aistack_policies.core import Evaluation, PolicyConfigError, ResourceRule, Rule, Status, StackRule
from .aistack_policies.registry import RULES
from .aistack_policies.subject import Subject, classify

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
TARGET_PACKAGES = ("docker:", "docker-build:", "kubernetes:")
STATUS_ORDER = (Status.FAIL, Status.WAIVED, Status.PASS, Status.UNKNOWN, Status.NOT_APPLICABLE)


@dataclass(frozen=True)
class RuleSettings:
    level: str
    options: Mapping[str, Any]


def parse_pack_config(config: Mapping[str, Any] | None, rules: Sequence[Rule] = RULES) -> dict[str, RuleSettings]:
    """Effective level and options per rule from a policy-pack config (as the Pulumi CLI reads it)."""
    config = dict(config or {})
    known = {r.id for r in rules}
    unknown = sorted(k for k in config if k != "all" and k not in known)
    if unknown:
        raise PolicyConfigError(f"policy config names unknown rules: {', '.join(unknown)}")

    def split(key: str, value: Any) -> tuple[str | None, dict[str, Any]]:
        if isinstance(value, str):
            level, options = value, {}
        elif isinstance(value, Mapping):
            options = dict(value)
            level = options.pop("enforcementLevel", None)
        else:
            raise PolicyConfigError(f"{key}: expected an enforcement level or an object (got {value!r})")
        if level is not None and level not in LEVELS:
            raise PolicyConfigError(f"{key}: {level!r} is not an enforcement level ({', '.join(LEVELS)})")
        return level, options

    all_level, _ = split("all", config["all"]) if "all" in config else (None, {})
    out = {}
    for rule in rules:
        level, options = split(rule.id, config[rule.id]) if rule.id in config else (None, {})
        level = level or all_level or rule.level.value
        rule.make_config(options)  # validates the options now, with the rule's own messages
        out[rule.id] = RuleSettings("mandatory" if level == "remediate" else level, options)
    return out


@dataclass(frozen=True)
class ReportResource:
    urn: str
    name: str
    type: str

    @property
    def short_type(self) -> str:
        return self.type.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class ReportRule:
    id: str
    title: str
    level: str
    scope: str
    benchmark: str


@dataclass(frozen=True)
class Cell:
    rule: str
    urn: str
    status: Status
    messages: tuple[str, ...] = ()


@dataclass
class Report:
    stack: str | None
    rules: list[ReportRule]
    resources: list[ReportResource]
    cells: dict[tuple[str, str], Cell]
    uncovered: list[ReportResource] = field(default_factory=list)

    def cell(self, rule_id: str, urn: str) -> Cell:
        return self.cells[(rule_id, urn)]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in STATUS_ORDER}
        for c in self.cells.values():
            out[c.status.value] += 1
        return out

    def failures(self, level: str | None = None) -> list[Cell]:
        levels = {r.id: r.level for r in self.rules}
        return [
            c
            for c in self._ordered_cells()
            if c.status is Status.FAIL and (level is None or levels[c.rule] == level)
        ]

    def _ordered_cells(self) -> Iterable[Cell]:
        for rule in self.rules:
            for res in self.resources:
                yield self.cells[(rule.id, res.urn)]

    # --- JSON ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            "stack": self.stack,
            "summary": {
                "rules": len(self.rules),
                "resources": len(self.resources),
                **counts,
                "mandatory_failures": len(self.failures("mandatory")),
            },
            "rules": [vars(r) for r in self.rules],
            "resources": [vars(r) for r in self.resources],
            "results": [
                {"rule": c.rule, "urn": c.urn, "status": c.status.value, "messages": list(c.messages)}
                for c in self._ordered_cells()
            ],
            "uncovered_resources": [vars(r) for r in self.uncovered],
        }

    # --- Markdown --------------------------------------------------------------------------------

    def _labels(self) -> dict[str, str]:
        names = [r.name for r in self.resources]
        return {
            r.urn: r.name if names.count(r.name) == 1 else f"{r.name} ({r.short_type})" for r in self.resources
        }

    def to_markdown(self) -> str:
        labels = self._labels()
        counts = self.counts()
        mandatory = len(self.failures("mandatory"))
        title = f"## Policy compliance: stack `{self.stack}`" if self.stack else "## Policy compliance"
        lines = [
            title,
            "",
            f"{len(self.rules)} rules x {len(self.resources)} resources: "
            + ", ".join(f"{counts[s.value]} {s.value}" for s in STATUS_ORDER)
            + f"; {mandatory} mandatory failure{'s' if mandatory != 1 else ''}.",
            "",
        ]
        header = ["Rule", "Level"] + [_md(labels[r.urn]) for r in self.resources]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join(["---"] * len(header)) + "|")
        for rule in self.rules:
            row = [f"{rule.id} {_md(rule.title)}", rule.level]
            for res in self.resources:
                status = self.cells[(rule.id, res.urn)].status
                row.append(f"**{status.value}**" if status is Status.FAIL else status.value)
            lines.append("| " + " | ".join(row) + " |")
        for heading, status in (("Failures", Status.FAIL), ("Waivers", Status.WAIVED), ("Unknown", Status.UNKNOWN)):
            cells = [c for c in self._ordered_cells() if c.status is status]
            if not cells:
                continue
            levels = {r.id: r.level for r in self.rules}
            lines += ["", f"### {heading}", ""]
            for c in cells:
                for message in c.messages:
                    level = f" ({levels[c.rule]})" if status is Status.FAIL else ""
                    lines.append(f"- **{c.rule}**{level} `{labels[c.urn]}`: {_md(message)}")
        if self.uncovered:
            n = len(self.uncovered)
            lines += [
                "",
                f"{n} {'resource is' if n == 1 else 'resources are'} not checked by any rule: "
                + ", ".join(f"`{r.name}` ({r.short_type})" for r in self.uncovered)
                + ".",
            ]
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell(rule_id: str, urn: str, ev: Evaluation) -> Cell:
    if ev.status is Status.FAIL:
        messages = ev.violations
    elif ev.status is Status.WAIVED:
        messages = ev.waivers
    else:
        messages = (ev.reason,) if ev.reason else ()
    return Cell(rule_id, urn, ev.status, tuple(messages))


def build_report(
    resources: Sequence[Any], config: Mapping[str, Any] | None = None, stack: str | None = None, rules: Sequence[Rule] = RULES
) -> Report:
    """Evaluate ``rules`` on captured resources (``type``, ``name``, ``urn``, ``props``, ``opts``)."""
    settings = parse_pack_config(config, rules)
    subjects = [Subject.from_captured(r) for r in resources]
    covered = sorted((s for s in subjects if classify(s.type) is not None), key=lambda s: (s.type, s.name, s.urn))
    # Target resources no rule looks at (networks, config maps, ...); components and providers are left out.
    uncovered = sorted(
        (s for s in subjects if classify(s.type) is None and s.type.startswith(TARGET_PACKAGES)),
        key=lambda s: (s.type, s.name, s.urn),
    )

    cells: dict[tuple[str, str], Cell] = {}
    for rule in rules:
        setting = settings[rule.id]
        if setting.level == "disabled":
            for s in covered:
                cells[(rule.id, s.urn)] = Cell(rule.id, s.urn, Status.NOT_APPLICABLE, ("disabled by the policy config",))
            continue
        if isinstance(rule, StackRule):
            try:
                results = rule.evaluate_stack(subjects, setting.options)
            except UnknownValueError as e:
                results = {s.urn: Evaluation(Status.UNKNOWN, reason=e.message) for s in covered}
            for s in covered:
                ev = results.get(s.urn, Evaluation(Status.NOT_APPLICABLE))
                cells[(rule.id, s.urn)] = _cell(rule.id, s.urn, ev)
        else:
            assert isinstance(rule, ResourceRule)
            for s in covered:
                cells[(rule.id, s.urn)] = _cell(rule.id, s.urn, rule.evaluate(s, setting.options))

    return Report(
        stack=stack,
        rules=[ReportRule(r.id, r.title, settings[r.id].level, r.scope, r.benchmark) for r in rules],
        resources=[ReportResource(s.urn, s.name, s.type) for s in covered],
        cells=cells,
        uncovered=[ReportResource(s.urn, s.name, s.type) for s in uncovered],
    )


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    return report.to_markdown()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="stack whose program is run under mocks (dev, prod)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    parser.add_argument("--config", type=Path, help="policy-pack config JSON (as for --policy-pack-config)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a mandatory rule fails")
    args = parser.parse_args(argv)

    try:
        config = json.loads(args.config.read_text()) if args.config else None
        parse_pack_config(config)  # refuse a bad config before running the program
    except (OSError, ValueError) as e:
        print(f"error: {args.config or 'config'}: {e}", file=sys.stderr)
        return 2

    try:
        from components.testing.capture import capture_resources  # pylint: disable=import-outside-toplevel
    except ImportError as e:
        print(f"error: cannot import components.testing.capture ({e}); run from the repository root", file=sys.stderr)
        return 2

    from components.config import ConfigError  # pylint: disable=import-outside-toplevel

    try:
        resources = capture_resources(args.stack)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = build_report(resources, config, stack=args.stack)
    text = render(report, args.format)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 1 if args.check and report.failures("mandatory") else 0


if __name__ == "__main__":
    sys.exit(main())
