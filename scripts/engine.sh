#!/usr/bin/env bash
# Ensure a local Docker engine is running and the offline base image exists.
#
# Idempotent: does nothing that is already done.
#   1. If `docker info` fails: install Debian's docker.io, start dockerd in
#      the background (systemd's docker.service where systemd runs), wait
#      until it answers. Make sure BuildKit builds work: install the buildx
#      CLI plugin when missing (newer docker CLIs need it for BuildKit).
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

# step NAME CMD...: run CMD, print a timing line, return CMD's status.
# (errexit does not apply inside CMD, so the functions below check every
# command they run and return non-zero themselves.)
step() {
  local name="$1"; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$@" || rc=$?
  t1=$(date +%s.%N)
  printf '[engine] step %-16s %6.1fs%s\n' "$name" "$(awk "BEGIN{print $t1-$t0}")" \
    "$([ "$rc" -eq 0 ] || echo " (failed: exit $rc)")" >&2
  return "$rc"
}

# run_logged LOG CMD...: run CMD with its output in LOG; show the tail on failure
run_logged() {
  local logf="$1"; shift
  if ! "$@" >"$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    return 1
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for: $*"; fi
}

apt_install() {
  run_logged "$CACHE/apt.log" \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    run_logged "$CACHE/apt.log" as_root apt-get -o Acquire::Check-Valid-Until=false update || return
    APT_UPDATED=1
  fi
}

# --- 1. engine ---------------------------------------------------------------
install_engine() {
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_update || return
    apt_install docker.io iptables ca-certificates || return
  fi
}

# BuildKit: Engine 20.10 has it built in and its own CLI uses it with
# DOCKER_BUILDKIT=1; newer docker CLIs (>= 23) need the buildx plugin for that.
# Take docker-buildx from the host's suite, else from trixie (it only needs
# libc6 >= 2.34, so it installs cleanly on bookworm).
install_buildx() {
  if docker buildx version >/dev/null 2>&1; then return 0; fi
  apt_update || return
  if apt-cache show docker-buildx >/dev/null 2>&1; then
    apt_install docker-buildx && return 0
  fi
  local tmp mirror rc=0
  tmp=$(mktemp -d) || return
  mirror=$(debian_mirror)
  mkdir -p "$tmp/lists/partial" "$tmp/debs"
  echo "deb $mirror ${AISTACK_BUILDX_SUITE:-trixie} main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=-
              -o "Dir::State::Lists=$tmp/lists" -o Acquire::Check-Valid-Until=false)
  run_logged "$CACHE/apt.log" as_root apt-get "${opts[@]}" update &&
    (cd "$tmp/debs" && run_logged "$CACHE/apt.log" as_root apt-get "${opts[@]}" download docker-buildx) &&
    apt_install "$tmp"/debs/docker-buildx_*.deb || rc=1
  as_root rm -rf "$tmp"
  return "$rc"
}

buildkit_smoke_test() {
  local ctx rc=0
  ctx=$(mktemp -d)
  printf 'ARG S=a\nFROM scratch AS stage-a\nFROM stage-${S}\nCOPY f /f\n' >"$ctx/Dockerfile"
  echo ok >"$ctx/f"
  DOCKER_BUILDKIT=1 docker build -q -t aistack/buildkit-smoke:test "$ctx" >/dev/null || rc=1
  docker image rm aistack/buildkit-smoke:test >/dev/null 2>&1 || true
  rm -rf "$ctx"
  return "$rc"
}

start_dockerd() {
  local pidfile="$CACHE/dockerd.pid"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    log "starting docker.service (systemd)"
    as_root systemctl start docker || return
  elif [ -f "$pidfile" ] && [ "$(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null)" = dockerd ]; then
    log "dockerd already started (pid $(cat "$pidfile")), waiting for it"
  else
    as_root rm -f "$pidfile"
    log "starting dockerd in the background (log: $CACHE/dockerd.log)"
    # setsid + nohup: keep running after this script and its terminal exit
    as_root setsid nohup dockerd --pidfile "$pidfile" \
      >>"$CACHE/dockerd.log" 2>&1 </dev/null &
  fi
  local i
  for ((i = 0; i < WAIT * 2; i++)); do
    if docker info >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  tail -n 30 "$CACHE/dockerd.log" >&2 || true
  log "dockerd did not answer within ${WAIT}s (see $CACHE/dockerd.log)"
  return 1
}

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
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt_update || return
    apt_install debootstrap || return
  fi
  local tag="${BASE_IMAGE##*:}"
  [ "$tag" = "$BASE_IMAGE" ] && tag=sid
  local suite="${AISTACK_BASE_SUITE:-$tag}"
  local mirror dir rc=0
  mirror=$(debian_mirror)
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX") || return
  log "debootstrap --variant=minbase $suite from $mirror"
  if step debootstrap run_logged "$CACHE/debootstrap.log" \
       as_root debootstrap --variant=minbase "$suite" "$dir" "$mirror"; then
    # Trim caches; let apt accept a snapshot mirror's expired Release files.
    as_root rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    printf 'Acquire::Check-Valid-Until "false";\n' |
      as_root tee "$dir/etc/apt/apt.conf.d/99aistack-snapshot" >/dev/null
    step docker-import import_rootfs "$dir" || rc=1
  else
    rc=1
  fi
  as_root rm -rf "$dir"
  return "$rc"
}

import_rootfs() {
  as_root tar -C "$1" --numeric-owner -c . |
    docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
}

# --- main ---------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  log "docker engine already running: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
else
  step install-engine install_engine || die "installing docker.io failed (see $CACHE/apt.log)"
  step start-dockerd start_dockerd || die "dockerd did not start"
  log "docker engine $(docker version --format '{{.Server.Version}}') running"
fi
step buildx install_buildx || die "installing the buildx plugin failed (see $CACHE/apt.log)"
if step buildkit-check buildkit_smoke_test; then
  log "BuildKit builds work (DOCKER_BUILDKIT=1 docker build)"
else
  die "BuildKit builds do not work with this docker CLI/engine"
fi

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
else
  step base-image build_base || die "building $BASE_IMAGE failed (see $CACHE/debootstrap.log)"
  log "base image $BASE_IMAGE built ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
fi
