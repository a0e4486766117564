"""CTR-17 (no latest or untagged images, mandatory) and CTR-17-DIGEST (pin by digest, advisory).

During preview a container's ``image`` is often unknown: it is the ``imageId`` / ``repoDigest`` of a
``RemoteImage`` or a built image. The rules then skip the container and check the image resource's
name input instead, which is known at preview.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from ..core import (
    ADVISORY,
    DOCKER,
    KUBERNETES,
    MANDATORY,
    Findings,
    NotApplicable,
    ResourceRule,
    RuleConfig,
    cis_docker,
)
from ..exemptions import exempt_images_option
from ..images import matches_any, parse
from ..k8s import require_pod
from ..subject import DOCKER_IMAGE_NAME_INPUTS, Kind, Subject
from ..values import as_list

BUILT_HERE = frozenset({"docker:index/image:Image", "docker-build:index:Image"})


def _container_images(subject: Subject) -> Iterator[tuple[str, str]]:
    try:
        image = subject.props.get("image")
    except UnknownValueError:
        raise NotApplicable("image is computed by an image resource; that resource's name is checked") from None
    yield "image", str(image or "")


def _image_resource_names(subject: Subject) -> Iterator[tuple[str, str]]:
    key = DOCKER_IMAGE_NAME_INPUTS[subject.type]
    value = subject.props.get(key)
    if isinstance(value, str):
        yield key, value
    else:
        for i, tag in enumerate(as_list(value)):
            yield f"{key}[{i}]", str(tag)


def _pod_images(subject: Subject) -> Iterator[tuple[str, str]]:
    for c in require_pod(subject).containers():
        yield f"{c.path}.image", c.image


def _refs(subject: Subject) -> Iterator[tuple[str, str]]:
    if subject.kind is Kind.DOCKER_CONTAINER:
        return _container_images(subject)
    if subject.kind is Kind.DOCKER_IMAGE:
        return _image_resource_names(subject)
    return _pod_images(subject)


def check_tag(subject: Subject, config: RuleConfig, out: Findings) -> None:
    for where, raw in _refs(subject):
        if not raw:
            out.fail(where, "must name an image")
            continue
        ref = parse(raw)
        if ref.pinned_by_digest:
            continue
        if not ref.tag:
            out.fail(where, f'{raw} has no tag, which means "latest"; use a version tag or a digest')
        elif ref.tag.lower() == "latest":
            out.fail(where, f"{raw} uses the latest tag; use a version tag or a digest")


def check_digest(subject: Subject, config: RuleConfig, out: Findings) -> None:
    if subject.type in BUILT_HERE or (subject.type == "docker:index/remoteImage:RemoteImage" and subject.props.get("build")):
        out.not_applicable("image built by this stack; its digest is an output")
    for where, raw in _refs(subject):
        ref = parse(raw)
        if not raw or ref.pinned_by_digest:
            continue
        pattern = matches_any(raw, config["exemptImages"])
        if pattern:
            out.waive(where, f"{raw} is exempt by exemptImages pattern {pattern!r}")
        else:
            out.fail(where, f"{raw} is not pinned by digest (append @sha256:...)")


CHECKED = (Kind.DOCKER_CONTAINER, Kind.DOCKER_IMAGE, Kind.K8S_WORKLOAD)

RULE = ResourceRule(
    id="CTR-17",
    title="No latest or untagged images",
    description="Images must be referenced by a version tag or digest, never latest or untagged.",
    remediation=(
        "Reference images as `repo:version` or, better, `repo:version@sha256:...` in RemoteImage "
        "names, container images and pod specs."
    ),
    benchmarks=(cis_docker("5.28"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    checks={k: check_tag for k in CHECKED},
)

DIGEST_RULE = ResourceRule(
    id="CTR-17-DIGEST",
    title="Images pinned by digest",
    description="Images should be pinned by digest so that a re-pushed tag cannot change what runs.",
    remediation=(
        "Append the digest (`repo:version@sha256:...`); images built by the stack are exempt, and "
        "others that cannot be pinned go in `exemptImages`."
    ),
    benchmarks=(cis_docker("5.28"),),
    level=ADVISORY,
    severity=Severity.LOW,
    targets=(DOCKER, KUBERNETES),
    config=(exempt_images_option("digest pinning"),),
    checks={k: check_digest for k in CHECKED},
)
