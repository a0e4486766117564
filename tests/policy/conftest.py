"""Test setup for the policy pack: make the repo root and this folder importable.

The rules live in ``policies/aistack_policies`` and are imported as ``policies.aistack_policies``;
``policies/__main__.py`` (which starts the analyzer and blocks) is never imported.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)
