"""Reading resource properties the way the policy engine hands them over.

Properties arrive as camelCase maps, wrapped in pulumi_policy's unknown-checking proxies: those are
``collections.abc.Mapping`` / ``Sequence`` but not ``dict`` / ``list``, and reading a value that is
unknown during preview raises ``UnknownValueError``. These helpers never swallow that error, so a rule
that needs an unknown value ends as the engine's advisory "can't run during preview". Numbers arrive
as floats (``8080.0``); ``fmt`` prints them as integers when they are integral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

_MISSING = object()


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty mapping (absent or null inputs)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> Sequence[Any]:
    """``value`` if it is a list-like (not a string), else an empty tuple."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return value
    return ()


def get(obj: Any, *keys: str | int, default: Any = None) -> Any:
    """Walk ``keys`` through nested maps and lists; ``default`` when a step is absent or null."""
    cur = obj
    for key in keys:
        if isinstance(key, int):
            seq = as_list(cur)
            if not -len(seq) <= key < len(seq):
                return default
            cur = seq[key]
        else:
            m = as_map(cur)
            if key not in m:
                return default
            cur = m[key]
        if cur is None:
            return default
    return cur


def is_true(value: Any) -> bool:
    """True for ``True`` and the string ``"true"`` (labels and some provider outputs are strings)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def is_set(value: Any) -> bool:
    """A value that was given: not absent/null, not an empty string/list/map, not zero."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, Mapping)):
        return len(value) > 0
    if isinstance(value, Sequence):
        return len(value) > 0
    return True


def as_number(value: Any) -> float | None:
    """A number from a float, int or numeric string; ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def fmt(value: Any) -> str:
    """A short, stable rendering of a property value for messages (never use it on secrets)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def to_plain(value: Any) -> Any:
    """A deep copy made of plain dicts and lists (reads every value: unknowns raise)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [to_plain(v) for v in value]
    return value


def known_items(seq: Any, on_unknown: Any) -> list[tuple[int, Any]]:
    """``(index, item)`` of a list, skipping items that are unknown during preview.

    ``on_unknown(error)`` is called for each skipped item (``Findings.defer``), so a rule can check
    the known items and still say that it could not check everything.
    """
    items = as_list(seq)
    out = []
    for i in range(len(items)):
        try:
            out.append((i, items[i]))
        except UnknownValueError as e:
            on_unknown(e)
    return out
