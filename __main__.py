"""aistack: `pulumi up` entry point. All logic lives in the `components` package."""
from policies.plugin_launch import run_pack_if_plugin

run_pack_if_plugin()  # started as a policy pack by an older language host: serve the pack instead

from components.program import main  # noqa: E402

main()
