#!/usr/bin/env bash
# Idempotent set-up: the Python venv always; with --engine the Docker engine and the Debian base image;
# with --toolchain the Pulumi CLI and provider plugins built from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
want_engine=0 want_toolchain=0
for arg in "$@"; do
  case "$arg" in
    --engine) want_engine=1 ;;
    --toolchain) want_toolchain=1 ;;
    --all) want_engine=1 want_toolchain=1 ;;
    *) echo "usage: scripts/bootstrap.sh [--engine] [--toolchain] [--all]" >&2; exit 2 ;;
  esac
done
step() { printf '==> %s\n' "$*"; }
start=$(date +%s)
if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import sys; sys.exit(0)' 2>/dev/null || [ requirements-dev.txt -nt .venv/.installed ]; then
  step "installing Python packages"
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r policies/requirements.txt
  touch .venv/.installed
fi
if [ ! -f .state/models/tiny-llama.gguf ]; then
  step "writing the tiny test model for the local stack"
  mkdir -p .state/models
  .venv/bin/python scripts/make_tiny_model.py .state/models/tiny-llama.gguf >/dev/null
fi
if [ "$want_engine" = 1 ]; then
  step "Docker engine and base image"
  scripts/engine.sh
fi
if [ "$want_toolchain" = 1 ]; then
  own_cli="${AISTACK_CACHE:-$HOME/.cache/aistack}/tools/pulumi-$(. scripts/versions.env; echo "$PULUMI_VERSION")/pulumi"
  if command -v pulumi >/dev/null 2>&1 && [ "$(command -v pulumi)" != "$own_cli" ] && [ ! -x "$own_cli" ]; then
    # An installed (official) Pulumi: use it; its plugins come from `pulumi plugin install` online.
    step "pulumi already on PATH: $(pulumi version); install the plugins with \`pulumi plugin install\` if missing"
  else
    step "building the Pulumi toolchain: CLI, Python language host, docker and kubernetes plugins (cached by version; the first run is long)"
    scripts/build-toolchain.sh cli kubernetes docker
  fi
fi
step "done in $(( $(date +%s) - start )) s; now: . scripts/env.sh"
