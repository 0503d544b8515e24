"""Migration of dashboard JSON to current Grafana, the way Grafana does it when it loads one.

``migrate_dashboard(model)`` returns a :class:`Migrated` (the new model and notes);
``needs_migration(model)`` says whether it would change anything; ``angular_panels(model)``
(from :mod:`dashgen.dashboard.angular`, which lint uses too) lists the AngularJS panels.
See ``docs/migration.md``.
"""

from __future__ import annotations

from ..dashboard.angular import angular_panels
from .datasources import KnownDatasource
from .engine import TARGET_SCHEMA_VERSION, Migrated, migrate_dashboard, migrate_in_place, needs_migration
from .errors import MigrationError

__all__ = [
    "TARGET_SCHEMA_VERSION",
    "KnownDatasource",
    "Migrated",
    "MigrationError",
    "angular_panels",
    "migrate_dashboard",
    "migrate_in_place",
    "needs_migration",
]
