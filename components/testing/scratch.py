"""A scratch copy of the project with its own local backend, driven through the real Pulumi CLI (the e2e tests and
the engine benchmarks): the checkout's stack files and the user's backend are never touched."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(".state") / "models"  # local model files (the tiny test model) travel with the copy


class PulumiFailed(AssertionError):
    pass


class ScratchProject:
    """The files of this checkout (tracked or new, not ignored) and its local models in `dir`, a file backend in
    `dir/.backend`, the project venv. `env`: the environment to start from (default: this process's)."""

    def __init__(self, dir: Path, env: dict[str, str] | None = None):
        self.dir = dir
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                check=True, capture_output=True)
        files = listed.stdout.decode().split("\0")
        for rel in filter(None, files):
            src = ROOT / rel
            if src.is_file():
                (dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dir / rel)
        if (ROOT / MODELS).is_dir():
            shutil.copytree(ROOT / MODELS, dir / MODELS)
        (dir / ".state").mkdir(exist_ok=True)
        backend = dir / ".backend"
        backend.mkdir()
        self.env = {
            **(env if env is not None else os.environ),
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_CONFIG_PASSPHRASE": "aistack-scratch",
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

    def write_stack_config(self, stack: str, config: dict) -> None:
        """Replace Pulumi.<stack>.yaml with this `aistack:` config (keys without the namespace)."""
        doc = {"config": {f"aistack:{k}": v for k, v in config.items()}}
        (self.dir / f"Pulumi.{stack}.yaml").write_text(json.dumps(doc, indent=2) + "\n")

    def set_config(self, stack: str, path: str, value: str) -> None:
        self.pulumi("config", "set", "--path", path, value, stack=stack)
