"""Datasource references in dashboard JSON: what a panel's, target's or variable's
``datasource`` names, and what plugin type that is.

A reference is ``null`` (the default datasource), a name or uid string (older dashboards),
or ``{type, uid}``; the uid may be a variable (``${datasource}``), an import placeholder
(``${DS_PROMETHEUS}``) or one of Grafana's pseudo datasources (-- Grafana --, -- Mixed --,
-- Dashboard --). :func:`reference` reads what the JSON says; :class:`~.view.DashboardView`
resolves it against the dashboard's variables and inputs; verify resolves it against the
datasources it was given. Plugin types are compared in lower case: Grafana finds a
datasource by its uid, so a reference typed "Prometheus" still queries Prometheus.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .variables import var_name_of

PROMETHEUS_TYPES: frozenset[str] = frozenset(
    {"prometheus", "grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource"}
)
# Built-in pseudo datasources: name or uid -> kind.
SPECIAL_DATASOURCES: dict[str, str] = {
    "-- grafana --": "grafana",
    "grafana": "grafana",
    "-- mixed --": "mixed",
    "-- dashboard --": "dashboard",
}
# When only a datasource *name* is known, guess its type from the name.
DATASOURCE_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("loki", "loki"),
    ("elastic", "elasticsearch"),
    ("opensearch", "grafana-opensearch-datasource"),
    ("influx", "influxdb"),
    ("tempo", "tempo"),
    ("jaeger", "jaeger"),
    ("zipkin", "zipkin"),
    ("testdata", "grafana-testdata-datasource"),
    ("graphite", "graphite"),
    ("mysql", "mysql"),
    ("postgres", "grafana-postgresql-datasource"),
    ("mssql", "mssql"),
    ("cloudwatch", "cloudwatch"),
    ("pyroscope", "grafana-pyroscope-datasource"),
    ("alertmanager", "alertmanager"),
    ("victoria", "victoriametrics-datasource"),
    ("prom", "prometheus"),
    ("mimir", "prometheus"),
    ("thanos", "prometheus"),
    ("cortex", "prometheus"),
)


def plugin_type(value: Any) -> str | None:
    """A plugin type as Grafana's plugin ids are written (lower case), None when not a non-blank string."""
    return value.strip().lower() or None if isinstance(value, str) else None


def guess_type(name: str) -> str | None:
    """The plugin type a datasource name suggests ("loki-prod" -> loki), None when it suggests none."""
    low = name.lower()
    for hint, plugin in DATASOURCE_NAME_HINTS:
        if hint in low:
            return plugin
    return None


class Reference(NamedTuple):
    """What a ``datasource`` value says, before anything else is known.

    kind: "none" (null, missing or blank: the default datasource), "special" (a pseudo
    datasource), "variable" (exactly one variable reference), "name" (a literal name or uid),
    "invalid" (a value of the wrong JSON type).
    """

    kind: str
    name: str = ""  # the uid or name, stripped ("" for none and invalid)
    type: str | None = None  # the declared plugin type, lower case
    special: str | None = None  # "grafana" | "mixed" | "dashboard"
    var: str | None = None  # kind "variable": the variable's name


def reference(ref: Any) -> Reference:
    """Read a ``datasource`` value: a string, ``{type, uid}``, or null."""
    if ref is None:
        return Reference("none")
    if isinstance(ref, str):
        return _named(ref, None)
    if not isinstance(ref, dict):
        return Reference("invalid")
    type_ = plugin_type(ref.get("type"))
    uid = ref.get("uid")
    if isinstance(uid, str) and uid.strip():
        return _named(uid, type_)
    if uid is not None and not isinstance(uid, str):
        return Reference("invalid", type=type_)
    return Reference("none", type=type_)


def _named(s: str, type_: str | None) -> Reference:
    s = s.strip()
    if not s:
        return Reference("none", type=type_)
    special = SPECIAL_DATASOURCES.get(s.lower())
    # A datasource whose uid happens to be "grafana" but whose type says otherwise is not the built-in one.
    if special is not None and (type_ in (None, "datasource", "grafana") or s.lower() != "grafana"):
        return Reference("special", s, type_, special=special)
    var = var_name_of(s)
    if var is not None:
        return Reference("variable", s, type_, var=var)
    return Reference("name", s, type_)
