"""Running the Pulumi CLI for up, preview and destroy: one clear message when it is missing, its exit code kept."""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

from .common import EXIT_USAGE, ROOT, UsageError, step

MISSING = (
    "pulumi: the Pulumi CLI is not on PATH.\n"
    "  fix: run `scripts/bootstrap.sh --toolchain`, then `. scripts/env.sh` (it puts the toolchain and the venv on "
    "PATH and selects a local state backend), and run this command again."
)


def pulumi_path() -> str | None:
    return shutil.which("pulumi")


def stack_exists(exe: str, stack: str) -> bool | None:
    """Whether the backend has the stack; None when `pulumi stack ls` cannot tell (pulumi then says what is wrong)."""
    try:
        out = subprocess.run([exe, "stack", "ls", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        names = {str(s.get("name", "")).rsplit("/", 1)[-1] for s in json.loads(out.stdout)} if out.returncode == 0 else None
    except (OSError, ValueError, AttributeError, subprocess.TimeoutExpired):
        return None
    return None if names is None else stack in names


def run_pulumi(verb: str, stack: str, options: Sequence[str] = (), passthrough: Sequence[str] = ()) -> int:
    """`pulumi VERB --stack STACK --non-interactive OPTIONS... PASSTHROUGH...` in the project root."""
    exe = pulumi_path()
    if exe is None:
        print(MISSING, file=sys.stderr)
        return EXIT_USAGE
    backend = os.environ.get("PULUMI_BACKEND_URL") or "the backend of `pulumi login`"
    if stack_exists(exe, stack) is False:
        print(f"error: stack {stack} does not exist in {backend}.\n  fix: create it once with `pulumi stack init "
              f"{stack}`, set its secrets (`pulumi config set --secret aistack:gatewayApiKey <key> --stack {stack}`), "
              "and run this again.", file=sys.stderr)
        return EXIT_USAGE
    cmd = [exe, verb, "--stack", stack, "--non-interactive", *options, *passthrough]
    step(f"pulumi {verb} of stack {stack} (state: {backend})")
    step(" ".join(shlex.quote(part) for part in ["pulumi", *cmd[1:]]))
    start = time.monotonic()
    try:
        code = subprocess.call(cmd, cwd=ROOT)
    except KeyboardInterrupt:
        code = 130
    status = "succeeded" if code == 0 else f"failed with exit code {code}"
    step(f"pulumi {verb} {status} after {time.monotonic() - start:.0f} s")
    return code


def stack_parser(sub: argparse._SubParsersAction, name: str, help: str) -> argparse.ArgumentParser:
    """The options `up` and `preview` share: the stack and an optional policy pack."""
    p = sub.add_parser(name, help=help, description=help + ". Arguments after `--` go to pulumi.")
    p.add_argument("stack", help="stack name (Pulumi.<stack>.yaml)")
    p.add_argument("--policy-pack", metavar="DIR", help="run this policy pack too, e.g. `policies`")
    p.add_argument("--policy-pack-config", metavar="FILE", help="its config, e.g. policies/config.example.json")
    return p


def policy_args(args: argparse.Namespace) -> list[str]:
    """Absolute paths (pulumi runs in the project root), checked before pulumi starts."""
    out = []
    for flag, value, exists in (
        ("--policy-pack", args.policy_pack, pathlib.Path.is_dir),
        ("--policy-pack-config", args.policy_pack_config, pathlib.Path.is_file),
    ):
        if value:
            path = pathlib.Path(value).resolve()
            if not exists(path):
                raise UsageError(f"{flag}: {value} does not exist")
            out += [flag, str(path)]
            if flag == "--policy-pack":
                os.environ["AISTACK_POLICY_PACK"] = str(path)  # for older language hosts: policies/plugin_launch.py
    return out
