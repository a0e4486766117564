"""`python -m components.cli <command> [options] [-- pulumi arguments]`; `--help` lists the commands."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import compliance, destroy, doctor, plan, pr_comment, preview, up
from .common import EXIT_USAGE, UsageError

COMMANDS = (up, preview, destroy, plan, compliance, doctor, pr_comment)
PASSTHROUGH = {"up", "preview", "destroy"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.cli",
        description="aistack: deploy, preview, destroy, plan, check compliance and diagnose this machine.",
        epilog="Make targets call these: make up|preview|destroy|plan|compliance STACK=dev, make doctor, make test.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ours, passthrough = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = build_parser()
    args = parser.parse_args(ours)
    if passthrough and args.command not in PASSTHROUGH:
        parser.error(f"arguments after `--` go to pulumi; `{args.command}` takes none")
    args.passthrough = passthrough
    runner = next(m for m in COMMANDS if m.__name__.rsplit(".", 1)[-1].replace("_", "-") == args.command)
    try:
        return runner.run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        print(f"error: the Python package {exc.name!r} is missing: run scripts/bootstrap.sh, then use .venv/bin/python "
              "(or `. scripts/env.sh`)", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
