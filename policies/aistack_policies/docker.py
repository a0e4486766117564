"""Reading ``docker:index/container:Container`` (pulumi-docker 5.x) and ``docker:index/volume:Volume``.

Provider defaults applied here, in one place: absent ``readOnly`` (container, mounts, volumes) is
false; absent ``ports[].ip`` is 0.0.0.0 (all interfaces); absent ``networkMode`` is the default
bridge; absent ``restart`` is ``no``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .conventions import LABEL_ROLE, LABEL_WORKLOAD
from .values import as_list, as_map, get, is_set, is_true


class _Unknown:
    def __init__(self, error: UnknownValueError) -> None:
        self.error = error


class Labels(dict):
    """Labels whose unknown values (computed at preview) raise only when that label is read."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        if isinstance(value, _Unknown):
            raise value.error
        return value

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[key] if key in self else default


def labels(props: Mapping[str, Any]) -> Labels:
    """Docker labels arrive as ``[{label, value}]``; a map is accepted too.

    The program adds labels computed from other resources (e.g. ``aistack.dev/models-verified``);
    their values are unknown during preview and must not make rules that read other labels unknown.
    """
    raw = props.get("labels")
    out = Labels()
    pairs: list[tuple[Any, Any]] = []
    if isinstance(raw, Mapping):
        pairs = [(k, lambda k=k: raw[k]) for k in raw]
    else:
        for item in as_list(raw):
            item = as_map(item)
            if "label" in item:
                pairs.append((item["label"], lambda item=item: item.get("value")))
    for key, read in pairs:
        try:
            value = read()
        except UnknownValueError as e:
            out[str(key)] = _Unknown(e)
            continue
        out[str(key)] = "" if value is None else str(value)
    return out


def role(props: Mapping[str, Any]) -> str:
    return labels(props).get(LABEL_ROLE, "")


def workload(props: Mapping[str, Any]) -> str:
    return labels(props).get(LABEL_WORKLOAD, "")


@dataclass(frozen=True)
class Env:
    path: str  # "envs[3]"
    key: str
    value: str | None  # None: "KEY" without "=", passed through from the daemon's environment
    unknown: UnknownValueError | None = None  # the whole "K=V" is computed (preview)


def envs(props: Mapping[str, Any]) -> list[Env]:
    out = []
    items = as_list(props.get("envs"))
    for i in range(len(items)):
        try:
            text = str(items[i])
        except UnknownValueError as e:
            out.append(Env(f"envs[{i}]", "", None, e))
            continue
        key, sep, value = text.partition("=")
        out.append(Env(f"envs[{i}]", key.strip(), value if sep else None))
    return out


def norm_path(path: str) -> str:
    path = posixpath.normpath(path.strip()) if path.strip() else ""
    return "/" if path in ("/", "//") else path


@dataclass(frozen=True)
class Bind:
    path: str  # property path, "mounts[0]" or "volumes[1]"
    source: str  # normalised host path
    target: str
    read_only: bool
    propagation: str


def binds(props: Mapping[str, Any]) -> list[Bind]:
    """Host paths bound into the container, from ``mounts`` (type bind) and ``volumes`` (hostPath)."""
    out = []
    for i, m in enumerate(as_list(props.get("mounts"))):
        m = as_map(m)
        if str(m.get("type") or "").lower() != "bind":
            continue
        out.append(
            Bind(
                path=f"mounts[{i}]",
                source=norm_path(str(m.get("source") or "")),
                target=str(m.get("target") or ""),
                read_only=is_true(m.get("readOnly")),
                propagation=str(get(m, "bindOptions", "propagation", default="")),
            )
        )
    for i, v in enumerate(as_list(props.get("volumes"))):
        v = as_map(v)
        host = v.get("hostPath")
        if not is_set(host):
            continue
        out.append(
            Bind(
                path=f"volumes[{i}]",
                source=norm_path(str(host)),
                target=str(v.get("containerPath") or ""),
                read_only=is_true(v.get("readOnly")),
                propagation="",
            )
        )
    return out


def port_ip(port: Mapping[str, Any]) -> str:
    """The host address a port is published on; the provider default is 0.0.0.0."""
    ip = port.get("ip")
    return str(ip).strip() if is_set(ip) else "0.0.0.0"


WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", "[::]", ""})


def gpu_request(props: Mapping[str, Any]) -> str:
    """How the container asks for GPUs ("" when it does not): a short description for messages."""
    if is_set(props.get("gpus")):
        return "gpus"
    for i, req in enumerate(as_list(props.get("deviceRequests"))):
        req = as_map(req)
        caps = [str(c).lower() for group in as_list(req.get("capabilities")) for c in as_list(group)]
        if "gpu" in caps or str(req.get("driver") or "").lower() == "nvidia":
            return f"deviceRequests[{i}]"
    for i, dev in enumerate(as_list(props.get("devices"))):
        if str(as_map(dev).get("hostPath") or "").startswith("/dev/nvidia"):
            return f"devices[{i}]"
    if str(props.get("runtime") or "").lower() == "nvidia":
        return "runtime"
    return ""


def is_gpu_container(props: Mapping[str, Any]) -> bool:
    return gpu_request(props) != ""


@dataclass(frozen=True)
class SecurityOpt:
    path: str  # "securityOpts[1]"
    key: str  # lower-case: "seccomp", "no-new-privileges", ...
    value: str  # lower-case, "" when the option has no value


def security_opts(props: Mapping[str, Any]) -> list[SecurityOpt]:
    """``securityOpts`` entries; both the ``key=value`` and the legacy ``key:value`` forms."""
    out = []
    for i, raw in enumerate(as_list(props.get("securityOpts"))):
        text = str(raw).strip()
        cut = min((p for p in (text.find("="), text.find(":")) if p >= 0), default=-1)
        key, value = (text[:cut], text[cut + 1 :]) if cut >= 0 else (text, "")
        out.append(SecurityOpt(f"securityOpts[{i}]", key.strip().lower(), value.strip().lower()))
    return out
