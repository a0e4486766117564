#!/usr/bin/env bash
# Run the benchmarks and print their figures (not part of the test suite).
#
#   bench/run.sh --quick     every measurement this machine can make from cached state, in under two minutes:
#                            evaluation (3 samples), sizes of built images + one cached rebuild, compose up
#                            (1 run), preview of the undeployed stack (no pulumi up); placement is skipped
#   bench/run.sh             the full set: cold image builds (--no-cache), 5 samples, 3 deploy runs
#   bench/run.sh --placement SRC.tar.gz [CPUSETS]   also the placement benchmark on this machine (slow to build
#                            llama.cpp; meant for a many-core machine), e.g. CPUSETS=0-7:8-15
#
# Needs the project venv (.venv); images/deploy need a Docker engine (scripts/engine.sh); preview/pulumi up
# need the Pulumi CLI and its docker provider plugin. JSON results go to $AISTACK_BENCH_OUT (default: a temp dir).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
quick=() placement_src="" placement_sets=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --placement) placement_src="$2"; shift; case "${2:-}" in *:*) placement_sets="$2"; shift ;; esac ;;
    *) echo "usage: bench/run.sh [--quick] [--placement SRC.tar.gz [A:B]]" >&2; exit 2 ;;
  esac
  shift
done
out="${AISTACK_BENCH_OUT:-$(mktemp -d -t aistack-bench-XXXXXX)}"
mkdir -p "$out"
start=$(date +%s)
section() { printf '\n===== %s\n' "$*"; }

section "1. program evaluation under mocks"
"$PY" bench/evaluate.py "${quick[@]}" --json "$out/evaluate.json"
if docker info >/dev/null 2>&1; then
  section "4. images"
  "$PY" bench/images.py "${quick[@]}" --json "$out/images.json"
  section "3. deploy: pulumi up vs docker compose up"
  "$PY" bench/deploy.py "${quick[@]}" --json "$out/deploy.json"
else
  section "3./4. deploy and images: not measurable: no Docker engine answers (scripts/engine.sh starts one)"
fi
section "2. no-op preview"
"$PY" bench/preview.py "${quick[@]}" --json "$out/preview.json"
section "5. placement quality"
if [ -n "$placement_src" ]; then
  "$PY" bench/placement.py run --src "$placement_src" ${placement_sets:+--planned "$placement_sets"} \
    "${quick[@]}" --json "$out/placement.json"
else
  echo "skipped: needs a many-core machine and a llama.cpp source tarball (bench/run.sh --placement SRC.tar.gz);"
  echo "see bench/README.md"
fi
printf '\nbench: %s s in all; JSON in %s\n' "$(( $(date +%s) - start ))" "$out"
