"""`doctor`: is this machine ready? Each check prints OK, WARN or FAIL, and a `fix:` line when it is not OK.
Exits 1 only when a check FAILs."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from .common import step
from .doctor_checks import FAIL, OK, WARN, Check, run_all

HELP = "check the Docker engine, NVIDIA runtime, GPUs, CPU topology and the Pulumi toolchain; say what to fix"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help=HELP, description=HELP + ".")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def summary(checks: list[Check]) -> dict[str, int]:
    return {s.lower(): sum(c.status == s for c in checks) for s in (OK, WARN, FAIL)}


def format_checks(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{c.status:<5} {c.name:<{width}}  {c.detail}")
        if c.status != OK and c.fix:
            lines.append(f"{'':<5} {'':<{width}}  fix: {c.fix}")
    counts = summary(checks)
    lines.append(f"\n{counts['ok']} OK, {counts['warn']} WARN, {counts['fail']} FAIL")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if not args.json:
        step("checking the Docker engine, GPUs, CPU topology and the Pulumi toolchain")
    checks = run_all()
    failed = any(c.status == FAIL for c in checks)
    if args.json:
        print(json.dumps({"ok": not failed, "summary": summary(checks), "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        print(format_checks(checks))
    return 1 if failed else 0
