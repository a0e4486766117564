"""The real Pulumi engine for the bench: availability check and a throwaway copy of the project and backend.

The environment comes from scripts/env.sh (cached CLI and plugins, no automatic plugin downloads). The stack
runs from a temporary copy of the project with its own file backend, so the repository's stack files and the
user's backend are never modified.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from _common import ROOT, run


def pulumi_env() -> dict[str, str]:
    p = subprocess.run(["bash", "-c", ". scripts/env.sh >/dev/null 2>&1; env -0"], cwd=ROOT, capture_output=True)
    env = dict(os.environ)
    for item in p.stdout.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode()] = v.decode(errors="replace")
    return env


def unavailable(env: dict[str, str] | None = None) -> str | None:
    """None when the CLI, the Python language host and the docker provider plugin are installed, else why not."""
    env = env or pulumi_env()
    cli = shutil.which("pulumi", path=env.get("PATH"))
    if not cli:
        return "the Pulumi CLI is not installed (scripts/build-toolchain.sh cli, or the official installer)"
    p = subprocess.run([cli, "plugin", "ls", "--json"], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        return f"`pulumi plugin ls` failed: {(p.stderr.strip().splitlines() or ['?'])[-1]}"
    if '"docker"' not in p.stdout:
        return ("the docker provider plugin is not installed (`pulumi plugin ls` has no resource plugin `docker`; "
                "scripts/build-toolchain.sh builds it)")
    if not shutil.which("pulumi-language-python", path=env.get("PATH")):
        return "the Python language host (pulumi-language-python) is not on PATH"
    return None


class TempStack:
    """A copy of the project in a temp dir with its own file backend; `with TempStack("local") as s: s.up()`."""

    def __init__(self, stack: str, env: dict[str, str] | None = None, config: dict | None = None):
        """config: the stack's `aistack:` config (keys without the namespace) to use instead of the stack file's."""
        self.stack = stack
        self.env = dict(env or pulumi_env())
        self.config = config

    def __enter__(self) -> "TempStack":
        sys.path.insert(0, str(ROOT))
        from components.testing.scratch import ScratchProject

        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="aistack-bench-stack-"))
        self.project = ScratchProject(self.tmp, env=self.env)
        if self.config is not None:
            self.project.write_stack_config(self.stack, self.config)
        self.project.init_stack(self.stack, {"aistack:gatewayApiKey": "bench-gateway-key",
                                             "aistack:grafanaAdminPassword": "bench-grafana-password"})
        return self

    def result(self, *args: str, check=True) -> tuple[float, subprocess.CompletedProcess]:
        """(seconds, CompletedProcess) of `pulumi ARGS --stack STACK --non-interactive`."""
        t0 = time.perf_counter()
        p = self.project.pulumi(*args, stack=self.stack, check=False, timeout=3600)
        dt = time.perf_counter() - t0
        if check and p.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed ({p.returncode}):\n{(p.stdout + p.stderr)[-3000:]}")
        return dt, p

    def pulumi(self, *args: str, check=True) -> float:
        return self.result(*args, check=check)[0]

    def up(self) -> float:
        return self.pulumi("up", "--yes", "--skip-preview")

    def preview(self, expect_no_changes=True) -> float:
        return self.pulumi("preview", *(["--expect-no-changes"] if expect_no_changes else []))

    def resource_count(self) -> int:
        """Resources in the stack's state (0 when there is none)."""
        _, p = self.result("stack", "export", check=False)
        try:
            return len(json.loads(p.stdout).get("deployment", {}).get("resources") or [])
        except ValueError:
            return 0

    def __exit__(self, *exc) -> None:
        try:
            self.pulumi("destroy", "--yes", "--skip-preview", check=False)
            self.pulumi("stack", "rm", "--yes", "--force", check=False)
            # data volumes are retained on delete by design; the bench's own (its name prefix) go too
            prefix = ((self.config or {}).get("docker") or {}).get("namePrefix")
            if prefix and prefix != "aistack":
                _, p = run(["docker", "volume", "ls", "-q", "--filter", f"name=^{prefix}-"], check=False)
                names = (p.stdout or "").split()
                if names:
                    run(["docker", "volume", "rm", *names], check=False)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
