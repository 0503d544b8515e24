"""What every Angular panel migration shares: Grafana's panel type change.

When a panel changes plugin (``PanelModel.changePlugin``/``pluginLoaded`` with
``autoMigrateFrom``), Grafana keeps the properties in ``mustKeepProps``, hands every other
property to the new plugin's ``onPanelTypeChanged`` as ``{angular: ...}``, starts the new
``options`` empty and clears the field config's ``custom`` part and custom overrides. The
Grafana 12 dashboard serialiser then saves only properties it knows, so an Angular key the
handler did not convert is gone after a save; this module keeps exactly the ones it keeps.

Grafana also stamps its own ``pluginVersion`` and fills the new plugin's defaults when the
panel loads; neither is written here (both are runtime facts of the Grafana that loads it,
and the defaults render the same whether written or not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ...dashboard.walk import as_dict, dicts

# PanelModel's mustKeepProps that are saved, plus maxPerRow (a repeat option the dashboard
# serialiser saves, which schemaVersion 17 derives from minSpan).
KEEP = (
    "id",
    "gridPos",
    "type",
    "title",
    "scopedVars",
    "repeat",
    "repeatDirection",
    "repeatedByRow",
    "maxPerRow",
    "collapsed",
    "panels",
    "targets",
    "datasource",
    "timeFrom",
    "timeShift",
    "hideTimeOverride",
    "description",
    "links",
    "cacheTimeout",
    "queryCachingTTL",
    "transparent",
    "transformations",
    "fieldConfig",
    "maxDataPoints",
    "interval",
    "libraryPanel",
)
# Runtime-only PanelModel properties; never part of the options handed over.
_NOT_PERSISTED = (
    "events",
    "isViewing",
    "isEditing",
    "isInView",
    "hasRefreshed",
    "cachedPluginOptions",
    "plugin",
    "queryRunner",
    "replaceVariables",
    "configRev",
    "hasSavedPanelEditChange",
    "getDisplayTitle",
    "dataSupport",
    "key",
    "isNew",
    "refreshWhenInView",
)


@dataclass
class Converted:
    """A migrated panel, and what the migration adds elsewhere or has to say."""

    panel: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def angular_options(panel: dict[str, Any]) -> dict[str, Any]:
    """The properties Grafana hands to the new plugin as ``prevOptions.angular``."""
    return {k: v for k, v in panel.items() if k not in KEEP and k not in _NOT_PERSISTED}


def cleared_field_config(panel: dict[str, Any]) -> dict[str, Any]:
    """The field config as a type change leaves it: defaults without ``custom``, overrides
    without ``custom.*`` properties (rules left empty are dropped)."""
    fc = as_dict(panel.get("fieldConfig"))
    defaults = as_dict(fc.get("defaults"))
    defaults = {k: v for k, v in defaults.items() if k != "custom"}
    overrides = []
    for rule in dicts(fc.get("overrides")):
        props = [
            p
            for p in dicts(rule.get("properties"))
            if not (isinstance(p.get("id"), str) and p["id"].startswith("custom."))
        ]
        if props:
            overrides.append({**rule, "properties": props})
    return {"defaults": defaults, "overrides": overrides}


def kept(panel: dict[str, Any], new_type: str) -> dict[str, Any]:
    """The properties a type change keeps, with the new type.

    Null values are dropped (the dashboard serialiser writes none), except ``datasource``,
    where null means the default datasource.
    """
    out = {k: panel[k] for k in KEEP if k in panel and (panel[k] is not None or k == "datasource")}
    out["type"] = new_type
    return out


def alias_color_overrides(alias_colors: Any) -> list[dict[str, Any]]:
    """``aliasColors`` (series name -> colour) as fixed colour overrides by name, in order."""
    if not isinstance(alias_colors, dict):
        return []
    return [
        {
            "matcher": {"id": "byName", "options": alias},
            "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}],
        }
        for alias, color in alias_colors.items()
        if color
    ]


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    """``omitBy(values, isNil)``."""
    return {k: v for k, v in values.items() if v is not None}


def is_number(value: Any) -> TypeGuard[float]:
    """A JSON number (not a boolean, not NaN)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


REDUCER_IDS = frozenset(
    [
        "sum",
        "max",
        "min",
        "logmin",
        "mean",
        "variance",
        "stdDev",
        "last",
        "first",
        "count",
        "range",
        "diff",
        "diffperc",
        "delta",
        "step",
        "firstNotNull",
        "lastNotNull",
        "changeCount",
        "distinctCount",
        "allIsZero",
        "allIsNull",
        "allValues",
        "uniqueValues",
        "median",
        "countAll",
    ]
    + [f"p{n}" for n in range(1, 100)]
)
# fieldReducers' aliases: the names graph legends and singlestat used.
_REDUCER_ALIASES = {"avg": "mean", "current": "lastNotNull", "total": "sum"}


def reducer(name: Any) -> str | None:
    """``fieldReducers.getIfExists(name)?.id``."""
    if not isinstance(name, str):
        return None
    if name in REDUCER_IDS:
        return name
    return _REDUCER_ALIASES.get(name)


def reducers_for_migration(values: Any) -> list[str]:
    """``getReducerForMigration``: graph ``xaxis.values`` to reducer ids (``["sum"]`` when unset)."""
    if not isinstance(values, list):
        return ["sum"]
    out = []
    for value in values:
        if isinstance(value, str) and value in REDUCER_IDS:
            out.append(value)
        elif isinstance(value, str) and value in _REDUCER_ALIASES:
            out.append(_REDUCER_ALIASES[value])
    return out
