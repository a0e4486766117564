"""MON-01 (stack): every inference server is scraped by Prometheus.

Docker: the Prometheus container (``aistack.dev/role=monitoring``, ``aistack.dev/workload=prometheus``)
gets its config from a config writer container (``aistack.dev/role=config``, ``aistack.dev/config-for=prometheus``,
files in ``AISTACK_PATH_<i>``/``AISTACK_FILE_<i>`` env, mounted at /etc/aistack) or through
``uploads: [{file: <path>, content: <yaml>}]``, where the path is the one
Prometheus reads: its ``--config.file`` argument, else the ``prometheusConfigPath`` config
(``/etc/prometheus/prometheus.yml``, the image default); every inference container (``aistack.dev/role=inference``) must appear in a ``static_configs``
target as ``<container name>:<port>`` (a network alias works too). Inference containers publish no
ports, so only the host part is compared.

Kubernetes: every inference workload must be selected by a ``monitoring.coreos.com/v1`` PodMonitor
(``spec.selector`` against the pod template labels) or ServiceMonitor (``spec.selector`` against a
Service whose ``spec.selector`` matches the pod labels), honouring ``spec.namespaceSelector``.

Stack policies see outputs: a resource whose outputs are still empty (preview of a new stack) makes
the rule report "can't run during preview"; the compliance report runs it on the inputs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import Severity

from ..conventions import (
    CONFIG_DIR,
    LABEL_CONFIG_FOR,
    LABEL_ROLE,
    LABEL_WORKLOAD,
    PROMETHEUS_CONFIG_PATH,
    PROMETHEUS_WORKLOAD,
    ROLE_CONFIG,
    ROLE_INFERENCE,
    ROLE_MONITORING,
)
from ..core import (
    DOCKER,
    KUBERNETES,
    MANDATORY,
    ConfigOption,
    RuleConfig,
    StackFindings,
    StackRule,
    aistack,
    require_known_props,
)
from ..docker import labels, role, workload
from ..k8s import map_selector_matches, pod_view, selector_matches
from ..subject import Kind, Subject
from ..values import as_list, as_map, get


def _parse_config(text: str) -> Mapping[str, Any]:
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:  # JSON is valid YAML; a program that renders JSON still works
        return as_map(json.loads(text))
    return as_map(yaml.safe_load(text))


def _upload_text(upload: Mapping[str, Any]) -> str | None:
    if upload.get("content") is not None:
        return str(upload["content"])
    if upload.get("contentBase64") is not None:
        return base64.b64decode(str(upload["contentBase64"])).decode("utf-8")
    return None


def scrape_hosts(config: Mapping[str, Any]) -> set[str]:
    """The host part of every ``static_configs`` target of a Prometheus config."""
    hosts = set()
    for job in as_list(config.get("scrape_configs")):
        for static in as_list(as_map(job).get("static_configs")):
            for target in as_list(as_map(static).get("targets")):
                target = str(target).strip()
                if target.startswith("["):  # [::1]:9090
                    host = target[1:].split("]", 1)[0]
                else:
                    host = target.rsplit(":", 1)[0] if ":" in target else target
                hosts.add(host)
    return hosts


def config_file(props: Mapping[str, Any], default: str) -> str:
    """The config path Prometheus reads: its ``--config.file`` flag, else ``default``."""
    args = [str(a) for key in ("entrypoints", "command") for a in as_list(props.get(key))]
    for i, arg in enumerate(args):
        if arg.startswith("--config.file="):
            return arg.split("=", 1)[1]
        if arg == "--config.file" and i + 1 < len(args):
            return args[i + 1]
    return default


def written_files(writer: Subject) -> dict[str, str]:
    """The files a config writer puts into its workload's config volume: {path in the workload: text}."""
    env = dict(str(e).split("=", 1) for e in as_list(writer.props.get("envs")) if "=" in str(e))
    files = {}
    for i in range(int(env.get("AISTACK_FILES", "0") or 0)):
        path, body = env.get(f"AISTACK_PATH_{i}"), env.get(f"AISTACK_FILE_{i}")
        if path is not None and body is not None:
            files[f"{CONFIG_DIR}/{path}"] = base64.b64decode(body).decode("utf-8")
    return files


def _prometheus_hosts(prometheus: Subject, default_path: str, writers: Sequence[Subject] = ()) -> tuple[set[str], str]:
    """Scrape hosts of one Prometheus container, or an explanation of why they cannot be read."""
    path = config_file(prometheus.props, default_path)
    for writer in writers:
        if labels(writer.props).get(LABEL_CONFIG_FOR) != workload(prometheus.props):
            continue
        try:
            text = written_files(writer).get(path)
            if text is not None:
                return scrape_hosts(_parse_config(text)), ""
        except Exception as e:  # noqa: BLE001  yaml.YAMLError, JSON or base64 errors
            return set(), f"{path} of {prometheus.name!r} cannot be parsed ({type(e).__name__})"
    for upload in as_list(prometheus.props.get("uploads")):
        upload = as_map(upload)
        if str(upload.get("file") or "") != path:
            continue
        try:
            text = _upload_text(upload)
            if text is None:
                return set(), f"the upload of {path} to {prometheus.name!r} has no content"
            return scrape_hosts(_parse_config(text)), ""
        except Exception as e:  # noqa: BLE001  yaml.YAMLError, JSON or base64 errors
            return set(), f"{path} of {prometheus.name!r} cannot be parsed ({type(e).__name__})"
    return set(), f"{prometheus.name!r} has no upload or config writer of {path}, so its scrape targets cannot be checked"


def _docker_names(subject: Subject) -> set[str]:
    names = {str(subject.props.get("name") or "")}
    for net in as_list(subject.props.get("networksAdvanced")):
        names.update(str(a) for a in as_list(as_map(net).get("aliases")))
    return {n for n in names if n}


def _check_docker(containers: Sequence[Subject], config: RuleConfig, out: StackFindings) -> None:
    inference = [s for s in containers if role(s.props) == ROLE_INFERENCE]
    if not inference:
        return
    prometheus = [s for s in containers if role(s.props) == ROLE_MONITORING and workload(s.props) == PROMETHEUS_WORKLOAD]
    if not prometheus:
        for s in inference:
            out.fail(
                s,
                f"labels[{LABEL_ROLE}]",
                f"inference server is not scraped: the stack has no Prometheus container "
                f"({LABEL_ROLE}={ROLE_MONITORING}, {LABEL_WORKLOAD}={PROMETHEUS_WORKLOAD})",
            )
        return
    hosts: set[str] = set()
    problems = []
    writers = [s for s in containers if role(s.props) == ROLE_CONFIG]
    for p in prometheus:
        found, problem = _prometheus_hosts(p, config["prometheusConfigPath"], writers)
        hosts |= found
        if problem:
            problems.append(problem)
    for s in inference:
        names = _docker_names(s)
        if names & hosts:
            out.in_scope(s)
        elif not s.props.get("name"):
            out.fail(s, "name", "must be set so that Prometheus can address the container by name")
        else:
            detail = "; ".join(problems) if problems else f"targets are {', '.join(sorted(hosts)) or 'empty'}"
            out.fail(
                s,
                "name",
                f"{sorted(names)[0]!r} is not a static_configs target of Prometheus ({detail})",
            )


def _namespaces_of(monitor: Subject) -> tuple[bool, set[str]]:
    """(any namespace, the set of namespaces) a monitor looks at."""
    ns_selector = as_map(get(monitor.props, "spec", "namespaceSelector"))
    if ns_selector.get("any") is True:
        return True, set()
    names = {str(n) for n in as_list(ns_selector.get("matchNames"))}
    return False, names or {monitor.namespace}


def _selected(workload_: Subject, labels: Mapping[str, Any], monitors: Sequence[Subject], services: Sequence[Subject]) -> bool:
    for m in monitors:
        any_ns, namespaces = _namespaces_of(m)
        if not any_ns and workload_.namespace not in namespaces:
            continue
        selector = as_map(get(m.props, "spec", "selector"))
        if m.k8s_kind == "PodMonitor":
            if selector_matches(selector, labels):
                return True
            continue
        for svc in services:
            if svc.namespace != workload_.namespace:
                continue
            if selector_matches(selector, svc.metadata_labels) and map_selector_matches(
                as_map(get(svc.props, "spec", "selector")), labels
            ):
                return True
    return False


def _check_k8s(subjects: Sequence[Subject], out: StackFindings) -> None:
    monitors = [s for s in subjects if s.kind is Kind.K8S_MONITOR]
    services = [s for s in subjects if s.kind is Kind.K8S_SERVICE]
    for s in subjects:
        if s.kind is not Kind.K8S_WORKLOAD:
            continue
        pod = pod_view(s)
        if pod is None or pod.role != ROLE_INFERENCE:
            continue
        if _selected(s, pod.labels, monitors, services):
            out.in_scope(s)
        else:
            out.fail(
                s,
                f"{pod.meta_path}.labels",
                "inference workload is not selected by any PodMonitor or ServiceMonitor (monitoring.coreos.com/v1)",
            )


def check(subjects: Sequence[Subject], config: RuleConfig, out: StackFindings) -> None:
    relevant = [
        s
        for s in subjects
        if s.kind in (Kind.DOCKER_CONTAINER, Kind.K8S_WORKLOAD, Kind.K8S_MONITOR, Kind.K8S_SERVICE)
    ]
    for s in relevant:
        require_known_props(s)
    _check_docker([s for s in relevant if s.kind is Kind.DOCKER_CONTAINER], config, out)
    _check_k8s(relevant, out)


RULE = StackRule(
    id="MON-01",
    title="Inference servers are scraped",
    description="Every inference server is a Prometheus scrape target (static config, PodMonitor or ServiceMonitor).",
    remediation=(
        "Docker: add `<container name>:<port>` to a static_configs job of the Prometheus config upload. "
        "Kubernetes: add a PodMonitor whose `spec.selector.matchLabels` match the inference pod labels."
    ),
    benchmarks=(aistack("observability"),),
    level=MANDATORY,
    severity=Severity.MEDIUM,
    targets=(DOCKER, KUBERNETES),
    config=(
        ConfigOption(
            "prometheusConfigPath",
            "string",
            PROMETHEUS_CONFIG_PATH,
            "Path of the Prometheus config uploaded into the Prometheus container (Docker) when its "
            "command has no `--config.file`.",
        ),
    ),
    check=check,
)
