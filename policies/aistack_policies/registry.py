"""The rule registry: every rule of the pack, in table order. The pack, report and docs read it."""

from __future__ import annotations

from .core import ResourceRule, Rule, StackRule
from .rules import (
    ctr01_privileged,
    ctr02_host_namespaces,
    ctr03_capabilities,
    ctr04_no_new_privileges,
    ctr05_security_profiles,
    ctr06_read_only_rootfs,
    ctr07_non_root,
    ctr08_host_paths,
    ctr09_mount_propagation,
    ctr10_published_ports,
    ctr11_memory_limit,
    ctr12_cpu_limit,
    ctr14_health_checks,
    ctr15_restart_policy,
    ctr16_devices,
    ctr17_image_pinning,
    ctr18_network_isolation,
    dat01_data_protection,
    gpu01_gpu_requests,
    gpu02_shared_memory,
    k8s19_sysctls,
    k8s20_volume_types,
    k8s21_exposure,
    lbl01_labels,
    mon01_scraping,
    net01_workstation_exposure,
    sec22_secrets,
)

RULES: tuple[Rule, ...] = (
    ctr01_privileged.RULE,
    ctr02_host_namespaces.RULE,
    ctr03_capabilities.RULE,
    ctr04_no_new_privileges.RULE,
    ctr05_security_profiles.RULE,
    ctr06_read_only_rootfs.RULE,
    ctr07_non_root.RULE,
    ctr08_host_paths.RULE,
    ctr09_mount_propagation.RULE,
    ctr10_published_ports.RULE,
    ctr11_memory_limit.RULE,
    ctr12_cpu_limit.RULE,
    ctr14_health_checks.RULE,
    ctr15_restart_policy.RULE,
    ctr16_devices.RULE,
    ctr17_image_pinning.RULE,
    ctr17_image_pinning.DIGEST_RULE,
    ctr18_network_isolation.RULE,
    k8s19_sysctls.RULE,
    k8s20_volume_types.RULE,
    k8s21_exposure.RULE,
    sec22_secrets.RULE,
    gpu01_gpu_requests.RULE,
    gpu02_shared_memory.RULE,
    gpu02_shared_memory.SHM_RULE,
    lbl01_labels.RULE,
    net01_workstation_exposure.RULE,
    mon01_scraping.RULE,
    dat01_data_protection.RULE,
)

RESOURCE_RULES: tuple[ResourceRule, ...] = tuple(r for r in RULES if isinstance(r, ResourceRule))
STACK_RULES: tuple[StackRule, ...] = tuple(r for r in RULES if isinstance(r, StackRule))


def get_rule(rule_id: str) -> Rule:
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"no rule {rule_id!r}; known: {', '.join(r.id for r in RULES)}")


def _check_unique() -> None:
    ids = [r.id for r in RULES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise AssertionError(f"duplicate rule ids: {duplicates}")


_check_unique()
