"""Grafana template variables: references in text, the built-ins, and what a variable queries.

Everything that needs to know how Grafana spells and scopes a variable takes it from here:
lint's undefined-variable rule, PromQL substitution (``promql.py``), verify's interpolation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .walk import PanelRef, as_dict

# Grafana's variableRegex (public/app/features/variables/utils.ts), ASCII \w like JavaScript.
VAR_RE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}",
    re.ASCII,
)

# Grafana global variables valid anywhere a variable can be used.
GLOBAL_VARIABLES: frozenset[str] = frozenset(
    {
        "__interval",
        "__interval_ms",
        "__rate_interval",
        "__rate_interval_ms",
        "__range",
        "__range_s",
        "__range_ms",
        "__auto",
        "__from",
        "__to",
        "__now",
        "__dashboard",
        "__name",
        "__org",
        "__user",
        "__timezone",
    }
)
# Only meaningful in links / data links.
LINK_VARIABLES: frozenset[str] = frozenset(
    {"__all_variables", "__url_time_range", "__url", "__field", "__series", "__value", "__data", "__cell"}
)
# Only in the query of a query variable.
VARIABLE_QUERY_VARIABLES: frozenset[str] = frozenset({"__searchFilter"})
# Legacy InfluxQL macros (non-Prometheus targets only).
NON_PROM_MACROS: frozenset[str] = frozenset({"timeFilter", "interval"})

# Grafana built-ins by value type, for PromQL substitution.
DURATION_BUILTINS: frozenset[str] = frozenset({"__interval", "__rate_interval", "__range", "__auto"})
NUMBER_BUILTINS: frozenset[str] = frozenset(
    {"__interval_ms", "__rate_interval_ms", "__range_s", "__range_ms", "__from", "__to", "__now", "__org"}
)


class VarRef(NamedTuple):
    name: str
    path: str | None  # ${var.path}
    fmt: str | None  # ${var:fmt} / [[var:fmt]]
    start: int
    end: int
    raw: str


@lru_cache(maxsize=1024)
def find_vars(s: str) -> tuple[VarRef, ...]:
    """Every variable reference in ``s``, in order."""
    if "$" not in s and "[[" not in s:
        return ()
    out = []
    for m in VAR_RE.finditer(s):
        if m.group(1) is not None:
            out.append(VarRef(m.group(1), None, None, m.start(), m.end(), m.group(0)))
        elif m.group(2) is not None:
            out.append(VarRef(m.group(2), None, m.group(3), m.start(), m.end(), m.group(0)))
        else:
            out.append(VarRef(m.group(4), m.group(5), m.group(6), m.start(), m.end(), m.group(0)))
    return tuple(out)


def var_name_of(ref: object) -> str | None:
    """The variable named by a string that is exactly one variable reference ($x, ${x:fmt}, [[x]])."""
    if not isinstance(ref, str):
        return None
    s = ref.strip()
    refs = find_vars(s)
    if len(refs) == 1 and refs[0].start == 0 and refs[0].end == len(s):
        return refs[0].name
    return None


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


def variable_text(v: dict) -> str:
    """What the variable runs: its query, else the saved ``definition`` (the editor's text), else ""."""
    q = variable_query(v)
    if q is None or not q.strip():
        definition = v.get("definition")
        q = definition if isinstance(definition, str) else ""
    return q or ""


def panel_scoped_vars(p: PanelRef) -> frozenset[str] | set[str]:
    """Variables a repeated panel (or its row) defines for itself through ``scopedVars``."""
    if "scopedVars" not in p.panel and (p.row is None or "scopedVars" not in p.row.panel):
        return frozenset()
    names = set(as_dict(p.panel.get("scopedVars")).keys())
    if p.row is not None:
        names |= set(as_dict(p.row.panel.get("scopedVars")).keys())
    return {n for n in names if isinstance(n, str)}


def cache_clear() -> None:
    find_vars.cache_clear()
