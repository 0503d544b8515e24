"""Panels with one set of conventions, as grafanalib objects whose JSON is what Grafana 11/12 expects.

Every helper takes a title, a ``description`` and a ``unit`` (all required: they are what
the reader sees in the panel header, the (i) tooltip and the axis), and queries built with
:func:`query` (range) or :func:`instant`. They all use the ``${datasource}`` variable.

grafanalib 0.7.1 writes JSON for Grafana 6-8 in places, so the classes below correct it:

* targets: no ``intervalFactor`` (its default 2 halves the resolution), no ``step``,
  ``metric``, ``target``; explicit ``range``/``instant``; ``editorMode: code``;
* ``maxDataPoints`` set per panel type instead of grafanalib's 100 for everything;
* stat: ``thresholds.steps`` a list (grafanalib writes ``""``), no ``noValue: "none"``;
* table: React table options (``cellOptions``, ``footer``) instead of the Angular
  ``columns``/``styles``/``fontSize``;
* bar gauge and gauge: ``fieldConfig``/``options.reduceOptions`` instead of the Grafana 6
  ``options.fieldOptions``;
* heatmap: the Grafana 9+ heatmap (``options.calculate: false``, ``yAxis``) instead of the
  Angular one.
"""

from __future__ import annotations

import attr
from grafanalib import core

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# Max data points: the number of points Grafana asks Prometheus for, which sets $__interval
# and so $__rate_interval. A timeseries of ~600 px needs no more than ~500 points.
POINTS_TIMESERIES = 500
POINTS_TIMELINE = 200
POINTS_HEATMAP = 100
POINTS_SINGLE = 100  # stat, gauge, bar gauge, table: instant queries

GREEN = "green"
RED = "red"
ORANGE = "orange"
YELLOW = "yellow"


# --------------------------------------------------------------------------- queries
@attr.s
class Query(core.Target):
    """A Prometheus target as Grafana 11 saves it (range query unless ``instant``)."""

    def to_json_data(self):
        data = {
            "datasource": DATASOURCE,
            "editorMode": "code",
            "expr": self.expr,
            "format": self.format,
            "instant": bool(self.instant),
            "range": not self.instant,
            "refId": self.refId,
        }
        if self.legendFormat:
            data["legendFormat"] = self.legendFormat
        if self.interval:
            data["interval"] = self.interval
        if self.hide:
            data["hide"] = True
        return data


def query(expr: str, legend: str = "", *, ref: str = "", fmt: str = "time_series") -> Query:
    """A range query (the value over time)."""
    return Query(expr=_squash(expr), legendFormat=legend, refId=ref, format=fmt)


def instant(expr: str, legend: str = "", *, ref: str = "", table: bool = False) -> Query:
    """An instant query (the value at the end of the time range): stats, gauges, tables."""
    return Query(expr=_squash(expr), legendFormat=legend, refId=ref, instant=True,
                 format="table" if table else "time_series")


def heatmap_query(expr: str, *, ref: str = "") -> Query:
    """A range query of histogram buckets for a heatmap (``legendFormat`` ``{{le}}``)."""
    return Query(expr=_squash(expr), legendFormat="{{le}}", refId=ref, format="heatmap")


def _squash(expr: str) -> str:
    """One line, single spaces: queries are written readably across lines in the sources."""
    return " ".join(expr.split())


def _refs(targets):
    """Give targets without a refId A, B, C... (in order), as Grafana does."""
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    out = []
    for t in targets:
        ref = t.refId or next(letters)
        out.append(attr.evolve(t, refId=ref))
    return out


# --------------------------------------------------------------------------- field config
def thresholds(*steps) -> dict:
    """``thresholds(GREEN, (1, RED))``: the base colour, then (value, colour) steps."""
    base, rest = steps[0], steps[1:]
    out = [{"color": base, "value": None}]
    out += [{"color": color, "value": value} for value, color in rest]
    return {"mode": "absolute", "steps": out}


def value_mappings(mapping: dict) -> list:
    """Text values to display text and colour: ``{"False": ("Failing", RED)}``."""
    options = {}
    for i, (value, (text, color)) in enumerate(mapping.items()):
        options[value] = {"color": color, "index": i, "text": text}
    return [{"type": "value", "options": options}]


def override(field: str, *properties, by: str = "byName") -> dict:
    """A field override: ``override("Ready", ("custom.cellOptions", {...}))``."""
    return {"matcher": {"id": by, "options": field}, "properties": [{"id": k, "value": v} for k, v in properties]}


def _finish(data: dict, *, unit: str, points: int, extra_defaults: dict | None = None) -> dict:
    """Common clean-up of a grafanalib panel's JSON."""
    for key in ("editable", "error", "hideTimeOverride", "transparent", "span", "minSpan", "height",
                "cacheTimeout", "repeat", "repeatDirection", "maxPerRow", "timeFrom", "timeShift", "interval"):
        if not data.get(key):
            data.pop(key, None)
    if not data.get("links"):
        data.pop("links", None)
    if not data.get("transformations"):
        data.pop("transformations", None)
    data["datasource"] = DATASOURCE
    data["maxDataPoints"] = points
    fc = data.setdefault("fieldConfig", {})
    defaults = fc.setdefault("defaults", {})
    defaults["unit"] = unit
    if not (defaults.get("thresholds") or {}).get("steps"):
        defaults["thresholds"] = thresholds(GREEN)
    defaults.update(extra_defaults or {})
    fc.setdefault("overrides", [])
    return data


def _check(title: str, description: str, unit: str, targets) -> None:
    if not title or not description or not unit:
        raise ValueError(f"panel {title!r}: a title, a description and a unit are required")
    if not targets:
        raise ValueError(f"panel {title!r}: at least one query is required")


# --------------------------------------------------------------------------- panel classes
@attr.s
class TimeSeries(core.TimeSeries):
    def to_json_data(self):
        data = super().to_json_data()
        custom = data["fieldConfig"]["defaults"]["custom"]
        if not custom.get("stacking"):
            custom["stacking"] = {"group": "A", "mode": "none"}
        data["options"]["legend"]["showLegend"] = True
        return _finish(data, unit=self.unit, points=self.maxDataPoints)


@attr.s
class Stat(core.Stat):
    def to_json_data(self):
        data = super().to_json_data()
        defaults = data["fieldConfig"]["defaults"]
        defaults.pop("noValue", None)  # grafanalib shows the word "none" instead of "No data"
        defaults.pop("custom", None)
        data["options"]["wideLayout"] = True
        data["options"]["showPercentChange"] = False
        return _finish(data, unit=self.format, points=self.maxDataPoints)


@attr.s
class Table(core.Table):
    def to_json_data(self):
        data = super().to_json_data()
        for key in ("columns", "fontSize", "mappings", "color", "styles"):
            data.pop(key, None)
        custom = data["fieldConfig"]["defaults"]["custom"]
        custom.pop("displayMode", None)
        custom["cellOptions"] = {"type": "auto"}
        custom["inspect"] = False
        data["options"].update({"cellHeight": "sm", "footer": {"countRows": False, "fields": "", "reducer": ["sum"],
                                                                "show": False}})
        return _finish(data, unit=self.unit, points=self.maxDataPoints)


@attr.s
class StateTimeline(core.StateTimeline):
    unit = attr.ib(default="none")

    def to_json_data(self):
        data = super().to_json_data()
        data["options"]["legend"]["showLegend"] = True
        data["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
        return _finish(data, unit=self.unit, points=self.maxDataPoints)


@attr.s
class BarGauge(core.BarGauge):
    """Grafana 7+ bar gauge (grafanalib writes the Grafana 6 ``options.fieldOptions``)."""

    def to_json_data(self):
        data = self.panel_json({
            "fieldConfig": {
                "defaults": {"color": {"mode": "thresholds"}, "mappings": [], "min": self.min},
                "overrides": [],
            },
            "options": {
                "displayMode": self.displayMode,
                "maxVizHeight": 300,
                "minVizHeight": 16,
                "minVizWidth": 8,
                "namePlacement": "auto",
                "orientation": self.orientation,
                "reduceOptions": {"calcs": [self.calc], "fields": "", "values": False},
                "showUnfilled": True,
                "sizing": "auto",
                "valueMode": "color",
            },
            "type": "bargauge",
        })
        if self.max is not None:
            data["fieldConfig"]["defaults"]["max"] = self.max
        return _finish(data, unit=self.format, points=self.maxDataPoints)


@attr.s
class Gauge(core.GaugePanel):
    """Grafana 7+ gauge (grafanalib writes the Grafana 6 field options)."""

    def to_json_data(self):
        data = self.panel_json({
            "fieldConfig": {
                "defaults": {"color": {"mode": "thresholds"}, "mappings": [], "min": self.min, "max": self.max},
                "overrides": [],
            },
            "options": {
                "minVizHeight": 75,
                "minVizWidth": 75,
                "orientation": "auto",
                "reduceOptions": {"calcs": [self.calc], "fields": "", "values": False},
                "showThresholdLabels": False,
                "showThresholdMarkers": True,
                "sizing": "auto",
            },
            "type": "gauge",
        })
        return _finish(data, unit=self.format, points=self.maxDataPoints)


@attr.s
class Heatmap(core.Heatmap):
    """The Grafana 9+ heatmap of pre-bucketed Prometheus histograms."""

    unit = attr.ib(default="s")

    def to_json_data(self):
        data = self.panel_json({
            "fieldConfig": {
                "defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                                        "scaleDistribution": {"type": "linear"}}},
                "overrides": [],
            },
            "options": {
                "calculate": False,
                "cellGap": 1,
                "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                          "scale": "exponential", "scheme": "Oranges", "steps": 64},
                "exemplars": {"color": "rgba(255,0,255,0.7)"},
                "filterValues": {"le": 1e-9},
                "legend": {"show": True},
                "rowsFrame": {"layout": "auto"},
                "showValue": "never",
                "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": False},
                "yAxis": {"axisPlacement": "left", "reverse": False, "unit": self.unit},
            },
            "type": "heatmap",
        })
        # the cell values are counts per bucket and interval
        return _finish(data, unit="short", points=self.maxDataPoints)


@attr.s
class Row(core.RowPanel):
    def to_json_data(self):
        return {"collapsed": False, "gridPos": self.gridPos, "panels": [], "title": self.title, "type": "row"}


# --------------------------------------------------------------------------- helpers
def _grid(w: int, h: int) -> core.GridPos:
    return core.GridPos(h=h, w=w, x=0, y=0)


def timeseries(title: str, *, description: str, unit: str, targets, w: int = 12, h: int = 8,
               stack: bool = False, fill: int = 10, legend: str = "list", calcs=(), min=None, max=None,
               overrides=(), draw: str = "line", points: str = "never", decimals=None,
               thresholds_=None, span_nulls=False) -> TimeSeries:
    _check(title, description, unit, targets)
    return TimeSeries(
        title=title, description=description, unit=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_TIMESERIES,
        fillOpacity=fill, stacking={"group": "A", "mode": "normal"} if stack else {},
        legendDisplayMode=legend, legendPlacement="bottom", legendCalcs=list(calcs),
        tooltipMode="multi", tooltipSort="desc", valueMin=min, valueMax=max, valueDecimals=decimals,
        overrides=list(overrides), drawStyle=draw, showPoints=points, spanNulls=span_nulls,
        thresholds=(thresholds_ or thresholds(GREEN))["steps"],
    )


def stat(title: str, *, description: str, unit: str, targets, w: int = 4, h: int = 4, steps=None,
         color_mode: str = "value", text_mode: str = "auto", mappings=(), decimals=None,
         orientation: str = "auto", calc: str = "lastNotNull") -> Stat:
    """A single value (or a few, one per series) from instant queries."""
    _check(title, description, unit, targets)
    return Stat(
        title=title, description=description, format=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_SINGLE, graphMode="none", colorMode=color_mode,
        textMode=text_mode, reduceCalc=calc, mappings=list(mappings), decimals=decimals, orientation=orientation,
        thresholds=(steps or thresholds(GREEN))["steps"], color={"mode": "thresholds"},
    )


def gauge(title: str, *, description: str, unit: str, targets, w: int = 8, h: int = 6, min=0, max=1,
          steps=None) -> Gauge:
    _check(title, description, unit, targets)
    return Gauge(
        title=title, description=description, format=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_SINGLE, min=min, max=max, calc="lastNotNull",
        thresholds=(steps or thresholds(GREEN))["steps"],
    )


def bargauge(title: str, *, description: str, unit: str, targets, w: int = 8, h: int = 6, min=0, max=None,
             steps=None, mode: str = "gradient", orientation: str = "horizontal") -> BarGauge:
    _check(title, description, unit, targets)
    return BarGauge(
        title=title, description=description, format=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_SINGLE, min=min, max=max, calc="lastNotNull",
        displayMode=mode, orientation=orientation, thresholds=(steps or thresholds(GREEN))["steps"],
    )


def table(title: str, *, description: str, unit: str, targets, w: int = 24, h: int = 8,
          transformations=(), overrides=(), sort_by=None, desc: bool = False) -> Table:
    """A table of instant ``format: table`` queries (see :func:`instant` with ``table=True``)."""
    _check(title, description, unit, targets)
    return Table(
        title=title, description=description, unit=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_SINGLE, filterable=True, align="auto",
        transformations=list(transformations), overrides=list(overrides),
        sortBy=[core.TableSortByField(displayName=sort_by, desc=desc)] if sort_by else [],
    )


def state_timeline(title: str, *, description: str, unit: str, targets, mappings, w: int = 12, h: int = 8,
                   steps=None) -> StateTimeline:
    _check(title, description, unit, targets)
    return StateTimeline(
        title=title, description=description, unit=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_TIMELINE, mappings=list(mappings), mergeValues=True,
        showValue="never", rowHeight=0.8, fillOpacity=80, lineWidth=0, legendDisplayMode="list",
        thresholds=(steps or thresholds(GREEN))["steps"],
    )


def heatmap(title: str, *, description: str, unit: str, targets, w: int = 12, h: int = 8) -> Heatmap:
    """A heatmap of histogram buckets; ``unit`` is the bucket axis (seconds, bytes...)."""
    _check(title, description, unit, targets)
    return Heatmap(
        title=title, description=description, unit=unit, targets=_refs(targets), gridPos=_grid(w, h),
        dataSource=DATASOURCE, maxDataPoints=POINTS_HEATMAP,
    )


def row(title: str) -> Row:
    return Row(title=title, gridPos=core.GridPos(h=1, w=24, x=0, y=0))


# --------------------------------------------------------------------------- tables
def organize(rename: dict, *, exclude=("Time", "Value"), order=None) -> dict:
    """Rename and order table columns; ``exclude`` hides columns (by original name)."""
    order = order or list(rename)
    return {
        "id": "organize",
        "options": {
            "excludeByName": {name: True for name in exclude},
            "indexByName": {name: i for i, name in enumerate(order)},
            "renameByName": dict(rename),
        },
    }


MERGE = {"id": "merge", "options": {}}


def color_cells(field: str, mapping: dict) -> dict:
    """Colour a text column's cells by value: ``{"False": ("Failing", RED)}``."""
    return override(field, ("custom.cellOptions", {"type": "color-background", "mode": "basic"}),
                    ("mappings", value_mappings(mapping)))


def field_unit(field: str, unit: str, *extra) -> dict:
    return override(field, ("unit", unit), *extra)
