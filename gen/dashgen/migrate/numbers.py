"""Numbers as Grafana's migration code reads and writes them: JavaScript's ``Number()``,
``parseFloat`` and number printing, for fields old dashboards saved as strings or numbers."""

from __future__ import annotations

import re
from typing import Any


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
