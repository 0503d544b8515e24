"""``grafana-piechart-panel`` to ``piechart`` (``PieChartPanelChangedHandler``, ``panel/piechart/migrations.ts``).

``aliasColors`` -> fixed colour overrides; ``format`` -> unit; ``decimals`` (the old panel
showed 0 by default, the new one 1, so an unset value becomes 0); ``valueName`` -> the reducer;
``pieType`` pie/donut; ``legendType`` (under graph -> bottom, right side -> right, on graph ->
labels instead of a legend); ``legend.show``/``values``/``percentage`` -> legend values and labels.
"""

from __future__ import annotations

from typing import Any

from ...dashboard.walk import as_dict
from .common import Converted, alias_color_overrides, angular_options, kept

_REDUCERS = {"current": "lastNotNull", "min": "min", "max": "max", "avg": "mean", "total": "sum"}


def convert(panel: dict[str, Any]) -> Converted:
    angular = angular_options(panel)
    overrides = alias_color_overrides(angular.get("aliasColors"))
    defaults = {"decimals": angular["decimals"] if angular.get("decimals") else 0}
    if angular.get("format") is not None:
        defaults["unit"] = angular["format"]
    legend: dict[str, Any] = {
        "placement": "right",
        "values": [],
        "displayMode": "table",
        "showLegend": True,
        "calcs": [],
    }
    options: dict[str, Any] = {"legend": legend}
    value_name = angular.get("valueName")
    if value_name:
        options["reduceOptions"] = {
            "calcs": [_REDUCERS[value_name]] if isinstance(value_name, str) and value_name in _REDUCERS else []
        }
    legend_type = angular.get("legendType")
    if legend_type == "Under graph":
        legend["placement"] = "bottom"
    elif legend_type == "Right side":
        legend["placement"] = "right"
    if angular.get("pieType") in ("pie", "donut"):
        options["pieType"] = angular["pieType"]
    old_legend = as_dict(angular.get("legend"))
    if old_legend:
        if not old_legend.get("show"):
            legend["showLegend"] = False
        if old_legend.get("values"):
            legend["values"].append("value")
        if old_legend.get("percentage"):
            legend["values"].append("percent")
    if legend_type == "On graph":
        legend["showLegend"] = False
        options["displayLabels"] = ["name"]
        if old_legend.get("values"):
            options["displayLabels"].append("value")
        if old_legend.get("percentage"):
            options["displayLabels"].append("percent")
    new = kept(panel, "piechart")
    new["options"] = options
    new["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
    return Converted(new)
