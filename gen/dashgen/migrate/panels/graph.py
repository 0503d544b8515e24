"""``graph`` (Flot) to ``timeseries``, ``barchart``, ``bargauge`` or ``histogram``.

Which panel: ``getPanelPluginToMigrateTo`` (``xaxis.mode`` ``series`` gives barchart, or
bargauge when the legend shows values; ``histogram`` gives histogram; else timeseries).
The timeseries conversion is ``graphToTimeseriesOptions`` in
``public/app/plugins/panel/timeseries/migrations.ts``:

- left y axis -> ``unit``, ``decimals``, ``min``, ``max`` (numbers, numeric strings parsed),
  ``custom.axisLabel``, ``custom.axisPlacement`` (shown: auto, else hidden), log scale 2/10;
- ``bars``/``lines``/points -> ``drawStyle``; ``points``/``pointradius`` -> ``showPoints``/
  ``pointSize`` (2 + 2r); ``linewidth``; ``dashes`` -> ``lineStyle``; ``fill`` x10 ->
  ``fillOpacity`` (35 with ``fillBelowTo`` bands, 100 for bars); ``fillGradient`` -> opacity
  gradient; ``steppedLine`` -> step after; ``stack`` -> normal stacking group A;
  ``nullPointMode`` -> ``nullValueMode`` and ``spanNulls`` (connected);
- ``aliasColors`` -> fixed colour overrides by name; ``seriesOverrides`` -> overrides by name
  or by regex (``/.../``), each key converted, ``yaxis: 2`` -> the right axis' settings that
  differ from the left;
- thresholds -> threshold steps (transparent below/between, ``thresholdsStyle`` line/area);
- legend -> ``options.legend`` (table, right, width, calcs from min/max/avg/current/total;
  ``hideZero``/``hideEmpty`` -> hide-from-legend overrides); tooltip shared/sort;
- a hidden time x axis -> an override hiding the time axis;
- ``timeRegions`` -> dashboard annotations of the built-in Grafana datasource.
"""

from __future__ import annotations

from typing import Any

from ...dashboard.walk import as_dict, as_list, dicts
from ..numbers import number, to_number
from .common import (
    Converted,
    alias_color_overrides,
    angular_options,
    cleared_field_config,
    is_number,
    kept,
    reducer,
    reducers_for_migration,
    without_none,
)

_ALIAS_REGEX_DELIMITERS = "/~@;%#'"
_REGEX_FLAGS = set("gimsuy")


def target_type(panel: dict[str, Any]) -> str:
    """The panel a graph becomes."""
    xaxis = as_dict(panel.get("xaxis"))
    legend = as_dict(panel.get("legend"))
    if xaxis.get("mode") == "series":
        return "bargauge" if legend.get("values") else "barchart"
    if xaxis.get("mode") == "histogram":
        return "histogram"
    return "timeseries"


def _alias_is_regex(alias: str) -> bool:
    """``/^([/~@;%#'])(.*?)\\1([gimsuy]*)$/``: a delimiter, the pattern, the same delimiter, flags."""
    if len(alias) < 2 or alias[0] not in _ALIAS_REGEX_DELIMITERS:
        return False
    closing = alias.find(alias[0], 1)
    while closing != -1:
        if set(alias[closing + 1 :]) <= _REGEX_FLAGS:
            return True
        closing = alias.find(alias[0], closing + 1)
    return False


def _valid_number(value: Any) -> int | float | None:
    if is_number(value):
        return value
    if isinstance(value, str):
        return to_number(value)
    return None


def _axis(axis: Any) -> dict[str, Any]:
    """``getFieldConfigFromOldAxis``."""
    if not axis:
        return {}
    if not isinstance(axis, dict):
        return {"custom": {"axisPlacement": "hidden"}}
    custom: dict[str, Any] = {"axisPlacement": "auto" if axis.get("show") else "hidden"}
    if axis.get("label"):
        custom["axisLabel"] = axis["label"]
    log = axis.get("logBase")
    if log in (2, 10) and not isinstance(log, bool):
        custom["scaleDistribution"] = {"type": "log", "log": number(log)}
    return without_none(
        {
            "unit": axis.get("format"),
            "decimals": _valid_number(axis.get("decimals")),
            "min": _valid_number(axis.get("min")),
            "max": _valid_number(axis.get("max")),
            "custom": custom,
        }
    )


def _times(value: Any, factor: int) -> Any:
    return number(value * factor) if is_number(value) else None


def _right_axis_props(y1: dict[str, Any], y2: dict[str, Any]) -> list[dict[str, Any]]:
    """``fillY2DynamicValues``: the right axis' settings that differ from the left's.

    JavaScript compares with ``!==``, so an object value (a log scale) always differs.
    """
    props = [{"id": k, "value": v} for k, v in y2.items() if k != "custom" and (isinstance(v, dict) or v != y1.get(k))]
    y1c = as_dict(y1.get("custom"))
    for k, v in (y2.get("custom") or {}).items():
        if isinstance(v, dict) or v != y1c.get(k):
            props.append({"id": f"custom.{k}", "value": v})
    return props


def _series_override(
    so: dict[str, Any], y1: dict[str, Any], yaxes: list[Any], dash: dict[str, Any]
) -> tuple[dict[str, Any] | None, bool]:
    """One ``seriesOverrides`` entry as a field override; and whether it fills below another series."""
    alias = so["alias"]
    rule: dict[str, Any] = {
        "matcher": {"id": "byRegexp" if _alias_is_regex(alias) else "byName", "options": alias},
        "properties": [],
    }
    props = rule["properties"]
    fill_below = False
    dash_override = None
    for key, v in so.items():
        if key in ("alias", "$$hashKey"):
            continue
        if key == "yaxis":
            if v == 2 and not isinstance(v, bool):
                props.extend(_right_axis_props(y1, _axis(yaxes[1] if len(yaxes) > 1 else None)))
        elif key == "fill":
            props.append({"id": "custom.fillOpacity", "value": _times(v, 10)})
        elif key == "fillBelowTo":
            fill_below = True
            props.append({"id": "custom.fillBelowTo", "value": v})
        elif key == "fillGradient":
            if v:
                props.append({"id": "custom.fillGradient", "value": "opacity"})
                props.append({"id": "custom.fillOpacity", "value": _times(v, 10)})
        elif key == "points":
            props.append({"id": "custom.showPoints", "value": "always" if v else "never"})
        elif key == "bars":
            if v:
                props.append({"id": "custom.drawStyle", "value": "bars"})
                props.append({"id": "custom.fillOpacity", "value": 100})
            else:
                props.append({"id": "custom.drawStyle", "value": "line"})
        elif key == "lines":
            props.append({"id": "custom.drawStyle", "value": "line"} if v else {"id": "custom.lineWidth", "value": 0})
        elif key == "linewidth":
            props.append({"id": "custom.lineWidth", "value": v})
        elif key == "pointradius":
            props.append({"id": "custom.pointSize", "value": number(2 + v * 2) if is_number(v) else None})
        elif key in ("dashLength", "spaceLength", "dashes"):
            if dash_override is None:
                dash_override = {"fill": dash["fill"], "dash": list(dash["dash"])}
            if key == "dashLength":
                dash_override["dash"][0] = v
            elif key == "spaceLength":
                dash_override["dash"][1] = v
            else:
                dash_override["fill"] = "dash" if v else "solid"
        elif key == "stack":
            props.append(
                {
                    "id": "custom.stacking",
                    "value": {"mode": "normal" if v else "none", "group": v if isinstance(v, str) else "A"},
                }
            )
        elif key == "color":
            props.append({"id": "color", "value": {"fixedColor": v, "mode": "fixed"}})
        elif key == "transform":
            props.append({"id": "custom.transform", "value": "negative-Y" if v == "negative-Y" else "constant"})
        # any other key (nullPointMode, legend, hiddenSeries...) Grafana ignores too
    if dash_override is not None:
        props.append({"id": "custom.lineStyle", "value": dash_override})
    return (rule if props else None), fill_below


def _threshold_color(t: dict[str, Any]) -> Any:
    mode = t.get("colorMode")
    if mode == "critical":
        return "red"
    if mode == "warning":
        return "orange"
    if mode == "custom":
        return t.get("fillColor") or t.get("lineColor")
    return "red"


def _sort_key(t: dict[str, Any]) -> tuple[int, Any]:
    value = t.get("value")
    return (0, value) if is_number(value) else (1, str(value))


def _thresholds(old: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Graph thresholds (``gt``/``lt`` lines and areas) to threshold steps and a display mode."""
    ordered = sorted(old, key=_sort_key)
    steps: list[dict[str, Any]] = []
    area = line = False
    for i, t in enumerate(ordered):
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        area = area or bool(t.get("fill"))
        line = line or bool(t.get("line"))
        if t.get("op") == "gt":
            steps.append({"value": t.get("value"), "color": _threshold_color(t)})
        if t.get("op") == "lt":
            if not steps:
                steps.append({"value": None, "color": _threshold_color(t)})
            if nxt is not None and nxt.get("op") == "gt" and _sort_key(nxt) > _sort_key(t):
                steps.append({"value": t.get("value"), "color": "transparent"})
            elif nxt is not None and nxt.get("op") == "lt":
                steps.append({"value": t.get("value"), "color": _threshold_color(nxt)})
            else:
                steps.append({"value": t.get("value"), "color": "transparent"})
    if steps and steps[0]["value"] is not None:
        steps.insert(0, {"color": "transparent", "value": None})
    mode = "line+area" if line and area else "area" if area else "line"
    # value null is -Infinity; a colour Grafana could not find is left out, as JSON leaves undefined
    return [{k: v for k, v in s.items() if k == "value" or v is not None} for s in steps], mode


def _legend_hide_override(reducer_id: str) -> dict[str, Any]:
    return {
        "matcher": {"id": "byValue", "options": {"reducer": reducer_id, "op": "gte", "value": 0}},
        "properties": [{"id": "custom.hideFrom", "value": {"tooltip": True, "viz": False, "legend": True}}],
    }


def _time_region_annotations(angular: dict[str, Any], panel_id: Any) -> list[dict[str, Any]]:
    """Graph time regions as annotations (the graph panel drew them in UTC)."""
    out = []
    for idx, old in enumerate(dicts(angular.get("timeRegions"))):
        color = old.get("colorMode") if old.get("colorMode") != "custom" else old.get("fillColor")
        anno = {
            "datasource": {"type": "datasource", "uid": "grafana"},
            "enable": True,
            "hide": True,
            "filter": {"exclude": False, "ids": [panel_id]},
            "iconColor": color,
            "name": f"T{idx + 1}",
            "target": {
                "queryType": "timeRegions",
                "refId": "Anno",
                "timeRegion": without_none(
                    {
                        "fromDayOfWeek": old.get("fromDayOfWeek"),
                        "toDayOfWeek": old.get("toDayOfWeek"),
                        "from": old.get("from"),
                        "to": old.get("to"),
                        "timezone": "utc",
                    }
                ),
            },
        }
        if old.get("fill"):
            out.append(without_none(anno))
        elif old.get("line"):
            anno["iconColor"] = "white"  # Grafana reads a lineColor the region no longer has
            out.append(without_none(anno))
    return out


_TOOLTIP_SORT: dict[float, str] = {1: "asc", 2: "desc"}  # the graph tooltip's sort order


def to_timeseries(angular: dict[str, Any], field_config: dict[str, Any]) -> tuple[dict, dict, list]:
    """``graphToTimeseriesOptions``: (fieldConfig, options, annotations) of a graph's options."""
    overrides = list(field_config["overrides"])
    yaxes = as_list(angular.get("yaxes"))
    y1 = _axis(yaxes[0] if yaxes else None)
    y1 = {**field_config["defaults"], **y1}
    dash = {
        "fill": "dash" if angular.get("dashes") else "solid",
        "dash": [
            angular.get("dashLength", 10) if angular.get("dashLength") is not None else 10,
            angular.get("spaceLength", 10) if angular.get("spaceLength") is not None else 10,
        ],
    }

    overrides.extend(alias_color_overrides(angular.get("aliasColors")))

    fill_below = False
    for so in dicts(angular.get("seriesOverrides")):
        if not so.get("alias") or not isinstance(so.get("alias"), str):
            continue
        rule, below = _series_override(so, y1, yaxes, dash)
        fill_below = fill_below or below
        if rule is not None:
            overrides.append(rule)

    graph = dict(y1["custom"]) if isinstance(y1.get("custom"), dict) else {}
    graph["drawStyle"] = "bars" if angular.get("bars") else "line" if angular.get("lines") else "points"
    if angular.get("points"):
        graph["showPoints"] = "always"
        if is_number(angular.get("pointradius")):
            graph["pointSize"] = number(2 + angular["pointradius"] * 2)
    elif graph["drawStyle"] != "points":
        graph["showPoints"] = "never"
    graph["lineWidth"] = angular.get("linewidth")
    if dash["fill"] != "solid":
        graph["lineStyle"] = dash
    if fill_below:
        graph["fillOpacity"] = 35  # flot's bands were a fixed opacity
    elif is_number(angular.get("fill")):
        graph["fillOpacity"] = number(angular["fill"] * 10)
    gradient = angular.get("fillGradient")
    if is_number(gradient) and gradient > 0:
        graph["gradientMode"] = "opacity"
        graph["fillOpacity"] = number(gradient * 10)
    graph["spanNulls"] = angular.get("nullPointMode") == "connected"
    if angular.get("steppedLine"):
        graph["lineInterpolation"] = "stepAfter"
    if graph["drawStyle"] == "bars":
        graph["fillOpacity"] = 100
    if angular.get("stack"):
        graph["stacking"] = {"mode": "normal", "group": "A"}
    y1["custom"] = without_none(graph)
    y1["nullValueMode"] = angular.get("nullPointMode")

    legend: dict[str, Any] = {"displayMode": "list", "showLegend": True, "placement": "bottom", "calcs": []}
    tooltip: dict[str, Any] = {"mode": "single", "sort": "none"}
    old_legend = angular.get("legend")
    if isinstance(old_legend, dict) and old_legend:
        if old_legend.get("show"):
            legend["displayMode"] = "table" if old_legend.get("alignAsTable") else "list"
        else:
            legend["showLegend"] = False
        if old_legend.get("rightSide"):
            legend["placement"] = "right"
        if old_legend.get("values"):
            calcs = [reducer(k) for k, v in old_legend.items() if v]
            legend["calcs"] = [c for c in calcs if c]
        if old_legend.get("sideWidth"):
            legend["width"] = old_legend["sideWidth"]
        if old_legend.get("hideZero"):
            overrides.append(_legend_hide_override("allIsZero"))
        if old_legend.get("hideEmpty"):
            overrides.append(_legend_hide_override("allIsNull"))
    annotations = _time_region_annotations(angular, angular.get("__panel_id"))
    old_tooltip = angular.get("tooltip")
    if isinstance(old_tooltip, dict) and old_tooltip:
        if "shared" in old_tooltip:
            tooltip["mode"] = "multi" if old_tooltip["shared"] else "single"
        if "sort" in old_tooltip and old_tooltip.get("shared"):
            tooltip["sort"] = (
                _TOOLTIP_SORT.get(old_tooltip["sort"], "none") if is_number(old_tooltip["sort"]) else "none"
            )

    old_thresholds = dicts(angular.get("thresholds"))
    if old_thresholds:
        steps, mode = _thresholds(old_thresholds)
        y1["custom"]["thresholdsStyle"] = {"mode": mode}
        y1["thresholds"] = {"mode": "absolute", "steps": steps}

    xaxis = angular.get("xaxis")
    if isinstance(xaxis, dict) and xaxis.get("show") is False and xaxis.get("mode") == "time":
        overrides.append(
            {
                "matcher": {"id": "byType", "options": "time"},
                "properties": [{"id": "custom.axisPlacement", "value": "hidden"}],
            }
        )
    return {"defaults": without_none(y1), "overrides": overrides}, {"legend": legend, "tooltip": tooltip}, annotations


def _bar_options(angular: dict[str, Any], field_config: dict[str, Any], kind: str) -> tuple[dict, dict, list]:
    """Graph in series mode to barchart (a reduce transformation) or bargauge; histogram mode."""
    xaxis = as_dict(angular.get("xaxis"))
    if kind == "histogram":
        return field_config, {"combine": True}, []
    if kind == "barchart":
        return field_config, {}, []
    defaults = {**field_config["defaults"], "color": {"mode": "palette-classic"}}
    options: dict[str, Any] = {
        "orientation": "auto",
        "reduceOptions": {
            "values": False,
            "calcs": reducers_for_migration(xaxis.get("values")) if "values" in xaxis else [],
        },
        "legend": {"displayMode": "list", "showLegend": True, "placement": "bottom", "calcs": []},
    }
    legend = as_dict(angular.get("legend"))
    if legend:
        if legend.get("show"):
            options["legend"]["displayMode"] = "table" if legend.get("alignAsTable") else "list"
        else:
            options["legend"]["showLegend"] = False
        if legend.get("rightSide"):
            options["legend"]["placement"] = "right"
        if legend.get("values"):
            options["legend"]["calcs"] = [c for c in (reducer(k) for k, v in legend.items() if v) if c]
        if legend.get("sideWidth"):
            options["legend"]["width"] = legend["sideWidth"]
    return {"defaults": defaults, "overrides": field_config["overrides"]}, options, []


def convert(panel: dict[str, Any]) -> Converted:
    kind = target_type(panel)
    angular = angular_options(panel)
    angular["__panel_id"] = panel.get("id")
    field_config = cleared_field_config(panel)
    if kind == "timeseries":
        fc, options, annotations = to_timeseries(angular, field_config)
    else:
        fc, options, annotations = _bar_options(angular, field_config, kind)
    new = kept(panel, kind)
    if kind == "barchart":
        xaxis = as_dict(panel.get("xaxis"))
        transformations = panel["transformations"] if isinstance(panel.get("transformations"), list) else []
        new["transformations"] = [
            *transformations,
            {"id": "reduce", "options": {"reducers": reducers_for_migration(xaxis.get("values"))}},
        ]
    new["options"] = options
    new["fieldConfig"] = fc
    notes = [f"{len(annotations)} time region(s) became dashboard annotations"] if annotations else []
    return Converted(new, notes, annotations)
