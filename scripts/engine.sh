#!/usr/bin/env bash
# Ensure a local Docker engine is running and the offline base image exists.
#
# Idempotent: does nothing that is already done.
#   1. If `docker info` fails: install Debian's docker.io (and buildx when
#      packaged), start dockerd in the background, wait until it answers.
#   2. If the base image (AISTACK_BASE_IMAGE, default aistack/debian-base:sid)
#      is missing: debootstrap a minbase rootfs from the host's Debian mirror
#      and `docker import` it.
#
# Environment:
#   AISTACK_CACHE        cache/log directory (default: $HOME/.cache/aistack)
#   AISTACK_BASE_IMAGE   image name:tag to create (default: aistack/debian-base:sid)
#   AISTACK_BASE_SUITE   Debian suite for the base (default: tag of the image, else sid)
#   AISTACK_DEBIAN_MIRROR  override the mirror (default: first Debian mirror in
#                        /etc/apt/sources.list*, else http://deb.debian.org/debian)
#   AISTACK_DOCKER_WAIT  seconds to wait for dockerd (default: 60)
set -euo pipefail

CACHE="${AISTACK_CACHE:-$HOME/.cache/aistack}"
BASE_IMAGE="${AISTACK_BASE_IMAGE:-aistack/debian-base:sid}"
WAIT="${AISTACK_DOCKER_WAIT:-60}"
mkdir -p "$CACHE"

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

# step NAME CMD...: run CMD, print a timing line.
step() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  printf '[engine] step %-16s %6.1fs\n' "$name" "$(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}")" >&2
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for: $*"; fi
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get -o Acquire::Check-Valid-Until=false update -qq
    APT_UPDATED=1
  fi
}

# --- 1. engine ---------------------------------------------------------------
install_engine() {
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_update
    apt_install docker.io iptables ca-certificates
  fi
  # BuildKit front end (docker build) needs buildx on Engine >= 23; on 20.10
  # the builtin BuildKit is used. Install buildx when the suite has it.
  if ! docker buildx version >/dev/null 2>&1; then
    apt_update
    if apt-cache show docker-buildx >/dev/null 2>&1; then
      apt_install docker-buildx || log "docker-buildx not installable; using builtin BuildKit"
    fi
  fi
}

start_dockerd() {
  local pidfile="$CACHE/dockerd.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "dockerd already started (pid $(cat "$pidfile")), waiting for it"
  else
    log "starting dockerd (log: $CACHE/dockerd.log)"
    # setsid: survive the calling shell; nohup: ignore SIGHUP.
    as_root setsid nohup dockerd --pidfile "$CACHE/dockerd.daemon.pid" \
      >>"$CACHE/dockerd.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
  fi
  local i
  for ((i = 0; i < WAIT * 2; i++)); do
    if docker info >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  tail -n 30 "$CACHE/dockerd.log" >&2 || true
  die "dockerd did not answer within ${WAIT}s (see $CACHE/dockerd.log)"
}

if docker info >/dev/null 2>&1; then
  log "docker engine already running: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
else
  step install-engine install_engine
  step start-dockerd start_dockerd
  log "docker engine $(docker version --format '{{.Server.Version}}') running"
fi

# --- 2. base image -----------------------------------------------------------
debian_mirror() {
  if [ -n "${AISTACK_DEBIAN_MIRROR:-}" ]; then echo "$AISTACK_DEBIAN_MIRROR"; return; fi
  local f m=""
  # one-line format: deb [opts] URI suite comp...
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^(https?|file):/){print $i; exit}}' "$f" \
        | grep -E '/debian/?$' | head -n1 || true)
    [ -n "$m" ] && break
  done
  # deb822 format: URIs: ...
  if [ -z "$m" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      m=$(awk 'tolower($1)=="uris:"{for(i=2;i<=NF;i++) print $i}' "$f" \
          | grep -E '/debian/?$' | head -n1 || true)
      [ -n "$m" ] && break
    done
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

build_base() {
  command -v debootstrap >/dev/null 2>&1 || { apt_update; apt_install debootstrap; }
  local tag="${BASE_IMAGE##*:}"
  [ "$tag" = "$BASE_IMAGE" ] && tag=sid
  local suite="${AISTACK_BASE_SUITE:-$tag}"
  local mirror dir
  mirror=$(debian_mirror)
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  # shellcheck disable=SC2064
  trap "as_root rm -rf '$dir'" RETURN
  log "debootstrap --variant=minbase $suite from $mirror"
  step debootstrap as_root debootstrap --variant=minbase "$suite" "$dir" "$mirror" \
    >"$CACHE/debootstrap.log" 2>&1 || { tail -n 30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  # Trim caches and make apt work in snapshot mirrors.
  as_root rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  printf 'Acquire::Check-Valid-Until "false";\n' | as_root tee "$dir/etc/apt/apt.conf.d/99aistack-snapshot" >/dev/null
  step docker-import sh -c "tar -C '$dir' --numeric-owner -c . | docker import \
    -c 'CMD [\"/bin/bash\"]' -c 'ENV LANG=C.UTF-8' - '$BASE_IMAGE' >/dev/null"
}

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
else
  step base-image build_base
  log "base image $BASE_IMAGE built ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
fi
