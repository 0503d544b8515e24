"""One panel as HTML: its title bar and its body drawn from the query results.

timeseries, stat, gauge, bargauge, table, text, state-timeline and heatmap are drawn; any other
type is a labelled placeholder. Everything from the dashboard or from Prometheus (titles,
descriptions, legends, label values, markdown) is escaped before it reaches the page.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from html import escape
from typing import TYPE_CHECKING, Any

from ..dashboard.walk import as_dict, as_list, dicts
from ..verify.runner import DATA, ERROR, NO_DATA, PARTIAL, SKIPPED, PanelResult
from . import charts, colors, units
from .frames import CALC_NAMES, Series, field_config, heatmap_of, reduce, series_of, sort_rows, tables_of

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

TITLE_H = 32  # px: the title bar
PAD = 8  # px: padding around a panel's body
DRAWN = {
    "timeseries",
    "graph",
    "stat",
    "singlestat",
    "gauge",
    "bargauge",
    "table",
    "table-old",
    "text",
    "state-timeline",
    "heatmap",
}


@dataclass
class Context:
    start: float
    end: float
    tz: tzinfo
    interpolate: Callable[[str], str]


def status_of(result: PanelResult | None, panel_type: str) -> str:
    """data | partial | no-data | error | skipped | text | placeholder: what the page marks the panel as."""
    if panel_type == "text":
        return "text"
    if result is None:
        return "skipped"
    if panel_type not in DRAWN and result.status not in (ERROR,):
        return "placeholder" if result.status in (DATA, PARTIAL) else {NO_DATA: "no-data"}.get(result.status, "skipped")
    return {DATA: "data", PARTIAL: "partial", NO_DATA: "no-data", ERROR: "error", SKIPPED: "skipped"}[result.status]


def render(panel: dict, result: PanelResult | None, width: float, height: float, ctx: Context) -> tuple[str, str]:
    """(status, HTML of the panel body) for a panel ``width`` x ``height`` px in all."""
    kind = str(panel.get("type") or "")
    status = status_of(result, kind)
    w, h = max(10.0, width - 2 * PAD), max(10.0, height - TITLE_H - PAD)
    if kind == "text":
        return status, _text(panel, ctx)
    if result is None:  # status "skipped"
        return status, '<div class="message">no queries</div>'
    if status == "error":
        return status, f'<div class="message error">{escape(result.detail)}</div>'
    if status == "skipped":
        return status, f'<div class="message">{escape(result.detail)}</div>'
    if status == "no-data":
        return status, '<div class="message no-data">No data</div>'
    if status == "placeholder":
        return status, (
            f'<div class="message placeholder">{escape(kind or "unknown")} panel: not drawn by the preview'
            f"<br><small>{escape(result.detail)}</small></div>"
        )
    series = _series(panel, result, ctx)
    drawn = ""
    if kind in ("timeseries", "graph"):
        drawn = _timeseries(panel, series, w, h, ctx, result)
    elif kind in ("stat", "singlestat"):
        drawn = _stat(panel, series, w, h)
    elif kind == "gauge":
        drawn = _gauge(panel, series, w, h)
    elif kind == "bargauge":
        drawn = _bargauge(panel, series, w, h)
    elif kind in ("table", "table-old"):
        drawn = _table(panel, result)
    elif kind == "state-timeline":
        drawn = _state_timeline(panel, series, w, h, ctx, result)
    elif kind == "heatmap":
        drawn = _heatmap(panel, series, w, h, ctx)
    if status == "partial":
        drawn += f'<div class="partial-note" title="{escape(result.detail)}">partial: {escape(result.detail)}</div>'
    return status, drawn


def _target_models(panel: dict) -> dict[str, dict]:
    """The panel's targets by the name verify's answers carry (``refId``, "?" when it has none)."""
    return {str(t.get("refId") or "?"): t for t in dicts(panel.get("targets"))}


def _series(panel: dict, result: PanelResult, ctx: Context) -> list[Series]:
    models = _target_models(panel)
    out: list[Series] = []
    for target in result.targets:
        for s in series_of(models.get(target.ref_id, {}), target.data, target.expr, target.ref_id, ctx.interpolate):
            s.config = field_config(panel, s.name, s.ref_id)
            out.append(s)
    return out


def _defaults(panel: dict) -> dict:
    fc = as_dict(panel.get("fieldConfig"))
    return as_dict(fc.get("defaults"))


def _decimals(config: dict) -> int | None:
    d = config.get("decimals")
    return int(d) if isinstance(d, (int, float)) and not isinstance(d, bool) and 0 <= d <= 20 else None


def display(value: Any, config: dict, lo: float = 0.0, hi: float = 100.0) -> tuple[str, str]:
    """(text, colour) of one value: its value mapping if any, else the unit's format and the thresholds' colour."""
    text, color = colors.map_value(value, config.get("mappings"))
    number = value if isinstance(value, (int, float)) else None
    if color is None:
        color = colors.threshold_color(number, config, lo, hi)
    if text is None:
        text = (
            units.format_value(number, config.get("unit"), _decimals(config))
            if number is not None
            else ("" if value is None else str(value))
        )
    return text, color


def _options(panel: dict) -> dict:
    return as_dict(panel.get("options"))


def _calc(panel: dict) -> str:
    reduce_options = _options(panel).get("reduceOptions") or {}
    calcs = reduce_options.get("calcs") if isinstance(reduce_options, dict) else None
    return calcs[0] if isinstance(calcs, list) and calcs and isinstance(calcs[0], str) else "lastNotNull"


@dataclass
class Shown:
    """One series reduced to the value a stat, gauge or bar gauge shows, with its range, text and colour."""

    series: Series
    value: float | None
    lo: float
    hi: float
    text: str
    color: str


def _reduced(panel: dict, series: list[Series]) -> list[Shown]:
    calc = _calc(panel)
    values = [(s, reduce(s.values, calc)) for s in series]
    out = []
    for s, value in values:
        lo, hi = _range(s.config, [v for _, v in values])
        out.append(Shown(s, value, lo, hi, *display(value, s.config, lo, hi)))
    return out


def _range(config: dict, values: list[float | None]) -> tuple[float, float]:
    """A field's min and max: configured, else from the data (0 to the largest value), as gauges need."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = config.get("min"), config.get("max")
    if not isinstance(lo, (int, float)):
        lo = min([0.0, *present])
    if not isinstance(hi, (int, float)):
        unit = config.get("unit")
        hi = 1.0 if unit == "percentunit" else 100.0 if unit == "percent" else max(present, default=1.0)
    if hi <= lo:
        hi = lo + 1
    return float(lo), float(hi)


# --------------------------------------------------------------------------- time series + legend
def _legend(panel: dict, series: list[Series], colours: list[str], width: float) -> tuple[str, float, str]:
    """(HTML, size in px, placement) of the legend: list or table, at the bottom or on the right."""
    legend = as_dict(_options(panel).get("legend"))
    if legend.get("showLegend") is False or legend.get("displayMode") == "hidden" or not series:
        return "", 0.0, "bottom"
    placement = "right" if legend.get("placement") == "right" else "bottom"
    calcs = [c for c in as_list(legend.get("calcs")) if isinstance(c, str)]
    items = []
    for s, color in zip(series, colours):
        values = "".join(
            f'<span class="calc">{escape(CALC_NAMES.get(c, c))}: '
            f"{escape(display(reduce(s.values, c), s.config)[0])}</span>"
            for c in calcs
        )
        items.append(
            f'<span class="item"><i style="background:{color}"></i><span class="name">{escape(s.name)}</span>'
            f"{values}</span>"
        )
    if placement == "right":
        size = min(width * 0.4, max(len(s.name) for s in series) * charts.CHAR + 30 + 90 * len(calcs))
        return f'<div class="legend right" style="width:{size:.0f}px">{"".join(items)}</div>', size, placement
    line, lines = 0.0, 1
    for s in series:
        item = len(s.name) * charts.CHAR + 28 + 110 * len(calcs)
        if line and line + item > width:
            lines, line = lines + 1, 0.0
        line += item
    return f'<div class="legend bottom">{"".join(items)}</div>', float(lines * 18 + 4), placement


def _timeseries(panel: dict, series: list[Series], w: float, h: float, ctx: Context, result: PanelResult) -> str:
    defaults = _defaults(panel)
    colours = [colors.series_color(i, s.config or defaults) for i, s in enumerate(series)]
    legend, size, placement = _legend(panel, series, colours, w)
    if placement == "bottom":
        size = min(size, h * 0.45)
        chart_w, chart_h = w, h - size
    else:
        chart_w, chart_h = w - size - 8, h
    step = next((t.step for t in result.targets if t.step), None)
    svg = charts.timeseries(series, defaults, chart_w, chart_h, ctx.start, ctx.end, ctx.tz, step)
    if placement == "bottom":
        legend = legend.replace('class="legend bottom"', f'class="legend bottom" style="max-height:{size:.0f}px"', 1)
    return f'<div class="viz {placement}">{svg}{legend}</div>'


# --------------------------------------------------------------------------- stat, gauge, bar gauge
def _stat(panel: dict, series: list[Series], w: float, h: float) -> str:
    options = _options(panel)
    values = _reduced(panel, series)
    if not values:
        return '<div class="message no-data">No data</div>'
    horizontal = options.get("orientation") == "horizontal" or (options.get("orientation") != "vertical" and w > h)
    n = len(values)
    tile_w, tile_h = (w / n, h) if horizontal else (w, h / n)
    mode = options.get("colorMode", "value")
    text_mode = options.get("textMode", "auto")
    tiles = []
    for shown in values:
        s, value, text, color = shown.series, shown.value, shown.text, shown.color
        if value is None:
            text, color = "No data", colors.TEXT
        show_name = text_mode in ("value_and_name", "name") or (text_mode == "auto" and n > 1)
        name_size = max(10.0, min(14.0, tile_h * 0.18)) if show_name else 0.0
        size = max(10.0, min((tile_h - name_size * 1.6) * 0.55, tile_w / max(2, len(text)) * 1.55))
        style = f"color:{color}" if mode == "value" else ""
        if mode == "background":
            style = f"background:{color};color:{colors.contrast_text(color)}"
        name = f'<div class="stat-name" style="font-size:{name_size:.0f}px">{escape(s.name)}</div>' if show_name else ""
        value_html = (
            ""
            if text_mode == "name"
            else (
                f'<div class="stat-value" data-color="{escape(color)}" style="font-size:{size:.0f}px">'
                f"{escape(text)}</div>"
            )
        )
        tiles.append(f'<div class="stat-tile {escape(mode)}" style="{style}">{name}{value_html}</div>')
    return f'<div class="stat {"horizontal" if horizontal else "vertical"}">{"".join(tiles)}</div>'


def _gauge(panel: dict, series: list[Series], w: float, h: float) -> str:
    options = _options(panel)
    values = _reduced(panel, series)
    if not values:
        return '<div class="message no-data">No data</div>'
    n = len(values)
    horizontal = options.get("orientation") == "horizontal" or (options.get("orientation") != "vertical" and w >= h)
    gw, gh = (w / n, h) if horizontal else (w, h / n)
    out = []
    for shown in values:
        s, value, lo, hi, text, color = shown.series, shown.value, shown.lo, shown.hi, shown.text, shown.color
        steps = [
            (lo + (hi - lo) * v / 100 if colors.percentage_mode(s.config) and math.isfinite(v) else v, c)
            for v, c in colors.steps(s.config)
        ]
        out.append(
            charts.gauge(
                value,
                text,
                color,
                lo,
                hi,
                steps,
                gw,
                gh,
                s.name if n > 1 else "",
                markers=options.get("showThresholdMarkers", True) is not False,
            )
        )
    return f'<div class="gauges {"horizontal" if horizontal else "vertical"}">{"".join(out)}</div>'


def _bargauge(panel: dict, series: list[Series], w: float, h: float) -> str:
    options = _options(panel)
    values = _reduced(panel, series)
    if not values:
        return '<div class="message no-data">No data</div>'
    mode = options.get("displayMode", "gradient")
    name_w = min(w * 0.35, max(len(v.series.name) for v in values) * charts.CHAR + 12)
    row_h = min(h / len(values), 48.0)
    rows = []
    for shown in values:
        s, value, lo, hi, text, color = shown.series, shown.value, shown.lo, shown.hi, shown.text, shown.color
        fraction = 0.0 if value is None else max(0.0, min(1.0, (value - lo) / (hi - lo)))
        if mode == "gradient":
            fill = f"linear-gradient(90deg, {colors.with_alpha(color, 0.25)}, {color})"
        elif mode == "lcd":
            fill = f"repeating-linear-gradient(90deg, {color} 0 6px, transparent 6px 8px)"
        else:
            fill = color
        unfilled = " unfilled" if options.get("showUnfilled", True) is not False else ""
        value_color = color if options.get("valueMode", "color") == "color" else colors.TEXT
        rows.append(
            f'<div class="bar-row" style="height:{row_h:.0f}px"><div class="bar-name" style="width:{name_w:.0f}px">'
            f'{escape(s.name)}</div><div class="bar-track{unfilled}">'
            f'<div class="bar-fill" data-color="{escape(color)}" '
            f'style="width:{fraction * 100:.2f}%;background:{fill}"></div></div>'
            f'<div class="bar-value" style="color:{value_color}">{escape(text)}</div></div>'
        )
    return f'<div class="bargauge">{"".join(rows)}</div>'


# --------------------------------------------------------------------------- table
def _table(panel: dict, result: PanelResult) -> str:
    models = _target_models(panel)
    table = tables_of(panel, [(models.get(t.ref_id, {}), t) for t in result.targets])
    sort_rows(table, _options(panel).get("sortBy"))
    columns = [c for c in table.columns if c != "Time" or len(table.columns) == 1]
    configs = {c: field_config(panel, c, table.ref_ids.get(c, ""), c in table.numeric) for c in columns}
    for c, config in configs.items():
        if (config.get("custom") or {}).get("hidden") if isinstance(config.get("custom"), dict) else False:
            columns.remove(c)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in table.rows:
        cells = []
        for c in columns:
            config = configs[c]
            value = row.get(c)
            text, color = display(value, config)
            cell = (config.get("custom") or {}).get("cellOptions") if isinstance(config.get("custom"), dict) else None
            kind = cell.get("type") if isinstance(cell, dict) else None
            mapped = colors.map_value(value, config.get("mappings"))[1]
            style = ""
            if kind == "color-text":
                style = f' style="color:{color}"'
            elif kind == "color-background" and (
                mapped or config.get("color", {}).get("mode") == "thresholds" or value is not None
            ):
                bg = mapped or color
                style = f' style="background:{bg};color:{colors.contrast_text(bg)}"' if bg != "transparent" else ""
            align = ' class="num"' if isinstance(value, (int, float)) else ""
            cells.append(f'<td{align}{style} data-color="{escape(color if style else "")}">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = (
        f'<div class="partial-note">not applied in the preview: {escape(", ".join(table.skipped))}</div>'
        if table.skipped
        else ""
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f"</div>{note}"
    )


# --------------------------------------------------------------------------- state timeline, heatmap, text
def _state_timeline(panel: dict, series: list[Series], w: float, h: float, ctx: Context, result: PanelResult) -> str:
    options = _options(panel)
    step = next((t.step for t in result.targets if t.step), None) or 60.0
    merge = options.get("mergeValues", True) is not False
    rows = []
    legend: dict[str, str] = {}
    for s in series:
        spans: list[list] = []
        for i, (t, v) in enumerate(zip(s.times, s.values)):
            nxt = s.times[i + 1] if i + 1 < len(s.times) else min(ctx.end, t + step)
            if v is None:
                continue
            text, color = display(v, s.config)
            legend.setdefault(text, color)
            if merge and spans and spans[-1][3] == text and abs(spans[-1][1] - t) < step * 1.5:
                spans[-1][1] = nxt
            else:
                spans.append([t, nxt, color, text])
        rows.append((s.name, [tuple(x) for x in spans]))
    show_legend = (options.get("legend") or {}).get("showLegend", True) is not False
    legend_html = ""
    if show_legend and legend:
        legend_html = (
            '<div class="legend bottom">'
            + "".join(
                f'<span class="item"><i style="background:{c}"></i><span class="name">{escape(t)}</span></span>'
                for t, c in legend.items()
            )
            + "</div>"
        )
    row_height = options.get("rowHeight")
    if not isinstance(row_height, (int, float)):
        row_height = 0.9
    svg = charts.state_timeline(rows, w, h - (22 if legend_html else 0), ctx.start, ctx.end, ctx.tz, row_height)
    return f'<div class="viz bottom">{svg}{legend_html}</div>'


def _heatmap(panel: dict, series: list[Series], w: float, h: float, ctx: Context) -> str:
    options = _options(panel)
    hm = heatmap_of(series)
    if hm is None:
        return '<div class="message placeholder">heatmap: the queries return no le buckets to draw</div>'
    show_legend = (options.get("legend") or {}).get("show", True) is not False
    counts = [v for row in hm.counts for v in row if v is not None]
    legend = ""
    if show_legend:
        stops = ", ".join(charts.scheme_color(i / 10, options) for i in range(11))
        top = units.format_value(max(counts, default=0.0), _defaults(panel).get("unit"))
        legend = (
            f'<div class="legend bottom scale"><span>0</span><span class="ramp" style="background:'
            f'linear-gradient(90deg, {stops})"></span><span>{escape(top)}</span></div>'
        )
    svg = charts.heatmap(hm, options, w, h - (22 if legend else 0), ctx.start, ctx.end, ctx.tz)
    return f'<div class="viz bottom">{svg}{legend}</div>'


def _text(panel: dict, ctx: Context) -> str:
    """Markdown (or anything else, shown as text): raw HTML is never passed through."""
    options = _options(panel)
    content = options.get("content") if isinstance(options.get("content"), str) else panel.get("content")
    content = ctx.interpolate(content) if isinstance(content, str) else ""
    if options.get("mode", panel.get("mode", "markdown")) == "markdown":
        return f'<div class="markdown">{_markdown().render(content)}</div>'
    return f'<div class="markdown"><pre>{escape(content)}</pre></div>'


@functools.cache
def _markdown() -> MarkdownIt:
    """CommonMark without raw HTML, whose links go only to the web, mail or this page (imported when a
    text panel is drawn)."""
    from markdown_it import MarkdownIt

    class SafeLinks(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            return url.strip().lower().startswith(("http://", "https://", "mailto:", "#", "/"))

    return SafeLinks("commonmark", {"html": False, "linkify": False})
