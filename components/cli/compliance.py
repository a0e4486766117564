"""`compliance STACK`: every policy rule against every resource of the stack (`python -m policies.report`)."""
from __future__ import annotations

import argparse
import sys

from .common import EXIT_USAGE, check_stack, step

HELP = "the policy compliance report of a stack (markdown for PRs, json for machines)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compliance", help=HELP, description=HELP + " (python -m policies.report).")
    p.add_argument("stack", help="stack name (Pulumi.<stack>.yaml)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--config", metavar="FILE", help="policy-pack config JSON, as for --policy-pack-config")
    p.add_argument("--check", action="store_true", help="exit 1 when a mandatory rule fails")


def run(args: argparse.Namespace) -> int:
    from components.config import ConfigError
    from policies import report

    argv = ["--stack", check_stack(args.stack), "--format", args.format]
    for flag, value in (("--out", args.out), ("--config", args.config)):
        if value:
            argv += [flag, value]
    if args.out:
        step(f"compliance report of stack {args.stack}: running the program under mocks")
    try:
        code = report.main(argv + (["--check"] if args.check else []))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if args.out and code in (0, 1):
        step(f"wrote {args.out}")
    return code
