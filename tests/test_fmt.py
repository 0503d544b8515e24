"""dashgen fmt through the real CLI: shapes, --check, --migrate, errors, and build's migration of JSON sources."""

from __future__ import annotations

import json
import os
import shutil
import stat as stat_module

import pytest
import yaml

import corpus_data
from dashgen.canonical import SCHEMA_VERSION, canonical, known_datasources
from dashgen.formats import dump_json, dump_yaml

REAL, ABSENT = corpus_data.real_dashboards()

DATASOURCES = """
    datasources = [
        {"name": "Prometheus", "type": "prometheus", "uid": "prometheus", "access": "proxy", "url": "http://p:9090"},
        {"name": "InfluxDB", "type": "influxdb", "uid": "influxdb", "access": "proxy", "url": "http://i:8086"},
    ]
"""

GRAPH = {"id": 1, "type": "graph", "title": "Requests", "description": "Requests per second.",
         "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "datasource": "$datasource",
         "yaxes": [{"format": "reqps", "show": True}, {"format": "short", "show": True}],
         "targets": [{"expr": "sum(rate(http_requests_total[$__rate_interval]))", "legendFormat": ""}]}


def export(*panels, uid="exported", **top):
    """A raw Grafana UI export: volatile keys, nulls, unsorted, old schema."""
    variables = [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}]
    return {"id": 12, "uid": uid, "title": "Exported", "version": 4, "iteration": 1700000000000, "gnetId": None,
            "schemaVersion": 27, "editable": False, "panels": list(panels or [GRAPH]),
            "templating": {"list": variables}, **top}


def save(project, rel, obj, *, as_yaml=False):
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(obj) if as_yaml else json.dumps(obj, indent=4), encoding="utf-8")
    return path


@pytest.fixture
def proj(project):
    project.write("dashboards/datasources.py", DATASOURCES)
    return project


def test_fmt_without_paths_formats_the_json_sources_and_only_those(proj):
    a = save(proj, "dashboards/apps/a.json", export(uid="a"))
    b = save(proj, "dashboards/apps/b.json", canonical(export(uid="b"), migrate=False))
    b.write_text(dump_json(json.loads(b.read_text())), encoding="utf-8")
    before_b, before_py = b.stat().st_mtime_ns, (proj.root / "dashboards/datasources.py").read_bytes()
    result = proj.run("fmt", "--check")
    assert result.code == 2 and "would reformat dashboards/apps/a.json" in result.out
    assert "1 file would be reformatted, 1 unchanged" in result.out
    assert json.loads(a.read_text())["id"] == 12  # --check writes nothing
    result = proj.run("fmt")
    assert result.code == 0 and "formatted dashboards/apps/a.json" in result.out
    model = json.loads(a.read_text())
    assert a.read_text() == dump_json(model)  # dashgen's writer
    assert not {"id", "version", "iteration", "gnetId"} & set(model) and model["schemaVersion"] == SCHEMA_VERSION
    assert model["panels"][0]["type"] == "graph"  # no --migrate: Angular panels stay, with a note
    assert "1 AngularJS panel left" in result.err and "dashgen fmt --migrate" in result.err
    assert b.stat().st_mtime_ns == before_b  # an unchanged file is not written
    assert (proj.root / "dashboards/datasources.py").read_bytes() == before_py
    assert proj.run("fmt", "--check").code == 0


def test_migrate_converts_angular_panels_and_says_what(proj):
    a = save(proj, "dashboards/apps/a.json", export(GRAPH, {**GRAPH, "id": 2, "type": "singlestat",
                                                             "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}}))
    result = proj.run("fmt", "--migrate")
    assert result.code == 0
    assert "(migrated 2 panels (graph → timeseries ×1, singlestat → stat ×1))" in result.out
    panels = json.loads(a.read_text())["panels"]
    assert [p["type"] for p in panels] == ["timeseries", "stat"]
    assert panels[0]["datasource"] == {"type": "prometheus", "uid": "$datasource"}  # a reference (schema step 33)
    assert panels[0]["fieldConfig"]["defaults"]["unit"] == "reqps"
    assert proj.run("fmt", "--check", "--migrate").code == 0 and proj.run("fmt", "--check").code == 0


def test_every_shape_is_written_back_as_that_shape(proj):
    model = export()
    api = save(proj, "in/api.json", {"dashboard": model, "meta": {"slug": "exported", "version": 4}})
    resource = save(proj, "in/resource.yaml", {"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard",
                                               "metadata": {"name": "exported"}, "spec": model}, as_yaml=True)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dash", "labels": {"grafana_dashboard": "1"}},
          "data": {"one.json": json.dumps(model), "two.json": json.dumps(export(uid="two")), "note.txt": "hi"}}
    configmap = save(proj, "in/cm.yaml", cm, as_yaml=True)
    cm_list = save(proj, "in/list.yaml", {"apiVersion": "v1", "kind": "ConfigMapList", "items": [cm]}, as_yaml=True)
    result = proj.run("fmt", "in")
    assert result.code == 0, result.err
    want = canonical(model, known_datasources([{"name": "Prometheus", "type": "prometheus", "uid": "prometheus"}]))
    got = json.loads(api.read_text())
    assert got["meta"] == {"slug": "exported", "version": 4} and got["dashboard"]["panels"][0]["type"] == "graph"
    assert got["dashboard"]["schemaVersion"] == SCHEMA_VERSION and "id" not in got["dashboard"]
    got = yaml.safe_load(resource.read_text())
    assert got["kind"] == "Dashboard" and got["metadata"] == {"name": "exported"}
    assert resource.read_text() == dump_yaml(got)
    got = yaml.safe_load(configmap.read_text())
    assert got["metadata"]["labels"] == {"grafana_dashboard": "1"} and got["data"]["note.txt"] == "hi"
    assert got["data"]["one.json"] == dump_json(want)
    assert json.loads(got["data"]["two.json"])["uid"] == "two"
    got = yaml.safe_load(cm_list.read_text())
    assert got["kind"] == "ConfigMapList" and got["items"][0]["data"]["one.json"] == dump_json(want)
    assert proj.run("fmt", "--check", "in").code == 0


def test_bad_input_is_one_line_naming_the_file_and_the_file_is_untouched(proj):
    broken = proj.write("dashboards/apps/broken.json", '{"title": "x", "panels": [}')
    inputs = save(proj, "dashboards/apps/loki.json", export(
        __inputs=[{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
        panels=[{**GRAPH, "datasource": "${DS_LOKI}"}]))
    refused = save(proj, "dashboards/apps/statusmap.json", export(
        {"id": 3, "type": "flant-statusmap-panel", "title": "Pods", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 0}}))
    good = save(proj, "dashboards/apps/good.json", export(uid="good"))
    before = {p: p.read_bytes() for p in (broken, inputs, refused)}
    result = proj.run("fmt", "--migrate")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 3 and len(result.err.splitlines()) == 3, result.err
    assert "error: dashboards/apps/broken.json:1: invalid JSON" in result.err
    assert "error: dashboards/apps/loki.json: input 'DS_LOKI' (__inputs) needs a datasource of type 'loki'" in result.err
    assert "error: dashboards/apps/statusmap.json: panel 'Pods' (id 3): 'flant-statusmap-panel'" in result.err
    assert {p: p.read_bytes() for p in before} == before
    assert "formatted dashboards/apps/good.json" in result.out  # the others are still formatted
    assert "id" not in json.loads(good.read_text())
    assert "Traceback" not in result.err


def test_paths_directories_skip_what_is_no_dashboard_but_a_named_one_is_an_error(proj):
    save(proj, "in/package.json", {"name": "x", "version": "1.0.0"})
    save(proj, "in/board.json", export())
    result = proj.run("fmt", "-o", "json", "in")
    doc = json.loads(result.out)
    assert result.code == 0 and doc["skipped"] == ["in/package.json"] and doc["changed"] == 1
    assert doc["files"] == [{"path": "in/board.json", "changed": True, "error": "", "migrated": "",
                             "angular_panels": 1, "line": None}]
    result = proj.run("fmt", "in/package.json", "dashgen.yaml")
    assert result.code == 1 and "in/package.json: holds no dashboard" in result.err
    assert "dashgen.yaml: not a JSON or YAML file" not in result.err  # .yaml is read, and holds no dashboard


def test_writes_are_atomic_and_keep_the_files_mode(proj):
    path = save(proj, "dashboards/apps/a.json", export())
    os.chmod(path, 0o640)
    assert proj.run("fmt").code == 0
    assert stat_module.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]  # no temporary file left behind


def test_the_pre_commit_hook_runs_fmt_check():
    hooks = {h["id"]: h for h in yaml.safe_load(open(corpus_data.TESTS.parent / ".pre-commit-hooks.yaml"))}
    hook = hooks["dashgen-fmt-check"]
    assert hook["entry"] == "dashgen fmt --check" and hook["pass_filenames"] is False
    assert hook["language"] == "python" and "json" in hook["files"]


# ------------------------------------------------------------------ build and JSON sources


def test_build_migrates_json_sources_with_one_warning_and_never_touches_them(proj):
    source = save(proj, "dashboards/apps/a.json", export(GRAPH, {**GRAPH, "id": 2, "gridPos": {"h": 8, "w": 12,
                                                                                               "x": 12, "y": 0}}))
    before = source.read_bytes()
    result = proj.run("build")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "migrated" in line]
    assert warnings == ["warning: dashboards/apps/a.json: migrated 2 panels (graph → timeseries ×2); "
                        "run `dashgen fmt --migrate` to commit the migration"]
    built = json.loads((proj.root / "provisioning/dashboards/Apps/exported.json").read_text())
    assert [p["type"] for p in built["panels"]] == ["timeseries", "timeseries"]
    assert source.read_bytes() == before
    # After fmt --migrate the source is what build renders, and build has nothing to say about it.
    assert proj.run("fmt", "--migrate").code == 0
    assert json.loads(source.read_text()) == built
    assert "migrated" not in proj.run("build").err


def test_migrate_false_in_the_config_leaves_angular_panels_to_lint(proj):
    proj.write("dashgen.yaml", "migrate: false\n")
    save(proj, "dashboards/apps/a.json", export())
    result = proj.run("build")
    assert result.code == 1 and "panel-angular-rule" in result.err and "migrated" not in result.err


def test_a_python_source_is_never_migrated(proj):
    proj.write("dashboards/apps/old.py", """
        from grafanalib.core import Dashboard, Graph, GridPos, Target
        dashboard = Dashboard(title="Old", uid="old", panels=[
            Graph(title="CPU", targets=[Target(expr="up")], gridPos=GridPos(h=8, w=12, x=0, y=0))])
    """)
    result = proj.run("build")
    assert result.code == 1 and "panel-angular-rule" in result.err and "migrated" not in result.err


# ------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("dashboard", REAL, ids=[d.id for d in REAL])
def test_fmt_check_fails_on_the_raw_file_and_passes_on_fmt_output(proj, dashboard):
    path = proj.root / "in" / dashboard.path.name
    path.parent.mkdir()
    shutil.copyfile(dashboard.path, path)
    rel = f"in/{path.name}"
    raw = path.read_bytes()
    result = proj.run("fmt", "--check", rel)
    assert result.code == 2, result.err
    assert path.read_bytes() == raw
    for flags in ((), ("--migrate",)):
        assert proj.run("fmt", *flags, rel).code == 0
        once = path.read_bytes()
        assert proj.run("fmt", "--check", *flags, rel).code == 0
        assert proj.run("fmt", *flags, rel).code == 0 and path.read_bytes() == once  # idempotent
