#!/usr/bin/env bash
# Build the Pulumi toolchain from the Go module proxy (no prebuilt binaries needed):
#   cli         pulumi, pulumi-language-python and its helper scripts
#   docker      pulumi-resource-docker
#   kubernetes  pulumi-resource-kubernetes
# then install the two providers as Pulumi plugins.
#
# Usage: scripts/build-toolchain.sh [cli] [docker] [kubernetes]   (default: all three)
#
# Versions come from scripts/versions.env. Binaries are cached by version, outside the repo:
#   $AISTACK_CACHE/tools/pulumi-<ver>/       pulumi, pulumi-language-python(-exec), pulumi-resource-pulumi-python
#   $AISTACK_CACHE/tools/docker-<ver>/       pulumi-resource-docker
#   $AISTACK_CACHE/tools/kubernetes-<ver>/   pulumi-resource-kubernetes
# A binary that is already there is not built again.
#
# Environment:
#   AISTACK_CACHE        cache root (default: $HOME/.cache/aistack)
#   PULUMI_HOME          where plugins are installed (default: $AISTACK_CACHE/pulumi-home)
#   AISTACK_GO_BUILD_P   `go build -p` for each build (default: number of CPUs)
#   AISTACK_BUILD_SERIAL set to 1 to build one binary at a time instead of all at once
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${AISTACK_CACHE:-$HOME/.cache/aistack}
tools=$cache/tools
scratch=$cache/build
logs=$cache/logs
export PULUMI_HOME=${PULUMI_HOME:-$cache/pulumi-home}
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
go_p=${AISTACK_GO_BUILD_P:-$(nproc)}

cli_dir=$tools/pulumi-$PULUMI_VERSION
docker_dir=$tools/docker-$PULUMI_DOCKER_VERSION
k8s_dir=$tools/kubernetes-$PULUMI_KUBERNETES_VERSION

die() { echo "build-toolchain: $*" >&2; exit 1; }

want_cli=0 want_docker=0 want_k8s=0
[ $# -gt 0 ] || set -- cli docker kubernetes
for arg; do
  case $arg in
    cli) want_cli=1 ;;
    docker) want_docker=1 ;;
    kubernetes) want_k8s=1 ;;
    *) die "unknown component '$arg' (expected: cli docker kubernetes)" ;;
  esac
done
command -v go >/dev/null || die "go is required (https://go.dev/dl/)"

# fetch MODULE VERSION [H1SUM]: download a module through the Go module proxy and print its
# directory in the module cache. With H1SUM the checksum database is skipped for that module
# (it has no record of some pseudo-versions) and the hash is checked here instead.
fetch() {
  local mod=$1 ver=$2 sum=${3:-} json got
  if ! json=$(GONOSUMDB=${sum:+$mod} go mod download -json "$mod@$ver"); then
    echo "$json" >&2
    return 1
  fi
  if [ -n "$sum" ]; then
    got=$(grep -o '"Sum": "[^"]*"' <<<"$json" | cut -d'"' -f4)
    [ "$got" = "$sum" ] || { echo "$mod@$ver: hash $got, expected $sum" >&2; return 1; }
  fi
  grep -o '"Dir": "[^"]*"' <<<"$json" | cut -d'"' -f4
}

# place MODULE VERSION DEST [H1SUM]: a writable copy of a module at DEST.
place() {
  local dir
  dir=$(fetch "$1" "$2" "${4:-}")
  mkdir -p "$(dirname "$3")"
  cp -r "$dir" "$3"
  chmod -R u+w "$3"
}

# gobuild OUT VERSION_VAR VERSION PACKAGE [FLAGS...]: build into a temporary file, then move it
# into place, so that an interrupted build never leaves a binary that looks cached.
gobuild() {
  local out=$1 var=$2 ver=$3 pkg=$4
  shift 4
  mkdir -p "$(dirname "$out")"
  go build -p "$go_p" -trimpath -ldflags "-s -w -X $var=v$ver" "$@" -o "$out.tmp" "$pkg"
  mv "$out.tmp" "$out"
}

build_pulumi() {
  local src=$scratch/pulumi-$PULUMI_VERSION
  rm -rf "$src"
  place github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION" "$src/pkg"
  place github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION" "$src/sdk"
  (cd "$src/pkg" && gobuild "$cli_dir/pulumi" github.com/pulumi/pulumi/sdk/v3/go/common/version.Version \
    "$PULUMI_VERSION" ./cmd/pulumi)
  rm -rf "$src"
}

build_language_python() {
  local src=$scratch/pulumi-language-python-$PULUMI_LANGUAGE_PYTHON_SDK_VERSION
  rm -rf "$src"
  place github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_LANGUAGE_PYTHON_SDK_VERSION" "$src"
  (cd "$src" && gobuild "$cli_dir/pulumi-language-python" github.com/pulumi/pulumi/sdk/v3/go/common/version.Version \
    "$PULUMI_LANGUAGE_PYTHON_SDK_VERSION" ./python/cmd/pulumi-language-python)
  rm -rf "$src"
}

build_kubernetes() {
  local src=$scratch/kubernetes-$PULUMI_KUBERNETES_VERSION
  rm -rf "$src"
  place github.com/pulumi/pulumi-kubernetes/provider/v4 "$PULUMI_KUBERNETES_PROVIDER_MODULE" "$src/provider" \
    "$PULUMI_KUBERNETES_PROVIDER_SUM"
  place github.com/pulumi/pulumi-kubernetes/sdk/v4 "$PULUMI_KUBERNETES_SDK_MODULE" "$src/sdk"
  cd "$src/provider"
  VERSION=$PULUMI_KUBERNETES_VERSION go generate ./cmd/pulumi-resource-kubernetes
  gobuild "$k8s_dir/pulumi-resource-kubernetes" github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version \
    "$PULUMI_KUBERNETES_VERSION" ./cmd/pulumi-resource-kubernetes
  rm -rf "$src"
}

# pulumi-docker's own provider module is not served by the module proxy, so the docker plugin is
# our bridge program in scripts/docker-provider (pulumi-terraform-bridge wrapping the kreuzwerker
# provider under pulumi-docker's tokens and property names). Its go.mod replaces two modules with
# copies placed next to it:
#   ../upstream    kreuzwerker/terraform-provider-docker at PULUMI_DOCKER_UPSTREAM_MODULE, plus a
#                  `shim` package that hands out the provider from its internal package;
#   ../plugin-sdk  Pulumi's fork of terraform-plugin-sdk/v2 at PULUMI_DOCKER_PLUGIN_SDK_MODULE (the
#                  bridge needs the fork), plus the one tfprotov5 method that the terraform-plugin-go
#                  required by the upstream added after the fork was cut.
# The same package built with -tags tfgen writes the Pulumi schema that the plugin embeds.
build_docker() {
  local src=$scratch/docker-$PULUMI_DOCKER_VERSION
  rm -rf "$src"
  place github.com/kreuzwerker/terraform-provider-docker "$PULUMI_DOCKER_UPSTREAM_MODULE" "$src/upstream"
  mkdir -p "$src/upstream/shim" "$src/provider"
  cat >"$src/upstream/shim/shim.go" <<'EOF2'
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

func NewProvider() *schema.Provider {
	return provider.New("dev")()
}
EOF2
  place github.com/pulumi/terraform-plugin-sdk/v2 "$PULUMI_DOCKER_PLUGIN_SDK_MODULE" "$src/plugin-sdk"
  grep -q 'GenerateResourceConfig(' "$src/plugin-sdk/helper/schema/grpc_provider.go" ||
    cat >"$src/plugin-sdk/helper/schema/grpc_provider_compat.go" <<'EOF2'
package schema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

// GenerateResourceConfig completes tfprotov5.ProviderServer for newer terraform-plugin-go releases.
// Pulumi calls the provider in process, never through this protocol.
func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{
		Diagnostics: []*tfprotov5.Diagnostic{{
			Severity: tfprotov5.DiagnosticSeverityError,
			Summary:  "GenerateResourceConfig is not supported by this build of the plugin SDK",
		}},
	}, nil
}
EOF2
  cp "$here/docker-provider/go.mod" "$here/docker-provider/go.sum" "$here"/docker-provider/*.go "$src/provider/"
  cd "$src/provider"
  # no_compose leaves out the docker_compose resource (a plugin-framework resource, which this
  # program does not serve) and its large dependency tree.
  gobuild "$src/tfgen" main.version "$PULUMI_DOCKER_VERSION" . -tags tfgen,no_compose
  "$src/tfgen" schema --out . --skip-docs --skip-examples >"$src/tfgen.log" ||
    { cat "$src/tfgen.log"; return 1; }
  # With the project's venv (pulumi_docker installed), check the schema's names against the SDK's.
  if [ -x "$here/../.venv/bin/python" ]; then
    "$here/../.venv/bin/python" "$here/docker-provider/check_schema.py" schema.json
  fi
  gobuild "$docker_dir/pulumi-resource-docker" main.version "$PULUMI_DOCKER_VERSION" . -tags no_compose
  rm -rf "$src"
}

# The helper scripts come from the sdk at the CLI's version and must sit next to the language host.
install_python_helpers() {
  local sdk
  sdk=$(fetch github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION")
  mkdir -p "$cli_dir"
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$cli_dir/"
  install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$cli_dir/"
}

# Jobs: name, binary, build function. All missing binaries build at once (or one by one with
# AISTACK_BUILD_SERIAL=1), each logging to its own file.
jobs=()
[ $want_cli = 1 ] && jobs+=("pulumi $cli_dir/pulumi build_pulumi"
  "pulumi-language-python $cli_dir/pulumi-language-python build_language_python")
[ $want_k8s = 1 ] && jobs+=("pulumi-resource-kubernetes $k8s_dir/pulumi-resource-kubernetes build_kubernetes")
[ $want_docker = 1 ] && jobs+=("pulumi-resource-docker $docker_dir/pulumi-resource-docker build_docker")

mkdir -p "$logs"
started=() pids=() failed=()
for job in "${jobs[@]}"; do
  read -r name bin fn <<<"$job"
  if [ -x "$bin" ]; then
    echo "$name: cached at $bin"
    continue
  fi
  log=$logs/$name.log
  echo "$name: building (log: $log)"
  ( start=$SECONDS; $fn; echo "$name: built in $((SECONDS - start))s" ) >"$log" 2>&1 &
  started+=("$name")
  if [ "${AISTACK_BUILD_SERIAL:-0}" = 1 ]; then
    wait $! || failed+=("$name")
  else
    pids+=("$!:$name")
  fi
done
for job in "${pids[@]}"; do
  wait "${job%%:*}" || failed+=("${job#*:}")
done
for name in "${failed[@]}"; do
  echo "---- $name failed; last lines of $logs/$name.log:" >&2
  tail -n 40 "$logs/$name.log" >&2
done
for name in "${started[@]}"; do
  tail -n 1 "$logs/$name.log" | grep ' built in ' || true
done

if [ $want_cli = 1 ]; then
  [ -x "$cli_dir/pulumi-language-python-exec" ] && [ -x "$cli_dir/pulumi-resource-pulumi-python" ] ||
    install_python_helpers
fi

# Install the providers that were built as plugins, unless `pulumi plugin ls` already lists them.
install_plugin() { # name version binary
  local listed
  [ -x "$3" ] || return 0
  [ -x "$cli_dir/pulumi" ] || die "the pulumi CLI is needed to install the $1 plugin: run $0 cli"
  listed=$("$cli_dir/pulumi" plugin ls 2>/dev/null | awk -v n="$1" -v v="$2" '$1 == n && $2 == "resource" && $3 == v')
  if [ -n "$listed" ]; then
    echo "plugin $1 $2: installed"
  else
    "$cli_dir/pulumi" plugin install resource "$1" "$2" --file "$3"
  fi
}
export PULUMI_SKIP_UPDATE_CHECK=true
[ $want_docker = 1 ] && install_plugin docker "$PULUMI_DOCKER_VERSION" "$docker_dir/pulumi-resource-docker"
[ $want_k8s = 1 ] && install_plugin kubernetes "$PULUMI_KUBERNETES_VERSION" "$k8s_dir/pulumi-resource-kubernetes"
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (logs in $logs)"
echo "toolchain ready: PATH=$cli_dir:\$PATH PULUMI_HOME=$PULUMI_HOME"
