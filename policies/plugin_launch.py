"""Start a policy pack the way the offline toolchain's Python language host asks for it.

The language host built offline (see scripts/versions.env) predates policy packs as language plugins: the CLI
asks it to run the pack and it runs `python "" <engine address>` in the *project* directory, which starts the
project's `__main__.py`. That file calls `run_pack_if_plugin()` first; launched that way, it runs the pack in
`$AISTACK_POLICY_PACK` (default: this directory) exactly as current language hosts do, and exits. A program run
(by the language host's executor) never matches, so nothing changes for `pulumi up`.
"""
from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

ENGINE_ADDRESS = re.compile(r"^[\w.\-\[\]:]+:\d+$")


def launched_as_policy_plugin(argv: list[str]) -> bool:
    return len(argv) == 2 and argv[0] == "" and bool(ENGINE_ADDRESS.match(argv[1]))


def run_pack_if_plugin() -> None:
    if not launched_as_policy_plugin(sys.argv):
        return
    pack = Path(os.environ.get("AISTACK_POLICY_PACK") or Path(__file__).parent).resolve()
    os.chdir(pack)
    sys.path.insert(0, str(pack))
    sys.argv[0] = str(pack)
    runpy.run_path(str(pack), run_name="__main__")
    sys.exit(0)
