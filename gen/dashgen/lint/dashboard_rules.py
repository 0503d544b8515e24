"""Dashboard rules: the dashboard-linter set (same names) plus dashgen's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..names import ANNOTATIONS_MAX_BYTES, CONFIGMAP_MAX_BYTES, UID_MAX, UID_RE
from .context import DashboardCtx, panel_scoped_vars, variable_query
from .data import (
    ANGULAR_PANELS,
    CUSTOM_UNIT_PREFIXES,
    GLOBAL_VARIABLES,
    GRAFANA_UNITS,
    LINK_VARIABLES,
    NON_PROM_MACROS,
    PROMETHEUS_TYPES,
    UNIT_PANEL_TYPES,
    UNIT_SUGGESTIONS,
    UNKNOWN_METRICS,
    VARIABLE_QUERY_VARIABLES,
)
from .model import Hit, register
from .promql import Selector, analyze, find_vars, var_name_of
from .walk import PanelRef, as_dict, as_list, as_num, kind_name, text

D = "dashboard"


def _hit(p: PanelRef | None, message: str, fix: str, target: str | None = None, severity: str | None = None) -> Hit:
    if p is None:
        return Hit(message, fix, None, None, target, severity)
    return Hit(message, fix, p.title, p.id, target, severity)


def _short(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


# =============================================================== dashboard level


@register(
    "dashboard-json-rule", D, "error",
    "The dashboard is a JSON object and panels, rows, templating.list, targets and gridPos have "
    "the JSON types Grafana expects; panels have a type.",
)
def dashboard_json_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    m = ctx.model
    fix = "fix the dashboard JSON; Grafana ignores or rejects values of the wrong type"
    for key in ("panels", "rows"):
        val = m.get(key)
        if val is not None and not isinstance(val, list):
            yield _hit(None, f"'{key}' is {kind_name(val)}, not a list", fix)
        for i, p in enumerate(as_list(val)):
            if not isinstance(p, dict):
                yield _hit(None, f"{key}[{i}] is {kind_name(p)}, not an object", fix)
            elif key == "rows":
                inner = p.get("panels")
                if inner is not None and not isinstance(inner, list):
                    yield _hit(None, f"rows[{i}].panels is {kind_name(inner)}, not a list", fix)
                for j, q in enumerate(as_list(inner)):
                    if not isinstance(q, dict):
                        yield _hit(None, f"rows[{i}].panels[{j}] is {kind_name(q)}, not an object", fix)
            else:
                inner = p.get("panels")
                if inner is not None and not isinstance(inner, list):
                    yield _hit(None, f"panels[{i}].panels is {kind_name(inner)}, not a list", fix)
                for j, q in enumerate(as_list(inner)):
                    if not isinstance(q, dict):
                        yield _hit(None, f"panels[{i}].panels[{j}] is {kind_name(q)}, not an object", fix)
    tmpl = m.get("templating")
    if tmpl is not None and not isinstance(tmpl, dict):
        yield _hit(None, f"'templating' is {kind_name(tmpl)}, not an object", fix)
    lst = as_dict(tmpl).get("list")
    if lst is not None and not isinstance(lst, list):
        yield _hit(None, f"'templating.list' is {kind_name(lst)}, not a list", fix)
    for i, v in enumerate(as_list(lst)):
        if not isinstance(v, dict):
            yield _hit(None, f"templating.list[{i}] is {kind_name(v)}, not an object", fix)
        elif not isinstance(v.get("name"), str) or not v["name"]:
            yield _hit(None, f"templating.list[{i}] has no name", "give the variable a name")
    for p in ctx.panels:
        if p.library_ref:
            continue
        if p.type is None:
            yield _hit(p, f"{p.path} has no panel type", "set 'type' (e.g. timeseries, stat, table, row)")
        targets, grid = p.panel.get("targets"), p.panel.get("gridPos")
        if targets is not None and not isinstance(targets, list):
            yield _hit(p, f"{p.path}.targets is {kind_name(targets)}, not a list", fix)
        if grid is not None and not isinstance(grid, dict):
            yield _hit(p, f"{p.path}.gridPos is {kind_name(grid)}, not an object", fix)


@register("dashboard-title-rule", D, "error", "The dashboard has a non-empty title of at most 5000 characters (Grafana rejects others).")
def dashboard_title_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    title = ctx.model.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        yield _hit(None, "the dashboard has no title (Grafana: 'Dashboard title cannot be empty')", "set a title")
    elif text(title) is None:
        yield _hit(None, f"the dashboard title is {kind_name(title)}, not a string", "set the title to a string")
    elif len(text(title) or "") > 5000:
        yield _hit(None, "the dashboard title is longer than 5000 characters", "shorten the title")


@register(
    "dashboard-uid-rule", D, "error",
    "The dashboard has a stable uid Grafana accepts: present, at most 40 characters, only [a-zA-Z0-9_-].",
)
def dashboard_uid_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    uid = ctx.model.get("uid")
    if uid is None or uid == "":
        yield _hit(
            None,
            "the dashboard has no uid, so Grafana generates a random one and links break on every import",
            "set a stable uid (e.g. derived from the file name, as kubernetes-mixin does with md5)",
        )
        return
    if not isinstance(uid, str):
        yield _hit(None, f"the dashboard uid is {kind_name(uid)}, not a string", "set uid to a string of [a-zA-Z0-9_-]")
        return
    if not UID_RE.match(uid):
        bad = "".join(sorted({c for c in uid if not re.match(r"[a-zA-Z0-9_-]", c)}))
        yield _hit(
            None,
            f"uid {uid!r} contains characters Grafana rejects ({bad!r}): 'uid contains illegal characters'",
            "use only letters, digits, '-' and '_'",
        )
    if len(uid) > UID_MAX:
        yield _hit(
            None,
            f"uid {_short(uid, 50)!r} is {len(uid)} characters; Grafana rejects more than {UID_MAX}",
            f"shorten the uid to {UID_MAX} characters or fewer",
        )


@register(
    "dashboard-configmap-size-rule", D, "error",
    "The dashboard fits a ConfigMap: error above 1 MiB (Kubernetes' limit), warning above 262144 bytes "
    "(client-side kubectl apply's last-applied annotation; server-side apply, used by Flux, is fine).",
)
def dashboard_configmap_size_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    size, whole = ctx.configmap_bytes, ctx.configmap_object_bytes
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        return
    if size > CONFIGMAP_MAX_BYTES:
        yield _hit(
            None,
            f"the dashboard ConfigMap holds {int(size)} bytes; Kubernetes rejects ConfigMaps over {CONFIGMAP_MAX_BYTES} bytes (1 MiB)",
            "split the dashboard, drop unused panels/fields, or deliver it another way (grafana-operator gzipJson, API push)",
            severity="error",
        )
    elif isinstance(whole, (int, float)) and not isinstance(whole, bool) and whole > ANNOTATIONS_MAX_BYTES:
        yield _hit(
            None,
            f"the dashboard ConfigMap is {int(whole)} bytes; client-side 'kubectl apply' fails above {ANNOTATIONS_MAX_BYTES} bytes "
            "(last-applied-configuration annotation)",
            "apply with server-side apply (Flux does) or kubectl create/replace; or shrink the dashboard",
            severity="warning",
        )


@register(
    "uneditable-dashboard", D, "warning",
    "The dashboard sets editable: false (it is provisioned from git; UI edits would be lost). Warning: "
    "it does not break anything.",
)
def uneditable_dashboard(ctx: DashboardCtx) -> Iterator[Hit]:
    if ctx.model.get("editable") is True:
        yield _hit(None, "the dashboard is editable", "set editable: false (changes belong in git, not in the Grafana UI)")


# ================================================================= templating


def _prom_ds_vars(ctx: DashboardCtx) -> list[str]:
    return [n for n, t in ctx.ds_vars.items() if t in PROMETHEUS_TYPES]


@register(
    "template-datasource-rule", D, "error",
    "A dashboard with Prometheus queries has a Prometheus datasource variable named 'datasource' "
    "(or '<type>_datasource' when there are several); dashboards without Prometheus queries are not checked.",
)
def template_datasource_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    if not ctx.prom_targets:
        return
    if not ctx.ds_vars:
        yield _hit(
            None,
            "the dashboard has Prometheus queries but no datasource variable",
            "add a templating variable {type: datasource, query: prometheus, name: datasource} and use ${datasource}",
        )
        return
    if not _prom_ds_vars(ctx):
        kinds = ", ".join(sorted(f"{n} ({t or '?'})" for n, t in ctx.ds_vars.items()))
        yield _hit(
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
            yield _hit(
                None,
                f"datasource variable '{name}' has no plugin type in 'query'",
                "set query to the datasource plugin id, e.g. prometheus",
            )
            continue
        # plugin ids may contain '-', which variable names cannot (dashboard-linter #186)
        allowed = [re.sub(r"\W", "_", plugin) + "_datasource"] + (["datasource"] if single else [])
        if name not in allowed:
            yield _hit(
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
                yield _hit(
                    None,
                    f"datasource variable '{name}' is labelled {label!r}, expected {want!r}",
                    f"set label: {want}",
                )


def _template_check(ctx: DashboardCtx, name: str) -> Iterator[Hit]:
    if not _prom_ds_vars(ctx):
        return
    var = next((v for v in ctx.variables if v.get("name") == name), None)
    if var is None:
        yield _hit(
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
        yield _hit(None, f"variable '{name}' should " + "; ".join(problems), "fix the variable definition")


@register(
    "template-job-rule", D, "off",
    "The dashboard has a 'job' variable (multi, allValue '.+'). Off by default: cluster-wide dashboards "
    "aggregate over jobs.",
)
def template_job_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _template_check(ctx, "job")


@register(
    "template-instance-rule", D, "off",
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
        import difflib

        close = difflib.get_close_matches(fn.group(1), _FUNC_NAMES, n=1)
        if close:
            return f"unknown function {fn.group(1)}() (did you mean {close[0]}()?)"
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
    "template-label-promql-rule", D, "error",
    "Prometheus query variables use label_names()/label_values()/metrics()/query_result() or a series "
    "selector, with valid PromQL inside.",
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
        problem = _var_query_problem(q)
        if problem:
            yield _hit(
                None,
                f"variable '{v.get('name')}' query {_short(q, 60)!r}: {problem}",
                "fix the variable query (see Grafana's Prometheus 'Query variable' docs)",
            )


@register(
    "template-on-time-change-reload-rule", D, "error",
    "Query variables refresh on time range change (refresh: 2), so their values match the time range.",
)
def template_on_time_change_reload_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for v in ctx.variables:
        if v.get("type") != "query":
            continue
        refresh = v.get("refresh")
        if refresh == 2 and not isinstance(refresh, bool):
            continue
        yield _hit(
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
        import difflib

        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f" (did you mean '${close[0]}'?)" if close else ""
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
    "template-undefined-variable-rule", D, "error",
    "Every $var/${var}/[[var]] in queries, titles, datasources, links and variable queries is a "
    "templating variable or a Grafana built-in ($__rate_interval, $__range, $__from...); SQL/InfluxQL "
    "macros only count in non-Prometheus targets.",
)
def template_undefined_variable_rule(ctx: DashboardCtx) -> list[Hit]:
    # Most strings have no variable at all: check for "$"/"[[" before anything else.
    sc = _VarScanner(ctx)
    seen: set[tuple] = set()
    hits: list[Hit] = []

    def check(p: PanelRef | None, where: str, val: Any, extra: frozenset[str] | set[str] = frozenset(),
              target: str | None = None, any_dunder: bool = False) -> None:
        if isinstance(val, str) and ("$" in val or "[[" in val):
            names = sc.undefined(val, extra, any_dunder)
            if names:
                emit(p, where, names, target)

    def emit(p: PanelRef | None, where: str, names: list[str], target: str | None = None) -> None:
        for n in names:
            key = (p.path if p else None, target, n)
            if key in seen:
                continue
            seen.add(key)
            hits.append(_hit(p, f"{where} references undefined variable '${n}'", sc.fix(n), target=target))

    for where, val in _link_urls(ctx.model.get("links")):
        check(None, f"dashboard {where}", val, LINK_VARIABLES)
    for v in ctx.variables:
        label = f"variable '{v.get('name')}'"
        check(None, f"{label} query", variable_query(v), VARIABLE_QUERY_VARIABLES)
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
                check(p, f"panel {where}", val, link_extra)
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
                        check(p, "data link", val, extra | LINK_VARIABLES)
        if not p.is_data:
            continue
        for t, label, prom in data_targets[id(p)]:
            t_extra = extra if prom else extra | NON_PROM_MACROS
            for field, where in _TARGET_FIELDS:
                if field not in t:  # most targets have only a few of these fields
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


# ====================================================================== panels


def _version(s: Any) -> tuple[int, ...] | None:
    if not isinstance(s, str):
        return None
    m = re.match(r"^\s*v?(\d+(?:\.\d+)*)", s)
    if not m:
        return None
    return tuple(int(x) for x in m.group(1).split("."))


@register(
    "panel-angular-rule", D, "error",
    "No AngularJS panel types (graph, singlestat, table-old, grafana-piechart-panel, grafana-worldmap-panel, "
    "...): Grafana 11 disables Angular and Grafana 12 removed it. The fix names the replacement.",
)
def panel_angular_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    schema = ctx.schema_version or 0
    for p in ctx.panels:
        if p.type is None:
            continue
        if p.type == "table" and schema < 24 and isinstance(p.panel.get("styles"), list):
            yield _hit(
                p,
                f"table panel with 'styles' at schemaVersion {ctx.schema_version} (< 24): Grafana migrates it "
                "to the AngularJS 'table-old'",
                "replace 'styles' with fieldConfig/overrides and set schemaVersion >= 24 (use the React table)",
            )
            continue
        info = ANGULAR_PANELS.get(p.type)
        if info is None:
            continue
        if info.react_since is not None:
            v = _version(p.panel.get("pluginVersion"))
            if v is None or v >= info.react_since:
                continue
            detail = f" version {p.panel.get('pluginVersion')}"
        else:
            detail = ""
        yield _hit(
            p,
            f"panel type '{p.type}'{detail} is an AngularJS plugin; Grafana 12 no longer renders it",
            f"replace it with {info.replacement}",
        )


@register(
    "panel-datasource-rule", D, "error",
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
                        yield _hit(p, f"target {label} of the mixed panel {bad}", fix, target=label)
            continue
        if ds.kind == "variable":
            if not ds.is_ds_var and (targets or ds.is_prometheus):
                yield _hit(p, f"the panel datasource '{ds.display}' is not a datasource variable", fix)
            continue
        if ds.kind == "invalid":
            yield _hit(p, f"the panel datasource has an invalid value {ds.display}", fix)
            continue
        if ds.is_prometheus is False or not (targets or ds.is_prometheus):
            continue  # non-Prometheus panels are out of scope (dashboard-linter #61)
        if ds.kind == "none":
            # Grafana >= 8.3 may keep the datasource on the targets only.
            own = [ctx.resolve(t.get("datasource")) for t, _ in targets]
            if own and all(o.kind == "variable" and o.is_ds_var for o in own):
                continue
            yield _hit(p, "the panel uses the default datasource (datasource is not set)", fix)
            continue
        bad = _bad_ds(ds)
        if bad:
            yield _hit(p, f"the panel {bad}", fix)


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
    "panel-title-description-rule", D, "error",
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
            yield _hit(p, f"{which} has no {' and no '.join(missing)}",
                       "set " + " and ".join(missing) + " (say what the panel shows and how to read it)")


def _unit_ok(unit: str) -> bool:
    if unit in GRAFANA_UNITS:
        return True
    key, sep, sub = unit.partition(":")
    return bool(sep) and key in CUSTOM_UNIT_PREFIXES and bool(sub)


@register(
    "panel-units-rule", D, "error",
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
            yield _hit(
                p,
                f"{p.type} panel has no unit",
                "set fieldConfig.defaults.unit (e.g. short, percentunit, bytes, s, reqps; 'none' for plain numbers)",
            )
            continue
        for where, u in set_units:
            if not isinstance(u, str):
                yield _hit(p, f"{where} is {kind_name(u)}, not a unit id", "set a Grafana unit id such as short, bytes or s")
            elif u not in GRAFANA_UNITS and not _unit_ok(u):
                import difflib

                sugg = UNIT_SUGGESTIONS.get(u) or next(iter(difflib.get_close_matches(u, sorted(GRAFANA_UNITS), n=1)), None)
                hint = f"use '{sugg}'" if sugg else "use a Grafana unit id"
                yield _hit(p, f"unknown unit {u!r} in {where}",
                           f"{hint}, or a custom unit such as 'suffix:{u}'")


def _has_mappings(v: Any) -> bool:
    return isinstance(v, (list, dict)) and len(v) > 0


@register("panel-no-targets-rule", D, "error", "Data panels have at least one query (target).")
def panel_no_targets_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, _, targets in ctx.data_targets:
        if not targets:
            yield _hit(p, f"{p.type} panel has no targets", "add a query, or use a text panel for static content")


@register("panel-id-unique-rule", D, "error", "Panel ids are unique across the dashboard, rows and collapsed rows included.")
def panel_id_unique_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    first: dict[int, PanelRef] = {}
    for p in ctx.panels:
        if p.id is None:
            continue
        other = first.get(p.id)
        if other is None:
            first[p.id] = p
            continue
        yield _hit(
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
    "panel-gridpos-overlap-rule", D, "warning",
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
                    yield _hit(
                        later,
                        f"gridPos {{x:{gp.get('x')}, y:{gp.get('y')}, w:{gp.get('w')}, h:{gp.get('h')}}} overlaps "
                        f"{earlier.title or earlier.path!r}",
                        "move or resize one of the panels so their rectangles do not intersect",
                    )


# ===================================================================== targets


@register(
    "target-promql-rule", D, "error",
    "Prometheus targets parse as PromQL (promql_parser) after substituting Grafana variables as Grafana "
    "would; non-Prometheus targets are skipped.",
)
def target_promql_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, t, label, a in ctx.prom_queries:
        expr = t.get("expr")
        if a is None:  # no expr, not a string, or blank
            if expr is None:
                continue
            if not isinstance(expr, str):
                yield _hit(p, f"expr is {kind_name(expr)}, not a string", "write the PromQL query as a string", label)
                continue
            if t.get("hide") is True:
                continue
            yield _hit(p, "the query is empty", "write a query or remove the empty target", label)
            continue
        if not a.ok:
            fix = "fix the PromQL syntax"
            if "holt_winters" in (a.error or ""):
                fix = "holt_winters was renamed double_exponential_smoothing in Prometheus 3 (experimental functions flag)"
            yield _hit(p, f"PromQL does not parse: {a.error} in {_short(expr)!r}", fix, label)


@register(
    "target-rate-interval-rule", D, "error",
    "rate() and irate() use [$__rate_interval] as their range, so short ranges never miss scrapes.",
)
def target_rate_interval_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        problem = _rate_interval_problem(expr)
        if problem is not None:
            yield _hit(p, problem[0], problem[1], label)


# The per-query verdicts below depend on the query text alone, so they are cached like the
# analysis itself (panels often repeat a query; a rebuilt dashboard repeats all of them).


@lru_cache(maxsize=8192)
def _rate_interval_problem(expr: str) -> tuple[str, str] | None:
    """(message, fix) for the first rate()/irate() of ``expr`` whose range is not $__rate_interval."""
    for s in analyze(expr).selectors:
        ps = s.parents
        if len(ps) >= 2 and ps[-1][0] == "matrix" and ps[-2][0] == "call" and ps[-2][1] in ("rate", "irate"):
            if s.range_var == "__rate_interval":
                continue
            used = f"${s.range_var}" if s.range_var else _fmt_td(s.range)
            return (
                f"{ps[-2][1]}({s.name or '...'}[{used}]) does not use $__rate_interval",
                f"use {ps[-2][1]}({s.name or '...'}[$__rate_interval])",
            )
    return None


def _fmt_td(td: Any) -> str:
    try:
        import promql_parser

        return promql_parser.display_duration(td)
    except Exception:
        return str(td)


def _has_var_matcher(s: Selector, label: str) -> bool:
    return any(m[0] == label and m[1] == "=~" and var_name_of(m[2]) == label for m in s.matchers)


def _required_matcher(ctx: DashboardCtx, label: str) -> Iterator[Hit]:
    for p, tl, _, a in ctx.analyses:
        missing = [s.name or "{...}" for s in a.selectors if not _has_var_matcher(s, label)]
        if missing:
            yield _hit(
                p,
                f"selector {missing[0]} has no {label}=~\"${label}\" matcher",
                f"add {label}=~\"${label}\" to every selector",
                tl,
            )


@register(
    "target-job-rule", D, "off",
    "Every PromQL selector has job=~\"$job\". Off by default: cluster-wide dashboards do not filter by job.",
)
def target_job_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _required_matcher(ctx, "job")


@register(
    "target-instance-rule", D, "off",
    "Every PromQL selector has instance=~\"$instance\". Off by default: cluster-wide dashboards do not "
    "filter by instance.",
)
def target_instance_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _required_matcher(ctx, "instance")


_COUNTER_RANGE_FUNCS = frozenset(
    {"rate", "irate", "increase", "resets", "changes", "absent_over_time", "present_over_time", "count_over_time"}
)


@lru_cache(maxsize=8192)
def _raw_counters(expr: str) -> tuple[str, ...]:
    """The counters (*_total) of ``expr`` not wrapped in a counter function, in order, each once."""
    bad: list[str] = []
    for s in analyze(expr).selectors:
        if s.name and s.name.endswith("_total") and not _counter_ok(s) and s.name not in bad:
            bad.append(s.name)
    return tuple(bad)


def _counter_ok(s: Selector) -> bool:
    ps = [q for q in s.parents if q[0] != "paren"]
    if len(ps) >= 2 and ps[-1][0] in ("matrix", "subquery") and ps[-2][0] == "call" and ps[-2][1] in _COUNTER_RANGE_FUNCS:
        return True
    if ps and ps[-1][0] == "call" and ps[-1][1] in ("absent", "timestamp"):
        return True
    if ps and ps[-1][0] == "agg" and ps[-1][1] in ("count", "group"):
        return True
    return False


@register(
    "target-counter-agg-rule", D, "error",
    "Counters (*_total) are wrapped in rate()/irate()/increase() (also accepted: resets, changes, "
    "*_over_time presence/count, absent, timestamp, count/group), never shown raw.",
)
def target_counter_agg_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        bad = _raw_counters(expr)
        if bad:
            yield _hit(
                p,
                f"counter {', '.join(bad)} is not wrapped in rate(), irate() or increase()",
                f"use rate({bad[0]}[$__rate_interval]) (or increase() for totals over a range)",
                label,
            )


@register(
    "target-unknown-metric-rule", D, "error",
    "Queries do not use metric names known not to exist (invented flux_*_condition names, gotk metrics "
    "removed in Flux 2.5, kube-state-metrics v1 resource limit/request names).",
)
def target_unknown_metric_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        for name in _unknown_metrics(expr):
            info = UNKNOWN_METRICS[name]
            yield _hit(p, f"queries '{name}', which {info.why}", info.fix, label)


@lru_cache(maxsize=8192)
def _unknown_metrics(expr: str) -> tuple[str, ...]:
    """The metric names of ``expr`` known not to exist, in order, each once."""
    names: list[str] = []
    for s in analyze(expr).selectors:
        if s.name_literal and s.name in UNKNOWN_METRICS and s.name not in names:
            names.append(s.name)
    return tuple(names)
