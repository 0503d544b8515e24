"""``singlestat`` and ``grafana-singlestat-panel`` to ``stat``.

Grafana 12 turns every singlestat into a stat panel, also one that showed a gauge
(``autoMigrateAngular`` runs before the old schema-28 step that chose gauge could; the gauge's
min and max carry over). The conversion is ``sharedSingleStatPanelChangedHandler`` (grafana-ui
``SingleStatBaseOptions.ts``) and ``statPanelChangedHandler`` (``panel/stat/StatMigrations.ts``):

- ``valueName`` -> ``reduceOptions.calcs`` (avg/current/total are mean/lastNotNull/sum; an
  unknown name is mean, or lastNotNull for grafana-singlestat-panel as Grafana 12's backend
  does); ``valueName: name`` -> ``textMode: name``; ``tableColumn`` -> ``reduceOptions.fields``;
- ``format`` -> ``unit``, ``decimals``, ``nullPointMode`` -> ``nullValueMode``, ``nullText``
  -> ``noValue``; ``thresholds``/``colors`` -> threshold steps; ``valueMaps``/``rangeMaps``
  -> value mappings coloured by the thresholds; ``gauge.minValue``/``maxValue`` -> min/max;
- ``sparkline.show`` -> ``graphMode: area`` (its ``lineColor`` -> a fixed colour when no
  background/value colouring is on); ``colorBackground``/``colorValue`` -> ``colorMode``.

``prefix``/``postfix``: the stat panel has neither and Grafana drops them. dashgen keeps the
information where a unit can hold it exactly: with no unit (or ``none``), a lone prefix or
postfix becomes the custom unit ``prefix:<text>``/``suffix:<text>``; otherwise it is dropped
and a note says so.
"""

from __future__ import annotations

from typing import Any

from ...dashboard.walk import as_dict
from ..errors import label
from ..mappings import angular_value_mappings, singlestat_thresholds
from .common import Converted, angular_options, cleared_field_config, kept, reducer


def _affix(angular: dict[str, Any], defaults: dict[str, Any], panel: dict[str, Any]) -> list[str]:
    prefix, postfix = (v if isinstance(v, str) else "" for v in (angular.get("prefix"), angular.get("postfix")))
    if not prefix.strip() and not postfix.strip():
        return []
    unit = defaults.get("unit")
    if unit in (None, "", "none") and bool(prefix.strip()) != bool(postfix.strip()):
        defaults["unit"] = f"prefix:{prefix}" if prefix.strip() else f"suffix:{postfix}"
        return []
    return [
        f"{label(panel)}: singlestat prefix/postfix {prefix!r}/{postfix!r} dropped (stat has none; "
        f"the unit {unit!r} stays)"
    ]


def convert(panel: dict[str, Any]) -> Converted:
    old_type = panel.get("type")
    angular = angular_options(panel)
    field_config = cleared_field_config(panel)
    value_name = angular.get("valueName")
    fallback = "lastNotNull" if old_type == "grafana-singlestat-panel" else "mean"
    reduce: dict[str, Any] = {"calcs": [reducer(value_name) or fallback]}
    options: dict[str, Any] = {"reduceOptions": reduce, "orientation": "horizontal"}
    defaults: dict[str, Any] = {}
    if angular.get("format"):
        defaults["unit"] = angular["format"]
    if angular.get("tableColumn"):
        reduce["fields"] = f"/^{angular['tableColumn']}$/"
    if angular.get("nullPointMode"):
        defaults["nullValueMode"] = angular["nullPointMode"]
    if angular.get("nullText"):
        defaults["noValue"] = angular["nullText"]
    decimals = angular.get("decimals")
    if decimals or (decimals == 0 and not isinstance(decimals, bool)):
        defaults["decimals"] = decimals
    thresholds = singlestat_thresholds(angular.get("thresholds"), angular.get("colors"))
    if thresholds:
        defaults["thresholds"] = thresholds
    mappings = angular_value_mappings(angular, thresholds)
    if mappings:
        defaults["mappings"] = mappings
    gauge = angular.get("gauge")
    if isinstance(gauge, dict) and gauge.get("show"):
        for key, old in (("min", "minValue"), ("max", "maxValue")):
            if gauge.get(old) is not None:
                defaults[key] = gauge[old]
    notes = _affix(angular, defaults, panel)

    sparkline = as_dict(angular.get("sparkline"))
    options["graphMode"] = "area" if sparkline.get("show") else "none"
    if angular.get("colorBackground"):
        options["colorMode"] = "background"
    elif angular.get("colorValue"):
        options["colorMode"] = "value"
    else:
        options["colorMode"] = "none"
        if sparkline.get("lineColor") and options["graphMode"] == "area":
            defaults["color"] = {"mode": "fixed", "fixedColor": sparkline["lineColor"]}
    if value_name == "name":
        options["textMode"] = "name"

    new = kept(panel, "stat")
    new["options"] = options
    new["fieldConfig"] = {"defaults": defaults, "overrides": field_config["overrides"]}
    return Converted(new, notes)
