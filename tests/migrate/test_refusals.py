"""Angular panels dashgen cannot migrate are an error naming the panel; never a silent drop."""

from __future__ import annotations

import pytest

from dashgen.errors import DashgenError
from dashgen.migrate import MigrationError, angular_panels, migrate_dashboard, needs_migration

from .real import REDIS_OLD, find, load


def test_an_angular_plugin_without_migration_is_refused_by_name():
    model = load(REDIS_OLD)
    find(model, 9)["type"] = "vonage-status-panel"
    find(model, 12)["type"] = "flant-statusmap-panel"
    with pytest.raises(MigrationError) as err:
        migrate_dashboard(model)
    text = str(err.value)
    assert "panel 'Uptime' (id 9): 'vonage-status-panel' is an AngularJS panel Grafana 12 cannot show" in text
    assert "panel 'Clients' (id 12): 'flant-statusmap-panel'" in text
    assert "replace it with" in text
    assert sorted(err.value.panels) == ["panel 'Clients' (id 12)", "panel 'Uptime' (id 9)"]
    assert isinstance(err.value, DashgenError)


def test_plugins_that_became_react_are_refused_only_in_old_versions():
    model = load(REDIS_OLD)
    panel = find(model, 9)
    panel.update(type="grafana-polystat-panel", pluginVersion="1.2.8")
    with pytest.raises(MigrationError, match=r"'grafana-polystat-panel' 1\.2\.8"):
        migrate_dashboard(model)
    panel["pluginVersion"] = "v1.2.8"  # as some exports write it: the same version
    with pytest.raises(MigrationError, match=r"'grafana-polystat-panel' v1\.2\.8"):
        migrate_dashboard(model)
    panel["pluginVersion"] = "2.1.4"
    assert find(migrate_dashboard(model).model, 9)["type"] == "grafana-polystat-panel"


def test_unknown_panel_types_are_not_angular_and_are_kept():
    model = load(REDIS_OLD)
    find(model, 9)["type"] = "acme-custom-panel"
    assert find(migrate_dashboard(model).model, 9)["type"] == "acme-custom-panel"


def test_angular_panels_and_needs_migration():
    model = load(REDIS_OLD)
    assert {p["type"] for p in angular_panels(model)} == {"graph", "singlestat"}
    assert needs_migration(model)
    new = migrate_dashboard(model).model
    assert angular_panels(new) == [] and not needs_migration(new)
    assert not needs_migration("not a dashboard") and angular_panels(None) == []


def test_not_an_object():
    for value in ([], "x", 3, None):
        with pytest.raises(MigrationError, match="a dashboard is a JSON object"):
            migrate_dashboard(value)
