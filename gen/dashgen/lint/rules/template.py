"""Template variable rules: the datasource, job and instance variables, variable queries, undefined variables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...dashboard.datasources import PROMETHEUS_TYPES
from ...dashboard.promql import analyze
from ...dashboard.variables import (
    GLOBAL_VARIABLES,
    LINK_VARIABLES,
    NON_PROM_MACROS,
    VARIABLE_QUERY_VARIABLES,
    find_vars,
    panel_scoped_vars,
    var_name_of,
    variable_query,
)
from ...dashboard.walk import PanelRef, as_dict, as_list, text
from ...names import did_you_mean
from ..context import D, DashboardCtx, hit, short
from ..registry import Hit, register


def _prom_ds_vars(ctx: DashboardCtx) -> list[str]:
    return [n for n, t in ctx.ds_vars.items() if t in PROMETHEUS_TYPES]


@register(
    "template-datasource-rule",
    D,
    "warning",
    "A dashboard with Prometheus queries has a Prometheus datasource variable named 'datasource' "
    "(or '<type>_datasource' when there are several); dashboards without Prometheus queries are not checked. "
    "Warning: house style (dashboard-linter's naming); any name works.",
)
def template_datasource_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    if not ctx.prom_targets:
        return
    if not ctx.ds_vars:
        yield hit(
            None,
            "the dashboard has Prometheus queries but no datasource variable",
            "add a templating variable {type: datasource, query: prometheus, name: datasource} and use ${datasource}",
        )
        return
    if not _prom_ds_vars(ctx):
        kinds = ", ".join(sorted(f"{n} ({t or '?'})" for n, t in ctx.ds_vars.items()))
        yield hit(
            None,
            f"the dashboard has Prometheus queries but no Prometheus datasource variable (has: {kinds})",
            "add a datasource variable with query: prometheus",
        )
    single = len(ctx.ds_vars) == 1
    for v in ctx.variables:
        if v.get("type") != "datasource" or not isinstance(v.get("name"), str):
            continue
        name = v["name"]
        plugin = ctx.ds_vars.get(name)
        if plugin is None:
            yield hit(
                None,
                f"datasource variable '{name}' has no plugin type in 'query'",
                "set query to the datasource plugin id, e.g. prometheus",
            )
            continue
        # plugin ids may contain '-', which variable names cannot (dashboard-linter #186)
        allowed = [re.sub(r"\W", "_", plugin) + "_datasource"] + (["datasource"] if single else [])
        if name not in allowed:
            yield hit(
                None,
                f"datasource variable '{name}' should be named {' or '.join(repr(a) for a in reversed(allowed))}",
                "rename the variable (and its ${...} references)",
            )
        label = text(v.get("label"))
        if label and label.strip():
            norm = label.lower().replace(" ", "")
            ok = {f"{plugin}datasource", f"{plugin.replace('-', '')}datasource"} | ({"datasource"} if single else set())
            if norm not in ok:
                want = "Data source" if single else f"{plugin} data source"
                yield hit(
                    None,
                    f"datasource variable '{name}' is labelled {label!r}, expected {want!r}",
                    f"set label: {want}",
                )


def _template_check(ctx: DashboardCtx, name: str) -> Iterator[Hit]:
    if not _prom_ds_vars(ctx):
        return
    var = next((v for v in ctx.variables if v.get("name") == name), None)
    if var is None:
        yield hit(
            None,
            f"the dashboard has no '{name}' variable",
            f"add a multi-select query variable '{name}' (label_values(up, {name}), allValue '.+')",
        )
        return
    problems = []
    dsn = var_name_of(var.get("datasource")) or var_name_of(as_dict(var.get("datasource")).get("uid"))
    if dsn is None or dsn not in ctx.ds_vars:
        problems.append("use the datasource variable (${datasource})")
    if var.get("type") != "query":
        problems.append(f"be a query variable (is {var.get('type')!r})")
    label = text(var.get("label"))
    if label is None or label.lower() != name:
        problems.append(f"be labelled '{name}'")
    if var.get("multi") is not True:
        problems.append("allow multiple values (multi: true)")
    if var.get("allValue") != ".+":
        problems.append("set allValue to '.+'")
    if problems:
        yield hit(None, f"variable '{name}' should " + "; ".join(problems), "fix the variable definition")


@register(
    "template-job-rule",
    D,
    "off",
    "The dashboard has a 'job' variable (multi, allValue '.+'). Off by default: cluster-wide dashboards "
    "aggregate over jobs.",
)
def template_job_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _template_check(ctx, "job")


@register(
    "template-instance-rule",
    D,
    "off",
    "The dashboard has an 'instance' variable (multi, allValue '.+'). Off by default: cluster-wide dashboards "
    "aggregate over instances.",
)
def template_instance_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _template_check(ctx, "instance")


# Patterns, compiled (and cached) by `re` when a dashboard has query variables.
_LABEL_NAMES = r"(?s)^label_names\((.*)\)\s*$"
_LABEL_VALUES = r"(?s)^label_values\((?:(.+),\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\)\s*$"
_METRICS = r"(?s)^metrics\((.+)\)\s*$"
_QUERY_RESULT = r"(?s)^query_result\((.+)\)\s*$"
_FUNC_NAMES = ("label_names", "label_values", "metrics", "query_result")
_OTHER_LANGUAGE = r"(?i)\s*(?:SHOW|SELECT)\s"  # InfluxQL or SQL, never PromQL


def _var_query_problem(q: str) -> str | None:
    """What is wrong with a Prometheus variable query, following Grafana's metricFindQuery."""
    q = q.strip()
    if not q:
        return None
    # Grafana interpolates variables before matching; a variable in the label slot is a label.
    probe = q
    for ref in reversed(find_vars(q)):
        probe = probe[: ref.start] + "x" * max(1, len(ref.raw)) + probe[ref.end :]

    def parses(expr: str) -> str | None:
        a = analyze(expr)
        return None if a.ok else a.error

    if q.startswith("label_names"):
        m = re.match(_LABEL_NAMES, q)
        if not m:
            return "malformed label_names(): use label_names() or label_names(<series selector>)"
        return parses(m.group(1)) if m.group(1).strip() else None
    if q.startswith("label_values"):
        m = re.match(_LABEL_VALUES, probe)
        if not m:
            return "malformed label_values(): use label_values(<label>) or label_values(<selector>, <label>)"
        if m.group(1) is None:
            return None
        return parses(q[len("label_values(") : len("label_values(") + len(m.group(1))])
    if q.startswith("metrics"):
        return None if re.match(_METRICS, q) else "malformed metrics(): use metrics(<regex>)"
    if q.startswith("query_result"):
        m = re.match(_QUERY_RESULT, q)
        if not m:
            return "malformed query_result(): use query_result(<PromQL>)"
        return parses(m.group(1))
    fn = re.match(r"^([a-z_]+)\s*\(", q)
    if fn and fn.group(1) not in _FUNC_NAMES:
        close = did_you_mean(fn.group(1), _FUNC_NAMES)
        if close:
            return f"unknown function {fn.group(1)}() (did you mean {close}()?)"
    # Anything else is sent to /api/v1/series as match[]: it must be a series selector.
    a = analyze(q)
    if not a.ok:
        return a.error
    if len(a.selectors) != 1 or a.selectors[0].parents:
        return (
            "a query that is not label_names/label_values/metrics/query_result is run as a series "
            "selector, and this is not a selector (wrap it in query_result(...))"
        )
    return None


@register(
    "template-label-promql-rule",
    D,
    "error",
    "Prometheus query variables use label_names()/label_values()/metrics()/query_result() or a series "
    "selector, with valid PromQL inside. Error: Grafana cannot run the query, so the variable has no values.",
)
def template_label_promql_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for v in ctx.variables:
        if v.get("type") != "query":
            continue
        q = variable_query(v)
        if q is None or not q.strip():
            continue
        ds = ctx.resolve(v.get("datasource"))
        if not ctx.ds_is_prometheus(ds):
            continue
        if ds.kind == "none" and re.match(_OTHER_LANGUAGE, q):
            continue  # the default datasource is unknown; this is InfluxQL or SQL (heapster's dashboards)
        problem = _var_query_problem(q)
        if problem:
            yield hit(
                None,
                f"variable '{v.get('name')}' query {short(q, 60)!r}: {problem}",
                "fix the variable query (see Grafana's Prometheus 'Query variable' docs)",
            )


@register(
    "template-on-time-change-reload-rule",
    D,
    "warning",
    "Query variables refresh on time range change (refresh: 2), so their values match the time range. "
    "Warning: house style; values refreshed on load work.",
)
def template_on_time_change_reload_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for v in ctx.variables:
        if v.get("type") != "query":
            continue
        refresh = v.get("refresh")
        if refresh == 2 and not isinstance(refresh, bool):
            continue
        yield hit(
            None,
            f"query variable '{v.get('name')}' has refresh {refresh!r}; it should refresh on time range change (2)",
            "set refresh: 2 (On time range change)",
        )


# ------------------------------------------------------ undefined variables


class _VarScanner:
    def __init__(self, ctx: DashboardCtx) -> None:
        # __inputs names (${DS_PROMETHEUS}) are replaced on import; panel-datasource-rule reports them
        self.defined = ctx.var_names | GLOBAL_VARIABLES | set(ctx.inputs)
        self.names = sorted(ctx.var_names)
        self._memo: dict[tuple[str, bool], list[str]] = {}  # for calls without `extra`

    def undefined(self, s: Any, extra: frozenset[str] | set[str] = frozenset(), any_dunder: bool = False) -> list[str]:
        """Names of the undefined variables in ``s`` (the list is shared: do not modify it)."""
        if not isinstance(s, str) or "$" not in s and "[[" not in s:
            return []
        if extra:
            return self._undefined(s, extra, any_dunder)
        key = (s, any_dunder)
        names = self._memo.get(key)
        if names is None:
            names = self._memo[key] = self._undefined(s, extra, any_dunder)
        return names

    def _undefined(self, s: str, extra: frozenset[str] | set[str], any_dunder: bool) -> list[str]:
        out = []
        for r in find_vars(s):
            n = r.name
            if n in self.defined or n in extra or n[:1].isdigit():
                continue
            if n.startswith("__auto_interval") or n.startswith("__cell_"):
                continue
            if any_dunder and n.startswith("__"):
                continue
            if n not in out:
                out.append(n)
        return out

    def fix(self, name: str) -> str:
        close = did_you_mean(name, self.names)
        hint = f" (did you mean '${close}'?)" if close else ""
        return f"define '{name}' in templating.list or correct the reference{hint}"


def _link_urls(links: Any) -> Iterator[tuple[str, Any]]:
    for link in as_list(links):
        if isinstance(link, dict):
            yield "link url", link.get("url")
            yield "link title", link.get("title")


def _ds_uid(ds: Any) -> Any:
    return ds if isinstance(ds, str) else as_dict(ds).get("uid")


_TARGET_FIELDS = tuple((f, f"target {f}") for f in ("expr", "query", "rawSql", "target", "legendFormat"))


@register(
    "template-undefined-variable-rule",
    D,
    "error",
    "Every $var/${var}/[[var]] in queries, titles, datasources, links and variable queries is a "
    "templating variable or a Grafana built-in ($__rate_interval, $__range, $__from...); SQL/InfluxQL "
    "macros only count in non-Prometheus targets. Error: Grafana sends the reference as it is, so the query "
    "fails or matches nothing. In a link or a custom variable's values it is a warning: the link still opens, "
    "and a value such as InfluxDB's $tag_host alias is meant as written. The query text of an InfluxDB "
    "target in builder mode (rawQuery false) is not checked: Grafana builds the query from the builder.",
)
def template_undefined_variable_rule(ctx: DashboardCtx) -> list[Hit]:
    # Most strings have no variable at all: check for "$"/"[[" before anything else.
    sc = _VarScanner(ctx)
    seen: set[tuple] = set()
    hits: list[Hit] = []

    def check(
        p: PanelRef | None,
        where: str,
        val: Any,
        extra: frozenset[str] | set[str] = frozenset(),
        target: str | None = None,
        any_dunder: bool = False,
        severity: str | None = None,
    ) -> None:
        if isinstance(val, str) and ("$" in val or "[[" in val):
            names = sc.undefined(val, extra, any_dunder)
            if names:
                emit(p, where, names, target, severity)

    def emit(
        p: PanelRef | None, where: str, names: list[str], target: str | None = None, severity: str | None = None
    ) -> None:
        for n in names:
            key = (p.path if p else None, target, n)
            if key in seen:
                continue
            seen.add(key)
            hits.append(hit(p, f"{where} references undefined variable '${n}'", sc.fix(n), target, severity))

    for where, val in _link_urls(ctx.model.get("links")):
        check(None, f"dashboard {where}", val, LINK_VARIABLES, severity="warning")
    for v in ctx.variables:
        label = f"variable '{v.get('name')}'"
        values_as_written = "warning" if v.get("type") == "custom" else None
        check(None, f"{label} query", variable_query(v), VARIABLE_QUERY_VARIABLES, severity=values_as_written)
        check(None, f"{label} datasource", _ds_uid(v.get("datasource")))
    for i, ann in enumerate(as_list(as_dict(ctx.model.get("annotations")).get("list"))):
        if not isinstance(ann, dict):
            continue
        check(None, f"annotation {text(ann.get('name')) or i} datasource", _ds_uid(ann.get("datasource")))
        check(None, f"annotation {text(ann.get('name')) or i} query", ann.get("expr"))

    # Per panel, `check` is only called for strings with a variable (the usual panel has none
    # but its datasource): a call costs more than the test.
    data_targets = {id(p): targets for p, _, targets in ctx.data_targets}
    for p in ctx.panels:
        extra = panel_scoped_vars(p)
        pan = p.panel
        title = pan.get("title")
        if isinstance(title, str) and ("$" in title or "[[" in title):
            check(p, "panel title", title, extra)
        repeat = pan.get("repeat")
        if isinstance(repeat, str) and repeat.strip():
            rname = var_name_of(repeat) or repeat.strip()
            if rname not in ctx.var_names:
                emit(p, "panel repeat", [rname])
        if p.library_ref:
            continue
        description = pan.get("description")
        if isinstance(description, str) and ("$" in description or "[[" in description):
            check(p, "panel description", description, extra)
        ds = pan.get("datasource")
        uid = ds if isinstance(ds, str) else _ds_uid(ds)
        if isinstance(uid, str) and ("$" in uid or "[[" in uid):
            check(p, "panel datasource", uid, extra)
        links = pan.get("links")
        if links:
            link_extra = extra | LINK_VARIABLES
            for where, val in _link_urls(links):
                check(p, f"panel {where}", val, link_extra, severity="warning")
        fc = pan.get("fieldConfig")
        if isinstance(fc, dict):
            defaults, overrides = fc.get("defaults"), fc.get("overrides")
            data_links = [defaults.get("links") if isinstance(defaults, dict) else None]
            if isinstance(overrides, list):
                for ov in overrides:
                    for prop in as_list(as_dict(ov).get("properties")):
                        if isinstance(prop, dict) and prop.get("id") == "links":
                            data_links.append(prop.get("value"))
            for links in data_links:
                if links:
                    for _, val in _link_urls(links):
                        check(p, "data link", val, extra | LINK_VARIABLES, severity="warning")
        if not p.is_data:
            continue
        for t, label, prom in data_targets[id(p)]:
            t_extra = extra if prom else extra | NON_PROM_MACROS
            influx_builder = not prom and t.get("rawQuery") is False and "select" in t
            for field, where in _TARGET_FIELDS:
                if field not in t or (influx_builder and field == "query"):  # most targets have only a few
                    continue
                val = t[field]
                if isinstance(val, str) and ("$" in val or "[[" in val):
                    names = sc.undefined(val, t_extra, not prom)
                    if names:
                        emit(p, where, names, label)
            tds = t.get("datasource")
            if tds is not None:
                check(p, "target datasource", _ds_uid(tds), extra, label)
    return hits
