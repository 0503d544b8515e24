"""The Angular table (``table-old``, or ``table`` with ``styles`` before schemaVersion 24) to ``table``.

``tablePanelChangedHandler`` (``panel/table/migrations.ts``) and its Grafana 12 backend port
(``schemaversion/v24.go``): the style with pattern ``/.*/`` gives the field defaults, every
other style an override matching the column by name, or by regex when the pattern is
``/.../``:

- ``alias`` -> ``displayName``, ``unit``, ``decimals``, ``type: date`` + ``dateFormat`` ->
  unit ``time: <format>``, ``type: hidden`` -> hidden from the table (``custom.hideFrom.viz``);
- ``link``/``linkUrl``/``linkTooltip``/``linkTargetBlank`` -> a data link;
- ``colorMode`` cell/row -> colour background cells, value -> coloured text;
  ``thresholds``/``colors`` -> threshold steps; ``align`` -> ``custom.align``;
- ``transform`` + ``columns`` -> a transformation (series to rows, series to columns, reduce
  with the columns' reducers, merge).
"""

from __future__ import annotations

from typing import Any

from ...dashboard.walk import dicts
from ..numbers import number, parse_float
from .common import Converted, angular_options, cleared_field_config, is_number, kept

_COLOR_MODES = {"cell": "color-background", "row": "color-background", "value": "color-text"}
_TRANSFORMS = {
    "timeseries_to_rows": "seriesToRows",
    "timeseries_to_columns": "seriesToColumns",
    "timeseries_aggregations": "reduce",
    "table": "merge",
}
_COLUMN_REDUCERS = {
    "avg": "mean",
    "min": "min",
    "max": "max",
    "total": "sum",
    "current": "lastNotNull",
    "count": "count",
}


def _steps(thresholds: list[Any], colors: list[Any]) -> list[dict[str, Any]]:
    steps = [{"color": colors[0] if colors and colors[0] is not None else "red", "value": None}]
    for i, t in enumerate(thresholds):
        color = colors[i + 1] if i + 1 < len(colors) and colors[i + 1] is not None else "red"
        value = number(float(t)) if is_number(t) else parse_float(t) if isinstance(t, str) else None
        steps.append(
            {
                "color": color,
                "value": number(value)
                if isinstance(value, float) and value == value and abs(value) != float("inf")
                else 0,
            }
        )
    return steps


def _thresholds(style: dict[str, Any]) -> dict[str, Any] | None:
    thresholds, colors = style.get("thresholds"), style.get("colors")
    if isinstance(thresholds, list) and thresholds and isinstance(colors, list) and colors:
        return {"mode": "absolute", "steps": _steps(thresholds, colors)}
    return None


def _align(value: Any) -> Any:
    return "auto" if value == "auto" else value


def _defaults(style: dict[str, Any] | None) -> dict[str, Any]:
    if style is None:
        return {}
    custom: dict[str, Any] = {}
    if style.get("align"):
        custom["align"] = _align(style["align"])
    if isinstance(style.get("colorMode"), str) and style["colorMode"] in _COLOR_MODES:
        custom["cellOptions"] = {"type": _COLOR_MODES[style["colorMode"]]}
    out: dict[str, Any] = {}
    if isinstance(style.get("unit"), str) and style["unit"]:
        out["unit"] = style["unit"]
    if is_number(style.get("decimals")):
        out["decimals"] = (
            number(float(style["decimals"])) if isinstance(style["decimals"], float) else style["decimals"]
        )
    if isinstance(style.get("alias"), str) and style["alias"]:
        out["displayName"] = style["alias"]
    if custom:
        out["custom"] = custom
    thresholds = _thresholds(style)
    if thresholds:
        out["thresholds"] = thresholds
    return out


def _override(style: dict[str, Any]) -> dict[str, Any]:
    pattern = style.get("pattern")
    regex = isinstance(pattern, str) and len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/")
    props: list[dict[str, Any]] = []
    if isinstance(style.get("alias"), str) and style["alias"]:
        props.append({"id": "displayName", "value": style["alias"]})
    if isinstance(style.get("unit"), str) and style["unit"]:
        props.append({"id": "unit", "value": style["unit"]})
    if is_number(style.get("decimals")):
        props.append({"id": "decimals", "value": style["decimals"]})
    if style.get("type") == "date" and isinstance(style.get("dateFormat"), str):
        props.append({"id": "unit", "value": f"time: {style['dateFormat']}"})
    if style.get("type") == "hidden":
        props.append({"id": "custom.hideFrom.viz", "value": True})
    if style.get("link") is True:
        props.append(
            {
                "id": "links",
                "value": [
                    {
                        "title": style.get("linkTooltip") if isinstance(style.get("linkTooltip"), str) else "",
                        "url": style.get("linkUrl") if isinstance(style.get("linkUrl"), str) else "",
                        "targetBlank": style.get("linkTargetBlank") is True,
                    }
                ],
            }
        )
    if isinstance(style.get("colorMode"), str) and style["colorMode"] in _COLOR_MODES:
        props.append({"id": "custom.cellOptions", "value": {"type": _COLOR_MODES[style["colorMode"]]}})
    if isinstance(style.get("align"), str) and style["align"]:
        props.append({"id": "custom.align", "value": _align(style["align"])})
    thresholds = _thresholds(style)
    if thresholds:
        props.append({"id": "thresholds", "value": thresholds})
    return {"matcher": {"id": "byRegexp" if regex else "byName", "options": pattern}, "properties": props}


def _transformations(panel: dict[str, Any], angular: dict[str, Any]) -> list[Any]:
    out = list(panel["transformations"]) if isinstance(panel.get("transformations"), list) else []
    transform = angular.get("transform")
    if isinstance(transform, str) and transform in _TRANSFORMS:
        options: dict[str, Any] = {"reducers": []}
        if transform == "timeseries_aggregations":
            options["includeTimeField"] = False
            options["reducers"] = [
                _COLUMN_REDUCERS[c["value"]]
                for c in dicts(angular.get("columns"))
                if isinstance(c.get("value"), str) and c["value"] in _COLUMN_REDUCERS
            ]
        out.append({"id": _TRANSFORMS[transform], "options": options})
    return out


def convert(panel: dict[str, Any]) -> Converted:
    angular = angular_options(panel)
    styles = dicts(angular.get("styles"))
    default_style = next((s for s in styles if s.get("pattern") == "/.*/"), None)
    overrides = [_override(s) for s in styles if s.get("pattern") != "/.*/"]
    field_config = cleared_field_config(panel)
    new = kept(panel, "table")
    new["transformations"] = _transformations(panel, angular)
    new["options"] = {}
    new["fieldConfig"] = {"defaults": _defaults(default_style), "overrides": field_config["overrides"] + overrides}
    return Converted(new)
