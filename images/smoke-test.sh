#!/usr/bin/env bash
# Smoke-test locally built images under the stack's runtime constraints:
# read-only root, --cap-drop ALL, no-new-privileges, user 65532, memory limit.
#
#   images/smoke-test.sh [TAG]        (default TAG: dev; images aistack/<name>:TAG)
#   AISTACK_TEST_GGUF=/path/model.gguf  also serve a real model with llama-cpu
#
# Only ports published on 127.0.0.1 are used; containers share a throwaway
# user-defined network. Everything it creates is removed on exit.
set -euo pipefail
TAG=${1:-dev}
P=aistack-smoke-$$
NET=$P-net
HARDEN=(--read-only --cap-drop ALL --security-opt no-new-privileges --user 65532 --memory 512m)
fails=0
ok()   { printf 'ok    %s\n' "$*"; }
bad()  { printf 'FAIL  %s\n' "$*"; fails=$((fails + 1)); }
cleanup() {
  docker ps -aq --filter "name=^$P-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "name=^$P-" | xargs -r docker volume rm >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  rm -rf "${tmp:-}"
}
trap cleanup EXIT
tmp=$(mktemp -d)
chmod 755 "$tmp"
docker network create "$NET" >/dev/null

wait_http() { # URL [tries]
  local i
  for ((i = 0; i < ${2:-30}; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
port() { docker port "$1" "$2" | head -n1 | sed 's/.*://'; }

# llama-cpu: --help, and optionally a model
if docker run --rm "${HARDEN[@]}" "aistack/llama-cpu:$TAG" --help >/dev/null 2>&1; then
  ok "llama-cpu: llama-server --help"
else bad "llama-cpu: llama-server --help"; fi
if [ -n "${AISTACK_TEST_GGUF:-}" ]; then
  docker run -d --name "$P-llama" --network "$NET" "${HARDEN[@]}" -p 127.0.0.1::8080 \
    -v "$(cd "$(dirname "$AISTACK_TEST_GGUF")" && pwd):/models:ro" \
    "aistack/llama-cpu:$TAG" -m "/models/$(basename "$AISTACK_TEST_GGUF")" -c 256 --metrics >/dev/null
  lp=$(port "$P-llama" 8080)
  if wait_http "http://127.0.0.1:$lp/health" 60 &&
     curl -fsS "http://127.0.0.1:$lp/completion" -d '{"prompt":"a","n_predict":4}' >/dev/null &&
     docker exec "$P-llama" /usr/local/bin/healthcheck http://127.0.0.1:8080/health; then
    ok "llama-cpu: serves a model (/health, /completion, healthcheck)"
  else bad "llama-cpu: serving a model"; docker logs "$P-llama" 2>&1 | tail -n 5; fi
fi

# gateway: built-in config serves /healthz
docker run -d --name "$P-gw" --network "$NET" "${HARDEN[@]}" --tmpfs /tmp -p 127.0.0.1::8080 \
  "aistack/gateway:$TAG" >/dev/null
gp=$(port "$P-gw" 8080)
if wait_http "http://127.0.0.1:$gp/healthz" &&
   docker exec "$P-gw" /usr/local/bin/healthcheck http://127.0.0.1:8080/healthz; then
  ok "gateway: /healthz and healthcheck"
else bad "gateway: /healthz"; docker logs "$P-gw" 2>&1 | tail -n 5; fi

# prometheus: starts, TSDB in a fresh volume, ready
docker run -d --name "$P-prom" --network "$NET" "${HARDEN[@]}" -v "$P-promdata:/prometheus" \
  -p 127.0.0.1::9090 "aistack/prometheus:$TAG" >/dev/null
pp=$(port "$P-prom" 9090)
if wait_http "http://127.0.0.1:$pp/-/ready" 60 &&
   docker exec "$P-prom" /usr/local/bin/healthcheck http://127.0.0.1:9090/-/healthy; then
  ok "prometheus: ready and healthy"
else bad "prometheus: ready"; docker logs "$P-prom" 2>&1 | tail -n 5; fi

# node-exporter
if docker image inspect "aistack/node-exporter:$TAG" >/dev/null 2>&1; then
  docker run -d --name "$P-ne" --network "$NET" "${HARDEN[@]}" -p 127.0.0.1::9100 \
    "aistack/node-exporter:$TAG" >/dev/null
  np=$(port "$P-ne" 9100)
  if wait_http "http://127.0.0.1:$np/metrics" && [ "$(curl -fsS "http://127.0.0.1:$np/metrics" | grep -c '^node_')" -gt 0 ]; then
    ok "node-exporter: /metrics"
  else bad "node-exporter: /metrics"; fi
fi

# model-fetch: copy + verify, idempotent rerun, checksum mismatch
head -c 1048576 /dev/urandom >"$tmp/m.bin"
chmod 644 "$tmp/m.bin"
sum=$(sha256sum "$tmp/m.bin" | cut -d' ' -f1)
mf() { docker run --rm "${HARDEN[@]}" -v "$P-models:/models" -v "$tmp:/source:ro" "$@" "aistack/model-fetch:$TAG"; }
if mf -e MODEL_NAME=t -e MODEL_FILE=m.bin -e MODEL_SHA256="$sum" -e MODEL_SOURCE_PATH=/source/m.bin >/dev/null &&
   mf -e MODEL_NAME=t -e MODEL_FILE=m.bin -e MODEL_SHA256="$sum" -e MODEL_SOURCE_PATH=/source/m.bin | grep -q 'already present'; then
  ok "model-fetch: copy, verify, idempotent rerun"
else bad "model-fetch: copy/verify"; fi
out=$(mf -e MODEL_NAME=t2 -e MODEL_FILE=m2.bin -e MODEL_SHA256="$(printf '0%.0s' $(seq 64))" \
        -e MODEL_SOURCE_PATH=/source/m.bin 2>&1) && bad "model-fetch: mismatch not detected" ||
  { echo "$out" | grep -q "expected sha256 0000.*got $sum" && ok "model-fetch: checksum mismatch reported" ||
    bad "model-fetch: mismatch message: $out"; }

[ "$fails" -eq 0 ] && echo "all smoke tests passed" || { echo "$fails failed"; exit 1; }
