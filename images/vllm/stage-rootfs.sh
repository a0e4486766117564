#!/bin/sh
# stage-rootfs.sh ROOTFS PATH...
#
# Copy PATHs (files, or directories walked recursively) into ROOTFS at the
# same absolute location, dereferencing symlinks, together with every shared
# library they need (resolved with ldd, transitively) and the ELF interpreter.
# Libraries that a dlopen()-ed plugin needs are found by listing the plugin
# itself (or its directory) as a PATH.
#
# Environment:
#   STAGE_EXCLUDE       extended regex of library paths NOT to copy (e.g. the
#                       NVIDIA driver libraries the container toolkit injects)
#   STAGE_ALLOW_MISSING extended regex of sonames allowed to be "not found"
#
# Also creates a merged-/usr layout (bin, sbin, lib, lib64 -> usr/*), /tmp
# (1777), /etc/passwd and /etc/group with root and nonroot (65532), a minimal
# /etc/nsswitch.conf, and an ld.so.cache for the staged libraries.
set -eu

root=${1:?usage: stage-rootfs.sh ROOTFS PATH...}
shift
exclude=${STAGE_EXCLUDE:-^$}
allow_missing=${STAGE_ALLOW_MISSING:-^$}

mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" \
  "$root/etc" "$root/tmp" "$root/usr/local/bin"
for d in bin sbin lib lib64; do
  [ -e "$root/$d" ] || [ -L "$root/$d" ] || ln -s "usr/$d" "$root/$d"
done
chmod 1777 "$root/tmp"

copy_file() { # copy_file SRC -> same path under $root, dereferenced
  [ -e "$root$1" ] && return 0
  mkdir -p "$root$(dirname "$1")"
  cp -L "$1" "$root$1"
}

missing=0
copy_deps() { # copy_deps ELF: copy every library ldd resolves
  out=$(ldd "$1" 2>/dev/null) || return 0 # not a dynamic ELF (script, static)
  echo "$out" | awk '$2 == "=>" && $3 == "not" { print "MISSING " $1; next }
                     $2 == "=>" && $3 ~ /^\// { print $3; next }
                     $1 ~ /^\// { print $1 }' |
  while read -r lib extra; do
    if [ "$lib" = MISSING ]; then
      if echo "$extra" | grep -Eq "$allow_missing"; then continue; fi
      echo "stage-rootfs: $1 needs $extra, which is not found" >&2
      exit 1
    fi
    if echo "$lib" | grep -Eq "$exclude"; then continue; fi
    copy_file "$lib"
  done || missing=1
}

for p in "$@"; do
  if [ -d "$p" ]; then
    find "$p" \( -type f -o -type l \) | while read -r f; do
      copy_file "$f"
      copy_deps "$f"
      [ "$missing" -eq 0 ] || exit 1
    done
  else
    copy_file "$p"
    copy_deps "$p"
  fi
  [ "$missing" -eq 0 ] || exit 1
done

cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin
P
cat > "$root/etc/group" <<'G'
root:x:0:
nonroot:x:65532:
G
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
[ -e "$root/etc/hosts" ] || printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
# ld.so.cache for the staged libraries (multiarch dirs are also ld.so defaults)
if [ -e /etc/ld.so.conf ] && [ ! -e "$root/etc/ld.so.conf" ]; then
  cp /etc/ld.so.conf "$root/etc/ld.so.conf"
  [ -d /etc/ld.so.conf.d ] && cp -r /etc/ld.so.conf.d "$root/etc/ld.so.conf.d"
fi
if command -v ldconfig >/dev/null 2>&1; then
  ldconfig -r "$root" 2>/dev/null || true
fi
