"""The schema steps: each ``schemaVersion`` N-1 -> N, as Grafana runs them on load.

The facts come from Grafana's ``DashboardMigrator.ts`` and its Grafana 12 backend port
(``apps/dashboard/pkg/migration/schemaversion/vN.go``). The steps run on the dashboard JSON
with panel types as they are; the Angular panels are converted afterwards
(:mod:`dashgen.migrate.panels`), which is the order of Grafana 12: the backend migrates the
stored JSON to the latest schema, the frontend converts the Angular panels when it loads
them. A panel step applies to every panel, including those still in legacy ``rows`` and
inside collapsed row panels, as the frontend's panel upgrades did.

Steps Grafana has for a version but that change nothing a dashboard can hold any more are
absent (3-5, 11, 15, 25, 32). Step 34 (CloudWatch queries with several statistics split
into one query each) is not done: it needs CloudWatch's query model; the engine notes such
targets instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..dashboard.walk import as_list, dicts, panel_dicts, templating_list
from . import grid
from .datasources import EXPRESSION_UID, MIXED_UID, Resolver
from .mappings import upgrade_value_mappings

# Grafana 12's latest dashboard schema version (``LATEST_VERSION`` of the backend migrations).
TARGET_SCHEMA_VERSION = 42


@dataclass
class Context:
    """What a migration carries across steps: datasource resolution and the notes it writes."""

    resolver: Resolver
    notes: list[str] = field(default_factory=list)


def _panel_step(fn: Callable[[dict[str, Any], Context], None]) -> Callable[[dict[str, Any], Context], None]:
    def step(model: dict[str, Any], ctx: Context) -> None:
        for panel in panel_dicts(model):
            fn(panel, ctx)

    step.__doc__ = fn.__doc__
    return step


def _dict(parent: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = parent.get(key)
    return value if isinstance(value, dict) else None


# ----------------------------------------------------------------------------- 1 .. 14


def v2(model: dict[str, Any], ctx: Context) -> None:
    """``services.filter`` to ``time``/``templating``; the ``graphite`` panel renamed ``graph``."""
    services = _dict(model, "services")
    if services is not None:
        flt = _dict(services, "filter")
        if flt is not None:
            if "time" in flt:
                model["time"] = flt["time"]
            if isinstance(model.get("templating"), dict):
                model["templating"]["list"] = flt.get("list") or []
            else:
                model["templating"] = {"list": flt.get("list") or []}
        del model["services"]
    for panel in panel_dicts(model):
        if panel.get("type") == "graphite":
            panel["type"] = "graph"
        if panel.get("type") != "graph":
            continue
        if isinstance(panel.get("legend"), bool):
            panel["legend"] = {"show": panel["legend"]}
        gridcfg = _dict(panel, "grid")
        if gridcfg is not None:
            if gridcfg.get("min"):
                gridcfg["leftMin"] = gridcfg.pop("min")
            if gridcfg.get("max"):
                gridcfg["leftMax"] = gridcfg.pop("max")
        for key, index in (("y_format", 0), ("y2_format", 1)):
            if panel.get(key):
                formats = as_list(panel.get("y_formats"))
                formats = (formats + [None, None])[: max(2, len(formats))]
                formats[index] = panel.pop(key)
                panel["y_formats"] = formats


def v4(model: dict[str, Any], ctx: Context) -> None:
    """Graph ``aliasYAxis`` to a series override (the last alias wins, as in Grafana)."""
    for panel in panel_dicts(model):
        if panel.get("type") != "graph" or "aliasYAxis" not in panel:
            continue
        aliases = panel.pop("aliasYAxis")
        if isinstance(aliases, dict):
            for alias, axis in aliases.items():
                panel["seriesOverrides"] = [{"alias": alias, "yaxis": axis}]


def v6(model: dict[str, Any], ctx: Context) -> None:
    """Annotations out of ``pulldowns``; template variables get a type and a datasource."""
    pulldown = next((p for p in dicts(model.get("pulldowns")) if p.get("type") == "annotations"), None)
    if pulldown is not None:
        model["annotations"] = {"list": pulldown.get("annotations") or []}
    for variable in templating_list(model):
        variable.setdefault("datasource", None)
        if variable.get("type") in ("filter", None):
            variable["type"] = "query"
        if "allFormat" in variable and variable["allFormat"] is None:
            del variable["allFormat"]


def v7(model: dict[str, Any], ctx: Context) -> None:
    """``nav[0]`` becomes ``timepicker``; every query gets a ``refId``."""
    nav = model.get("nav")
    if isinstance(nav, list) and nav and isinstance(nav[0], dict):
        model["timepicker"] = nav[0]
    for panel in panel_dicts(model):
        ensure_ref_ids(panel)


def ensure_ref_ids(panel: dict[str, Any]) -> None:
    """Give every target without a ``refId`` the next free letter (A, B, ..., Z, AA, ...)."""
    targets = dicts(panel.get("targets"))
    used = {t.get("refId") for t in targets}
    for target in targets:
        if target.get("refId"):
            continue
        n = 0
        while True:
            name, k = "", n
            while True:
                name = chr(65 + k % 26) + name
                k = k // 26 - 1
                if k < 0:
                    break
            if name not in used:
                break
            n += 1
        target["refId"] = name
        used.add(name)


def v8(model: dict[str, Any], ctx: Context) -> None:
    """Old InfluxDB targets (``fields``/``tags``/``groupBy``) to the ``select`` form."""
    for panel in panel_dicts(model):
        for target in dicts(panel.get("targets")):
            if not (target.get("fields") and target.get("tags") and target.get("groupBy")):
                continue
            if target.get("rawQuery"):
                target.pop("fields", None)
                target.pop("fill", None)
                continue
            select = []
            for f in dicts(target.get("fields")):
                parts = [{"type": "field", "params": [f.get("name")]}, {"type": f.get("func"), "params": []}]
                if f.get("mathExpr"):
                    parts.append({"type": "math", "params": [f["mathExpr"]]})
                if f.get("asExpr"):
                    parts.append({"type": "alias", "params": [f["asExpr"]]})
                select.append(parts)
            target["select"] = select
            del target["fields"]
            for part in dicts(target.get("groupBy")):
                if part.get("type") == "time" and part.get("interval"):
                    part["params"] = [part.pop("interval")]
                if part.get("type") == "tag" and part.get("key"):
                    part["params"] = [part.pop("key")]
            if target.get("fill"):
                if isinstance(target.get("groupBy"), list):
                    target["groupBy"].append({"type": "fill", "params": [target["fill"]]})
                del target["fill"]


@_panel_step
def v9(panel: dict[str, Any], ctx: Context) -> None:
    """Singlestat thresholds ``"a,b,c"`` lose their unused first value."""
    thresholds = panel.get("thresholds")
    if panel.get("type") == "singlestat" and isinstance(thresholds, str) and thresholds:
        parts = thresholds.split(",")
        if len(parts) >= 3:
            panel["thresholds"] = ",".join(parts[1:])


@_panel_step
def v10(panel: dict[str, Any], ctx: Context) -> None:
    """Angular table styles with three or more thresholds lose the first."""
    if panel.get("type") != "table":
        return
    for style in dicts(panel.get("styles")):
        if isinstance(style.get("thresholds"), list) and len(style["thresholds"]) >= 3:
            style["thresholds"] = style["thresholds"][1:]


def v12(model: dict[str, Any], ctx: Context) -> None:
    """Variable ``refresh`` to 0/1 and ``hide`` from ``hideVariable``/``hideLabel``; graph
    axes from ``grid`` and ``y_formats`` to ``yaxes``/``xaxis``."""
    for variable in templating_list(model):
        variable["refresh"] = 1 if variable.get("refresh") else 0
        if variable.get("hideVariable"):
            variable["hide"] = 2
        elif variable.get("hideLabel"):
            variable["hide"] = 1
    for panel in panel_dicts(model):
        gridcfg = _dict(panel, "grid")
        if panel.get("type") != "graph" or gridcfg is None or panel.get("yaxes"):
            continue
        formats = as_list(panel.get("y_formats"))
        formats = formats + [None, None]
        axes = []
        for side, fmt, label in (("left", formats[0], "leftYAxisLabel"), ("right", formats[1], "rightYAxisLabel")):
            axis = {
                "show": panel.get("y-axis"),
                "min": gridcfg.get(f"{side}Min"),
                "max": gridcfg.get(f"{side}Max"),
                "logBase": gridcfg.get(f"{side}LogBase"),
                "format": fmt,
                "label": panel.get(label),
            }
            axes.append({k: v for k, v in axis.items() if v is not None})
        panel["yaxes"] = axes
        panel["xaxis"] = {"show": panel["x-axis"]} if panel.get("x-axis") is not None else {}
        for key in ("leftMin", "leftMax", "leftLogBase", "rightMin", "rightMax", "rightLogBase"):
            gridcfg.pop(key, None)
        for key in ("y_formats", "leftYAxisLabel", "rightYAxisLabel", "y-axis", "x-axis"):
            panel.pop(key, None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@_panel_step
def v13(panel: dict[str, Any], ctx: Context) -> None:
    """Graph ``grid.threshold1/2`` to the ``thresholds`` list."""
    gridcfg = _dict(panel, "grid")
    if panel.get("type") != "graph" or gridcfg is None:
        return
    if not isinstance(panel.get("thresholds"), list):
        panel["thresholds"] = []
    made = []
    for n in (1, 2):
        value = gridcfg.get(f"threshold{n}")
        t: dict[str, Any] = {}
        if value is not None:
            t["value"] = value
            if gridcfg.get("thresholdLine"):
                t.update(line=True, lineColor=gridcfg.get(f"threshold{n}Color"), colorMode="custom")
            else:
                t.update(fill=True, fillColor=gridcfg.get(f"threshold{n}Color"), colorMode="custom")
        made.append({k: v for k, v in t.items() if v is not None})
    t1, t2 = made
    if _is_number(t1.get("value")):
        if _is_number(t2.get("value")):
            op = "lt" if t1["value"] > t2["value"] else "gt"
            t1["op"] = t2["op"] = op
            panel["thresholds"] += [t1, t2]
        else:
            t1["op"] = "gt"
            panel["thresholds"].append(t1)
    for key in ("threshold1", "threshold1Color", "threshold2", "threshold2Color", "thresholdLine"):
        gridcfg.pop(key, None)


def v14(model: dict[str, Any], ctx: Context) -> None:
    """``sharedCrosshair`` to ``graphTooltip``."""
    model["graphTooltip"] = 1 if model.pop("sharedCrosshair", False) else 0


def v16(model: dict[str, Any], ctx: Context) -> None:
    """Legacy rows to the grid (:mod:`dashgen.migrate.grid`)."""
    grid.upgrade_to_grid(model)


@_panel_step
def v17(panel: dict[str, Any], ctx: Context) -> None:
    """``minSpan`` to ``maxPerRow`` (the largest factor of 24 not above 24 / minSpan)."""
    if "minSpan" not in panel:
        return
    min_span = panel.pop("minSpan")
    if _is_number(min_span) and min_span > 0:
        limit = grid.COLUMNS / min_span
        factors = [f for f in range(1, grid.COLUMNS + 1) if grid.COLUMNS % f == 0]
        fitting = [f for f in factors if f <= limit]
        panel["maxPerRow"] = fitting[-1] if fitting else 1


@_panel_step
def v18(panel: dict[str, Any], ctx: Context) -> None:
    """Gauge ``options-gauge`` to ``options`` with ``valueOptions``."""
    old = panel.get("options-gauge")
    if not isinstance(old, dict):
        return
    options = {k: v for k, v in old.items() if k not in ("options", "unit", "stat", "decimals", "prefix", "suffix")}
    options["valueOptions"] = {k: old.get(k) for k in ("unit", "stat", "decimals", "prefix", "suffix") if k in old}
    if isinstance(options.get("thresholds"), list):
        options["thresholds"] = list(reversed(options["thresholds"]))
    panel["options"] = options
    del panel["options-gauge"]


_SLUG_DROP = re.compile(r"[^a-z0-9_ ]+")


def _panel_link(link: dict[str, Any]) -> dict[str, Any]:
    url = link.get("url") if isinstance(link.get("url"), str) else ""
    if not url and isinstance(link.get("dashboard"), str) and link["dashboard"]:
        url = "dashboard/db/" + re.sub(" +", "-", _SLUG_DROP.sub("", link["dashboard"].lower()))
    if not url and isinstance(link.get("dashUri"), str) and link["dashUri"]:
        url = "dashboard/" + link["dashUri"]
    url = url or "/"
    params = []
    if link.get("keepTime"):
        params.append("$__url_time_range")
    if link.get("includeVars"):
        params.append("$__all_variables")
    if isinstance(link.get("params"), str) and link["params"]:
        params.append(link["params"])
    for param in params:
        url += ("&" if "?" in url else "?") + param
    out: dict[str, Any] = {"url": url, "title": link.get("title") if isinstance(link.get("title"), str) else ""}
    if link.get("targetBlank") is True:
        out["targetBlank"] = True
    return out


@_panel_step
def v19(panel: dict[str, Any], ctx: Context) -> None:
    """Panel links (``dashboard``, ``dashUri``, ``keepTime``...) to plain URLs."""
    if isinstance(panel.get("links"), list):
        panel["links"] = [_panel_link(link) for link in dicts(panel["links"])]


_LEGACY_VARS = re.compile(r"(\$__series_name)|(__series_name)|(__value_time)|(\$__field_name)|(__field_name)")
_LEGACY_VAR_NEW = ("${__series.name}", "__series.name", "__value.time", "${__field.name}", "__field.name")


def _update_links(options: dict[str, Any], fn: Callable[[str], str], title: bool) -> None:
    for link in dicts(options.get("dataLinks")):
        if isinstance(link.get("url"), str):
            link["url"] = fn(link["url"])
    field_options = _dict(options, "fieldOptions")
    defaults = _dict(field_options, "defaults") if field_options else None
    if defaults is None:
        return
    for link in dicts(defaults.get("links")):
        if isinstance(link.get("url"), str):
            link["url"] = fn(link["url"])
    if title and isinstance(defaults.get("title"), str):
        defaults["title"] = fn(defaults["title"])


def _legacy_vars(text: str) -> str:
    return _LEGACY_VARS.sub(lambda m: _LEGACY_VAR_NEW[(m.lastindex or 1) - 1], text)  # one group always matches


@_panel_step
def v20(panel: dict[str, Any], ctx: Context) -> None:
    """Data link variables ``__series_name``, ``__value_time``, ``__field_name`` to dotted names."""
    options = _dict(panel, "options")
    if options is not None:
        _update_links(options, _legacy_vars, title=True)


@_panel_step
def v21(panel: dict[str, Any], ctx: Context) -> None:
    """Data links: ``__series.labels`` to ``__field.labels``."""
    options = _dict(panel, "options")
    if options is not None:
        _update_links(options, lambda url: url.replace("__series.labels", "__field.labels"), title=False)


@_panel_step
def v22(panel: dict[str, Any], ctx: Context) -> None:
    """Angular table styles align ``auto``."""
    if panel.get("type") == "table":
        for style in dicts(panel.get("styles")):
            style["align"] = "auto"


def v23(model: dict[str, Any], ctx: Context) -> None:
    """A multi-value variable's ``current`` holds lists, a single-value one's scalars."""
    for variable in templating_list(model):
        current = variable.get("current")
        if "multi" not in variable or not isinstance(current, dict) or not current:
            continue
        if variable["multi"]:
            if "value" in current and not isinstance(current["value"], list):
                current["value"] = [current["value"]]
                if "text" in current and not isinstance(current["text"], list):
                    current["text"] = [current["text"]]
        else:
            for key in ("value", "text"):
                if isinstance(current.get(key), list):
                    current[key] = current[key][0] if current[key] else ""


@_panel_step
def v24(panel: dict[str, Any], ctx: Context) -> None:
    """The Angular table (``table`` with ``styles``) becomes ``table-old`` (converted later)."""
    if panel.get("type") == "table" and panel.get("styles") and panel.get("table") != "table2":
        panel["type"] = "table-old"


@_panel_step
def v26(panel: dict[str, Any], ctx: Context) -> None:
    """``text2`` (React text during 7.x) is ``text``."""
    if panel.get("type") == "text2":
        panel["type"] = "text"
        if isinstance(panel.get("options"), dict):
            panel["options"].pop("angular", None)


def v27(model: dict[str, Any], ctx: Context) -> None:
    """Drop saved repeat clones; constant variables get current/options, visible ones become textbox."""
    if isinstance(model.get("panels"), list):
        kept = []
        for panel in model["panels"]:
            if isinstance(panel, dict) and (panel.get("repeatPanelId") or panel.get("repeatByRow")):
                continue
            if isinstance(panel, dict) and panel.get("type") == "row" and isinstance(panel.get("panels"), list):
                panel["panels"] = [p for p in panel["panels"] if not (isinstance(p, dict) and p.get("repeatPanelId"))]
            kept.append(panel)
        dropped = len(model["panels"]) - len(kept)
        if dropped:
            ctx.notes.append(
                f"removed {dropped} saved repeat clone(s) of repeated panels/rows; Grafana repeats them "
                "when the dashboard loads"
            )
        model["panels"] = kept
    for variable in templating_list(model):
        if variable.get("type") != "constant":
            continue
        query = variable.get("query") if isinstance(variable.get("query"), str) else ""
        current = {"selected": True, "text": query, "value": query}
        variable["current"] = current
        variable["options"] = [dict(current)]
        if variable.get("hide") in (0, 1) and not isinstance(variable.get("hide"), bool):
            variable["type"] = "textbox"


def v28(model: dict[str, Any], ctx: Context) -> None:
    """Variable tag options (``tags``, ``tagsQuery``, ``tagValuesQuery``, ``useTags``) removed.

    (Grafana's step 28 also turns singlestat into stat; here that is the singlestat panel
    migration, which runs for every dashboard.)
    """
    for variable in templating_list(model):
        for key in ("tags", "tagsQuery", "tagValuesQuery", "useTags"):
            variable.pop(key, None)


def v29(model: dict[str, Any], ctx: Context) -> None:
    """Query variables refresh on load (1) unless on time change (2); saved options dropped."""
    for variable in templating_list(model):
        if variable.get("type") != "query":
            continue
        if variable.get("refresh") not in (1, 2) or isinstance(variable.get("refresh"), bool):
            variable["refresh"] = 1
        if isinstance(variable.get("options"), list) and variable["options"]:
            variable["options"] = []


@_panel_step
def v30(panel: dict[str, Any], ctx: Context) -> None:
    """Value mappings to the typed form; timeseries/xychart ``tooltipOptions`` to ``tooltip``."""
    fc = _dict(panel, "fieldConfig")
    if fc is not None:
        defaults = _dict(fc, "defaults")
        if defaults is not None and isinstance(defaults.get("mappings"), list):
            defaults["mappings"] = upgrade_value_mappings(defaults["mappings"], defaults.get("thresholds"))
        for override in dicts(fc.get("overrides")):
            for prop in dicts(override.get("properties")):
                if prop.get("id") == "mappings" and isinstance(prop.get("value"), list):
                    prop["value"] = upgrade_value_mappings(prop["value"], None)
    options = _dict(panel, "options")
    if panel.get("type") in ("timeseries", "xychart") and options is not None and "tooltipOptions" in options:
        options["tooltip"] = options.pop("tooltipOptions")


@_panel_step
def v31(panel: dict[str, Any], ctx: Context) -> None:
    """A ``merge`` transformation after the first ``labelsToFields``."""
    transformations = panel.get("transformations")
    if not isinstance(transformations, list):
        return
    for i, t in enumerate(transformations):
        if isinstance(t, dict) and t.get("id") == "labelsToFields":
            panel["transformations"] = [
                *transformations[: i + 1],
                {"id": "merge", "options": {}},
                *transformations[i + 1 :],
            ]
            return


@_panel_step
def v33(panel: dict[str, Any], ctx: Context) -> None:
    """Panel and target datasource names to references (``default`` stays null).

    Grafana also writes ``"datasource": null`` into panels that have none; its Grafana 12
    serialiser leaves it out again, so a panel without the key keeps not having it.
    """
    if "datasource" in panel:
        panel["datasource"] = ctx.resolver.to_ref(panel.get("datasource"), default_as_null=True)
    for target in dicts(panel.get("targets")):
        ref = ctx.resolver.to_ref(target.get("datasource"), default_as_null=True)
        if ref is not None:
            target["datasource"] = ref


def _is_cloudwatch(target: dict[str, Any]) -> bool:
    return all(k in target for k in ("dimensions", "namespace", "region", "metricName"))


def v34(model: dict[str, Any], ctx: Context) -> None:
    """CloudWatch queries: not migrated (see the module docstring); noted."""
    count = sum(
        1 for p in panel_dicts(model) for t in dicts(p.get("targets")) if _is_cloudwatch(t) and "statistics" in t
    )
    if count:
        ctx.notes.append(
            f"{count} CloudWatch target(s) with 'statistics' left as they are: Grafana splits them "
            "into one query per statistic when it loads the dashboard"
        )


@_panel_step
def v35(panel: dict[str, Any], ctx: Context) -> None:
    """A timeseries with every axis hidden keeps its time axis visible (an override)."""
    fc = _dict(panel, "fieldConfig")
    if panel.get("type") != "timeseries" or fc is None:
        return
    custom = _dict(_dict(fc, "defaults") or {}, "custom")
    if custom is not None and custom.get("axisPlacement") == "hidden":
        overrides = fc["overrides"] if isinstance(fc.get("overrides"), list) else []
        fc["overrides"] = [
            *overrides,
            {
                "matcher": {"id": "byType", "options": "time"},
                "properties": [{"id": "custom.axisPlacement", "value": "auto"}],
            },
        ]


def v36(model: dict[str, Any], ctx: Context) -> None:
    """Annotation and query variable datasources to references (Grafana 12's backend step);
    with a default datasource known, null datasources of query variables, panels and
    targets become it."""
    annotations = _dict(model, "annotations")
    for query in dicts(annotations.get("list")) if annotations else []:
        query["datasource"] = ctx.resolver.to_ref(query.get("datasource"), default_as_null=False)
    default = ctx.resolver.default_ref()
    for variable in templating_list(model):
        if variable.get("type") == "query" and isinstance(variable.get("datasource"), str):
            variable["datasource"] = ctx.resolver.to_ref(variable["datasource"], default_as_null=False)
        elif variable.get("type") == "query" and variable.get("datasource") is None and default is not None:
            variable["datasource"] = dict(default)
    if default is None:
        return
    for panel in panel_dicts(model):
        targets = dicts(panel.get("targets"))
        if not targets:
            continue
        was_default = False
        if panel.get("datasource") is None:
            panel["datasource"] = dict(default)
            was_default = True
        panel_ds = panel["datasource"]
        for target in targets:
            ds = target.get("datasource")
            if ds is None or (isinstance(ds, dict) and ds.get("uid") is None):
                if isinstance(panel_ds, dict) and panel_ds.get("uid") != MIXED_UID:
                    target["datasource"] = dict(panel_ds)
                else:
                    target["datasource"] = ctx.resolver.to_ref(ds, default_as_null=False)
            ref = target.get("datasource")
            if was_default and isinstance(ref, dict) and ref.get("uid") != EXPRESSION_UID:
                panel["datasource"] = dict(ref)


@_panel_step
def v37(panel: dict[str, Any], ctx: Context) -> None:
    """Legend hidden by ``displayMode: hidden`` or ``showLegend: false`` -> list + showLegend false."""
    options = _dict(panel, "options")
    legend = _dict(options, "legend") if options else None
    if legend is None:
        return
    if legend.get("displayMode") == "hidden" or legend.get("showLegend") is False:
        legend["displayMode"] = "list"
        legend["showLegend"] = False
    else:
        legend["showLegend"] = True


# Table cell display modes to cellOptions (``migrateTableDisplayModeToCellOptions``).
_CELL_OPTIONS: dict[str, dict[str, Any]] = {
    "basic": {"type": "gauge", "mode": "basic"},
    "gradient-gauge": {"type": "gauge", "mode": "gradient"},
    "lcd-gauge": {"type": "gauge", "mode": "lcd"},
    "color-background": {"type": "color-background", "mode": "gradient"},
    "color-background-solid": {"type": "color-background", "mode": "basic"},
}


def cell_options(display_mode: Any) -> dict[str, Any]:
    """The ``cellOptions`` object for a table ``displayMode``."""
    if isinstance(display_mode, str) and display_mode in _CELL_OPTIONS:
        return dict(_CELL_OPTIONS[display_mode])
    return {"type": display_mode}


@_panel_step
def v38(panel: dict[str, Any], ctx: Context) -> None:
    """Table ``custom.displayMode`` to ``custom.cellOptions``, in defaults and overrides."""
    fc = _dict(panel, "fieldConfig")
    if panel.get("type") != "table" or fc is None:
        return
    custom = _dict(_dict(fc, "defaults") or {}, "custom")
    if custom is not None and "displayMode" in custom:
        custom["cellOptions"] = cell_options(custom.pop("displayMode"))
    for override in dicts(fc.get("overrides")):
        for prop in dicts(override.get("properties")):
            if prop.get("id") == "custom.displayMode":
                prop["id"] = "custom.cellOptions"
                prop["value"] = cell_options(prop.get("value"))


@_panel_step
def v39(panel: dict[str, Any], ctx: Context) -> None:
    """``timeSeriesTable`` transformation: ``refIdToStat`` to per-refId ``{stat}``."""
    for t in dicts(panel.get("transformations")):
        options = _dict(t, "options")
        if t.get("id") == "timeSeriesTable" and options is not None and isinstance(options.get("refIdToStat"), dict):
            t["options"] = {ref: {"stat": stat} for ref, stat in options["refIdToStat"].items()}


def v40(model: dict[str, Any], ctx: Context) -> None:
    """``refresh`` is a string (anything else becomes ``""``)."""
    if not isinstance(model.get("refresh"), str):
        model["refresh"] = ""


def v41(model: dict[str, Any], ctx: Context) -> None:
    """``timepicker.time_options`` removed."""
    timepicker = _dict(model, "timepicker")
    if timepicker is not None:
        timepicker.pop("time_options", None)


@_panel_step
def v42(panel: dict[str, Any], ctx: Context) -> None:
    """A field hidden from the visualisation (override ``custom.hideFrom.viz``) is hidden from tooltips."""
    fc = _dict(panel, "fieldConfig")
    for override in dicts(fc.get("overrides")) if fc else []:
        for prop in dicts(override.get("properties")):
            value = prop.get("value")
            if prop.get("id") == "custom.hideFrom" and isinstance(value, dict) and value.get("viz") is True:
                value["tooltip"] = True


STEPS: dict[int, Callable[[dict[str, Any], Context], None]] = {
    2: v2,
    4: v4,
    6: v6,
    7: v7,
    8: v8,
    9: v9,
    10: v10,
    12: v12,
    13: v13,
    14: v14,
    16: v16,
    17: v17,
    18: v18,
    19: v19,
    20: v20,
    21: v21,
    22: v22,
    23: v23,
    24: v24,
    26: v26,
    27: v27,
    28: v28,
    29: v29,
    30: v30,
    31: v31,
    33: v33,
    34: v34,
    35: v35,
    36: v36,
    37: v37,
    38: v38,
    39: v39,
    40: v40,
    41: v41,
    42: v42,
}
