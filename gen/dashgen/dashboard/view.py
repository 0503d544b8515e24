"""A read-only view of one dashboard's JSON: its panels, variables, datasources and queries.

Built once per dashboard and shared by every rule (and by anything else that needs to know
which targets are PromQL): panels are walked once, datasource references resolved once per
distinct value, each query analysed once.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, NamedTuple

from .datasources import PROMETHEUS_TYPES, guess_type, plugin_type, reference
from .promql import Analysis, analyze
from .walk import PanelRef, as_int, as_list, iter_panels, iter_targets, templating_list, text


class DatasourceRef(NamedTuple):
    """A datasource reference resolved against the dashboard.

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


class DashboardView:
    """``model`` must be a dict; every field inside may have any JSON type."""

    def __init__(self, model: dict) -> None:
        self.model = model
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
                self.ds_vars[v["name"]] = plugin_type(q)
        self.inputs: dict[str, str | None] = {}
        for inp in as_list(model.get("__inputs")):
            if isinstance(inp, dict) and isinstance(inp.get("name"), str):
                pid = inp.get("pluginId")
                self.inputs[inp["name"]] = pid.lower() if isinstance(pid, str) else None
        self._ds_cache: dict[Any, DatasourceRef] = {}
        self._ds_prom: dict[DatasourceRef, bool] = {}

    # ------------------------------------------------------------ datasources

    def resolve(self, ref: Any) -> DatasourceRef:
        """What ``ref`` (a ``datasource`` value) stands for in this dashboard; cached per value."""
        key: Any
        if isinstance(ref, dict):
            t, u = ref.get("type"), ref.get("uid")
            if u is not None and not isinstance(u, str):
                return self._resolve(ref)  # invalid, shown as the whole object: no cache key fits it
            key = ("d", t if isinstance(t, str) else None, u)
        elif ref is None or isinstance(ref, str):
            key = ("s", ref)
        else:
            return DatasourceRef("invalid", display=repr(ref)[:60])
        hit = self._ds_cache.get(key)
        if hit is None:
            hit = self._ds_cache[key] = self._resolve(ref)
        return hit

    def _resolve(self, ref: Any) -> DatasourceRef:
        r = reference(ref)
        if r.kind == "none":
            return DatasourceRef("none", type=r.type, display=r.type or "")
        if r.kind == "invalid":
            return DatasourceRef("invalid", display=repr(ref)[:60])
        if r.kind == "special":
            return DatasourceRef("special", type=r.type, special=r.special, display=r.name)
        var = r.var
        if var is not None:
            if var in self.ds_vars:
                return DatasourceRef(
                    "variable", type=r.type or self.ds_vars[var], var=var, is_ds_var=True, display=r.name
                )
            if var in self.inputs and var not in self.var_names:
                return DatasourceRef(
                    "input", type=r.type or self.inputs[var] or guess_type(var), var=var, display=r.name
                )
            return DatasourceRef("variable", type=r.type or guess_type(var), var=var, display=r.name)
        return DatasourceRef("fixed", type=r.type or guess_type(r.name), display=r.name)

    def panel_datasource(self, p: PanelRef) -> DatasourceRef:
        return self.resolve(p.panel.get("datasource"))

    def target_datasource(self, p: PanelRef, target: dict) -> DatasourceRef:
        own = target.get("datasource")
        if own is not None:
            ds = self.resolve(own)
            if ds.kind != "none" or ds.type is not None:
                return ds
        return self.panel_datasource(p)

    def ds_is_prometheus(self, ds: DatasourceRef) -> bool:
        """Whether queries on ``ds`` are PromQL. Unknown types count as Prometheus, except the
        default datasource of a dashboard whose datasource variables are all something else."""
        prom = self._ds_prom.get(ds)
        if prom is None:
            prom = self._ds_prom[ds] = self._ds_is_prometheus(ds)
        return prom

    def _ds_is_prometheus(self, ds: DatasourceRef) -> bool:
        if ds.kind in ("special", "invalid"):
            return False
        prom = ds.is_prometheus
        if prom is not None:
            return prom
        if (
            ds.kind == "none"
            and self.ds_vars
            and all(t is not None and t not in PROMETHEUS_TYPES for t in self.ds_vars.values())
        ):
            return False
        return True

    def target_is_promql(self, p: PanelRef, target: dict) -> bool:
        """Whether the target is a Prometheus query (non-Prometheus targets are skipped)."""
        ds = self.target_datasource(p, target)
        return _is_promql(ds, self.ds_is_prometheus(ds), target)

    # ------------------------------------------------------------- queries

    @cached_property
    def data_targets(self) -> list[tuple[PanelRef, DatasourceRef, list[tuple[dict, str, bool]]]]:
        """(panel, panel datasource, [(target, label, is PromQL), ...]) for every data panel, in
        panel order."""
        out = []
        last_ds: DatasourceRef | None = None
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


def _is_promql(ds: DatasourceRef, on_prometheus: bool, target: dict) -> bool:
    """target_is_promql for a target whose datasource is ``ds`` (``on_prometheus``: ds_is_prometheus(ds))."""
    if not on_prometheus:
        return False
    if ds.type is None:  # type unknown: decide from the target itself
        expr = target.get("expr")
        if not isinstance(expr, str) or re.search(_LOGQL, expr):
            return False
    return True
