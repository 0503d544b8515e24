"""Resolve a dashboard's template variables against Prometheus, as Grafana does on load.

Variables are resolved in dependency order (a variable whose query mentions ``$namespace``
waits for ``namespace``), each query interpolated with the values already chosen, so
cascading variables see exactly what Grafana would offer. The Prometheus query functions
(metricFindQuery) are ``label_names()``, ``label_values([selector,] label)``,
``metrics(regex)``, ``query_result(expr)`` and, for anything else, a series selector.
Then the variable's ``regex`` filters/extracts, ``sort`` orders, and the selection is the
saved ``current`` value when it is still an option, else All (when offered) or the first
option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..dashboard.datasources import PROMETHEUS_TYPES
from ..dashboard.variables import find_vars, variable_text
from ..dashboard.walk import templating_list
from . import grafana
from .client import PrometheusClient, PrometheusError, Unreachable
from .grafana import ALL, Variable

_LABEL_NAMES = re.compile(r"^label_names\((.*)\)\s*$", re.S)
_LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\)\s*$", re.S)
_METRICS = re.compile(r"^metrics\((.+)\)\s*$", re.S)
_QUERY_RESULT = re.compile(r"^query_result\((.+)\)\s*$", re.S)


@dataclass
class Context:
    client: PrometheusClient
    start: float  # seconds
    end: float
    datasource_uid: str  # the Prometheus datasource being checked
    scrape_interval: str  # its jsonData.timeInterval ("" when unset)


def resolve(model: dict, ctx: Context) -> dict[str, Variable]:
    """Every variable of the dashboard, resolved; problems are recorded on ``Variable.error``."""
    defs = [v for v in templating_list(model) if v.get("name")]
    by_name = {v["name"]: v for v in defs}
    resolved: dict[str, Variable] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in resolved:
            return
        if name in visiting:
            resolved[name] = Variable(
                name, by_name[name].get("type", "query"), [], [], error="circular dependency between variables"
            )
            return
        visiting.add(name)
        for dep in _dependencies(by_name[name]):
            if dep in by_name and dep != name:
                visit(dep)
        visiting.discard(name)
        if name not in resolved:
            resolved[name] = _resolve_one(by_name[name], resolved, ctx)

    for v in defs:
        visit(v["name"])
    return {v["name"]: resolved[v["name"]] for v in defs}


def _dependencies(var: dict) -> list[str]:
    texts = [variable_text(var), var.get("regex") or "", str(var.get("allValue") or "")]
    ds = var.get("datasource")
    texts.append(ds.get("uid", "") if isinstance(ds, dict) else str(ds or ""))
    return [ref.name for t in texts if isinstance(t, str) for ref in find_vars(t)]


def _resolve_one(var: dict, resolved: dict[str, Variable], ctx: Context) -> Variable:
    kind = var.get("type") or "query"
    out = Variable(
        name=var["name"],
        type=kind,
        options=[],
        selected=[],
        multi=bool(var.get("multi")),
        include_all=bool(var.get("includeAll")),
        all_value=var.get("allValue") if isinstance(var.get("allValue"), str) else None,
    )
    try:
        if kind == "query":
            out.options = _query_options(var, resolved, ctx)
        elif kind == "custom":
            out.options = _custom_options(variable_text(var))
        elif kind in ("constant",):
            out.options = [variable_text(var)]
        elif kind == "textbox":
            current = _current(var)
            out.options = current or [variable_text(var)]
        elif kind == "interval":
            out.options = _custom_options(variable_text(var))
        elif kind == "datasource":
            out.datasource_type = variable_text(var).strip().lower() or "prometheus"
            out.options = [ctx.datasource_uid] if out.datasource_type in PROMETHEUS_TYPES else []
            out.selected = list(out.options)
            return out
        else:  # adhoc, system, unknown: nothing to substitute
            return out
    except (PrometheusError, Unreachable, ValueError) as exc:
        out.error = f"query {variable_text(var)!r} failed: {exc}"
        return out
    _select(out, var)
    return out


def _current(var: dict) -> list[str]:
    cur = (var.get("current") or {}).get("value")
    if isinstance(cur, str):
        return [cur]
    if isinstance(cur, list):
        return [str(c) for c in cur]
    return []


def _select(out: Variable, var: dict) -> None:
    current = _current(var)
    if out.include_all and (ALL in current or not current):
        out.is_all = True
    elif current and all(c in out.options for c in current):
        out.selected = current if out.multi else current[:1]
        return
    elif out.include_all:
        out.is_all = True
    if out.is_all:
        out.selected = list(out.options)
    else:
        out.selected = out.options[:1]


def _query_options(var: dict, resolved: dict[str, Variable], ctx: Context) -> list[str]:
    query = variable_text(var)
    # metricFindQuery's scoped variables: the datasource interval and the time range
    interval = ctx.scrape_interval or grafana.DEFAULT_SCRAPE
    range_ms = int(round((ctx.end - ctx.start) * 1000))
    query = grafana.replace(query, resolved, time_from_ms=int(ctx.start * 1000), time_to_ms=int(ctx.end * 1000))
    builtins = {
        "__interval_ms": str(grafana.parse_interval_ms(interval)),
        "__interval": interval,
        "__range_ms": str(range_ms),
        "__range_s": str(round(range_ms / 1000)),
        "__range": f"{round(range_ms / 1000)}s",
    }
    for name, value in builtins.items():
        query = query.replace("${" + name + "}", value).replace("$" + name, value)
    values = _find(query.strip(), ctx)
    return _postprocess(values, var)


def _find(query: str, ctx: Context) -> list[str]:
    c, start, end = ctx.client, ctx.start, ctx.end
    if not query:
        return []
    m = _LABEL_NAMES.match(query)
    if m:
        return c.label_names(match=m.group(1).strip() or None, start=start, end=end)
    m = _LABEL_VALUES.match(query)
    if m:
        selector, label = m.group(1), m.group(2)
        return c.label_values(label, match=selector.strip() if selector else None, start=start, end=end)
    m = _METRICS.match(query)
    if m:
        pattern = _js_regex(m.group(1).strip())
        return [n for n in c.label_values("__name__", start=start, end=end) if pattern.search(n)]
    m = _QUERY_RESULT.match(query)
    if m:
        data = c.query(m.group(1), end)
        return [_result_text(r, data.get("resultType")) for r in _results(data)]
    return [_series_text(s) for s in c.series(query, start=start, end=end)]


def _results(data: dict) -> list[Any]:
    result = data.get("result")
    if data.get("resultType") in ("scalar", "string"):
        return [{"metric": {}, "value": result}]
    return result or []


def _result_text(r: dict, _kind) -> str:
    """Grafana's query_result text: ``name{a="b"} value timestamp_ms``."""
    metric = dict(r.get("metric") or {})
    name = metric.pop("__name__", "")
    labels = ", ".join(f'{k}="{v}"' for k, v in metric.items())
    ts, value = (r.get("value") or [0, ""])[:2]
    return f"{name}{{{labels}}} {value} {int(float(ts) * 1000)}"


def _series_text(s: dict) -> str:
    metric = dict(s)
    name = metric.pop("__name__", "")
    labels = ",".join(f'{k}="{v}"' for k, v in metric.items())
    return f"{name}{{{labels}}}"


def _js_regex(text: str) -> re.Pattern:
    """A JavaScript regex literal (``/a.*/i``) or a bare pattern."""
    m = re.fullmatch(r"/(.*)/([gimsuy]*)", text, re.S)
    flags = 0
    if m:
        text = m.group(1)
        flags = (
            (re.I if "i" in m.group(2) else 0) | (re.S if "s" in m.group(2) else 0) | (re.M if "m" in m.group(2) else 0)
        )
    text = re.sub(r"\(\?<(?![=!])", "(?P<", text)  # JavaScript named groups
    try:
        return re.compile(text, flags)
    except re.error as exc:
        raise ValueError(f"invalid regex {text!r}: {exc}") from None


def _postprocess(values: list[str], var: dict) -> list[str]:
    """The variable's regex (capture group 1, or the named groups ``value``/``text``), de-duplication, sort."""
    regex = var.get("regex")
    out: list[str] = []
    pattern = _js_regex(regex) if isinstance(regex, str) and regex.strip() else None
    for value in values:
        value = str(value)
        if pattern is not None:
            m = pattern.search(value)
            if not m:
                continue
            groups = m.groupdict()
            if groups.get("value") is not None or groups.get("text") is not None:
                value = groups.get("value") or groups.get("text")  # type: ignore[assignment]  # None for value=""
            elif m.groups():
                value = next((g for g in m.groups() if g is not None), "")
        if value not in out:
            out.append(value)
    return _sort(out, var.get("sort") or 0)


def _sort(values: list[str], mode: int) -> list[str]:
    def number(v: str) -> float:
        m = re.search(r"-?\d+(\.\d+)?", v)
        return float(m.group(0)) if m else float("-inf")

    def natural(v: str):
        return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", v)]

    keys: dict[int, tuple[Callable[[str], Any], bool]] = {
        1: (str, False),
        2: (str, True),
        3: (number, False),
        4: (number, True),
        5: (str.lower, False),
        6: (str.lower, True),
        7: (natural, False),
        8: (natural, True),
    }
    if mode not in keys:
        return values
    key, reverse = keys[mode]
    return sorted(values, key=key, reverse=reverse)


def _custom_options(query: str) -> list[str]:
    """A custom variable's ``a, b, c`` (``\\,`` escapes a comma; ``text : value`` pairs keep the value)."""
    out = []
    for part in re.findall(r"(?:\\,|[^,])+", query or ""):
        part = part.strip().replace("\\,", ",")
        text, sep, value = part.partition(" : ")
        value = value if sep else text
        if value and value not in out:
            out.append(value)
    return out
