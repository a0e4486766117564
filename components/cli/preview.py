"""`preview STACK`: what `up` would change, as a diff (`pulumi preview --diff`), optionally with the policy pack."""
from __future__ import annotations

import argparse

from .common import check_stack
from .pulumi_cli import policy_args, run_pulumi, stack_parser

HELP = "show what `up` would change (`pulumi preview --diff`)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    stack_parser(sub, "preview", HELP)


def run(args: argparse.Namespace) -> int:
    return run_pulumi("preview", check_stack(args.stack), ["--diff", *policy_args(args)], args.passthrough)
