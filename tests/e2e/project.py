"""A scratch copy of the project with its own local backend, driven through the real Pulumi CLI."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class PulumiFailed(AssertionError):
    pass


class ScratchProject:
    """The tracked files of this checkout in `dir`, a file backend in `dir/.backend`, the project venv."""

    def __init__(self, dir: Path):
        self.dir = dir
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
        for rel in filter(None, files):
            src = ROOT / rel
            if src.is_file():
                (dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dir / rel)
        (dir / ".state").mkdir(exist_ok=True)
        backend = dir / ".backend"
        backend.mkdir()
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_CONFIG_PASSPHRASE": "aistack-e2e",
            "PULUMI_PYTHON_CMD": str(ROOT / ".venv" / "bin" / "python"),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }

    def pulumi(self, *args: str, stack: str | None = None, timeout: int = 900, check: bool = True,
               cwd: Path | None = None) -> subprocess.CompletedProcess:
        cmd = ["pulumi", *args, "--non-interactive"] + (["--stack", stack] if stack else [])
        proc = subprocess.run(cmd, cwd=cwd or self.dir, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise PulumiFailed(f"`{' '.join(cmd)}` exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def init_stack(self, stack: str, secrets: dict[str, str]) -> None:
        self.pulumi("stack", "init", stack)
        for key, value in secrets.items():
            self.pulumi("config", "set", "--secret", key, value, stack=stack)

    def set_config(self, stack: str, path: str, value: str) -> None:
        self.pulumi("config", "set", "--path", path, value, stack=stack)
