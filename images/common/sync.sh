#!/bin/sh
# Each image directory is its own build context, so the shared build helpers
# kept here are copied into every image directory that uses them.
#   images/common/sync.sh          copy them
#   images/common/sync.sh --check  exit 1 if a copy differs from common/
set -eu
here=$(cd "$(dirname "$0")" && pwd)
images=$(dirname "$here")
check=${1:-}
status=0
for dockerfile in "$images"/*/Dockerfile; do
  dir=$(dirname "$dockerfile")
  for f in builder-setup.sh stage-rootfs.sh healthcheck.c; do
    grep -q "$f" "$dockerfile" || continue
    if [ "$check" = --check ]; then
      cmp -s "$here/$f" "$dir/$f" || { echo "out of date: ${dir##*/}/$f (run images/common/sync.sh)" >&2; status=1; }
    else
      cp "$here/$f" "$dir/$f"
    fi
  done
done
exit "$status"
