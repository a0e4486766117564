"""Helpers shared by the commands: the project root, progress lines, stack names, clear errors."""
from __future__ import annotations

import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input: the message is printed as it is and the command exits with status 2."""


def step(text: str) -> None:
    """A progress line for long steps."""
    print(f"==> {text}", flush=True)


def stacks() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def check_stack(stack: str) -> str:
    if stack not in stacks():
        raise UsageError(f"unknown stack {stack!r}: there is no Pulumi.{stack}.yaml (stacks: {', '.join(stacks())})")
    return stack


def stack_settings(stack: str) -> dict[str, Any]:
    """The `config:` block of Pulumi.<stack>.yaml as written (secure values included as ciphertext)."""
    import yaml  # the venv has it; imported here so `doctor` runs without it

    path = ROOT / f"Pulumi.{check_stack(stack)}.yaml"
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path.name} is not valid YAML: {exc}".replace("\n", " ")) from None
    config = data.get("config") if isinstance(data, dict) else None
    return config if isinstance(config, dict) else {}


def confirm(question: str, assume_yes: bool) -> bool:
    """Ask on the terminal; without one, only --yes goes ahead."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(f"{question!r} needs an answer and there is no terminal: pass --yes (make: YES=1) to go ahead")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
