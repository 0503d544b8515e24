"""SVG charts drawn from the query results: time series, state timelines, heatmaps and gauges.

Pure functions from data and pixel sizes to SVG markup; every text is escaped. Axes follow
Grafana's look: time along the bottom in the dashboard's time zone, values on the left with the
field's unit, faint grid lines, thresholds as lines or bands when the panel asks for them.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from html import escape

from ..dashboard.walk import as_dict
from . import colors, units
from .frames import Heatmap, Series

FONT = 11  # px, axis labels
CHAR = 6.4  # px per character of an 11 px label, for laying out
AXIS_TEXT = "rgba(204, 204, 220, 0.65)"
GRID = "rgba(204, 204, 220, 0.09)"
_TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800]


def nice_step(span: float, count: int, base: float = 10) -> float:
    """A round step (1, 2, 2.5, 5 x a power of ``base``; binary units use 1024's) giving about ``count`` ticks."""
    if span <= 0 or count <= 0:
        return 1.0
    raw = span / count
    if base == 1024 and raw >= 1:
        power: float = 1024 ** math.floor(math.log(raw, 1024))
        raw /= power
        for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
            if k >= raw:
                return k * power
        return 1024 * power
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def value_ticks(lo: float, hi: float, height: float, unit: str | None) -> tuple[float, float, list[float]]:
    """(axis min, axis max, ticks): the data range widened to round steps, a tick every ~40 px."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi == lo:
        hi, lo = (hi + abs(hi) * 0.1 + (1 if hi == 0 else 0), lo - abs(lo) * 0.1) if lo else (hi + 1, lo)
    count = max(2, int(height / 40))
    base = 1024 if unit in units.BINARY_UNITS else 10
    step = nice_step(hi - lo, count, base)
    start, end = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    if end <= start:
        end = start + step
    ticks: list[float] = []
    v = start
    while v <= end + step * 1e-6 and len(ticks) < 50:
        ticks.append(round(v, 12))
        v += step
    return start, end, ticks


def time_ticks(start: float, end: float, width: float, tz: tzinfo) -> list[tuple[float, str]]:
    """Ticks at round times of the time zone, about one per 90 px, labelled HH:MM (or MM/DD)."""
    span = end - start
    if span <= 0:
        return []
    wanted = max(1, int(width / 90))
    step = next((s for s in _TIME_STEPS if span / s <= wanted), _TIME_STEPS[-1])
    offset = datetime.fromtimestamp(start, tz).utcoffset()
    shift = offset.total_seconds() if offset else 0
    t = math.ceil((start + shift) / step) * step - shift
    fmt = "%m/%d" if step >= 86400 else ("%m/%d %H:%M" if span > 86400 and step >= 43200 else "%H:%M")
    out: list[tuple[float, str]] = []
    while t <= end and len(out) < 60:
        out.append((t, datetime.fromtimestamp(t, tz).strftime(fmt)))
        t += step
    return out


class Frame:
    """The plot area inside a chart: pixel positions for times and values, axes drawn around it."""

    def __init__(
        self,
        width: float,
        height: float,
        start: float,
        end: float,
        lo: float,
        hi: float,
        ticks: list[float],
        unit: str | None,
        tz: tzinfo,
        show_values: bool = True,
    ):
        self.labels = units.tick_labels(ticks, unit) if show_values else []
        left = (max((len(s) for s in self.labels), default=0) * CHAR + 10) if show_values else 4
        self.x0, self.x1 = left, max(left + 10, width - 8)
        self.y0, self.y1 = 6, max(16, height - 20)
        self.start, self.end, self.lo, self.hi, self.ticks, self.tz = start, end, lo, hi, ticks, tz
        self.width, self.height = width, height

    def x(self, t: float) -> float:
        span = self.end - self.start or 1
        return self.x0 + (t - self.start) / span * (self.x1 - self.x0)

    def y(self, v: float) -> float:
        span = self.hi - self.lo or 1
        return self.y1 - (v - self.lo) / span * (self.y1 - self.y0)

    def axes(self) -> list[str]:
        out = []
        for v, label in zip(self.ticks, self.labels):
            y = self.y(v)
            out.append(f'<line x1="{self.x0:.1f}" x2="{self.x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
            out.append(
                f'<text class="tick y" x="{self.x0 - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
            )
        for t, label in time_ticks(self.start, self.end, self.x1 - self.x0, self.tz):
            x = self.x(t)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.y0}" y2="{self.y1:.1f}" stroke="{GRID}"/>')
            out.append(
                f'<text class="tick x" x="{x:.1f}" y="{self.y1 + 15:.1f}" text-anchor="middle">{escape(label)}</text>'
            )
        return out


def _svg(width: float, height: float, body: list[str], kind: str) -> str:
    return (
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-size="{FONT}" fill="{AXIS_TEXT}">' + "".join(body) + "</svg>"
    )


# --------------------------------------------------------------------------- time series
def timeseries(
    series: list[Series],
    panel_config: dict,
    width: float,
    height: float,
    start: float,
    end: float,
    tz: tzinfo,
    step: float | None,
) -> str:
    """Lines (or bars, or points), stacked when the field config says so, with thresholds."""
    custom = as_dict(panel_config.get("custom"))
    stacking = (custom.get("stacking") or {}).get("mode") if isinstance(custom.get("stacking"), dict) else None
    drawn = (
        _stack(series, stacking)
        if stacking in ("normal", "percent")
        else [(s, [(t, v, 0.0) for t, v in zip(s.times, s.values)]) for s in series]
    )
    values = [v for _, pts in drawn for _, v, _ in pts if v is not None]
    lows = [b for _, pts in drawn for _, v, b in pts if v is not None]
    unit = "percentunit" if stacking == "percent" else panel_config.get("unit")
    cfg_min, cfg_max = _num(panel_config.get("min")), _num(panel_config.get("max"))
    lo = cfg_min if cfg_min is not None else min([0.0, *values, *lows]) if values else 0.0
    hi = cfg_max if cfg_max is not None else max(values) if values else 1.0
    thresholds_style = (
        (custom.get("thresholdsStyle") or {}).get("mode", "off")
        if isinstance(custom.get("thresholdsStyle"), dict)
        else "off"
    )
    steps = colors.steps(panel_config)
    if thresholds_style != "off" and cfg_max is None:
        hi = max([hi, *(v for v, _ in steps[1:] if math.isfinite(v))])
    lo, hi, ticks = value_ticks(lo, hi, height - 26, unit)
    if cfg_min is not None:
        lo = cfg_min
    if cfg_max is not None:
        hi = cfg_max
    ticks = [t for t in ticks if lo - 1e-12 <= t <= hi + 1e-12]
    frame = Frame(width, height, start, end, lo, hi, ticks, unit, tz)
    body = frame.axes()
    body += _thresholds(frame, steps, thresholds_style)
    gap = (step or _min_step(series)) * 1.5
    for index, (s, pts) in enumerate(drawn):
        cfg = s.config or panel_config
        color = colors.series_color(index, cfg)
        c = cfg["custom"] if isinstance(cfg.get("custom"), dict) else custom
        line_width = _num(c.get("lineWidth"))
        line_width = 1.0 if line_width is None else line_width
        fill = _num(c.get("fillOpacity")) or 0.0
        style = c.get("drawStyle") or "line"
        body.append(f'<g class="series" data-name="{escape(s.name)}">')
        if style == "bars":
            bar = max(1.0, (frame.x1 - frame.x0) / max(1, len(pts)) * 0.8)
            for t, v, base in pts:
                if v is not None:
                    y, yb = frame.y(v), frame.y(base)
                    body.append(
                        f'<rect x="{frame.x(t) - bar / 2:.1f}" y="{min(y, yb):.1f}" width="{bar:.1f}" '
                        f'height="{max(0.5, abs(yb - y)):.1f}" fill="{colors.with_alpha(color, max(fill, 80) / 100)}"/>'
                    )
        else:
            for segment in _segments(pts, gap):
                line = " ".join(f"{frame.x(t):.1f},{frame.y(v):.1f}" for t, v, _ in segment)
                if fill > 0:
                    back = " ".join(f"{frame.x(t):.1f},{frame.y(b):.1f}" for t, _, b in reversed(segment))
                    body.append(
                        f'<path d="M{line} L{back} Z" fill="{colors.with_alpha(color, fill / 100)}" stroke="none"/>'
                    )
                if style == "points" or len(segment) == 1:
                    body += [
                        f'<circle cx="{frame.x(t):.1f}" cy="{frame.y(v):.1f}" r="2" fill="{color}"/>'
                        for t, v, _ in segment
                    ]
                elif line_width > 0:
                    body.append(
                        f'<path d="M{line}" fill="none" stroke="{color}" stroke-width="{line_width}" '
                        f'stroke-linejoin="round"/>'
                    )
        body.append("</g>")
    return _svg(width, height, body, "timeseries")


def _stack(series: list[Series], mode: str) -> list[tuple[Series, list[tuple[float, float | None, float]]]]:
    """Each series' points as (time, top, bottom), stacked in order; ``percent`` scales totals to 1."""
    totals: dict[float, float] = {}
    if mode == "percent":
        for s in series:
            for t, v in zip(s.times, s.values):
                totals[t] = totals.get(t, 0.0) + (v or 0.0)
    running: dict[float, float] = {}
    out = []
    for s in series:
        pts: list[tuple[float, float | None, float]] = []
        for t, v in zip(s.times, s.values):
            base = running.get(t, 0.0)
            if v is None:
                pts.append((t, None, base))
                continue
            value = v / totals[t] if mode == "percent" and totals.get(t) else v
            running[t] = base + value
            pts.append((t, base + value, base))
        out.append((s, pts))
    return out


def _segments(pts, gap: float):
    """Runs of points without a missing sample or a jump in time longer than ``gap``."""
    run: list = []
    last_t = None
    for t, v, b in pts:
        if v is None or (last_t is not None and t - last_t > gap):
            if run:
                yield run
            run = []
        if v is not None:
            run.append((t, v, b))
            last_t = t
    if run:
        yield run


def _min_step(series: list[Series]) -> float:
    diffs = [b - a for s in series for a, b in zip(s.times, s.times[1:]) if b > a]
    return min(diffs) if diffs else 60.0


def _thresholds(frame: Frame, steps: list[tuple[float, str]], mode: str) -> list[str]:
    out: list[str] = []
    if mode == "off" or not mode:
        return out
    if "area" in mode or mode == "series":
        for (v, color), (nxt, _) in zip(steps, steps[1:] + [(math.inf, "")]):
            top, bottom = frame.y(min(nxt, frame.hi)), frame.y(max(v, frame.lo))
            if bottom > top:
                out.append(
                    f'<rect class="threshold-area" x="{frame.x0:.1f}" y="{top:.1f}" width="{frame.x1 - frame.x0:.1f}" '
                    f'height="{bottom - top:.1f}" fill="{colors.with_alpha(color, 0.15)}"/>'
                )
    if "line" in mode or "dashed" in mode:
        dash = ' stroke-dasharray="6 4"' if "dashed" in mode else ""
        for v, color in steps[1:]:
            if frame.lo <= v <= frame.hi:
                y = frame.y(v)
                out.append(
                    f'<line class="threshold" x1="{frame.x0:.1f}" x2="{frame.x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{color}" stroke-width="1.5"{dash}/>'
                )
    return out


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


# --------------------------------------------------------------------------- state timeline
def state_timeline(
    rows: list[tuple[str, list[tuple[float, float, str, str]]]],
    width: float,
    height: float,
    start: float,
    end: float,
    tz: tzinfo,
    row_height: float = 0.9,
) -> str:
    """One band per series: (name, [(from, to, colour, text)]) drawn as coloured spans over time."""
    label_w = min(width * 0.35, max((len(name) for name, _ in rows), default=0) * CHAR + 12)
    frame = Frame(width, height, start, end, 0, 1, [], None, tz, show_values=False)
    frame.x0 = label_w
    body = [line for line in frame.axes() if "tick x" in line]
    slot = (frame.y1 - frame.y0) / max(1, len(rows))
    bar = slot * max(0.1, min(1.0, row_height))
    for i, (name, spans) in enumerate(rows):
        top = frame.y0 + i * slot + (slot - bar) / 2
        body.append(
            f'<text class="row-label" x="{label_w - 8:.1f}" y="{top + bar / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        body.append(f'<g class="series" data-name="{escape(name)}">')
        for t0, t1, color, text in spans:
            x0, x1 = max(frame.x0, frame.x(t0)), min(frame.x1, frame.x(t1))
            if x1 > x0:
                body.append(
                    f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{bar:.1f}" '
                    f'fill="{colors.with_alpha(color, 0.85)}"><title>{escape(text)}</title></rect>'
                )
        body.append("</g>")
    return _svg(width, height, body, "state-timeline")


# --------------------------------------------------------------------------- heatmap
_SCHEMES = {  # low -> high on a dark background, after d3's sequential schemes Grafana offers
    "Oranges": ("#3d1600", "#a33a03", "#f16913", "#fdae6b", "#fee6ce"),
    "Reds": ("#3b0a0a", "#a50f15", "#ef3b2c", "#fc9272", "#fee0d2"),
    "Greens": ("#06290f", "#006d2c", "#41ab5d", "#a1d99b", "#e5f5e0"),
    "Blues": ("#08193d", "#08519c", "#4292c6", "#9ecae1", "#deebf7"),
    "Purples": ("#21113d", "#54278f", "#807dba", "#bcbddc", "#efedf5"),
    "Spectral": ("#5e4fa2", "#66c2a5", "#ffffbf", "#f46d43", "#9e0142"),
    "RdYlGn": ("#a50026", "#f46d43", "#ffffbf", "#66bd63", "#006837"),
}


def scheme_color(t: float, options: dict) -> str:
    """The heatmap colour for a position ``t`` in 0..1 (after the exponential scale, if any)."""
    color = as_dict(options.get("color"))
    if color.get("scale") == "exponential":
        t = t ** (_num(color.get("exponent")) or 0.5)
    if color.get("reverse"):
        t = 1 - t
    if color.get("mode") == "opacity":
        base = colors.resolve(color.get("fill"), colors.NAMED["dark-orange"])
        return colors.with_alpha(base, 0.08 + 0.92 * t) if base.startswith("#") else base
    stops = _SCHEMES.get(str(color.get("scheme") or "Oranges"), _SCHEMES["Oranges"])
    pos = max(0.0, min(1.0, t)) * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    a, b = stops[i], stops[i + 1]
    f = pos - i
    rgb = [round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(hm: Heatmap, options: dict, width: float, height: float, start: float, end: float, tz: tzinfo) -> str:
    """Cells per time step and bucket, coloured by the bucket's count; the y axis names the buckets."""
    y_axis = as_dict(options.get("yAxis"))
    unit = y_axis.get("unit")
    labels = [("+Inf" if math.isinf(b) else units.format_value(b, unit)) for b in hm.bounds]
    frame = Frame(width, height, start, end, 0, 1, [], None, tz, show_values=False)
    frame.x0 = max((len(s) for s in labels), default=0) * CHAR + 10
    body = [line for line in frame.axes() if "tick x" in line]
    counts = [v for row in hm.counts for v in row if v is not None]
    top = max(counts) if counts else 0.0
    rows = len(hm.bounds)
    cell_h = (frame.y1 - frame.y0) / max(1, rows)
    step = _min_step([Series("", {}, "", hm.times, [])]) if len(hm.times) > 1 else (end - start)
    gap = _num(options.get("cellGap"))
    gap = 1.0 if gap is None else gap
    every = max(1, math.ceil(rows / max(1, int((frame.y1 - frame.y0) / 16))))
    for b, (label, row) in enumerate(zip(labels, hm.counts)):
        y = frame.y1 - (b + 1) * cell_h
        if b % every == 0:
            body.append(
                f'<text class="tick y" x="{frame.x0 - 6:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end">'
                f"{escape(label)}</text>"
            )
        for t, v in zip(hm.times, row):
            if v is None or v <= 0:
                continue
            x0, x1 = frame.x(t - step), frame.x(t)
            body.append(
                f'<rect x="{x0 + gap / 2:.1f}" y="{y + gap / 2:.1f}" width="{max(0.5, x1 - x0 - gap):.1f}" '
                f'height="{max(0.5, cell_h - gap):.1f}" fill="{scheme_color(v / top if top else 0, options)}"/>'
            )
    return _svg(width, height, body, "heatmap")


# --------------------------------------------------------------------------- gauge
def gauge(
    value: float | None,
    text: str,
    color: str,
    lo: float,
    hi: float,
    steps: list[tuple[float, str]],
    width: float,
    height: float,
    name: str,
    markers: bool = True,
) -> str:
    """A 240° gauge: the value arc in its threshold colour over a faint track, threshold markers outside."""
    name_h = 16 if name else 0
    size = max(20.0, min(width, (height - name_h) * 1.25))
    r = size / 2 * 0.9
    cx, cy = width / 2, name_h + (height - name_h) / 2 + r * 0.2
    thick = r * 0.22
    body = []
    if name:
        body.append(
            f'<text class="gauge-name" x="{cx:.1f}" y="12" text-anchor="middle" fill="{colors.TEXT}">'
            f"{escape(name)}</text>"
        )

    def angle(v: float) -> float:
        f = 0.0 if hi == lo else max(0.0, min(1.0, (v - lo) / (hi - lo)))
        return math.radians(210 - 240 * f)

    def arc(a0: float, a1: float, radius: float) -> str:
        x0, y0 = cx + radius * math.cos(a0), cy - radius * math.sin(a0)
        x1, y1 = cx + radius * math.cos(a1), cy - radius * math.sin(a1)
        large = 1 if abs(a0 - a1) > math.pi else 0
        return f"M{x0:.1f},{y0:.1f} A{radius:.1f},{radius:.1f} 0 {large} 1 {x1:.1f},{y1:.1f}"

    track_r = r - (thick * 0.6 if markers else 0)
    body.append(
        f'<path d="{arc(angle(lo), angle(hi), track_r - thick / 2)}" fill="none" '
        f'stroke="rgba(204, 204, 220, 0.1)" stroke-width="{thick:.1f}"/>'
    )
    if value is not None and math.isfinite(value):
        body.append(
            f'<path class="gauge-value" d="{arc(angle(lo), angle(value), track_r - thick / 2)}" fill="none" '
            f'stroke="{color}" stroke-width="{thick:.1f}"/>'
        )
    if markers:
        bounds = [lo] + [v for v, _ in steps[1:] if lo < v < hi] + [hi]
        colours = [c for v, c in steps if v <= lo][-1:] or [steps[0][1]]
        colours += [c for v, c in steps[1:] if lo < v < hi]
        for (a, b), c in zip(zip(bounds, bounds[1:]), colours):
            body.append(
                f'<path d="{arc(angle(a), angle(b), r - thick * 0.15)}" fill="none" stroke="{c}" '
                f'stroke-width="{thick * 0.25:.1f}"/>'
            )
    font = max(10.0, min(r * 0.45, width / max(3, len(text)) * 1.6))
    body.append(
        f'<text class="gauge-text" x="{cx:.1f}" y="{cy + font * 0.35:.1f}" text-anchor="middle" '
        f'font-size="{font:.0f}" fill="{color}">{escape(text)}</text>'
    )
    return _svg(width, height, body, "gauge")
