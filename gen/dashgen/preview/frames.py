"""Prometheus answers shaped as Grafana shapes them for a panel.

Series (one per result, named by the target's legend format as Grafana's Prometheus datasource
names them), tables (``format: table``: one row per result, ``Time``, the labels and ``Value``, or
``Value #<refId>`` when the panel has several queries; the ``merge`` and ``organize``
transformations), heatmap buckets (``format: heatmap``: cumulative ``le`` buckets turned into
counts per bucket), reducers (``lastNotNull``, ``mean``...) and per-field configuration (defaults
plus the overrides whose matcher picks the field).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..dashboard.walk import as_dict, dicts
from ..verify import grafana

_LEGEND = re.compile(r"\{\{\s*(.+?)\s*\}\}")


@dataclass
class Series:
    name: str
    labels: dict[str, str]
    ref_id: str
    times: list[float]  # unix seconds
    values: list[float | None]  # None: no sample (or NaN), a gap
    config: dict = field(default_factory=dict)  # the field configuration that applies (defaults + overrides)


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]
    numeric: set[str] = field(default_factory=set)  # columns holding numbers
    ref_ids: dict[str, str] = field(default_factory=dict)  # column -> refId of the query it came from
    skipped: list[str] = field(default_factory=list)  # transformations the preview does not apply


def number(value: Any) -> float | None:
    """A Prometheus sample value (a string) as a float; NaN and unparsable as None."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def legend_name(legend: Any, labels: dict[str, str], expr: str, interpolate: Callable[[str], str]) -> str:
    """The series' display name: the legend format with ``{{label}}`` filled in (a missing label is
    empty), else ``name{label="value", ...}``, else the query itself, as Grafana names it."""
    if isinstance(legend, str) and legend.strip() and legend != "__auto":
        return _LEGEND.sub(lambda m: labels.get(m.group(1), ""), interpolate(legend))
    rest = {k: v for k, v in labels.items() if k != "__name__"}
    name = labels.get("__name__", "")
    if not rest:
        return name or expr
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(rest.items())) + "}"


def series_of(
    target_model: dict, data: dict | None, expr: str, ref_id: str, interpolate: Callable[[str], str]
) -> list[Series]:
    """Every series of one query's answer (matrix, vector or scalar)."""
    if not isinstance(data, dict):
        return []
    kind, result = data.get("resultType"), data.get("result")
    legend = target_model.get("legendFormat")
    out: list[Series] = []
    if kind == "matrix":
        for r in result or []:
            labels = {str(k): str(v) for k, v in (r.get("metric") or {}).items()}
            points = [(float(t), number(v)) for t, v in r.get("values") or []]
            out.append(
                Series(
                    legend_name(legend, labels, expr, interpolate),
                    labels,
                    ref_id,
                    [t for t, _ in points],
                    [v for _, v in points],
                )
            )
    elif kind == "vector":
        for r in result or []:
            labels = {str(k): str(v) for k, v in (r.get("metric") or {}).items()}
            t, v = (r.get("value") or [0, None])[:2]
            out.append(Series(legend_name(legend, labels, expr, interpolate), labels, ref_id, [float(t)], [number(v)]))
    elif kind == "scalar" and result:
        out.append(
            Series(legend_name(legend, {}, expr, interpolate), {}, ref_id, [float(result[0])], [number(result[1])])
        )
    return out


# --------------------------------------------------------------------------- field configuration
def field_config(panel: dict, name: str, ref_id: str = "", numeric: bool = True) -> dict:
    """The panel's ``fieldConfig.defaults`` with the overrides matching this field applied."""
    fc = as_dict(panel.get("fieldConfig"))
    config = copy.deepcopy(as_dict(fc.get("defaults")))
    for override in dicts(fc.get("overrides")):
        if not _matches(override.get("matcher"), name, ref_id, numeric):
            continue
        for prop in dicts(override.get("properties")):
            if isinstance(prop.get("id"), str):
                _set(config, prop["id"], prop.get("value"))
    return config


def _matches(matcher: Any, name: str, ref_id: str, numeric: bool) -> bool:
    if not isinstance(matcher, dict):
        return False
    kind, option = matcher.get("id"), matcher.get("options")
    if kind == "byName":
        return option == name
    if kind == "byRegexp" and isinstance(option, str):
        try:
            return re.search(option, name) is not None
        except re.error:
            return False
    if kind == "byType":
        return option == ("number" if numeric else "string")
    if kind == "byFrameRefID":
        return option == ref_id
    return False


def _set(config: dict, path: str, value: Any) -> None:
    """``custom.cellOptions`` -> config["custom"]["cellOptions"]."""
    *parents, leaf = path.split(".")
    node = config
    for p in parents:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[leaf] = value


# --------------------------------------------------------------------------- reducers
def reduce(values: list[float | None], calc: str) -> float | None:
    """One of Grafana's standard calculations over a series' values."""
    present = [v for v in values if v is not None]
    if calc in ("lastNotNull", "last"):
        if calc == "last":
            return values[-1] if values else None
        return present[-1] if present else None
    if calc in ("firstNotNull", "first"):
        if calc == "first":
            return values[0] if values else None
        return present[0] if present else None
    if not present:
        return None
    if calc == "mean":
        return sum(present) / len(present)
    if calc == "max":
        return max(present)
    if calc == "min":
        return min(present)
    if calc == "sum":
        return sum(present)
    if calc == "count":
        return float(len(present))
    if calc == "range":
        return max(present) - min(present)
    if calc == "delta":
        return sum(max(0.0, b - a) for a, b in zip(present, present[1:]))
    if calc == "diff":
        return present[-1] - present[0]
    return present[-1]


CALC_NAMES = {
    "lastNotNull": "Last *",
    "last": "Last",
    "firstNotNull": "First *",
    "first": "First",
    "mean": "Mean",
    "max": "Max",
    "min": "Min",
    "sum": "Total",
    "count": "Count",
    "range": "Range",
    "delta": "Delta",
    "diff": "Difference",
}


# --------------------------------------------------------------------------- tables
def tables_of(panel: dict, targets: list[tuple[dict, Any]]) -> Table:
    """The rows a table panel shows. ``targets``: (target model, QueryResult) of the visible queries."""
    several = len(targets) > 1
    frames: list[Table] = []
    for _model, result in targets:
        data = result.data if isinstance(result.data, dict) else {}
        value_col = f"Value #{result.ref_id}" if several else "Value"
        rows = []
        label_cols: list[str] = []
        for r in data.get("result") or [] if data.get("resultType") in ("vector", "matrix") else []:
            labels = {str(k): str(v) for k, v in (r.get("metric") or {}).items() if k != "__name__"}
            if "value" in r:
                t, v = (r.get("value") or [0, None])[:2]
            else:
                t, v = (r.get("values") or [[0, None]])[-1][:2]
            row = {"Time": float(t) * 1000, **labels, value_col: number(v)}
            rows.append(row)
            label_cols.extend(k for k in sorted(labels) if k not in label_cols)
        if data.get("resultType") == "scalar" and data.get("result"):
            rows.append({"Time": float(data["result"][0]) * 1000, value_col: number(data["result"][1])})
        frames.append(
            Table(["Time", *sorted(label_cols), value_col], rows, {value_col, "Time"}, {value_col: result.ref_id})
        )
    transformations = [t for t in dicts(panel.get("transformations")) if not t.get("disabled")]
    table = _concat(frames)
    for transformation in transformations:
        kind, options = transformation.get("id"), transformation.get("options") or {}
        if kind == "merge":
            table = _merge(frames)
        elif kind == "organize":
            table = _organize(table, options if isinstance(options, dict) else {})
        else:
            table.skipped.append(str(kind))
    return table


def _concat(frames: list[Table]) -> Table:
    """Without a merge Grafana shows one frame at a time; the preview shows all of their rows."""
    columns: list[str] = []
    for f in frames:
        columns.extend(c for c in f.columns if c not in columns)
    out = Table(columns, [row for f in frames for row in f.rows])
    for f in frames:
        out.numeric |= f.numeric
        out.ref_ids.update(f.ref_ids)
    return out


def _merge(frames: list[Table]) -> Table:
    """Grafana's merge: rows with the same values in the shared (label) fields become one row."""
    out = _concat(frames)
    value_cols = [c for c in out.columns if c in out.numeric and c != "Time"]
    label_cols = [c for c in out.columns if c not in out.numeric]
    columns = ["Time", *label_cols, *value_cols] if any("Time" in f.columns for f in frames) else out.columns
    merged: dict[tuple, dict] = {}
    for f in frames:
        for row in f.rows:
            key = tuple(row.get(c) for c in label_cols)
            target = merged.setdefault(key, {})
            for c, v in row.items():
                if c not in target or target[c] is None:
                    target[c] = v
    out.columns, out.rows = columns, list(merged.values())
    return out


def _organize(table: Table, options: dict) -> Table:
    exclude = {k for k, v in (options.get("excludeByName") or {}).items() if v}
    index = {k: v for k, v in (options.get("indexByName") or {}).items() if isinstance(v, (int, float))}
    rename = {k: str(v) for k, v in (options.get("renameByName") or {}).items() if isinstance(v, str) and v}
    columns = [c for c in table.columns if c not in exclude]
    positions = {c: i for i, c in enumerate(columns)}
    columns.sort(key=lambda c: (index.get(c, math.inf), positions[c]))
    table.rows = [{rename.get(c, c): row.get(c) for c in columns} for row in table.rows]
    table.numeric = {rename.get(c, c) for c in table.numeric}
    table.ref_ids = {rename.get(c, c): r for c, r in table.ref_ids.items()}
    table.columns = [rename.get(c, c) for c in columns]
    return table


def sort_rows(table: Table, sort_by: Any) -> None:
    """``options.sortBy``: the first entry naming a column (numbers numerically, missing last)."""
    for entry in sort_by if isinstance(sort_by, list) else []:
        if isinstance(entry, dict) and entry.get("displayName") in table.columns:
            col, desc = entry["displayName"], bool(entry.get("desc"))
            present = [r for r in table.rows if r.get(col) is not None]
            missing = [r for r in table.rows if r.get(col) is None]
            numeric = all(isinstance(r[col], (int, float)) for r in present)
            present.sort(key=lambda r: r[col] if numeric else str(r[col]), reverse=desc)
            table.rows = present + missing
            return


# --------------------------------------------------------------------------- heatmaps
@dataclass
class Heatmap:
    times: list[float]
    buckets: list[str]  # upper bounds as labels, lowest first
    bounds: list[float]
    counts: list[list[float | None]]  # [bucket][time]


def heatmap_of(series: list[Series]) -> Heatmap | None:
    """Cumulative ``le`` buckets (``format: heatmap``) as counts per bucket, lowest bucket first."""
    with_le = [s for s in series if "le" in s.labels and number(s.labels["le"].replace("+Inf", "inf")) is not None]
    if not with_le:
        return None
    with_le.sort(key=lambda s: float(s.labels["le"].replace("+Inf", "inf")))
    times = sorted({t for s in with_le for t in s.times})
    index = {t: i for i, t in enumerate(times)}
    grid: list[list[float | None]] = []
    for s in with_le:
        row: list[float | None] = [None] * len(times)
        for t, v in zip(s.times, s.values):
            row[index[t]] = v
        grid.append(row)
    counts = []
    for b, row in enumerate(grid):
        if b == 0:
            counts.append(list(row))
            continue
        below = grid[b - 1]
        counts.append([None if v is None else max(0.0, v - (below[i] or 0.0)) for i, v in enumerate(row)])
    bounds = [float(s.labels["le"].replace("+Inf", "inf")) for s in with_le]
    return Heatmap(times, [s.labels["le"] for s in with_le], bounds, counts)


def interpolator(variables: dict, scoped: dict) -> Callable[[str], str]:
    """Template variables in titles, legends and text as Grafana shows them: values joined by ', '."""

    def plain(values, _var) -> str:
        return values if isinstance(values, str) else ", ".join(values)

    def interpolate(text: str) -> str:
        return grafana.replace(text, variables, scoped=scoped, formatter=plain) if "$" in text else text

    return interpolate
