"""Panel rules: Angular panels, datasources, titles and descriptions, units, targets, ids, layout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...dashboard.angular import ANGULAR_PANELS, is_angular
from ...dashboard.walk import PanelRef, as_dict, as_list, as_num, kind_name, schema_version, text
from ...names import did_you_mean
from ..context import D, DashboardCtx, hit
from ..data import (
    CUSTOM_UNIT_PREFIXES,
    GRAFANA_UNITS,
    UNIT_PANEL_TYPES,
    UNIT_SUGGESTIONS,
)
from ..registry import Hit, register


@register(
    "panel-angular-rule",
    D,
    "error",
    "No AngularJS panel types (graph, singlestat, table-old, grafana-piechart-panel, grafana-worldmap-panel, "
    "...): Grafana 11 disables Angular and Grafana 12 removed it. The fix names the replacement.",
)
def panel_angular_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    schema = schema_version(ctx.model)
    for p in ctx.panels:
        if not is_angular(p.panel, schema):
            continue
        if p.type == "table":
            yield hit(
                p,
                f"table panel with 'styles' at schemaVersion {ctx.schema_version} (< 24): Grafana migrates it "
                "to the AngularJS 'table-old'",
                "replace 'styles' with fieldConfig/overrides and set schemaVersion >= 24 (use the React table)",
            )
            continue
        info = ANGULAR_PANELS[str(p.type)]
        detail = f" version {p.panel.get('pluginVersion')}" if info.react_since is not None else ""
        yield hit(
            p,
            f"panel type '{p.type}'{detail} is an AngularJS plugin; Grafana 12 no longer renders it",
            f"replace it with {info.replacement}",
        )


@register(
    "panel-datasource-rule",
    D,
    "error",
    "Prometheus panels use a datasource variable (${datasource}); -- Grafana --, -- Mixed -- (each target "
    "is checked) and -- Dashboard -- are fine, non-Prometheus panels are not checked.",
)
def panel_datasource_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    fix = "use the datasource variable, e.g. datasource: {type: prometheus, uid: '${datasource}'}"
    for p, ds, panel_targets in ctx.data_targets:
        targets = [(t, label) for t, label, prom in panel_targets if prom]
        if ds.kind == "special":
            if ds.special == "mixed":
                for t, label in targets:
                    tds = ctx.resolve(t.get("datasource"))
                    bad = _bad_ds(tds)
                    if bad:
                        yield hit(p, f"target {label} of the mixed panel {bad}", fix, target=label)
            continue
        if ds.kind == "variable":
            if not ds.is_ds_var and (targets or ds.is_prometheus):
                yield hit(p, f"the panel datasource '{ds.display}' is not a datasource variable", fix)
            continue
        if ds.kind == "invalid":
            yield hit(p, f"the panel datasource has an invalid value {ds.display}", fix)
            continue
        if ds.is_prometheus is False or not (targets or ds.is_prometheus):
            continue  # non-Prometheus panels are out of scope (dashboard-linter #61)
        if ds.kind == "none":
            # Grafana >= 8.3 may keep the datasource on the targets only.
            own = [ctx.resolve(t.get("datasource")) for t, _ in targets]
            if own and all(o.kind == "variable" and o.is_ds_var for o in own):
                continue
            yield hit(p, "the panel uses the default datasource (datasource is not set)", fix)
            continue
        bad = _bad_ds(ds)
        if bad:
            yield hit(p, f"the panel {bad}", fix)


def _bad_ds(ds: Any) -> str | None:
    if ds.kind == "input":
        return f"uses the import placeholder '{ds.display}', which becomes a fixed uid on import"
    if ds.kind == "fixed":
        return f"uses the fixed datasource '{ds.display}'"
    if ds.kind == "variable" and not ds.is_ds_var:
        return f"uses '{ds.display}', which is not a datasource variable"
    if ds.kind == "invalid":
        return f"has an invalid datasource {ds.display}"
    return None


@register(
    "panel-title-description-rule",
    D,
    "error",
    "Data panels have a title and a description (the (i) tooltip tells readers what they look at).",
)
def panel_title_description_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p in ctx.panels:
        if not p.is_data:
            continue
        missing = []
        if not (p.title or "").strip():
            missing.append("title")
        if not (text(p.panel.get("description")) or "").strip():
            missing.append("description")
        if missing:
            which = f"{p.type} panel" if p.title and p.title.strip() else f"{p.type} panel {p.path}"
            yield hit(
                p,
                f"{which} has no {' and no '.join(missing)}",
                "set " + " and ".join(missing) + " (say what the panel shows and how to read it)",
            )


def _unit_ok(unit: str) -> bool:
    if unit in GRAFANA_UNITS:
        return True
    key, sep, sub = unit.partition(":")
    return bool(sep) and key in CUSTOM_UNIT_PREFIXES and bool(sub)


@register(
    "panel-units-rule",
    D,
    "error",
    "stat/gauge/bargauge/timeseries/table (and Angular graph/singlestat) panels set a valid Grafana unit id "
    "or a custom 'suffix:'/'prefix:'/... unit; panels with value mappings are exempt.",
)
def panel_units_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p in ctx.panels:
        if not p.is_data or p.type not in UNIT_PANEL_TYPES:
            continue
        pan = p.panel
        fc = as_dict(pan.get("fieldConfig"))
        defaults = as_dict(fc.get("defaults"))
        if p.type == "stat":
            fields = as_dict(as_dict(pan.get("options")).get("reduceOptions")).get("fields")
            if isinstance(fields, str) and fields != "":
                continue  # shows non-numeric fields
        mappings, value_maps = defaults.get("mappings"), pan.get("valueMaps")
        if (mappings and _has_mappings(mappings)) or (value_maps and _has_mappings(value_maps)):
            continue
        units: list[tuple[str, Any]] = []
        overrides = fc.get("overrides")
        if overrides:
            mapped = False
            for ov in as_list(overrides):
                for prop in as_list(as_dict(ov).get("properties")):
                    if not isinstance(prop, dict):
                        continue
                    if prop.get("id") == "unit":
                        units.append(("override", prop.get("value")))
                    elif prop.get("id") == "mappings" and _has_mappings(prop.get("value")):
                        mapped = True
            if mapped:
                continue
        if "unit" in defaults:
            units.append(("fieldConfig.defaults.unit", defaults.get("unit")))
        if p.type == "graph":
            for i, ax in enumerate(as_list(pan.get("yaxes"))[:1]):
                if isinstance(ax, dict) and "format" in ax:
                    units.append((f"yaxes[{i}].format", ax.get("format")))
        if p.type == "singlestat" and "format" in pan:
            units.append(("format", pan.get("format")))
        set_units = [(w, u) for w, u in units if u not in (None, "")]
        if not set_units:
            yield hit(
                p,
                f"{p.type} panel has no unit",
                "set fieldConfig.defaults.unit (e.g. short, percentunit, bytes, s, reqps; 'none' for plain numbers)",
            )
            continue
        for where, u in set_units:
            if not isinstance(u, str):
                yield hit(
                    p, f"{where} is {kind_name(u)}, not a unit id", "set a Grafana unit id such as short, bytes or s"
                )
            elif u not in GRAFANA_UNITS and not _unit_ok(u):
                sugg = UNIT_SUGGESTIONS.get(u) or did_you_mean(u, sorted(GRAFANA_UNITS))
                hint = f"use '{sugg}'" if sugg else "use a Grafana unit id"
                yield hit(p, f"unknown unit {u!r} in {where}", f"{hint}, or a custom unit such as 'suffix:{u}'")


def _has_mappings(v: Any) -> bool:
    return isinstance(v, (list, dict)) and len(v) > 0


@register("panel-no-targets-rule", D, "error", "Data panels have at least one query (target).")
def panel_no_targets_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, _, targets in ctx.data_targets:
        if not targets:
            yield hit(p, f"{p.type} panel has no targets", "add a query, or use a text panel for static content")


@register(
    "panel-id-unique-rule", D, "error", "Panel ids are unique across the dashboard, rows and collapsed rows included."
)
def panel_id_unique_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    first: dict[int, PanelRef] = {}
    for p in ctx.panels:
        if p.id is None:
            continue
        other = first.get(p.id)
        if other is None:
            first[p.id] = p
            continue
        yield hit(
            p,
            f"panel id {p.id} ({p.path}) is also used by {other.title or other.path!r}",
            "give every panel a unique id (grafanalib: Dashboard(...).auto_panel_ids())",
        )


def _rect(p: PanelRef) -> tuple[float, float, float, float] | None:
    gp = p.panel.get("gridPos")
    if not isinstance(gp, dict):
        return None
    if p.is_row:
        y = as_num(gp.get("y"))
        return None if y is None else (0.0, y, 24.0, 1.0)
    x, y, w, h = gp.get("x"), gp.get("y"), gp.get("w"), gp.get("h")
    if type(x) is int and type(y) is int and type(w) is int and type(h) is int:  # the usual case
        x, y, w, h = float(x), float(y), float(w), float(h)
    else:
        y, x, w, h = as_num(y), as_num(x), as_num(w), as_num(h)
    if x is None or y is None or w is None or h is None or w <= 0 or h <= 0:
        return None
    return (x, y, w, h)


@register(
    "panel-gridpos-overlap-rule",
    D,
    "warning",
    "Panel gridPos rectangles do not overlap (rows are full width, h=1; panels inside a collapsed row are "
    "compared among themselves). Warning: Grafana pushes overlapping panels down, so it still renders.",
)
def panel_gridpos_overlap_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    layers: dict[str, list[tuple[PanelRef, tuple[float, float, float, float]]]] = {}
    for p in ctx.panels:
        if p.legacy:
            continue
        r = _rect(p)
        if r is None:
            continue
        layers.setdefault(p.row.path if p.row is not None else "", []).append((p, r))
    for items in layers.values():
        ys = [r[1] for _, r in items]
        order = sorted(range(len(items)), key=ys.__getitem__)
        reported: set[int] = set()
        for a_pos, ai in enumerate(order):
            pa, (ax, ay, aw, ah) = items[ai]
            for bi in order[a_pos + 1 :]:
                pb, (bx, by, bw, bh) = items[bi]
                if by >= ay + ah:
                    break
                if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                    later, earlier = (pa, pb) if ai > bi else (pb, pa)
                    if id(later) in reported:
                        continue
                    reported.add(id(later))
                    gp = as_dict(later.panel.get("gridPos"))
                    yield hit(
                        later,
                        f"gridPos {{x:{gp.get('x')}, y:{gp.get('y')}, w:{gp.get('w')}, h:{gp.get('h')}}} overlaps "
                        f"{earlier.title or earlier.path!r}",
                        "move or resize one of the panels so their rectangles do not intersect",
                    )
