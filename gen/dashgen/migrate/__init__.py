"""Migration of dashboard JSON to current Grafana, the way Grafana does it when it loads one.

``migrate_dashboard(model)`` returns a :class:`Migrated` (the new model and notes);
``needs_migration(model)`` and ``angular_panels(model)`` are cheap checks for lint.
See ``docs/migration.md``.
"""

from __future__ import annotations

from .angular import angular_panels, needs_migration
from .datasources import KnownDatasource
from .engine import TARGET_SCHEMA_VERSION, Migrated, migrate_dashboard
from .errors import MigrationError

__all__ = [
    "TARGET_SCHEMA_VERSION",
    "KnownDatasource",
    "Migrated",
    "MigrationError",
    "angular_panels",
    "migrate_dashboard",
    "needs_migration",
]
