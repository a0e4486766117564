#!/bin/sh
# builder-setup.sh [--clean] [PKG...]   (runs in builder stages only)
#
# - EXTRA_CA_PEM (env/build arg, base64-encoded PEM, optional): added to the
#   system trust store so apt, git, curl and pip work behind TLS-intercepting
#   proxies. The builder stages export SSL_CERT_FILE, PIP_CERT, CURL_CA_BUNDLE,
#   REQUESTS_CA_BUNDLE and GIT_SSL_CAINFO pointing at the same bundle.
# - PKG...: Debian/Ubuntu packages to install (no recommends). A package the
#   base's suite does not have fails with one clear line.
# - --clean: remove the extra CA again and rebuild the bundle; run it before
#   copying /etc/ssl/certs into a final image.
set -eu

ca=/usr/local/share/ca-certificates/aistack-extra-ca.crt
bundle=/etc/ssl/certs/ca-certificates.crt

if [ "${1:-}" = --clean ]; then
  rm -f "$ca"
  if command -v update-ca-certificates >/dev/null 2>&1; then
    update-ca-certificates --fresh >/dev/null 2>&1
  fi
  exit 0
fi

if [ -n "${EXTRA_CA_PEM:-}" ] && [ ! -s "$ca" ]; then
  mkdir -p "$(dirname "$ca")" /etc/ssl/certs
  if ! printf '%s' "$EXTRA_CA_PEM" | base64 -d > "$ca" 2>/dev/null ||
     ! grep -q -- '-----BEGIN CERTIFICATE-----' "$ca"; then
    echo "EXTRA_CA_PEM must be a base64-encoded PEM certificate (bundle)" >&2
    exit 1
  fi
  # usable at once, before ca-certificates is installed
  cat "$ca" >> "$bundle"
fi


if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # Check-Valid-Until=false: also works with snapshot mirrors whose Release
  # files have expired (signatures are still verified).
  apt-get -o Acquire::Check-Valid-Until=false -o APT::Update::Error-Mode=any update -qq
  suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-${ID:-?}}")
  for p in "$@"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
      echo "ERROR: package '$p' is not available from this base image's apt sources (suite: ${suite:-?}); use a base image of a suite that has it (BASE_IMAGE), or SOURCE=upstream" >&2
      exit 1
    fi
  done
  apt-get install -y -qq --no-install-recommends ca-certificates "$@" >/dev/null
  update-ca-certificates >/dev/null 2>&1 || true
else
  echo "builder-setup: no apt-get in this base image" >&2
  exit 1
fi
