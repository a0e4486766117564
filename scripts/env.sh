# Source me: `. scripts/env.sh`. Puts the project venv and the cached Pulumi toolchain on PATH and
# selects a local file backend, so no account or network is needed.
_aistack_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
. "$_aistack_root/scripts/versions.env"
export AISTACK_CACHE="${AISTACK_CACHE:-$HOME/.cache/aistack}"
export PULUMI_HOME="${PULUMI_HOME:-$AISTACK_CACHE/pulumi-home}"
export PATH="$_aistack_root/.venv/bin:$AISTACK_CACHE/tools/pulumi-$PULUMI_VERSION:$PATH"
export PULUMI_PYTHON_CMD="$_aistack_root/.venv/bin/python"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_aistack_root/.state/backend}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-aistack-local}"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$_aistack_root/.state/backend"
unset _aistack_root
