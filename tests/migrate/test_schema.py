"""The schema steps on real old dashboards: rows to the grid, datasource names to references,
variables, links, dashboard settings.

Debian's packaged dashboards (schemaVersion 12 to 22, on the grid already) cover datasource
variables and import placeholders, the built-in annotation datasource, variables and dashboard
settings. Legacy ``rows``, literal datasource names and old panel links are in no Debian
dashboard: those tests need the manifest corpus and skip without it.
"""

from __future__ import annotations

import copy

from dashgen.dashboard.walk import panel_dicts
from dashgen.migrate import TARGET_SCHEMA_VERSION, KnownDatasource, migrate_dashboard
from dashgen.migrate.grid import grid_height

from .real import DEBIAN, REDIS, REDIS_OLD, all_models, debian_missing, find, load, require_corpus

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"  # schemaVersion 14, legacy rows
DOCKPROM = "dockprom/docker_host.json"


def test_rows_become_row_panels_and_grid_positions_corpus():
    require_corpus()
    checked = 0
    for path, _, old in all_models():
        if not old.get("rows"):
            continue
        checked += 1
        new = migrate_dashboard(old).model
        assert "rows" not in new and new["schemaVersion"] == TARGET_SCHEMA_VERSION, path
        in_rows = [p for r in old["rows"] for p in r.get("panels") or []]
        placed = [p for p in panel_dicts(new) if p.get("type") != "row"]
        assert len(placed) == len([p for p in in_rows if not p.get("repeatPanelId")]) + len(old.get("panels") or [])
        for p in placed:
            pos = p["gridPos"]
            assert set(pos) == {"x", "y", "w", "h"} and 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, (path, pos)
            assert "span" not in p
        shown = any(r.get("collapse") or r.get("showTitle") or r.get("repeat") for r in old["rows"])
        rows = [p for p in new["panels"] if p.get("type") == "row"]
        assert len(rows) == (len([r for r in old["rows"] if not r.get("repeatIteration")]) if shown else 0), path
    assert checked >= 10


def test_panel_width_height_and_side_by_side_corpus():
    old = load(NODE_OLD)
    row = next(r for r in old["rows"] if len(r["panels"]) >= 2 and not r.get("collapse"))
    first, second = row["panels"][:2]
    new = migrate_dashboard(old).model
    a, b = find(new, first["id"])["gridPos"], find(new, second["id"])["gridPos"]
    assert a["w"] == int(first["span"]) * 2 and b["w"] == int(second["span"]) * 2  # 12 columns -> 24
    height = grid_height(first.get("height") or row.get("height") or 250)
    assert a["h"] == height
    if first["span"] + second["span"] <= 12:
        assert (b["x"], b["y"]) == (a["x"] + a["w"], a["y"])


def test_collapsed_rows_hold_their_panels_corpus():
    require_corpus()
    for path, _, old in all_models():
        collapsed = [r for r in old.get("rows") or [] if r.get("collapse") and r.get("panels")]
        if not collapsed:
            continue
        new = migrate_dashboard(old).model
        row_panels = [p for p in new["panels"] if p.get("type") == "row" and p.get("collapsed")]
        assert [len(p["panels"]) for p in row_panels] == [len(r["panels"]) for r in collapsed], path
        return
    raise AssertionError("no collapsed legacy row in the corpus")


def test_datasource_names_become_references_corpus():
    old = load(DOCKPROM)  # a literal name: no Debian dashboard has one
    names = {p.get("datasource") for p in panel_dicts(old)} - {None}
    assert names == {"Prometheus"}
    new = migrate_dashboard(old).model
    # nothing known: Grafana's own "not found" reference, which it still resolves by name
    assert {str(p.get("datasource")) for p in panel_dicts(new) if "datasource" in p} <= {str({"uid": "Prometheus"}),
                                                                                        "None"}
    known = [KnownDatasource("Prometheus", "prom-main", "prometheus", default=True)]
    new = migrate_dashboard(old, datasources=known).model
    for p in panel_dicts(new):
        if p.get("targets"):
            assert p["datasource"] == {"type": "prometheus", "uid": "prom-main"}, p.get("title")
            assert all(t["datasource"] == {"type": "prometheus", "uid": "prom-main"} for t in p["targets"])


def _typed_references(old):
    """(panel title, its datasource before, after) for every panel whose string datasource names an
    import placeholder or a datasource variable, in a dashboard older than schemaVersion 33."""
    if old.get("schemaVersion", 0) >= 33:
        return []  # names in newer dashboards stay: Grafana's step 33 does not run for them
    inputs = {i["name"]: i["pluginId"] for i in old.get("__inputs") or [] if i.get("type") == "datasource"}
    dsvars = {v["name"]: v["query"] for v in (old.get("templating") or {}).get("list") or []
              if v.get("type") == "datasource"}
    new = migrate_dashboard(old).model
    by_id = {p.get("id"): p for p in panel_dicts(new)}
    out = []
    for before in panel_dicts(old):
        ds = before.get("datasource")
        after = by_id.get(before.get("id"))
        if not isinstance(ds, str) or after is None or after.get("title") != before.get("title"):
            continue
        kind = inputs.get(ds.strip("${}")) or dsvars.get(ds.strip("${}"))
        if kind:
            out.append((before.get("title"), {"type": kind, "uid": ds}, after["datasource"]))
    return out


def test_import_placeholders_and_datasource_variables_type_their_references():
    if not DEBIAN:
        debian_missing()
    checked = 0
    for path, _, old in all_models():
        for title, expected, got in _typed_references(old):
            checked += 1
            assert got == expected, (path, title)
    # ceph's $datasource, the redis and smokeping exporters' ${DS_PROMETHEUS}, elasticsearch's $server
    assert checked >= 140  # Debian alone: 142


def test_builtin_annotation_datasource():
    checked = 0
    for _path, _, old in all_models():
        annotations = (old.get("annotations") or {}).get("list") or []
        if old.get("schemaVersion", 0) >= 36 or not any(a.get("datasource") == "-- Grafana --" for a in annotations):
            continue
        new = migrate_dashboard(old).model
        for before, after in zip(annotations, new["annotations"]["list"]):
            if before.get("datasource") == "-- Grafana --":
                checked += 1
                assert after["datasource"] == {"type": "datasource", "uid": "grafana"}
    assert checked >= 5


def test_variables_and_dashboard_settings():
    old = load(REDIS_OLD)  # schemaVersion 12
    new = migrate_dashboard(old).model
    assert [v["name"] for v in new["templating"]["list"]] == [v["name"] for v in old["templating"]["list"]]
    assert all(v["refresh"] in (1, 2) for v in new["templating"]["list"] if v["type"] == "query")
    assert all(not v.get("options") for v in new["templating"]["list"] if v["type"] == "query")
    assert "sharedCrosshair" in old and "sharedCrosshair" not in new
    assert new["graphTooltip"] == (1 if old["sharedCrosshair"] else 0)
    assert "time_options" in old["timepicker"] and "time_options" not in new["timepicker"]
    old = load(REDIS)  # schemaVersion 22, "refresh": false
    assert old["refresh"] is False
    assert migrate_dashboard(old).model["refresh"] == ""


def test_panel_links_corpus():
    overview = load("monitoring-mixins/overview.json")
    link = find(overview, 3)["links"][0]
    assert (link.get("dashboard"), link.get("keepTime"), link.get("includeVars")) == ("Thanos / Query", True, True)
    assert find(migrate_dashboard(overview).model, 3)["links"] == [
        {"url": "dashboard/db/thanos-query?$__url_time_range&$__all_variables", "title": "Thanos / Query"}]


def test_notes_name_what_was_migrated():
    notes = migrate_dashboard(load(REDIS_OLD)).notes
    assert notes[0] == f"schemaVersion 12 → {TARGET_SCHEMA_VERSION}"
    assert "panel 'Uptime' (id 9): singlestat → stat" in notes
    assert "panel 'Commands Executed / sec' (id 2): graph → timeseries" in notes


def test_the_input_is_not_modified():
    old = load(REDIS_OLD)
    before = copy.deepcopy(old)
    migrate_dashboard(old)
    assert old == before
    assert panel_dicts(old)
