"""A dashboard as one self-contained HTML page on Grafana's grid, and the index of all pages.

Layout follows Grafana's: 24 columns, rows of 30 px, 8 px between cells, positions from each
panel's ``gridPos``. The page is ``PAGE_WIDTH`` px wide (a 1440 px grid, 60 px per column as
``verify`` assumes for ``$__interval``), so every panel has a fixed pixel size and the page's
height follows from the grid: ``page_height()``. Rows split the page into sections; a collapsed
row is a closed ``<details>`` holding its panels, so opening it pushes what follows down as
Grafana does. No script, no network: CSS and SVG only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from html import escape
from typing import Any

from ..dashboard.walk import as_dict, dicts
from ..migrate import grid
from ..verify.runner import DashboardResult, PanelResult
from . import panels

GRID_WIDTH = 1440
COLUMNS = 24
CELL_HEIGHT = 30
GAP = 8
MARGIN = 16  # px around the grid
HEADER_HEIGHT = 76  # px: title, time range and variables, above the grid
PAGE_WIDTH = GRID_WIDTH + 2 * MARGIN
COLUMN_WIDTH = (GRID_WIDTH - (COLUMNS - 1) * GAP) / COLUMNS


def panel_size(w: int, h: int) -> tuple[float, float]:
    """Pixel size of a panel ``w`` columns wide and ``h`` rows high."""
    return w * COLUMN_WIDTH + (w - 1) * GAP, h * CELL_HEIGHT + (h - 1) * GAP


Pos = tuple[int, int, int, int]  # x, y, w, h in grid units


def grid_units(model: dict) -> int:
    """Grid rows the dashboard takes with its collapsed rows closed: the lowest panel's bottom edge."""
    return max((y + h for _, (x, y, w, h), _ in placed(model)), default=0)


def page_height(model: dict) -> int:
    units = grid_units(model)
    grid = units * CELL_HEIGHT + max(0, units - 1) * GAP
    return int(math.ceil(2 * MARGIN + HEADER_HEIGHT + grid))


def _int(v: Any, default: int) -> int:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else default


def _pos(panel: dict) -> Pos:
    g = as_dict(panel.get("gridPos"))
    w = min(COLUMNS, max(1, _int(g.get("w"), 12)))
    x = min(COLUMNS - w, max(0, _int(g.get("x"), 0)))
    return x, max(0, _int(g.get("y"), 0)), w, max(1, _int(g.get("h"), 8))


def placed(model: dict) -> list[tuple[dict, Pos, list[tuple[dict, Pos]]]]:
    """The top-level panels (rows included) with their (x, y, w, h), and for a collapsed row its
    panels with theirs. The legacy ``rows[]`` layout is placed by Grafana's own migration
    (``migrate.grid``), run on copies: the panels returned are the dashboard's own."""
    top = dicts(model.get("panels"))
    if top or not isinstance(model.get("rows"), list):
        return [(p, _pos(p), _collapsed(p, lambda c: c)) for p in top]
    own: dict[int, dict] = {}
    rows = []
    for row in dicts(model["rows"]):
        copies = [dict(p) for p in dicts(row.get("panels"))]
        own.update((id(c), p) for c, p in zip(copies, dicts(row.get("panels"))))
        rows.append({**row, "panels": copies})
    layout: dict[str, Any] = {"rows": rows}
    grid.upgrade_to_grid(layout)
    out = []
    for p in dicts(layout.get("panels")):
        if p.get("type") == "row" and id(p) not in own:  # a row panel the migration made: one grid row high
            out.append((p, (0, _pos(p)[1], COLUMNS, 1), _collapsed(p, lambda c: own[id(c)])))
        else:
            out.append((own.get(id(p), p), _pos(p), []))
    return out


def _collapsed(row: dict, own: Callable[[dict], dict]) -> list[tuple[dict, Pos]]:
    if row.get("type") != "row" or not row.get("collapsed"):
        return []
    return [(own(c), _pos(c)) for c in dicts(row.get("panels"))]


@dataclass
class Section:
    start: int  # first grid row
    rows: int  # grid rows it spans
    panels: list[tuple[dict, Pos]] = field(default_factory=list)
    row: dict | None = None  # a row header section
    children: list[tuple[dict, Pos]] = field(default_factory=list)  # a collapsed row's panels


def sections(model: dict) -> list[Section]:
    """The page from top to bottom: stretches of panels between row headers, and the row headers."""
    items = sorted(placed(model), key=lambda item: (item[1][1], item[1][0]))
    total = max((y + h for _, (x, y, w, h), _ in items), default=0)
    row_ys = [pos[1] for p, pos, _ in items if p.get("type") == "row"]
    bounds = sorted(set(row_ys))
    out: list[Section] = []
    edges = [0]
    for y in bounds:
        edges += [y, y + 1]
    edges.append(max(total, edges[-1]))
    for a, b in zip(edges, edges[1:]):
        if b <= a:
            continue
        row = next(((p, kids) for p, pos, kids in items if p.get("type") == "row" and pos[1] == a), None)
        if row is not None and b == a + 1:
            out.append(Section(a, 1, row=row[0], children=row[1]))
        else:
            out.append(
                Section(a, b - a, [(p, pos) for p, pos, _ in items if p.get("type") != "row" and a <= pos[1] < b])
            )
    return out


# --------------------------------------------------------------------------- rendering
def render_page(
    result: DashboardResult, model: dict, folder: str, tz: tzinfo, interpolate, panel_interpolate, generated: str
) -> tuple[str, dict]:
    """(HTML, counts) of one dashboard's page; counts: panels, data, partial, no_data, errors, skipped."""
    by_model: dict[int, list[PanelResult]] = {}
    for pr in result.panels:
        if pr.model is not None:
            by_model.setdefault(id(pr.model), []).append(pr)
    counts = {"panels": 0, "data": 0, "partial": 0, "no_data": 0, "errors": 0, "skipped": 0}
    body = []
    for section in sections(model):
        if section.row is not None:
            body.append(
                _row(section.row, section.children, by_model, counts, tz, result, interpolate, panel_interpolate)
            )
        else:
            body.append(
                _grid(section.panels, section.start, section.rows, by_model, counts, tz, result, panel_interpolate)
            )
    title = escape(result.title or result.uid)
    header = _header(result, folder, tz, counts, generated)
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title} · dashgen preview</title>'
        f'<meta name="viewport" content="width={PAGE_WIDTH}"><style>{CSS}</style></head>'
        f'<body><main class="page" data-uid="{escape(result.uid)}" style="width:{GRID_WIDTH}px">{header}'
        f'<div class="sections">{"".join(body)}</div></main></body></html>\n'
    )
    return html, counts


def _header(result: DashboardResult, folder: str, tz: tzinfo, counts: dict, generated: str) -> str:
    fmt = "%Y-%m-%d %H:%M"
    start = datetime.fromtimestamp(result.start, tz).strftime(fmt)
    end = datetime.fromtimestamp(result.end, tz).strftime(fmt)
    zone = datetime.fromtimestamp(result.end, tz).strftime("%Z") or "local"
    variables = "".join(
        f'<span class="var"><b>{escape(name)}</b> {escape(", ".join(values) or "(none)")}</span>'
        for name, values in result.variables.items()
    )
    summary = f"{counts['panels']} panels, {counts['no_data']} without data"
    if counts["errors"]:
        summary += f", {counts['errors']} with errors"
    errors = "".join(f'<span class="var error">{escape(e)}</span>' for e in result.errors)
    return (
        f'<header class="dashboard-header" style="height:{HEADER_HEIGHT}px"><div class="line">'
        f'<span class="folder">{escape(folder)} /</span> <h1>{escape(result.title or result.uid)}</h1>'
        f'<span class="range">{start} to {end} {escape(zone)}</span></div>'
        f'<div class="line vars">{variables}{errors}'
        f'<span class="summary">{escape(summary)} · {escape(generated)}</span>'
        f"</div></header>"
    )


def _grid(items, start: int, rows: int, by_model, counts, tz, result, panel_interpolate) -> str:
    cells = []
    for panel, (x, y, w, h) in items:
        cells.append(
            _panel(panel, by_model.get(id(panel)), (x, y - start, w, h), counts, tz, result, panel_interpolate)
        )
    return f'<div class="grid" style="grid-template-rows:repeat({rows}, {CELL_HEIGHT}px)">{"".join(cells)}</div>'


def _row(row: dict, kids: list[tuple[dict, Pos]], by_model, counts, tz, result, interpolate, panel_interpolate) -> str:
    title = escape(interpolate(str(row.get("title") or "")))
    if not row.get("collapsed"):
        return f'<div class="row-header" data-type="row"><span class="chevron">▾</span>{title}</div>'
    top = min((pos[1] for _, pos in kids), default=0)
    rows = max((pos[1] + pos[3] - top for _, pos in kids), default=0)
    inner = (
        _grid(
            kids,
            top,
            max(rows, 1),
            by_model,
            counts,
            tz,
            result,
            panel_interpolate,
        )
        if kids
        else ""
    )
    return (
        f'<details class="row-header collapsed" data-type="row"><summary><span class="chevron">▸</span>{title}'
        f'<span class="row-count">({len(kids)} panel{"s" * (len(kids) != 1)})</span></summary>{inner}</details>'
    )


def _panel(panel: dict, results: list[PanelResult] | None, pos, counts, tz, result, panel_interpolate) -> str:
    x, y, w, h = pos
    width, height = panel_size(w, h)
    style = f"grid-column:{x + 1} / span {w};grid-row:{y + 1} / span {h}"
    clones: list[PanelResult | None] = [*results] if results else [None]
    inner = []
    for pr in clones:
        clone_w = (width - GAP * (len(clones) - 1)) / len(clones)
        scoped = pr.scoped if pr is not None else {}
        ctx = panels.Context(result.start, result.end, tz, panel_interpolate(scoped))
        status, body = panels.render(panel, pr, clone_w, height, ctx)
        counts["panels"] += 1
        key = {"data": "data", "partial": "partial", "no-data": "no_data", "error": "errors"}.get(status, "skipped")
        counts[key] += 1
        title = pr.title if pr is not None else ctx.interpolate(str(panel.get("title") or ""))
        kind = str(panel.get("type") or "")
        description = panel.get("description") if isinstance(panel.get("description"), str) else ""
        info = f'<span class="info" title="{escape(description)}">i</span>' if description else ""
        badge = {
            "no-data": '<span class="badge no-data">No data</span>',
            "error": '<span class="badge error">Error</span>',
            "partial": '<span class="badge partial">Partial</span>',
        }.get(status, "")
        inner.append(
            f'<section class="panel status-{status}" data-type="{escape(kind)}" data-status="{status}" '
            f'data-id="{escape(str(panel.get("id", "")))}" style="width:{clone_w:.0f}px;height:{height:.0f}px">'
            f'<header class="panel-title"><h2>{escape(title)}</h2>{info}{badge}</header>'
            f'<div class="panel-body">{body}</div></section>'
        )
    return f'<div class="cell" style="{style}">{"".join(inner)}</div>'


def render_index(pages: list[dict], generated: str) -> str:
    """The list of every page with its panel and no-data counts (and the PNG, when there is one)."""
    rows = []
    for p in pages:
        png = f' · <a href="{escape(p["png"])}">PNG</a>' if p.get("png") else ""
        status = "error" if p["errors"] else ("no-data" if p["no_data"] else "ok")
        rows.append(
            f'<tr class="{status}"><td>{escape(p["folder"])}</td><td><a href="{escape(p["file"])}">'
            f'{escape(p["title"])}</a>{png}</td><td>{escape(p["uid"])}</td><td class="num">{p["panels"]}</td>'
            f'<td class="num">{p["no_data"]}</td><td class="num">{p["errors"]}</td></tr>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>dashgen preview</title>'
        f'<style>{CSS}</style></head><body><main class="page index"><header class="dashboard-header">'
        f'<div class="line"><h1>Dashboards</h1><span class="range">{escape(generated)}</span></div></header>'
        f'<table class="index-table"><thead><tr><th>Folder</th><th>Dashboard</th><th>uid</th><th>Panels</th>'
        f"<th>No data</th><th>Errors</th></tr></thead><tbody>{''.join(rows)}</tbody></table></main></body></html>\n"
    )


CSS = f"""
*{{box-sizing:border-box}}
html,body{{margin:0;background:#111217;color:#ccccdc;font-family:Inter,"Helvetica Neue",Arial,"Liberation Sans",
sans-serif;font-size:13px}}
.page{{margin:{MARGIN}px}}
.dashboard-header{{display:flex;flex-direction:column;justify-content:center;gap:6px;overflow:hidden}}
.dashboard-header .line{{display:flex;align-items:baseline;gap:10px;white-space:nowrap;overflow:hidden}}
.dashboard-header h1{{font-size:20px;font-weight:500;margin:0;color:#d8d9da}}
.folder{{color:#8e8e9e;font-size:16px}}
.range{{margin-left:auto;color:#8e8e9e}}
.vars{{font-size:12px}}
.var{{background:#181b1f;border:1px solid rgba(204,204,220,.12);border-radius:2px;padding:3px 8px;max-width:420px;
overflow:hidden;text-overflow:ellipsis}}
.var b{{color:#6e9fff;font-weight:500;margin-right:4px}}
.var.error{{border-color:#f2495c;color:#ff7383}}
.summary{{margin-left:auto;color:#8e8e9e}}
.sections{{display:flex;flex-direction:column;gap:{GAP}px}}
.grid{{display:grid;grid-template-columns:repeat({COLUMNS},{COLUMN_WIDTH:.4f}px);gap:{GAP}px}}
.cell{{display:flex;gap:{GAP}px;min-width:0}}
.panel{{background:#181b1f;border:1px solid rgba(204,204,220,.12);border-radius:2px;display:flex;flex-direction:column;
overflow:hidden;position:relative}}
.panel.status-no-data{{border:1px dashed #ff9830}}
.panel.status-error{{border:1px solid #f2495c}}
.panel-title{{height:{panels.TITLE_H}px;display:flex;align-items:center;gap:6px;padding:0 {panels.PAD}px;flex:none}}
.panel-title h2{{font-size:14px;font-weight:500;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;
color:#d8d9da}}
.info{{font-size:10px;border:1px solid #8e8e9e;color:#8e8e9e;border-radius:50%;width:14px;height:14px;
display:inline-flex;
align-items:center;justify-content:center;flex:none;cursor:help}}
.badge{{font-size:11px;border-radius:2px;padding:1px 6px;margin-left:auto;flex:none}}
.badge.no-data{{background:rgba(255,152,48,.15);color:#ff9830}}
.badge.error{{background:rgba(242,73,92,.15);color:#ff7383}}
.badge.partial{{background:rgba(250,222,42,.12);color:#fade2a}}
.panel-body{{flex:1;padding:0 {panels.PAD}px {panels.PAD}px;min-height:0;position:relative;overflow:hidden}}
.message{{height:100%;display:flex;align-items:center;justify-content:center;text-align:center;color:#8e8e9e;
padding:8px;overflow:hidden}}
.message.no-data{{color:#ff9830;font-size:14px}}
.message.error{{color:#ff7383;font-family:"DejaVu Sans Mono",monospace;font-size:11px;word-break:break-word}}
.partial-note{{position:absolute;left:8px;right:8px;bottom:2px;font-size:10px;color:#fade2a;white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}}
.viz{{display:flex;height:100%}}
.viz.bottom{{flex-direction:column}}
svg.chart{{display:block;flex:none;overflow:hidden}}
svg .tick{{fill:rgba(204,204,220,.65)}}
svg .row-label{{fill:#ccccdc}}
.legend{{font-size:12px;overflow:hidden;display:flex;flex-wrap:wrap;gap:0 14px;align-content:flex-start;
padding-top:4px}}
.legend.right{{flex-direction:column;flex-wrap:nowrap;padding-left:8px}}
.legend .item{{display:inline-flex;align-items:center;gap:6px;white-space:nowrap;line-height:18px}}
.legend i{{display:inline-block;width:14px;height:4px;border-radius:2px}}
.legend .calc{{color:#8e8e9e;margin-left:6px}}
.legend.scale{{align-items:center;gap:8px;color:#8e8e9e}}
.legend .ramp{{display:inline-block;width:160px;height:8px;border-radius:2px}}
.stat{{display:flex;height:100%;gap:6px}}
.stat.vertical{{flex-direction:column}}
.stat-tile{{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;border-radius:2px;
min-width:0;min-height:0;overflow:hidden}}
.stat-tile.background{{margin:0 -{panels.PAD}px -{panels.PAD}px;border-radius:0}}
.stat.horizontal .stat-tile.background{{margin:0}}
.stat-value{{font-weight:500;line-height:1.1;white-space:nowrap}}
.stat-name{{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:100%}}
.gauges{{display:flex;height:100%}}
.gauges.vertical{{flex-direction:column}}
.gauges svg{{flex:none}}
.gauge-text{{font-weight:500}}
.bargauge{{display:flex;flex-direction:column;height:100%;justify-content:center}}
.bar-row{{display:flex;align-items:center;gap:8px;padding:2px 0}}
.bar-name{{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;flex:none}}
.bar-track{{flex:1;height:70%;position:relative;border-radius:2px}}
.bar-track.unfilled{{background:rgba(204,204,220,.07)}}
.bar-fill{{height:100%;border-radius:2px}}
.bar-value{{flex:none;min-width:80px;text-align:right;font-size:16px;font-weight:500;white-space:nowrap}}
.table-wrap{{height:100%;overflow:auto}}
table{{border-collapse:collapse;width:100%;font-size:13px}}
th{{text-align:left;font-weight:500;color:#6e9fff;padding:5px 8px;border-bottom:1px solid rgba(204,204,220,.12);
white-space:nowrap;position:sticky;top:0;background:#181b1f}}
td{{padding:4px 8px;border-bottom:1px solid rgba(204,204,220,.07);white-space:nowrap;max-width:420px;overflow:hidden;
text-overflow:ellipsis}}
td.num{{text-align:right}}
.markdown{{height:100%;overflow:auto;line-height:1.5}}
.markdown a{{color:#6e9fff}}
.markdown code,.markdown pre{{font-family:"DejaVu Sans Mono",monospace;background:#111217;font-size:12px}}
.row-header{{height:{CELL_HEIGHT}px;display:flex;align-items:center;gap:8px;font-size:16px;font-weight:500;color:#d8d9da}}
details.row-header{{display:block;height:auto}}
details.row-header summary{{height:{CELL_HEIGHT}px;display:flex;align-items:center;gap:8px;cursor:pointer;
list-style:none}}
details.row-header summary::-webkit-details-marker{{display:none}}
details.row-header[open] .grid{{margin-top:{GAP}px;font-size:13px;font-weight:400}}
.row-count{{font-size:12px;color:#8e8e9e;font-weight:400}}
.chevron{{color:#8e8e9e;width:12px}}
.index-table{{margin-top:16px;max-width:1000px}}
.index-table td a{{color:#6e9fff}}
.index-table tr.error td{{color:#ff7383}}
.index-table tr.no-data td:nth-child(5){{color:#ff9830}}
"""
