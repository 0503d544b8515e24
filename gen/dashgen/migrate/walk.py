"""Reading a dashboard of any age and shape without trusting it.

Exported dashboards come in every layout Grafana ever had: ``rows[].panels`` (before
schemaVersion 16), ``panels`` with row panels whose ``panels`` hold the collapsed ones,
and library panel models under ``__elements``. Anything may be the wrong type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def schema_version(model: Any) -> int:
    """The dashboard's ``schemaVersion`` as Grafana reads it (number or numeric string), else 0."""
    if not isinstance(model, dict):
        return 0
    value = model.get("schemaVersion")
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 1e9 else 0
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and len(text) < 10:
            return int(text)
    return 0


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of ``value`` if it is a list, else nothing."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def top_panels(model: Any) -> Iterator[dict[str, Any]]:
    """Panels a layout holds directly: ``panels`` and, for old dashboards, ``rows[].panels``."""
    if not isinstance(model, dict):
        return
    yield from dicts(model.get("panels"))
    for row in dicts(model.get("rows")):
        yield from dicts(row.get("panels"))


def all_panels(model: Any) -> Iterator[dict[str, Any]]:
    """Every panel: top level, inside row panels (collapsed rows), and legacy ``rows``."""
    for panel in top_panels(model):
        yield panel
        if panel.get("type") == "row":
            yield from dicts(panel.get("panels"))


def library_models(model: Any) -> Iterator[dict[str, Any]]:
    """The panel models of library panels exported with the dashboard (``__elements``)."""
    if not isinstance(model, dict) or not isinstance(model.get("__elements"), dict):
        return
    for element in model["__elements"].values():
        if isinstance(element, dict) and isinstance(element.get("model"), dict):
            yield element["model"]


def variables(model: Any) -> list[dict[str, Any]]:
    """The template variables (``templating.list``)."""
    templating = model.get("templating") if isinstance(model, dict) else None
    return dicts(templating.get("list")) if isinstance(templating, dict) else []


def label(panel: dict[str, Any]) -> str:
    """How notes and errors name a panel: ``panel 'CPU' (id 4)``."""
    title = panel.get("title")
    name = f"'{title}'" if isinstance(title, str) and title else "(untitled)"
    pid = panel.get("id")
    return (
        f"panel {name} (id {pid})"
        if isinstance(pid, (int, float, str)) and not isinstance(pid, bool)
        else f"panel {name}"
    )


def number(value: float) -> int | float:
    """A JSON number as JavaScript would print it: integral floats become ints."""
    if (
        isinstance(value, float)
        and value == value
        and value not in (float("inf"), float("-inf"))
        and value.is_integer()
        and abs(value) < 2**53
    ):
        return int(value)
    return value


_DECIMAL = r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_NUMBER_TEXT = re.compile(rf"\A(?:{_DECIMAL}|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)\Z")
_NUMBER_PREFIX = re.compile(_DECIMAL)


def _float(text: str) -> float:
    if text.lstrip("+-") == "Infinity":
        return float("-inf") if text.startswith("-") else float("inf")
    return float(text)


def to_number(value: Any) -> int | float | None:
    """JavaScript's ``Number(value)`` (``+value``) as JSON keeps it: None for NaN and infinities.

    (``JSON.stringify`` writes NaN and Infinity as null.)
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return None if value != value or value in (float("inf"), float("-inf")) else value
    if value is None:
        return 0
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text == "":
        return 0
    if not _NUMBER_TEXT.match(text):
        return None
    if text[:2].lower() in ("0x", "0o", "0b"):
        return int(text, 0)
    result = _float(text)
    return None if result in (float("inf"), float("-inf")) else number(result)


def parse_float(value: Any) -> float | None:
    """JavaScript's ``parseFloat``: the longest numeric prefix of the text, else None (NaN)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    if not isinstance(value, str):
        return None
    match = _NUMBER_PREFIX.match(value.lstrip())
    return _float(match.group(0)) if match else None
