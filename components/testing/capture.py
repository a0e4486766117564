"""Run the real program under Pulumi mocks and capture every resource it registers."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi

from ..config.load import config_from_stack_file

TEST_SECRETS = {"aistack:gatewayApiKey": "test-gateway-key", "aistack:grafanaAdminPassword": "test-grafana-password"}


@dataclass
class CapturedResource:
    type: str
    name: str
    urn: str
    props: dict[str, Any]
    opts: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, sink: list[CapturedResource] | None = None):
        self.resources: list[CapturedResource] = sink if sink is not None else []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        outputs = dict(args.inputs)
        if args.typ == "docker:index/image:Image":
            outputs["repoDigest"] = ""
        if args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["imageId"] = "sha256:" + "0" * 64
        if args.typ == "docker:index/container:Container":
            outputs.setdefault("exitCode", 0)
            outputs.setdefault("containerLogs", "")
        metadata = outputs.get("metadata")
        if args.typ.startswith("kubernetes:") and isinstance(metadata, dict) and not metadata.get("name"):
            outputs["metadata"] = {**metadata, "name": f"{args.name}-a1b2c3d4"}  # the provider's auto-naming
        self.resources.append(
            CapturedResource(args.typ, args.name, f"urn:pulumi:test::aistack::{args.typ}::{args.name}", dict(args.inputs))
        )
        rid = "sha256:" + ("1" * 64) if args.typ == "docker:index/image:Image" else f"{args.name}-id"
        return [rid, outputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def stack_config(stack: str, project_dir=".", overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """The stack file's `aistack:` config as Pulumi hands it to a program (JSON strings), plus test secrets."""
    raw = config_from_stack_file(stack, project_dir)
    config = {f"aistack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    config.update(TEST_SECRETS)
    for key, value in (overrides or {}).items():
        config[f"aistack:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def capture_resources(stack: str, project_dir=".", overrides: dict[str, Any] | None = None,
                      sink: list[CapturedResource] | None = None) -> list[CapturedResource]:
    """Run components.program.main for `stack` under mocks; return the declared resources."""
    from ..program import main

    mocks = _Mocks(sink)  # `sink` keeps what was registered even when the program fails
    pulumi.runtime.set_mocks(mocks, project="aistack", stack=stack, preview=False)
    pulumi.runtime.set_all_config(stack_config(stack, project_dir, overrides), list(TEST_SECRETS))

    @pulumi.runtime.test
    def run():
        main()
        return pulumi.Output.from_input(None)

    run()
    return mocks.resources
