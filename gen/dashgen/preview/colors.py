"""Colours as Grafana's dark theme shows them: named colours, the classic palette, thresholds, value mappings."""

from __future__ import annotations

import math
import re
from typing import Any

from ..dashboard.walk import as_dict, as_list

# Grafana's dark-theme visualisation hues (themes/createVisualizationColors): name -> hex.
_HUES = {
    "red": ("#FFA6B0", "#FF7383", "#F2495C", "#E02F44", "#C4162A"),
    "orange": ("#FFCB7D", "#FFB357", "#FF9830", "#FF780A", "#FA6400"),
    "yellow": ("#FFF899", "#FFEE52", "#FADE2A", "#F2CC0C", "#E0B400"),
    "green": ("#C8F2C2", "#96D98D", "#73BF69", "#56A64B", "#37872D"),
    "blue": ("#C0D8FF", "#8AB8FF", "#5794F2", "#3274D9", "#1F60C4"),
    "purple": ("#DEB6F2", "#CA95E5", "#B877D9", "#A352CC", "#8F3BB8"),
}
NAMED: dict[str, str] = {}
for _hue, _shades in _HUES.items():
    for _prefix, _hex in zip(("super-light-", "light-", "", "semi-dark-", "dark-"), _shades):
        NAMED[_prefix + _hue] = _hex
NAMED.update({"transparent": "transparent", "text": "#CCCCDC", "white": "#FFFFFF", "black": "#000000"})

# The classic palette (palette-classic colour mode), in Grafana's order.
CLASSIC = [
    "#7EB26D",
    "#EAB839",
    "#6ED0E0",
    "#EF843C",
    "#E24D42",
    "#1F78C1",
    "#BA43A9",
    "#705DA0",
    "#508642",
    "#CCA300",
    "#447EBC",
    "#C15C17",
    "#890F02",
    "#0A437C",
    "#6D1F62",
    "#584477",
    "#B7DBAB",
    "#F4D598",
    "#70DBED",
    "#F9BA8F",
    "#F29191",
    "#82B5D8",
    "#E5A8E2",
    "#AEA2E0",
]
TEXT = "#CCCCDC"
DEFAULT_BASE = NAMED["green"]
_SAFE = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|[a-zA-Z-]{1,30}")


def resolve(color: Any, default: str = TEXT) -> str:
    """A colour from a dashboard as CSS: named colours mapped, hex and rgb() kept, anything else the default
    (a dashboard is untrusted input: nothing but a colour reaches the page's CSS)."""
    if not isinstance(color, str) or not color.strip():
        return default
    color = color.strip()
    if color in NAMED:
        return NAMED[color]
    if _SAFE.fullmatch(color) and not color.isalpha():
        return color
    if color.isalpha() and len(color) <= 20:  # CSS named colours: red, steelblue...
        return color.lower()
    return default


def series_color(index: int, field: dict) -> str:
    """A series' colour: fixed, or the classic palette by position (palette-classic, the default)."""
    color = as_dict(field.get("color"))
    mode = color.get("mode")
    if mode in ("fixed", "shades") and color.get("fixedColor"):
        return resolve(color.get("fixedColor"))
    if mode == "thresholds":
        return threshold_color(None, field)
    return CLASSIC[index % len(CLASSIC)]


def steps(field: dict) -> list[tuple[float, str]]:
    """The threshold steps as (value, colour), the base step at -inf, sorted."""
    thresholds = as_dict(field.get("thresholds"))
    raw = as_list(thresholds.get("steps"))
    out: list[tuple[float, str]] = []
    for i, step in enumerate(raw):
        if not isinstance(step, dict):
            continue
        value = step.get("value")
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is None and i != 0:
            continue
        out.append((-math.inf if number is None else number, resolve(step.get("color"), DEFAULT_BASE)))
    if not out:
        out = [(-math.inf, DEFAULT_BASE)]
    return sorted(out, key=lambda s: s[0])


def percentage_mode(field: dict) -> bool:
    thresholds = as_dict(field.get("thresholds"))
    return thresholds.get("mode") == "percentage"


def threshold_color(value: float | None, field: dict, lo: float = 0.0, hi: float = 100.0) -> str:
    """The colour of the highest step at or below ``value`` (the base colour for no value). Percentage
    thresholds compare the value's position between ``lo`` and ``hi``, as Grafana does."""
    all_steps = steps(field)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return all_steps[0][1]
    if percentage_mode(field):
        value = 100 * (value - lo) / (hi - lo) if hi != lo else 0
    color = all_steps[0][1]
    for limit, c in all_steps:
        if value >= limit:
            color = c
    return color


def map_value(value: Any, mappings: Any) -> tuple[str | None, str | None]:
    """(text, colour) a value mapping gives ``value``, or (None, None). Value, range, special and regex
    mappings, in order, as Grafana applies them."""
    for mapping in mappings if isinstance(mappings, list) else []:
        if not isinstance(mapping, dict) or not isinstance(mapping.get("options"), dict):
            continue
        kind, options = mapping.get("type"), mapping["options"]
        result = None
        if kind == "value":
            result = options.get(_key(value))
        elif kind == "range" and (v := _number(value)) is not None:
            lo, hi = _number(options.get("from")), _number(options.get("to"))
            if (lo is None or v >= lo) and (hi is None or v <= hi) and (lo is not None or hi is not None):
                result = options.get("result")
        elif kind == "special":
            match = options.get("match")
            v = _number(value)
            hit = (
                (match in ("null", "null+nan") and value is None)
                or (match in ("nan", "null+nan") and v is not None and math.isnan(v))
                or (match == "true" and value in (True, "true"))
                or (match == "false" and value in (False, "false"))
                or (match == "empty" and value == "")
            )
            result = options.get("result") if hit else None
        elif kind == "regex" and isinstance(options.get("pattern"), str) and value is not None:
            try:
                if re.search(options["pattern"], _key(value)):
                    result = options.get("result")
            except re.error:
                result = None
        if isinstance(result, dict):
            text = result.get("text")
            return (
                str(text) if text not in (None, "") else None,
                resolve(result.get("color"), "") if result.get("color") else None,
            )
    return None, None


def _key(value: Any) -> str:
    """A value as a value mapping's key: numbers without a trailing .0, as JavaScript prints them."""
    number = _number(value)
    if number is not None and isinstance(value, (int, float)) and number.is_integer():
        return str(int(number))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def with_alpha(color: str, alpha: float) -> str:
    """``#RRGGBB`` with an alpha, as rgba(); other colours as they are."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r}, {g}, {b}, {alpha:.3g})"
    return color


def contrast_text(background: str) -> str:
    """Dark or light text, whichever reads on ``background``."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", background):
        r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
        return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 160 else "#FFFFFF"
    return "#FFFFFF"
