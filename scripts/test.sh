#!/usr/bin/env bash
# The test command: unit (config, discovery, planner), components under Pulumi mocks, and the policy pack.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q tests/unit tests/components tests/policy "$@"
