"""The rule model: one definition used by the policy pack, the tests, the report and the docs.

A rule is data (id, description, remediation, benchmark references, default level, config options)
plus pure check functions:

* ``ResourceRule.checks`` maps a resource ``Kind`` to ``check(subject, config, findings)``;
* ``StackRule.check(subjects, config, findings)`` sees every resource of the stack.

A check records ``findings.fail(path, message)`` for violations and ``findings.waive(path, message)``
when an allow-list or config exemption let something through; ``findings.not_applicable(reason)``
ends it early. The outcome is ``fail`` if anything failed, else ``waived`` if an exemption applied,
else ``pass``. Messages start with the property path and never contain secret values.

Config: the Pulumi CLI hands each policy only its own section of the policy-pack config
(``{"CTR-03": {"allowedCapabilities": [...]}}``), filled with the schema defaults. ``RuleConfig``
applies the same defaults for direct calls and rejects unknown keys and wrong types with
``PolicyConfigError`` (raised, so a misspelt allow-list stops the preview instead of being ignored).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .subject import Kind, Subject, classify

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

DOCKER = "docker"
KUBERNETES = "kubernetes"


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    NOT_APPLICABLE = "n/a"
    UNKNOWN = "unknown"


class PolicyConfigError(ValueError):
    """The policy-pack config of a rule is invalid (unknown key, wrong type)."""


class NotApplicable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutputsUnknown(UnknownValueError):
    """Raised by stack rules when the outputs they need are not known yet (preview).

    The analyzer turns any ``UnknownValueError`` into the advisory "can't run policy ... during
    preview", which is the honest answer: an empty output map must not count as compliant.
    """

    def __init__(self, what: str) -> None:  # pylint: disable=super-init-not-called
        Exception.__init__(self, what)
        self.unknown_type_sentinel = ""
        self.props = []
        self.message = what


@dataclass(frozen=True)
class Benchmark:
    framework: str
    version: str
    reference: str
    short: str = ""  # how the docs name the framework

    def __str__(self) -> str:
        return " ".join(p for p in (self.short or self.framework, self.version, self.reference) if p)


def cis_docker(reference: str) -> Benchmark:
    return Benchmark("CIS Docker Benchmark", "v1.6.0", reference, "CIS Docker")


def pss(reference: str) -> Benchmark:
    return Benchmark("Kubernetes Pod Security Standards", "", reference, "PSS")


def aistack(reference: str) -> Benchmark:
    return Benchmark("aistack conventions", "", reference, "aistack convention:")


@dataclass(frozen=True)
class ConfigOption:
    key: str
    type: str  # "array" (of strings), "boolean", "integer", "string"
    default: Any
    description: str

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": self.type,
            "default": copy.deepcopy(self.default),
            "description": self.description,
        }
        if self.type == "array":
            schema["items"] = {"type": "string"}
        return schema

    def coerce(self, rule_id: str, value: Any) -> Any:
        where = f"{rule_id}.{self.key}"
        if self.type == "array":
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise PolicyConfigError(f"{where}: expected a list of strings (got {type(value).__name__})")
            items = list(value)
            for item in items:
                if not isinstance(item, str):
                    raise PolicyConfigError(f"{where}: expected a list of strings (got item {item!r})")
            return tuple(items)
        if self.type == "boolean":
            if not isinstance(value, bool):
                raise PolicyConfigError(f"{where}: expected true or false (got {value!r})")
            return value
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
                raise PolicyConfigError(f"{where}: expected an integer (got {value!r})")
            return int(value)
        if not isinstance(value, str):
            raise PolicyConfigError(f"{where}: expected a string (got {value!r})")
        return value


class RuleConfig(Mapping[str, Any]):
    """A rule's validated config: defaults from its options, overridden by the given section."""

    def __init__(self, rule_id: str, options: Sequence[ConfigOption], raw: Mapping[str, Any] | None) -> None:
        known = {o.key: o for o in options}
        values: dict[str, Any] = {o.key: o.coerce(rule_id, o.default) for o in options}
        for key in sorted(raw or {}):
            if key == "enforcementLevel":
                continue
            if key not in known:
                hint = ", ".join(sorted(known)) or "none"
                raise PolicyConfigError(f"{rule_id}: unknown config key {key!r} (known keys: {hint})")
            values[key] = known[key].coerce(rule_id, raw[key])  # type: ignore[index]
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _join(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


class Findings:
    """What one check found on one resource.

    ``defer(error)`` notes a value that is unknown during preview and lets the check go on with the
    rest; the rule then reports what it found and the engine adds "can't run during preview".
    """

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.waivers: list[str] = []
        self.unknown: UnknownValueError | None = None

    def defer(self, error: UnknownValueError) -> None:
        self.unknown = self.unknown or error

    def fail(self, path: str, message: str) -> None:
        self.violations.append(_join(path, message))

    def waive(self, path: str, message: str) -> None:
        self.waivers.append(_join(path, message))

    @staticmethod
    def not_applicable(reason: str) -> None:
        raise NotApplicable(reason)


@dataclass(frozen=True)
class Evaluation:
    status: Status
    violations: tuple[str, ...] = ()
    waivers: tuple[str, ...] = ()
    reason: str = ""
    unknown: UnknownValueError | None = field(default=None, compare=False)

    @classmethod
    def of(cls, findings: Findings) -> "Evaluation":
        reason = findings.unknown.message if findings.unknown else ""
        if findings.violations:
            status = Status.FAIL
        elif findings.unknown:
            status = Status.UNKNOWN
        elif findings.waivers:
            status = Status.WAIVED
        else:
            status = Status.PASS
        return cls(status, tuple(findings.violations), tuple(findings.waivers), reason, findings.unknown)


CheckFn = Callable[[Subject, RuleConfig, Findings], None]


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    title: str
    description: str
    remediation: str
    benchmarks: tuple[Benchmark, ...]
    level: EnforcementLevel
    severity: Severity
    targets: tuple[str, ...]
    config: tuple[ConfigOption, ...] = ()
    notes: str = ""

    scope = "resource"

    @property
    def benchmark(self) -> str:
        return "; ".join(str(b) for b in self.benchmarks)

    def make_config(self, raw: Mapping[str, Any] | None) -> RuleConfig:
        return RuleConfig(self.id, self.config, raw)

    def config_schema(self) -> PolicyConfigSchema | None:
        if not self.config:
            return None
        return PolicyConfigSchema(properties={o.key: o.schema() for o in self.config})

    def _policy_kwargs(self) -> dict[str, Any]:
        primary = self.benchmarks[0]
        return {
            "name": self.id,
            "description": self.description,
            "enforcement_level": self.level,
            "config_schema": self.config_schema(),
            "display_name": f"{self.id} {self.title}",
            "severity": self.severity,
            "framework": PolicyComplianceFramework(
                name=primary.framework,
                version=primary.version or None,
                reference=primary.reference,
            ),
            "tags": sorted({*self.targets, self.scope}),
            "remediation_steps": self.remediation,
        }


@dataclass(frozen=True, kw_only=True)
class ResourceRule(Rule):
    checks: Mapping[Kind, CheckFn] = field(default_factory=dict)

    def applies_to(self, resource_type: str) -> bool:
        return classify(resource_type) in self.checks

    def evaluate(self, subject: Subject, raw_config: Mapping[str, Any] | None = None) -> Evaluation:
        """Pure evaluation. A needed value that is unknown (preview) ends the check; the evaluation
        keeps what was found before it and carries the error in ``unknown``."""
        check = self.checks.get(subject.kind) if subject.kind else None
        if check is None:
            return Evaluation(Status.NOT_APPLICABLE, reason=f"{self.id} does not check {subject.type}")
        config = self.make_config(raw_config)
        findings = Findings()
        try:
            check(subject, config, findings)
        except NotApplicable as e:
            return Evaluation(Status.NOT_APPLICABLE, reason=e.reason)
        except UnknownValueError as e:
            findings.defer(e)
        return Evaluation.of(findings)

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        """The pulumi_policy validator: known violations are reported, then an unknown value is
        raised so that the engine adds its advisory "can't run policy ... during preview"."""
        if not self.applies_to(args.resource_type):
            return
        evaluation = self.evaluate(Subject.from_args(args), args.get_config())
        for message in evaluation.violations:
            report_violation(message, None)
        if evaluation.unknown is not None:
            raise evaluation.unknown

    def to_policy(self) -> ResourceValidationPolicy:
        return ResourceValidationPolicy(validate=self.validate, **self._policy_kwargs())


class StackFindings:
    """What a stack check found, per resource URN."""

    def __init__(self) -> None:
        self._by_urn: dict[str, Findings] = {}

    def in_scope(self, subject: Subject) -> Findings:
        return self._by_urn.setdefault(subject.urn, Findings())

    def fail(self, subject: Subject, path: str, message: str) -> None:
        self.in_scope(subject).fail(path, message)

    def waive(self, subject: Subject, path: str, message: str) -> None:
        self.in_scope(subject).waive(path, message)

    def evaluations(self) -> dict[str, Evaluation]:
        return {urn: Evaluation.of(f) for urn, f in self._by_urn.items()}


StackCheckFn = Callable[[Sequence[Subject], RuleConfig, StackFindings], None]


@dataclass(frozen=True, kw_only=True)
class StackRule(Rule):
    check: StackCheckFn

    scope = "stack"

    def evaluate_stack(
        self, subjects: Sequence[Subject], raw_config: Mapping[str, Any] | None = None
    ) -> dict[str, Evaluation]:
        """Evaluations of the resources in scope, by URN; raises ``UnknownValueError``."""
        config = self.make_config(raw_config)
        findings = StackFindings()
        self.check(subjects, config, findings)
        return findings.evaluations()

    def validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        subjects = [Subject.from_policy_resource(r) for r in args.resources]
        for urn, evaluation in sorted(self.evaluate_stack(subjects, args.get_config()).items()):
            for message in evaluation.violations:
                report_violation(message, urn)

    def to_policy(self) -> StackValidationPolicy:
        return StackValidationPolicy(validate=self.validate, **self._policy_kwargs())


def require_known_props(subject: Subject) -> None:
    """Stack rules: an empty output map (a new resource during preview) is unknown, not compliant."""
    if len(subject.props) == 0:
        raise OutputsUnknown(f"outputs of {subject.type} '{subject.name}' are not known yet")
