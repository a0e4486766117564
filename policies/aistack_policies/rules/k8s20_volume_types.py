"""K8S-20: pod volumes only of the restricted-profile types."""

from __future__ import annotations

from pulumi_policy import Severity

from ..core import ADVISORY, KUBERNETES, Findings, ResourceRule, RuleConfig, pss
from ..k8s import require_pod
from ..subject import Kind, Subject

ALLOWED_SOURCES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def check_pod(subject: Subject, config: RuleConfig, out: Findings) -> None:
    pod = require_pod(subject)
    for where, volume in pod.volumes():
        for key in sorted(k for k in volume if k != "name" and volume[k] is not None):
            if key not in ALLOWED_SOURCES:
                out.fail(f"{where}.{key}", f"volume type {key} is not allowed (allowed: {', '.join(sorted(ALLOWED_SOURCES))})")


RULE = ResourceRule(
    id="K8S-20",
    title="Restricted volume types",
    description="Pod volumes are limited to configMap, secret, emptyDir, projected, downwardAPI, PVC, CSI and ephemeral.",
    remediation="Replace other volume types (hostPath, nfs, ...) with a PVC backed by a StorageClass.",
    benchmarks=(pss("restricted: Volume Types"),),
    level=ADVISORY,
    severity=Severity.MEDIUM,
    targets=(KUBERNETES,),
    checks={Kind.K8S_WORKLOAD: check_pod},
)
