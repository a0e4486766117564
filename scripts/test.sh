#!/usr/bin/env bash
# The test command. Everything: unit (config, discovery, planner), components under Pulumi mocks, the policy
# pack, and the end-to-end tier (marker `e2e`: real images on the Docker engine, the real Pulumi engine).
# The e2e tier needs `scripts/bootstrap.sh --all` and `. scripts/env.sh` first.
#   scripts/test.sh          all tiers
#   scripts/test.sh --fast   without the e2e tier (no engine or toolchain needed)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest -q tests/unit tests/components tests/policy "$@"
fi
exec .venv/bin/python -m pytest -q tests/unit tests/components tests/policy tests/e2e "$@"
