"""Every dashboard of the corpus, migrated: what must survive does, and nothing Angular is left."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import corpus_data
from dashgen.migrate import TARGET_SCHEMA_VERSION, angular_panels, migrate_dashboard, needs_migration
from dashgen.migrate.walk import all_panels, schema_version, variables

from .real import models

# Query text fields of the datasources the corpus holds (Prometheus/Loki expr, SQL, Graphite
# target, InfluxQL query, Elasticsearch query, expressions).
QUERY_FIELDS = ("expr", "rawSql", "query", "target", "expression")
ENTRIES = corpus_data.entries()


def _panels(model):
    """Non-row panels, without the repeat clones Grafana regenerates (schemaVersion 27 drops them)."""
    return [p for p in all_panels(model) if p.get("type") != "row" and not p.get("repeatPanelId")
            and not p.get("repeatByRow")]


def _queries(model):
    return Counter((k, json.dumps(t[k], sort_keys=True)) for p in _panels(model)
                   for t in p.get("targets") or [] if isinstance(t, dict) for k in QUERY_FIELDS if k in t)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.path for e in ENTRIES])
def test_migration_keeps_what_matters(entry):
    for old in models(entry.path):
        result = migrate_dashboard(old)
        new = result.model
        assert new["schemaVersion"] == max(TARGET_SCHEMA_VERSION, schema_version(old))
        assert angular_panels(new) == []
        assert not needs_migration(new)
        assert (new.get("uid"), new.get("title")) == (old.get("uid"), old.get("title"))
        assert len(_panels(new)) == len(_panels(old))
        assert Counter(p.get("title") for p in _panels(new)) == Counter(p.get("title") for p in _panels(old))
        assert _queries(new) == _queries(old)
        assert [(v.get("name"), v.get("query")) for v in variables(new)] == \
            [(v.get("name"), v.get("query")) for v in variables(old)]
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


def test_the_corpus_exercises_the_migration():
    """The corpus holds what these tests claim to cover: old schemas, legacy rows, Angular panels."""
    olds = [m for e in ENTRIES for m in models(e.path)]
    kinds = Counter(p.get("type") for m in olds for p in angular_panels(m))
    assert kinds["graph"] >= 100 and kinds["singlestat"] >= 50
    assert kinds["table"] + kinds["table-old"] >= 5
    assert kinds["grafana-piechart-panel"] >= 1 and kinds["natel-discrete-panel"] >= 1
    assert sum(1 for m in olds if m.get("rows")) >= 10


def test_deterministic():
    entry = next(e for e in ENTRIES if e.rows_layout)
    first = json.dumps(migrate_dashboard(models(entry.path)[0]).model, sort_keys=True)
    assert all(json.dumps(migrate_dashboard(models(entry.path)[0]).model, sort_keys=True) == first
               for _ in range(3))
