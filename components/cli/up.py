"""`up STACK`: deploy a stack (`pulumi up --yes`; the program validates the config before creating anything)."""
from __future__ import annotations

import argparse

from .common import check_stack
from .pulumi_cli import policy_args, run_pulumi, stack_parser

HELP = "deploy a stack with `pulumi up`"


def add_parser(sub: argparse._SubParsersAction) -> None:
    stack_parser(sub, "up", HELP)


def run(args: argparse.Namespace) -> int:
    return run_pulumi("up", check_stack(args.stack), ["--yes", *policy_args(args)], args.passthrough)
