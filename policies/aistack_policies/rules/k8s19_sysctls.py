"""K8S-19: only namespaced, safe sysctls; no unmasked /proc."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, ConfigOption, Findings, ResourceRule, RuleConfig, pss
from ..docker import security_opts
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, as_map, fmt

# The Pod Security Standards (baseline) safe set, Kubernetes 1.29+.
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ping_group_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)


def _check_sysctl(where: str, name: str, config: RuleConfig, out: Findings) -> None:
    if name in SAFE_SYSCTLS:
        return
    if name in config["allowedSysctls"]:
        out.waive(where, f"{name} is allowed by allowedSysctls")
    else:
        out.fail(where, f"{name} is not in the Pod Security Standards safe set")


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for name in sorted(as_map(subject.props.get("sysctls"))):
        _check_sysctl(f"sysctls[{name}]", str(name), config, out)
    for o in security_opts(subject.props):
        if o.key == "systempaths" and o.value == "unconfined":
            out.fail(o.path, "systempaths=unconfined unmasks /proc and /sys paths")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for i, sysctl in enumerate(as_list(pod.security_context.get("sysctls"))):
        name = str(as_map(sysctl).get("name") or "")
        _check_sysctl(f"{pod.field('securityContext')}.sysctls[{i}]", name, config, out)
    for c in pod.containers():
        proc_mount = c.security_context.get("procMount")
        if proc_mount not in (None, "Default"):
            out.fail(f"{c.path}.securityContext.procMount", f'must be "Default" (got {fmt(proc_mount)})')


RULE = ResourceRule(
    id="K8S-19",
    title="Safe sysctls, masked /proc",
    description="Only sysctls from the Pod Security Standards safe set; /proc stays masked.",
    remediation=(
        "Remove other sysctls (or list a reviewed one in `allowedSysctls`); drop `procMount: Unmasked` "
        "and `systempaths=unconfined`."
    ),
    benchmarks=(pss("baseline: Sysctls, /proc Mount Type"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "allowedSysctls",
            "array",
            [],
            "Sysctls allowed beyond the safe set; each use is reported as waived.",
        ),
    ),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
