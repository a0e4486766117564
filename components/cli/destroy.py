"""`destroy STACK`: remove a stack's resources. Data volumes are declared retain_on_delete, so they stay;
`--delete-data` then lists the stack's data volumes (label aistack.dev/data=true) and removes them."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from .common import EXIT_USAGE, UsageError, check_stack, confirm, stack_settings, step
from .pulumi_cli import MISSING, pulumi_path, run_pulumi

HELP = "remove a stack's resources (data volumes are kept unless --delete-data)"
DATA_LABEL = "aistack.dev/data=true"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("destroy", help=HELP, description=HELP + ". Arguments after `--` go to pulumi.")
    p.add_argument("stack", help="stack name (Pulumi.<stack>.yaml)")
    p.add_argument(
        "--delete-data",
        action="store_true",
        help="after the destroy, also remove the stack's Docker data volumes (models, Open WebUI, Prometheus, Grafana)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _target_and_prefix(stack: str) -> tuple[str, str]:
    config = stack_settings(stack)
    docker = config.get("aistack:docker") or {}
    prefix = docker.get("namePrefix", "aistack") if isinstance(docker, dict) else "aistack"
    return str(config.get("aistack:target", "docker")), str(prefix)


def data_volumes(prefix: str) -> list[str]:
    """Names of the Docker volumes labelled as data that belong to a stack with this name prefix."""
    out = subprocess.run(
        ["docker", "volume", "ls", "--quiet", "--filter", f"label={DATA_LABEL}"],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise UsageError(f"docker volume ls failed: {out.stderr.strip() or out.returncode}")
    return sorted(name for name in out.stdout.split() if name.startswith(f"{prefix}-"))


def run(args: argparse.Namespace) -> int:
    stack = check_stack(args.stack)
    target, prefix = _target_and_prefix(stack)
    if args.delete_data:
        if target != "docker":
            raise UsageError(
                f"--delete-data removes Docker volumes; stack {stack} targets {target}: its persistent volume claims "
                "are kept too; delete them with kubectl once you are sure"
            )
        if shutil.which("docker") is None:
            raise UsageError("--delete-data needs the docker CLI on PATH to list and remove the data volumes")
    if pulumi_path() is None:
        print(MISSING, file=sys.stderr)
        return EXIT_USAGE
    if not confirm(f"Destroy every resource of stack {stack} (data volumes are kept)?", args.yes):
        print("nothing destroyed")
        return 1
    code = run_pulumi("destroy", stack, ["--yes"], args.passthrough)
    if code != 0 or not args.delete_data:
        if code == 0:
            print(f"data volumes kept; to remove them too: python -m components.cli destroy {stack} --delete-data")
        return code
    step(f"listing the data volumes of stack {stack} (label {DATA_LABEL}, names {prefix}-*)")
    volumes = data_volumes(prefix)
    if not volumes:
        print("no data volumes found")
        return 0
    for name in volumes:
        print(f"  {name}")
    if not confirm(f"Delete these {len(volumes)} volume(s) and everything in them? This cannot be undone.", args.yes):
        print("data volumes kept")
        return 1
    step(f"removing {len(volumes)} data volume(s)")
    return subprocess.call(["docker", "volume", "rm", *volumes])
