"""DAT-01: data volumes survive `pulumi destroy` and replacement.

What a policy can see: pulumi_policy 1.21 passes ``PolicyResourceOptions`` with ``protect`` (and
ignore_changes, delete_before_replace, aliases, custom_timeouts, additional_secret_outputs, parent)
but not ``retainOnDelete``: the analyzer protocol's ``AnalyzerResourceOptions`` has no such field.
The program therefore declares data volumes with ``retain_on_delete=True`` *and* the label
``aistack.dev/retain=true``; this rule accepts ``protect=True`` or that label. The compliance report,
which may see ``retain_on_delete`` in the captured options, says so when the option is set but the
label is missing.
"""

from __future__ import annotations

from pulumi_policy import Severity

from ..conventions import LABEL_DATA, LABEL_RETAIN
from ..core import DOCKER, KUBERNETES, MANDATORY, Findings, ResourceRule, RuleConfig, aistack
from ..docker import labels
from ..k8s import require_pod
from ..subject import Kind, Subject
from ..values import as_list, get, is_true


def _check_retained(subject: Subject, label_path: str, label_value: object, out: Findings) -> None:
    if subject.protect or is_true(label_value):
        return
    # Only the report knows retain_on_delete, and only a True is trusted: mock captures that cannot
    # see the option record False.
    hint = " (retain_on_delete is set, but policies cannot see it)" if subject.retain_on_delete else ""
    out.fail(label_path, f"must be \"true\" on a data volume declared with retain_on_delete=True (or protect=True){hint}")


def check_volume(subject: Subject, config: RuleConfig, out: Findings) -> None:
    found = labels(subject.props)
    if not is_true(found.get(LABEL_DATA)):
        out.not_applicable(f"not a data volume (no {LABEL_DATA}=true label)")
    _check_retained(subject, f"labels[{LABEL_RETAIN}]", found.get(LABEL_RETAIN), out)


def check_pvc(subject: Subject, config: RuleConfig, out: Findings) -> None:
    _check_retained(subject, f"metadata.labels[{LABEL_RETAIN}]", subject.metadata_labels.get(LABEL_RETAIN), out)


def check_workload(subject: Subject, config: RuleConfig, out: Findings) -> None:
    require_pod(subject)
    if subject.k8s_kind != "StatefulSet" or not as_list(get(subject.props, "spec", "volumeClaimTemplates")):
        out.not_applicable("no volume claim templates")
    when_deleted = get(subject.props, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted")
    if when_deleted == "Delete":
        out.fail(
            "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
            'must be "Retain" (the default): deleting the StatefulSet would delete its data',
        )


RULE = ResourceRule(
    id="DAT-01",
    title="Data volumes are retained",
    description=(
        f"Data volumes (Docker volumes labelled {LABEL_DATA}=true, PVCs, StatefulSet claims) "
        "survive deletion of the stack."
    ),
    remediation=(
        f"Declare data volumes with `retain_on_delete=True` and the label {LABEL_RETAIN}=true (or "
        "`protect=True`); keep StatefulSet `whenDeleted: Retain`."
    ),
    benchmarks=(aistack("data protection"),),
    level=MANDATORY,
    severity=Severity.HIGH,
    targets=(DOCKER, KUBERNETES),
    checks={Kind.DOCKER_VOLUME: check_volume, Kind.K8S_PVC: check_pvc, Kind.K8S_WORKLOAD: check_workload},
)
