"""Every real dashboard, migrated: what must survive does, and nothing Angular is left.

Parametrized over ``corpus_data.real_dashboards()``: Debian's packaged dashboards always (CI
too), the manifest corpus when it is on this machine.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

import corpus_data
from dashgen.dashboard.walk import panel_dicts, schema_version, templating_list
from dashgen.migrate import TARGET_SCHEMA_VERSION, angular_panels, migrate_dashboard, needs_migration

from .real import DEBIAN, FOUND, REDIS_OLD, debian_missing, models, require_corpus

# Query text fields of the datasources the corpus holds (Prometheus/Loki expr, SQL, Graphite
# target, InfluxQL query, Elasticsearch query, expressions).
QUERY_FIELDS = ("expr", "rawSql", "query", "target", "expression")


def _panels(model):
    """Non-row panels, without the repeat clones Grafana regenerates (schemaVersion 27 drops them)."""
    return [p for p in panel_dicts(model) if p.get("type") != "row" and not p.get("repeatPanelId")
            and not p.get("repeatByRow")]


def _queries(model):
    return Counter((k, json.dumps(t[k], sort_keys=True)) for p in _panels(model)
                   for t in p.get("targets") or [] if isinstance(t, dict) for k in QUERY_FIELDS if k in t)


def test_debian_dashboards_are_here():
    """The part every machine has: without it the tests below run on nothing (CI fails here)."""
    if not DEBIAN:
        debian_missing()
    assert len(DEBIAN) == sum(len(paths) for _, paths in corpus_data.DEBIAN_DASHBOARDS.values())


@pytest.mark.parametrize("dashboard_id", [d.id for d in FOUND])
def test_migration_keeps_what_matters(dashboard_id):
    for old in models(dashboard_id):
        result = migrate_dashboard(old)
        new = result.model
        assert new["schemaVersion"] == max(TARGET_SCHEMA_VERSION, schema_version(old))
        assert angular_panels(new) == []
        assert not needs_migration(new)
        assert (new.get("uid"), new.get("title")) == (old.get("uid"), old.get("title"))
        assert len(_panels(new)) == len(_panels(old))
        assert Counter(p.get("title") for p in _panels(new)) == Counter(p.get("title") for p in _panels(old))
        assert _queries(new) == _queries(old)
        assert [(v.get("name"), v.get("query")) for v in templating_list(new)] == \
            [(v.get("name"), v.get("query")) for v in templating_list(old)]
        positions = {p.get("id"): p.get("gridPos") for p in _panels(new)}
        for p in _panels(old):
            if "gridPos" in p and not old.get("rows"):
                assert positions[p.get("id")] == p["gridPos"], p.get("title")  # gridPos survives
        if old.get("rows"):
            assert all(isinstance(pos, dict) for pos in positions.values())  # legacy rows get a grid
        again = migrate_dashboard(new)
        assert again.model == new and again.notes == []  # idempotent
        assert json.loads(json.dumps(new, allow_nan=False)) == new  # plain JSON
        assert bool(result.notes) == needs_migration(old)


def _exercised(olds):
    return Counter(p.get("type") for m in olds for p in angular_panels(m))


def test_debian_dashboards_exercise_the_migration():
    """What CI migrates: graph, singlestat, the old table with styles, the Angular pie chart, and
    schemaVersions from before the Angular table (24) down to 12."""
    if not DEBIAN:
        debian_missing()
    olds = [m for d in DEBIAN for m in models(d.id)]
    kinds = _exercised(olds)
    assert kinds["graph"] >= 80 and kinds["singlestat"] >= 40
    assert kinds["table"] >= 5 and kinds["grafana-piechart-panel"] >= 1
    assert min(schema_version(m) for m in olds) == 12 and max(schema_version(m) for m in olds) < 24


def test_the_corpus_exercises_the_migration():
    """With the manifest corpus: more of each, legacy rows, table-old and the discrete panel."""
    require_corpus()
    olds = [m for d in FOUND for m in models(d.id)]
    kinds = _exercised(olds)
    assert kinds["graph"] >= 100 and kinds["singlestat"] >= 50
    assert kinds["table"] + kinds["table-old"] >= 5
    assert kinds["grafana-piechart-panel"] >= 1 and kinds["natel-discrete-panel"] >= 1
    assert sum(1 for m in olds if m.get("rows")) >= 10


@pytest.mark.parametrize("dashboard_id", [REDIS_OLD, "rfmoz-grafana-dashboards/node-exporter-full-old.json"])
def test_deterministic(dashboard_id):
    """The oldest Debian dashboard (schemaVersion 12), and a legacy rows layout from the corpus."""
    first = json.dumps(migrate_dashboard(models(dashboard_id)[0]).model, sort_keys=True)
    assert all(json.dumps(migrate_dashboard(models(dashboard_id)[0]).model, sort_keys=True) == first
               for _ in range(3))
