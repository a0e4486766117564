#!/usr/bin/env python3
"""Compare the property names of the pulumi_docker Python SDK with a provider's Pulumi schema.

The SDK sends its inputs under the names of its input types' getters (cpuSet, networksAdvanced,
ipamConfigs, ...); a provider whose schema names a property differently would drop or reject it.
This compares the provider's configuration and, for each resource checked, its token, inputs
(the Args class) and state (the _State class), and, recursively, every nested input type reached
from them.

Usage:
  check_schema.py SCHEMA.json [Resource ...]      (default: Provider Container Network Volume RemoteImage)
  check_schema.py --provider BINARY [Resource ...]  (runs `pulumi package get-schema BINARY`)

Run it with the Python that has pulumi_docker installed. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import typing

import pulumi._types as ptypes
import pulumi_docker

DEFAULT_RESOURCES = ["Provider", "Container", "Network", "Volume", "RemoteImage"]


def load_schema(args: argparse.Namespace) -> dict:
    if args.provider:
        out = subprocess.run(
            [args.pulumi, "package", "get-schema", args.provider],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out)
    with open(args.schema, encoding="utf-8") as f:
        return json.load(f)


def input_classes(tp: object) -> list[type]:
    """The @pulumi.input_type classes inside a type annotation (Optional, Input, Sequence, ...)."""
    if isinstance(tp, type) and ptypes.is_input_type(tp):
        return [tp]
    found: list[type] = []
    for arg in typing.get_args(tp):
        found.extend(input_classes(arg))
    return found


def ref_of(prop: dict) -> str | None:
    """The type token a schema property refers to, through arrays and maps."""
    while True:
        if "$ref" in prop:
            return prop["$ref"].removeprefix("#/types/")
        if "items" in prop:
            prop = prop["items"]
        elif "additionalProperties" in prop:
            prop = prop["additionalProperties"]
        else:
            return None


class Checker:
    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.errors: list[str] = []
        self.seen: set[tuple[type, str]] = set()

    def compare(self, where: str, cls: type, props: dict) -> None:
        """Compare the input class's Pulumi names with the schema's properties, then recurse."""
        sdk = ptypes.input_type_types(cls)  # Pulumi name -> annotation
        missing = sorted(set(sdk) - set(props))
        extra = sorted(set(props) - set(sdk))
        if missing:
            self.errors.append(f"{where}: SDK sends {missing}, not in the schema")
        if extra:
            self.errors.append(f"{where}: schema has {extra}, not in the SDK")
        for name, annotation in sdk.items():
            if name not in props:
                continue
            ref = ref_of(props[name])
            nested = input_classes(annotation)
            if nested and ref is None:
                self.errors.append(f"{where}.{name}: SDK has an object type, schema has {props[name]}")
            for sub in nested:
                if ref is None or (sub, ref) in self.seen:
                    continue
                self.seen.add((sub, ref))
                spec = self.schema.get("types", {}).get(ref)
                if spec is None:
                    self.errors.append(f"{where}.{name}: schema type {ref} is missing")
                    continue
                self.compare(f"{where}.{name}({sub.__name__})", sub, spec.get("properties", {}))

    def resource(self, name: str) -> None:
        res_cls = getattr(pulumi_docker, name)
        module = sys.modules[res_cls.__module__]
        if name == "Provider":  # its configuration: no state, no token in the schema's resources
            self.compare("Provider inputs", module.ProviderArgs, self.schema["provider"].get("inputProperties", {}))
            return
        token = res_cls.pulumi_type  # set by @pulumi.type_token
        spec = self.schema.get("resources", {}).get(token)
        if spec is None:
            self.errors.append(f"{name}: token {token} is not in the schema")
            return
        self.compare(f"{name} inputs", getattr(module, f"{name}Args"), spec.get("inputProperties", {}))
        state = getattr(module, f"_{name}State")
        self.compare(f"{name} state", state, spec.get("properties", {}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("schema", nargs="?", help="schema JSON file")
    ap.add_argument("resources", nargs="*", help="SDK resource classes to check")
    ap.add_argument("--provider", help="provider binary; its schema comes from `pulumi package get-schema`")
    ap.add_argument("--pulumi", default="pulumi", help="pulumi CLI for --provider (default: on PATH)")
    args = ap.parse_args()
    if args.provider and args.schema:
        args.resources.insert(0, args.schema)
        args.schema = None
    if not args.provider and not args.schema:
        ap.error("give a schema file or --provider")
    schema = load_schema(args)
    checker = Checker(schema)
    resources = args.resources or DEFAULT_RESOURCES
    for name in resources:
        checker.resource(name)
    sdk = f"pulumi_docker {importlib.metadata.version('pulumi_docker')}"
    for err in checker.errors:
        print(f"MISMATCH {err}")
    if checker.errors:
        print(f"{len(checker.errors)} mismatches between the schema and {sdk}")
        return 1
    print(f"the schema matches {sdk} for {', '.join(resources)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
