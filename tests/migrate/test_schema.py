"""The schema steps on real old dashboards from the corpus: rows to the grid, datasource names
to references, variables, links, dashboard settings."""

from __future__ import annotations

import copy

from dashgen.migrate import TARGET_SCHEMA_VERSION, KnownDatasource, migrate_dashboard
from dashgen.migrate.grid import grid_height
from dashgen.migrate.walk import all_panels, top_panels

from .real import all_models, find, load

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"  # schemaVersion 14, legacy rows
DOCKPROM = "dockprom/docker_host.json"


def test_rows_become_row_panels_and_grid_positions():
    checked = 0
    for path, _, old in all_models():
        if not old.get("rows"):
            continue
        checked += 1
        new = migrate_dashboard(old).model
        assert "rows" not in new and new["schemaVersion"] == TARGET_SCHEMA_VERSION, path
        in_rows = [p for r in old["rows"] for p in r.get("panels") or []]
        placed = [p for p in all_panels(new) if p.get("type") != "row"]
        assert len(placed) == len([p for p in in_rows if not p.get("repeatPanelId")]) + len(old.get("panels") or [])
        for p in placed:
            pos = p["gridPos"]
            assert set(pos) == {"x", "y", "w", "h"} and 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, (path, pos)
            assert "span" not in p
        shown = any(r.get("collapse") or r.get("showTitle") or r.get("repeat") for r in old["rows"])
        rows = [p for p in new["panels"] if p.get("type") == "row"]
        assert len(rows) == (len([r for r in old["rows"] if not r.get("repeatIteration")]) if shown else 0), path
    assert checked >= 10


def test_panel_width_height_and_side_by_side():
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


def test_collapsed_rows_hold_their_panels():
    for path, _, old in all_models():
        collapsed = [r for r in old.get("rows") or [] if r.get("collapse") and r.get("panels")]
        if not collapsed:
            continue
        new = migrate_dashboard(old).model
        row_panels = [p for p in new["panels"] if p.get("type") == "row" and p.get("collapsed")]
        assert [len(p["panels"]) for p in row_panels] == [len(r["panels"]) for r in collapsed], path
        return
    raise AssertionError("no collapsed legacy row in the corpus")


def test_datasource_names_become_references():
    old = load(DOCKPROM)
    names = {p.get("datasource") for p in all_panels(old)} - {None}
    assert names == {"Prometheus"}
    new = migrate_dashboard(old).model
    # nothing known: Grafana's own "not found" reference, which it still resolves by name
    assert {str(p.get("datasource")) for p in all_panels(new) if "datasource" in p} <= {str({"uid": "Prometheus"}),
                                                                                        "None"}
    known = [KnownDatasource("Prometheus", "prom-main", "prometheus", default=True)]
    new = migrate_dashboard(old, datasources=known).model
    for p in all_panels(new):
        if p.get("targets"):
            assert p["datasource"] == {"type": "prometheus", "uid": "prom-main"}, p.get("title")
            assert all(t["datasource"] == {"type": "prometheus", "uid": "prom-main"} for t in p["targets"])


def test_import_placeholders_and_datasource_variables_type_their_references():
    checked = 0
    for path, _, old in all_models():
        if old.get("schemaVersion", 0) >= 33:
            continue  # names in newer dashboards stay: Grafana's step 33 does not run for them
        inputs = {i["name"]: i["pluginId"] for i in old.get("__inputs") or [] if i.get("type") == "datasource"}
        dsvars = {v["name"]: v["query"] for v in (old.get("templating") or {}).get("list") or []
                  if v.get("type") == "datasource"}
        new = migrate_dashboard(old).model
        by_id = {p.get("id"): p for p in all_panels(new)}
        for before in all_panels(old):
            ds = before.get("datasource")
            after = by_id.get(before.get("id"))
            if not isinstance(ds, str) or after is None or after.get("title") != before.get("title"):
                continue
            name = ds.strip("${}")
            kind = inputs.get(name) or dsvars.get(name)
            if kind:
                checked += 1
                assert after["datasource"] == {"type": kind, "uid": ds}, (path, before.get("title"))
    assert checked >= 100


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


def test_variables_links_and_dashboard_settings():
    old = load(NODE_OLD)
    new = migrate_dashboard(old).model
    assert [v["name"] for v in new["templating"]["list"]] == [v["name"] for v in old["templating"]["list"]]
    assert all(v["refresh"] in (1, 2) for v in new["templating"]["list"] if v["type"] == "query")
    assert all(not v.get("options") for v in new["templating"]["list"] if v["type"] == "query")
    assert "graphTooltip" in new and "sharedCrosshair" not in new
    assert isinstance(new["refresh"], str)
    overview = load("monitoring-mixins/overview.json")
    link = find(overview, 3)["links"][0]
    assert (link.get("dashboard"), link.get("keepTime"), link.get("includeVars")) == ("Thanos / Query", True, True)
    assert find(migrate_dashboard(overview).model, 3)["links"] == [
        {"url": "dashboard/db/thanos-query?$__url_time_range&$__all_variables", "title": "Thanos / Query"}]


def test_notes_name_what_was_migrated():
    notes = migrate_dashboard(load(NODE_OLD)).notes
    assert notes[0] == f"schemaVersion 14 → {TARGET_SCHEMA_VERSION}"
    assert "panel 'CPU Busy' (id 20): singlestat → stat" in notes


def test_the_input_is_not_modified():
    old = load(NODE_OLD)
    before = copy.deepcopy(old)
    migrate_dashboard(old)
    assert old == before
    assert top_panels(old)
