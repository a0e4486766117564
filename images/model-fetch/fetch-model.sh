#!/bin/sh
# fetch-model: provision one model file into the models volume, once.
#
#   MODEL_NAME         label used in messages (default: MODEL_FILE)
#   MODEL_FILE         target file name inside $MODELS_DIR (no slashes)
#   MODEL_SHA256       expected sha256 (64 hex digits)
#   MODEL_URL          http(s) URL to download from (resumable), or
#   MODEL_SOURCE_PATH  a file under $MODEL_SOURCE_ROOT (a read-only mount) to copy
#   HF_TOKEN           optional; sent as a bearer token to huggingface.co / hf.co only
#   MODELS_DIR         default /models;  MODEL_SOURCE_ROOT  default /source
#   MODEL_FETCH_ATTEMPTS  download attempts (default 5), each resuming the last
#
# The file is written to <file>.partial, verified, then renamed into place, so
# readers never see a partial or unverified model. Exit 0 when the file is in
# place with the right checksum (immediately if it already was), non-zero with
# one line `model <name>: <what went wrong>` otherwise.
set -u

dir=${MODELS_DIR:-/models}
file=${MODEL_FILE:-}
name=${MODEL_NAME:-${file:-?}}
want=$(printf '%s' "${MODEL_SHA256:-}" | tr 'A-F' 'a-f')
url=${MODEL_URL:-}
src=${MODEL_SOURCE_PATH:-}
src_root=${MODEL_SOURCE_ROOT:-/source}
attempts=${MODEL_FETCH_ATTEMPTS:-5}

die() { echo "model $name: $*" >&2; exit 1; }
sum() { sha256sum "$1" 2>/dev/null | cut -d ' ' -f 1; }

case $file in
  '' ) die "MODEL_FILE is not set" ;;
  */* | . | .. | *.partial ) die "MODEL_FILE must be a plain file name (got '$file')" ;;
esac
case $want in
  *[!0-9a-f]* | '' ) die "MODEL_SHA256 must be 64 hex digits" ;;
esac
[ "${#want}" -eq 64 ] || die "MODEL_SHA256 must be 64 hex digits"
[ -n "$url" ] && [ -n "$src" ] && die "set only one of MODEL_URL and MODEL_SOURCE_PATH"
[ -n "$url$src" ] || die "set MODEL_URL or MODEL_SOURCE_PATH"
[ -d "$dir" ] || die "$dir does not exist (mount the models volume there)"

target=$dir/$file
partial=$target.partial

if [ -f "$target" ]; then
  got=$(sum "$target")
  if [ "$got" = "$want" ]; then
    echo "model $name: $file already present, sha256 verified"
    exit 0
  fi
  echo "model $name: existing $file has sha256 $got, expected $want; fetching it again" >&2
fi
[ -w "$dir" ] || die "$dir is not writable by uid $(id -u)"

# verify the partial file and move it into place atomically
finish() {
  got=$(sum "$partial")
  if [ "$got" != "$want" ]; then
    rm -f "$partial"
    die "${1:-content} checksum mismatch; expected sha256 $want, got ${got:-none}"
  fi
  rm -f "$partial.err"
  fsync "$partial" 2>/dev/null || sync
  mv -f "$partial" "$target" || die "cannot rename $partial to $file"
  fsync "$dir" 2>/dev/null || true
  echo "model $name: $file ready (sha256 $want)"
  exit 0
}

# a partial file left by an interrupted run may already be complete
if [ -s "$partial" ] && [ "$(sum "$partial")" = "$want" ]; then
  finish
fi

# ---- copy from a mounted directory -------------------------------------------
if [ -n "$src" ]; then
  real=$(realpath "$src" 2>/dev/null) || die "source $src not found or not accessible; expected sha256 $want, got none"
  case $real in
    "$src_root"/*) ;;
    *) die "MODEL_SOURCE_PATH must be a file under $src_root (got $src)" ;;
  esac
  [ -f "$real" ] && [ -r "$real" ] || die "source $src is not a readable regular file; expected sha256 $want, got none"
  echo "model $name: copying $src"
  cp "$real" "$partial" || { rm -f "$partial"; die "copy of $src failed"; }
  finish "source file"
fi

# ---- download (resumable) ----------------------------------------------------
case $url in
  http://* | https://*) ;;
  *) die "MODEL_URL must be an http:// or https:// URL" ;;
esac
shown=${url%%\?*}   # never print query strings (signed URLs)
host=$(printf '%s\n' "$url" | sed -E 's#^[a-zA-Z]+://([^/@]*@)?([^/:?]+).*#\2#' | tr 'A-Z' 'a-z')
auth=no
if [ -n "${HF_TOKEN:-}" ]; then
  case $host in huggingface.co | *.huggingface.co | hf.co | *.hf.co) auth=yes ;; esac
fi

errf=$partial.err
rm -f "$errf"
i=0
while [ "$i" -lt "$attempts" ]; do
  i=$((i + 1))
  [ -s "$partial" ] && echo "model $name: resuming download of $shown (attempt $i/$attempts)" \
                    || echo "model $name: downloading $shown (attempt $i/$attempts)"
  # the token goes through a config on stdin, never on the command line
  code=$(
    if [ "$auth" = yes ]; then printf 'header = "Authorization: Bearer %s"\n' "$HF_TOKEN"; fi |
    curl -q --config - --silent --show-error --fail --location --proto '=http,https' \
      --proto-redir '=http,https' --connect-timeout 30 --speed-limit 1024 --speed-time 120 \
      --continue-at - --output "$partial" --write-out '%{http_code}' "$url" 2>"$errf"
  )
  rc=$?
  err=$(tail -n 1 "$errf" 2>/dev/null); rm -f "$errf"
  if [ "$rc" -eq 0 ]; then
    finish "downloaded"
  fi
  case "$rc:$code" in
    *:416 | 33:*)  # range not satisfiable / server cannot resume: start over
      rm -f "$partial" ;;
    22:4[0-9][0-9])
      [ "$code" = 408 ] || [ "$code" = 429 ] || {
        rm -f "$partial"
        die "download of $shown failed: HTTP $code${err:+ ($err)}; expected sha256 $want, got none"
      } ;;
  esac
  [ "$i" -lt "$attempts" ] && sleep $((i * 2))
done
die "download of $shown failed after $attempts attempts: ${err:-curl exit $rc}; expected sha256 $want, got none"
