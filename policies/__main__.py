"""The policy pack as the Pulumi CLI runs it: `pulumi preview --policy-pack policies`.

Constructing ``PolicyPack`` starts the analyzer's gRPC server and blocks, so this file only wires the
rule registry into it and is never imported (tests call the rules in ``aistack_policies`` directly).
The CLI runs this directory with ``policies/`` on ``sys.path``, hence the absolute import.
"""

from aistack_policies.registry import RULES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="aistack",
    description="Hardening and conventions for aistack inference stacks on Docker and Kubernetes.",
    enforcement_level=EnforcementLevel.ADVISORY,  # each rule sets its own level
    policies=[rule.to_policy() for rule in RULES],
)
