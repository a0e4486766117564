"""`plan STACK`: the hardware plan table (`python -m components.plan --stack STACK`), no Pulumi CLI needed."""
from __future__ import annotations

import argparse

from .common import ROOT, check_stack

HELP = "show the hardware and where every server replica runs"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help=HELP, description=HELP + " (python -m components.plan).")
    p.add_argument("stack", help="stack name (Pulumi.<stack>.yaml)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from components import plan

    argv = ["--stack", check_stack(args.stack), "--project-dir", str(ROOT)]
    return plan.main(argv + (["--json"] if args.json else []))
