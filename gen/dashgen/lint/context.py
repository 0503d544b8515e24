"""What the dashboard rules share: panels, variables and datasource resolution."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, NamedTuple

from .data import DATASOURCE_NAME_HINTS, PROMETHEUS_TYPES, SPECIAL_DATASOURCES
from .promql import Analysis, analyze, var_name_of
from .walk import PanelRef, as_dict, as_int, as_list, iter_panels, iter_targets, templating_list, text


class Datasource(NamedTuple):
    """A resolved datasource reference.

    kind: "none" (null/missing: the default datasource), "variable" (``$ds``/``${ds}``),
    "input" (``${DS_PROMETHEUS}`` import placeholder from ``__inputs``), "special"
    (-- Grafana -- / -- Mixed -- / -- Dashboard --), "fixed" (a literal name or uid),
    "invalid" (a value of the wrong JSON type).
    """

    kind: str
    type: str | None = None  # plugin id when known (or guessed from the name)
    var: str | None = None  # variable name for kind "variable"/"input"
    is_ds_var: bool = False  # kind "variable": the variable is a datasource variable
    special: str | None = None  # "grafana" | "mixed" | "dashboard"
    display: str = ""

    @property
    def is_prometheus(self) -> bool | None:
        """True/False when the type is known, None when it is not."""
        if self.type is None:
            return None
        return self.type in PROMETHEUS_TYPES


# A pattern: only needed for targets whose datasource type is unknown, so `re` compiles it then.
_LOGQL = r"\|=|\|~|\|\s*(json|logfmt|pattern|regexp|line_format|label_format|unwrap|unpack|decolorize|drop|keep)\b"


def _guess_type(name: str) -> str | None:
    low = name.lower()
    for hint, plugin in DATASOURCE_NAME_HINTS:
        if hint in low:
            return plugin
    return None


class DashboardCtx:
    def __init__(self, model: dict, name: str) -> None:
        self.model = model
        self.name = name
        self.uid = model.get("uid")
        self.title = text(model.get("title"))
        self.schema_version = as_int(model.get("schemaVersion"))
        self.panels: list[PanelRef] = iter_panels(model)
        self.variables: list[dict] = templating_list(model)
        self.var_names: set[str] = {v["name"] for v in self.variables if isinstance(v.get("name"), str)}
        self.ds_vars: dict[str, str | None] = {}
        for v in self.variables:
            if v.get("type") == "datasource" and isinstance(v.get("name"), str):
                q = v.get("query")
                self.ds_vars[v["name"]] = q.strip().lower() if isinstance(q, str) and q.strip() else None
        self.inputs: dict[str, str | None] = {}
        for inp in as_list(model.get("__inputs")):
            if isinstance(inp, dict) and isinstance(inp.get("name"), str):
                pid = inp.get("pluginId")
                self.inputs[inp["name"]] = pid.lower() if isinstance(pid, str) else None
        self._ds_cache: dict[Any, Datasource] = {}
        self._ds_prom: dict[Datasource, bool] = {}
        self.configmap_bytes: int | float | None = None  # set by lint_dashboard
        self.configmap_object_bytes: int | float | None = None

    # ------------------------------------------------------------ datasources

    def resolve(self, ref: Any) -> Datasource:
        key: Any
        if isinstance(ref, dict):
            t, u = ref.get("type"), ref.get("uid")
            if u is not None and not isinstance(u, str):
                return self._resolve(ref)  # invalid, shown as the whole object: no cache key fits it
            key = ("d", t if isinstance(t, str) else None, u)
        elif ref is None or isinstance(ref, str):
            key = ("s", ref)
        else:
            return Datasource("invalid", display=repr(ref)[:60])
        hit = self._ds_cache.get(key)
        if hit is None:
            hit = self._ds_cache[key] = self._resolve(ref)
        return hit

    def _resolve_name(self, s: str, type_: str | None) -> Datasource:
        s = s.strip()
        if not s:
            return Datasource("none", type=type_, display="")
        special = SPECIAL_DATASOURCES.get(s.lower())
        if special is not None and (type_ in (None, "datasource", "grafana") or s.lower() != "grafana"):
            return Datasource("special", type=type_, special=special, display=s)
        var = var_name_of(s)
        if var is not None:
            if var in self.ds_vars:
                return Datasource("variable", type=type_ or self.ds_vars[var], var=var, is_ds_var=True, display=s)
            if var in self.inputs and var not in self.var_names:
                return Datasource("input", type=type_ or self.inputs[var] or _guess_type(var), var=var, display=s)
            return Datasource("variable", type=type_ or _guess_type(var), var=var, display=s)
        return Datasource("fixed", type=type_ or _guess_type(s), display=s)

    def _resolve(self, ref: Any) -> Datasource:
        if ref is None:
            return Datasource("none", display="")
        if isinstance(ref, str):
            return self._resolve_name(ref, None)
        t = ref.get("type")
        type_ = t.strip().lower() if isinstance(t, str) and t.strip() else None
        uid = ref.get("uid")
        if isinstance(uid, str) and uid.strip():
            return self._resolve_name(uid, type_)
        if uid is not None and not isinstance(uid, str):
            return Datasource("invalid", display=repr(ref)[:60])
        return Datasource("none", type=type_, display=type_ or "")

    def panel_datasource(self, p: PanelRef) -> Datasource:
        return self.resolve(p.panel.get("datasource"))

    def target_datasource(self, p: PanelRef, target: dict) -> Datasource:
        own = target.get("datasource")
        if own is not None:
            ds = self.resolve(own)
            if ds.kind != "none" or ds.type is not None:
                return ds
        return self.panel_datasource(p)

    def ds_is_prometheus(self, ds: Datasource) -> bool:
        """Whether queries on ``ds`` are PromQL. Unknown types count as Prometheus, except the
        default datasource of a dashboard whose datasource variables are all something else."""
        prom = self._ds_prom.get(ds)
        if prom is None:
            prom = self._ds_prom[ds] = self._ds_is_prometheus(ds)
        return prom

    def _ds_is_prometheus(self, ds: Datasource) -> bool:
        if ds.kind in ("special", "invalid"):
            return False
        prom = ds.is_prometheus
        if prom is not None:
            return prom
        if ds.kind == "none" and self.ds_vars and all(
            t is not None and t not in PROMETHEUS_TYPES for t in self.ds_vars.values()
        ):
            return False
        return True

    def target_is_promql(self, p: PanelRef, target: dict) -> bool:
        """Whether the target is a Prometheus query (non-Prometheus targets are skipped)."""
        ds = self.target_datasource(p, target)
        return _is_promql(ds, self.ds_is_prometheus(ds), target)

    # ------------------------------------------------------------- queries

    @cached_property
    def data_targets(self) -> list[tuple[PanelRef, Datasource, list[tuple[dict, str, bool]]]]:
        """(panel, panel datasource, [(target, label, is PromQL), ...]) for every data panel, in
        panel order."""
        out = []
        last_ds: Datasource | None = None
        for p in self.panels:
            if not p.is_data:
                continue
            panel_ds = self.resolve(p.panel.get("datasource"))
            if panel_ds is not last_ds:  # panels usually share one (cached) datasource
                panel_prom = self.ds_is_prometheus(panel_ds)
                last_ds = panel_ds
            targets = []
            for t, label in iter_targets(p.panel):
                if t.get("datasource") is None:  # the usual case: the panel's datasource
                    prom = panel_prom if panel_ds.type is not None else _is_promql(panel_ds, panel_prom, t)
                else:
                    prom = self.target_is_promql(p, t)
                targets.append((t, label, prom))
            out.append((p, panel_ds, targets))
        return out

    @cached_property
    def prom_targets(self) -> list[tuple[PanelRef, dict, str]]:
        """(panel, target, label) for every Prometheus target of a data panel."""
        return [(p, t, label) for p, _, targets in self.data_targets for t, label, prom in targets if prom]

    @cached_property
    def prom_queries(self) -> list[tuple[PanelRef, dict, str, Analysis | None]]:
        """(panel, target, label, analysis) for every Prometheus target; the analysis is None
        when expr is missing, not a string or blank."""
        out = []
        for p, t, label in self.prom_targets:
            expr = t.get("expr")
            out.append((p, t, label, analyze(expr) if isinstance(expr, str) and expr.strip() else None))
        return out

    @cached_property
    def analyses(self) -> list[tuple[PanelRef, str, str, Analysis]]:
        """(panel, target label, expr, analysis) for every Prometheus target whose PromQL parses."""
        return [(p, label, t["expr"], a) for p, t, label, a in self.prom_queries if a is not None and a.ok]

    @property
    def dashboard_keys(self) -> set[str]:
        keys = {self.name}
        if isinstance(self.uid, str):
            keys.add(self.uid)
        if self.title is not None:
            keys.add(self.title)
        return keys


def _is_promql(ds: Datasource, on_prometheus: bool, target: dict) -> bool:
    """target_is_promql for a target whose datasource is ``ds`` (``on_prometheus``: ds_is_prometheus(ds))."""
    if not on_prometheus:
        return False
    if ds.type is None:  # type unknown: decide from the target itself
        expr = target.get("expr")
        if not isinstance(expr, str) or re.search(_LOGQL, expr):
            return False
    return True


def variable_query(v: dict) -> str | None:
    """The query string of a templating variable (Grafana 10+ stores an object for Prometheus)."""
    q = v.get("query")
    if isinstance(q, str):
        return q
    if isinstance(q, dict):
        inner = q.get("query")
        if isinstance(inner, str):
            return inner
    return None


def panel_scoped_vars(p: PanelRef) -> frozenset[str] | set[str]:
    if "scopedVars" not in p.panel and (p.row is None or "scopedVars" not in p.row.panel):
        return frozenset()
    names = set(as_dict(p.panel.get("scopedVars")).keys())
    if p.row is not None:
        names |= set(as_dict(p.row.panel.get("scopedVars")).keys())
    return {n for n in names if isinstance(n, str)}
