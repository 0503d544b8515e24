"""Value mappings and thresholds, old forms to new (``grafana-data`` ``valueMappings.ts``,
``DashboardMigrator.upgradeValueMappings``, the singlestat threshold string).

Old mappings are ``{"type": 1, "value": "0", "text": "Down"}`` (value to text) and
``{"type": 2, "from": "0", "to": "10", "text": "low"}`` (range to text); the new ones are
``{"type": "value", "options": {"0": {"text": "Down"}}}``, ``{"type": "range", ...}`` and
``{"type": "special", "options": {"match": "null", ...}}``. A result takes the colour the
thresholds give to its text read as a number, as Grafana does.
"""

from __future__ import annotations

from typing import Any

from ..dashboard.walk import dicts
from .numbers import number, parse_float, to_number

NEG_INF = float("-inf")


def _step_value(step: dict[str, Any]) -> float:
    value = step.get("value")
    if value is None:
        return NEG_INF  # -Infinity is saved as null
    parsed = parse_float(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, (int, float)) and not isinstance(parsed, bool) else NEG_INF


def active_threshold_color(value: float, thresholds: Any) -> Any:
    """``getActiveThreshold(value, steps).color``: the last step whose value is <= ``value``."""
    steps = dicts(thresholds.get("steps")) if isinstance(thresholds, dict) else []
    if not steps:
        return None
    active = steps[0]
    for step in steps:
        if value >= _step_value(step):
            active = step
        else:
            break
    return active.get("color")


def _result(text: Any, color: Any) -> dict[str, Any]:
    return {k: v for k, v in (("text", text), ("color", color)) if v is not None}


def _color_for(old: dict[str, Any], thresholds: Any) -> Any:
    numeric = parse_float(old.get("text"))
    return active_threshold_color(numeric, thresholds) if numeric is not None and thresholds else None


def _value_key(value: Any) -> str:
    """``String(value)`` for the JSON scalars a mapping value can be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(number(value)) if value == value else "NaN"
    if isinstance(value, (dict, list)):
        return "[object Object]" if isinstance(value, dict) else ",".join(_value_key(v) for v in value)
    return str(value)


def _range(old: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    options = {
        "from": to_number(old.get("from")) if "from" in old else None,
        "to": to_number(old.get("to")) if "to" in old else None,
        "result": result,
    }
    return {"type": "range", "options": options}


def _null_mapping(result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "special", "options": {"match": "null", "result": result}}


def upgrade_angular_mapping(old: dict[str, Any], kind: int, thresholds: Any) -> dict[str, Any] | None:
    """One singlestat value map or range map entry as one new mapping (``upgradeOldAngularValueMapping``)."""
    result = _result(old.get("text"), _color_for(old, thresholds))
    if kind == 1:
        if old.get("value") is None:
            return None
        if old["value"] == "null":
            return _null_mapping(result)
        return {"type": "value", "options": {_value_key(old["value"]): result}}
    if old.get("from") == "null" or old.get("to") == "null":
        return _null_mapping(result)
    return _range(old, result)


def angular_value_mappings(panel: dict[str, Any], thresholds: Any) -> list[dict[str, Any]]:
    """A singlestat/worldmap panel's ``valueMaps``/``rangeMaps`` as mappings
    (``convertOldAngularValueMappings``): the ``mappingType`` chooses which list, one
    mapping per entry, in order."""
    kind = panel.get("mappingType")
    if not kind:
        if dicts(panel.get("valueMaps")):
            kind = 1
        elif dicts(panel.get("rangeMaps")):
            kind = 2
    if kind not in (1, 2) or isinstance(kind, bool):
        return []
    entries = dicts(panel.get("valueMaps" if kind == 1 else "rangeMaps"))
    mappings = [upgrade_angular_mapping(entry, kind, thresholds) for entry in entries]
    return [m for m in mappings if m is not None]


def upgrade_value_mappings(old_mappings: list[Any], thresholds: Any) -> list[Any]:
    """schemaVersion 30: a field's legacy mappings to the typed form.

    New-form mappings pass; value-to-text ones (old and new ``value`` ones) merge into one
    ``value`` mapping that goes first; ``"null"`` values become a special mapping.
    """
    merged: dict[str, Any] = {}
    out: list[Any] = []
    for old in old_mappings:
        if not isinstance(old, dict):
            continue
        kind = old.get("type")
        if "options" in old and kind:
            if kind == "value" and isinstance(old.get("options"), dict):
                merged.update(old["options"])
            else:
                out.append(old)
            continue
        result = _result(old.get("text"), _color_for(old, thresholds))
        if kind == 1:
            if old.get("value") is None:
                continue
            if old["value"] == "null":
                out.append(_null_mapping(result))
            else:
                merged[_value_key(old["value"])] = result
        elif kind == 2:
            out.append(_range(old, result))
    if merged:
        out.insert(0, {"type": "value", "options": merged})
    return out


def singlestat_thresholds(thresholds: Any, colors: Any) -> dict[str, Any] | None:
    """``"50,80"`` and three colours to steps: the first colour from -Infinity, one more per level."""
    if not thresholds or not isinstance(thresholds, str) or not isinstance(colors, list) or not colors:
        return None
    levels = [to_number(part.strip()) for part in thresholds.split(",")]
    steps = []
    for i, color in enumerate(colors):
        if i == 0:
            steps.append({"color": color, "value": None})
        elif i - 1 < len(levels):
            steps.append({"color": color, "value": levels[i - 1]})
        else:
            steps.append({"color": color})
    return {"mode": "absolute", "steps": steps}
