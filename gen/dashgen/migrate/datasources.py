"""Datasource names to ``{type, uid}`` references, as schemaVersion 33 and 36 do.

Grafana resolves a name against the datasources the instance has
(``migrateDatasourceNameToRef`` in ``DashboardMigrator.ts``, ported to
``apps/dashboard/pkg/migration/schemaversion/datasource_utils.go``). A migration that runs
without a Grafana knows only what it is told, so the datasources are a parameter
(:class:`KnownDatasource`); with none, the static facts of a dashboard still resolve:

- Grafana's built-in datasources (``-- Grafana --``, ``-- Mixed --``, ``-- Dashboard --``);
- an import placeholder ``${DS_X}`` declared in ``__inputs`` (its ``pluginId`` is the type);
- a datasource template variable (``$ds``, ``${ds}``, ``[[ds]]``): its ``query`` is the type;
- anything else becomes ``{"uid": name}``, Grafana's own "not found" form, which Grafana
  still resolves by name when the dashboard loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dashboard.variables import var_name_of
from ..dashboard.walk import dicts, templating_list


@dataclass(frozen=True)
class KnownDatasource:
    """A datasource of the Grafana the dashboard is for (name, uid, plugin type)."""

    name: str
    uid: str
    type: str
    default: bool = False

    def ref(self) -> dict[str, str]:
        return {"type": self.type, "uid": self.uid}


MIXED_UID = "-- Mixed --"
EXPRESSION_UID = "__expr__"

# Grafana's built-in datasources as its frontend settings list them (name -> ref).
BUILT_IN: dict[str, dict[str, str]] = {
    "-- Grafana --": {"type": "datasource", "uid": "grafana"},
    "grafana": {"type": "datasource", "uid": "grafana"},
    "-- Mixed --": {"type": "datasource", "uid": MIXED_UID},
    "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"},
}


class Resolver:
    """Turns datasource names into references for one dashboard."""

    def __init__(self, model: dict[str, Any], known: tuple[KnownDatasource, ...] = ()):
        self.known = known
        self.consulted = False  # whether ``known`` was read: other datasources could have resolved otherwise
        self.default = next((d for d in known if d.default), None)
        self.inputs = {
            i["name"]: i["pluginId"]
            for i in dicts(model.get("__inputs"))
            if isinstance(i.get("name"), str) and isinstance(i.get("pluginId"), str)
        }
        self.variable_types = {
            v["name"]: v["query"]
            for v in templating_list(model)
            if v.get("type") == "datasource"
            and isinstance(v.get("name"), str)
            and isinstance(v.get("query"), str)
            and v["query"]
        }

    def default_ref(self) -> dict[str, str] | None:
        self.consulted = True
        return self.default.ref() if self.default else None

    def lookup(self, name: str) -> dict[str, str] | None:
        """The reference for a name or uid, or None when nothing known matches."""
        self.consulted = True
        for ds in self.known:
            if name in (ds.name, ds.uid):
                return ds.ref()
        if name in BUILT_IN:
            return dict(BUILT_IN[name])
        var = var_name_of(name)
        if var is not None:
            if var in self.inputs:
                return {"type": self.inputs[var], "uid": name}
            if var in self.variable_types:
                return {"type": self.variable_types[var], "uid": name}
        return None

    def to_ref(self, name_or_ref: Any, *, default_as_null: bool) -> Any:
        """``migrateDatasourceNameToRef``: a reference for a string, null or ``"default"``.

        References (dicts) and values that are no name stay as they are. With
        ``default_as_null`` (schemaVersion 33, panels and targets) null and ``"default"``
        stay null; otherwise (schemaVersion 36) they become the default datasource when one
        is known, and stay null when none is.
        """
        if name_or_ref is None or name_or_ref == "default":
            return None if default_as_null else self.default_ref()
        if isinstance(name_or_ref, str):
            if name_or_ref == "":
                return {}
            return self.lookup(name_or_ref) or {"uid": name_or_ref}
        return name_or_ref  # a reference already, or something Grafana would not resolve either
