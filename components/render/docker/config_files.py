"""Generated config files on Docker: a short-lived, hardened writer container fills a per-workload config volume,
which the workload then mounts read-only at /etc/aistack.

Why not the provider's `upload`: it extracts at `/` of the container, which a read-only root refuses. The writer
runs the model-fetch image (busybox) with its own read-only root; it mounts the config volume on the image's
/models directory, which the image owns as uid 65532, so the fresh volume is writable without root.
"""
from __future__ import annotations

import base64
from typing import Any

import pulumi

from ...spec import ConfigFile

WRITER_MOUNT = "/models"  # owned by 65532 in the model-fetch image: a new volume mounted here inherits that
CONFIG_DIR = "/etc/aistack"
WRITE_SCRIPT = (
    'set -eu; d=' + WRITER_MOUNT + '; busybox find "$d" -mindepth 1 -maxdepth 1 -exec busybox rm -rf {} +; i=0; '
    'while [ "$i" -lt "$AISTACK_FILES" ]; do '
    'eval "p=\\$AISTACK_PATH_$i; c=\\$AISTACK_FILE_$i"; '
    'busybox mkdir -p "$d/$(busybox dirname "$p")"; '
    'printf %s "$c" | busybox base64 -d > "$d/$p"; busybox chmod 0644 "$d/$p"; '
    'i=$((i + 1)); done; echo "wrote $AISTACK_FILES file(s)"'
)


def _encoded(content: Any) -> Any:
    if isinstance(content, pulumi.Output):
        return content.apply(lambda c: base64.b64encode(c.encode()).decode())
    return base64.b64encode(str(content).encode()).decode()


def writer_env(files: tuple[ConfigFile, ...]) -> list[Any]:
    """`AISTACK_PATH_i` / `AISTACK_FILE_i` (base64) per file; secret files stay secret Outputs."""
    env: list[Any] = [f"AISTACK_FILES={len(files)}"]
    for i, f in enumerate(files):
        env.append(f"AISTACK_PATH_{i}={f.name}")
        value = pulumi.Output.concat(f"AISTACK_FILE_{i}=", _encoded(f.content))
        env.append(pulumi.Output.secret(value) if f.secret else value)
    return env
