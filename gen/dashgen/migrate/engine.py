"""``migrate_dashboard``: a dashboard's JSON as Grafana 12 saves it after loading it.

Two stages, in Grafana 12's order: the schema steps from the dashboard's ``schemaVersion`` to
:data:`TARGET_SCHEMA_VERSION` (:mod:`.schema`), then every AngularJS panel converted to its
React replacement (:mod:`.panels`). Pure: the input is not modified, the same input gives
the same output, and migrating the output again changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..dashboard.angular import ANGULAR_PANELS, angular_panels, is_angular
from ..dashboard.walk import library_models, panel_dicts, schema_version
from .datasources import KnownDatasource, Resolver
from .errors import MigrationError, label
from .panels import CONVERTERS
from .schema import STEPS, TARGET_SCHEMA_VERSION, Context


@dataclass
class Migrated:
    """The migrated dashboard and one human-readable line per thing the migration did."""

    model: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    reads_datasources: bool = False  # a step read the datasources: others could have given another model

    @property
    def changed(self) -> bool:
        return bool(self.notes)


def _refusal(panel: dict[str, Any]) -> str:
    kind = panel.get("type")
    info = ANGULAR_PANELS.get(kind) if isinstance(kind, str) else None
    fix = f"; replace it with {info.replacement}" if info else ""
    version = (
        f" {panel['pluginVersion']}"
        if isinstance(panel.get("pluginVersion"), str) and info and info.react_since
        else ""
    )
    return (
        f"{label(panel)}: '{kind}'{version} is an AngularJS panel Grafana 12 cannot show and dashgen "
        f"cannot migrate{fix}"
    )


def _convert_panels(model: dict[str, Any], ctx: Context) -> None:
    panels = [*panel_dicts(model), *library_models(model)]
    refused = [p for p in panels if is_angular(p, TARGET_SCHEMA_VERSION) and p.get("type") not in CONVERTERS]
    if refused:
        lines = [_refusal(p) for p in refused]
        raise MigrationError("; ".join(lines), panels=[label(p) for p in refused])
    annotations = []
    for panel in panels:
        if not is_angular(panel, TARGET_SCHEMA_VERSION):
            continue
        old_type: str = panel["type"]  # is_angular: a string
        converted = CONVERTERS[old_type](panel)
        ctx.notes.append(f"{label(panel)}: {old_type} → {converted.panel['type']}")
        ctx.notes.extend(converted.notes)
        annotations.extend(converted.annotations)
        panel.clear()
        panel.update(converted.panel)
    if annotations:
        holder = model.get("annotations")
        if not isinstance(holder, dict):
            holder = model["annotations"] = {}
        if not isinstance(holder.get("list"), list):
            holder["list"] = []
        holder["list"].extend(annotations)


def migrate_dashboard(model: Any, datasources: Iterable[KnownDatasource] = (), *, panels: bool = True) -> Migrated:
    """Migrate a dashboard's plain JSON to schemaVersion :data:`TARGET_SCHEMA_VERSION` with
    no AngularJS panel left.

    ``datasources`` are the datasources of the Grafana the dashboard is for; with them,
    datasource names resolve to their uid and type and null datasources to the default one
    (schemaVersion 33/36). Without them, names resolve as far as the dashboard itself
    tells (see :mod:`dashgen.migrate.datasources`).

    ``panels=False`` runs the schema steps only and leaves AngularJS panels as they are
    (``dashgen fmt`` without ``--migrate``: Grafana 12's backend does the same).

    Raises :class:`MigrationError` when the input is not a JSON object or has an AngularJS
    panel that has no migration (naming every such panel); nothing else.
    """
    if not isinstance(model, dict):
        raise MigrationError(f"a dashboard is a JSON object, not {type(model).__name__}")
    return migrate_in_place(_copy(model), datasources, panels=panels)


def migrate_in_place(
    model: dict[str, Any], datasources: Iterable[KnownDatasource] = (), *, panels: bool = True
) -> Migrated:
    """:func:`migrate_dashboard` on ``model`` itself, for a caller that holds its own copy
    (the canonical form copies every dashboard once already; a deep copy more costs a third
    of its time). The returned model is ``model``."""
    original_version = model.get("schemaVersion", "missing")
    ctx = Context(Resolver(model, tuple(datasources)))
    version = schema_version(model)
    if version < TARGET_SCHEMA_VERSION:
        for step in sorted(STEPS):
            if version < step <= TARGET_SCHEMA_VERSION:
                STEPS[step](model, ctx)
        model["schemaVersion"] = TARGET_SCHEMA_VERSION
        ctx.notes.insert(0, f"schemaVersion {original_version} → {TARGET_SCHEMA_VERSION}")
    if panels:
        _convert_panels(model, ctx)
    return Migrated(model, ctx.notes, ctx.resolver.consulted)


def _copy(value: Any) -> Any:
    """A deep copy of JSON data, three times as fast as ``copy.deepcopy`` (no memo: JSON
    read from text shares no objects); anything but dicts, lists and scalars is deep-copied."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def needs_migration(model: Any) -> bool:
    """Whether :func:`migrate_dashboard` would change ``model``."""
    if not isinstance(model, dict):
        return False
    return schema_version(model) < TARGET_SCHEMA_VERSION or bool(angular_panels(model))
