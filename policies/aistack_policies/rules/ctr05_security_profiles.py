"""CTR-05: seccomp, AppArmor and SELinux confinement stay on."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, cis_docker, pss
from ..docker import security_opts
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_map, fmt

SECCOMP_OK = frozenset({"RuntimeDefault", "Localhost"})
SELINUX_TYPES_OK = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def check_docker(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for o in security_opts(subject.props):
        if o.key == "seccomp" and o.value == "unconfined":
            out.fail(o.path, "seccomp must not be unconfined")
        elif o.key == "apparmor" and o.value == "unconfined":
            out.fail(o.path, "apparmor must not be unconfined")
        elif o.key == "label" and o.value == "disable":
            out.fail(o.path, "SELinux labelling must not be disabled")
        elif o.key == "label" and o.value == "type:spc_t":
            out.fail(o.path, "SELinux type spc_t (super-privileged container) is not allowed")


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for c in pod.containers():
        seccomp, where = pod.effective(c, "seccompProfile")
        kind = as_map(seccomp).get("type")
        if not (isinstance(kind, str) and kind in SECCOMP_OK):
            got = "unset" if kind is None else f"got {fmt(kind)}"
            out.fail(f"{where}.type", f"must be RuntimeDefault or Localhost, on the container or the pod ({got})")

        apparmor, where = pod.effective(c, "appArmorProfile")
        if str(as_map(apparmor).get("type") or "") == "Unconfined":
            out.fail(f"{where}.type", 'must not be "Unconfined"')
        annotation = str(pod.annotations.get(APPARMOR_ANNOTATION + c.name) or "")
        if annotation == "unconfined":
            out.fail(f"{pod.meta_path}.annotations[{APPARMOR_ANNOTATION}{c.name}]", 'must not be "unconfined"')

        selinux, where = pod.effective(c, "seLinuxOptions")
        selinux = as_map(selinux)
        if str(selinux.get("type") or "") not in SELINUX_TYPES_OK:
            out.fail(f"{where}.type", f"must be one of the container_* types (got {fmt(selinux.get('type'))})")
        for key in ("user", "role"):
            if selinux.get(key):
                out.fail(f"{where}.{key}", "must not be set")


RULE = ResourceRule(
    id="CTR-05",
    title="Keep seccomp, AppArmor and SELinux on",
    description="Containers must keep the runtime's seccomp, AppArmor and SELinux confinement.",
    remediation=(
        "Remove `seccomp=unconfined`, `apparmor=unconfined` and `label=disable` from `securityOpts` "
        "(Docker). On Kubernetes set `securityContext.seccompProfile.type: RuntimeDefault` on the pod "
        "and leave AppArmor and SELinux at their defaults."
    ),
    benchmarks=(
        cis_docker("5.2, 5.3, 5.22"),
        pss("baseline: AppArmor, SELinux, Seccomp; restricted: Seccomp"),
    ),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_CONTAINER: check_docker, Kind.K8S_WORKLOAD: check_pod},
)
