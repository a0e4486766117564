"""The Pulumi program: config -> hardware -> plan -> components. Bad input ends here, before any resource."""
from __future__ import annotations

import gc
import pathlib

import pulumi

from .config.load import ConfigError, Problem, config_from_pulumi, parse_stack_config
from .hardware.inventory import build_inventory
from .hardware.planner import plan as make_plan
from .plan import plan_to_dict
from .platform import Platform

PROJECT_DIR = pathlib.Path(__file__).resolve().parent.parent


def load_and_plan(raw: dict, stack: str | None, project_dir: pathlib.Path = PROJECT_DIR):
    cfg = parse_stack_config(raw, stack)
    problems = []
    if not cfg.gateway_api_key:
        problems.append(Problem("gatewayApiKey", "required secret is not set; run `pulumi config set --secret aistack:gatewayApiKey <key>`"))
    try:
        plan = make_plan(cfg, build_inventory(cfg.hardware), project_dir, stack)
    except ConfigError as exc:
        problems = exc.problems + problems
        plan = None
    if problems:
        raise ConfigError(problems, stack)
    return cfg, plan


def main() -> None:
    # A short-lived program that builds many long-lived objects: the cyclic GC rescanning them doubled evaluation
    # time with hundreds of servers (bench/evaluate.py). Freeze what the imports made, collect far less often.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    stack = pulumi.get_stack()
    try:
        cfg, plan = load_and_plan(config_from_pulumi(), stack)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    secrets = {
        "gatewayApiKey": pulumi.Output.secret(cfg.gateway_api_key),
        "hfToken": pulumi.Output.secret(cfg.hf_token) if cfg.hf_token else None,
        "grafanaAdminPassword": pulumi.Output.secret(cfg.grafana_admin_password) if cfg.grafana_admin_password else None,
    }
    for warning in plan.warnings:
        pulumi.log.warn(warning)
    platform = Platform("aistack", cfg, plan, secrets, PROJECT_DIR)
    pulumi.export("plan", plan_to_dict(cfg, plan, stack))
    pulumi.export("gatewayUrl", platform.gateway.url)
    pulumi.export("images", {n: {"ref": h.ref, "sizeBytes": h.size_bytes} for n, h in platform.hardened.items()})
    pulumi.export("scrapeTargets", [w.name for w in platform.workloads if w.metrics])
