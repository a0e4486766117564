"""`python -m components <command>`: project commands that need no Pulumi CLI.

    python -m components plan --stack dev [--json]
"""
from __future__ import annotations

import sys

COMMANDS = {"plan": "validate a stack's config and show where every server replica runs"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m components <command> [args]\n\ncommands:", file=sys.stderr)
        for name, text in COMMANDS.items():
            print(f"  {name:8} {text}", file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    from . import plan

    return plan.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
