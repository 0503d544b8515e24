"""``dashgen import``: files and directories in, modules under dashboards/ out, nothing on error."""

from __future__ import annotations

import json

from dashgen.canonical import canonical as canonical_form
from dashgen.lint import lint_dashboard
from dashgen.pycode.module import build, canonical, reachable

DS = {"type": "prometheus", "uid": "${datasource}"}


def board(title: str, uid: str) -> dict:
    return {
        "title": title, "uid": uid, "schemaVersion": 39, "editable": False, "tags": [],
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": [{
            "id": 1, "type": "timeseries", "title": "Requests", "description": "Requests per second.",
            "datasource": DS, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
            "targets": [{"datasource": DS, "expr": "sum(rate(http_requests_total[$__rate_interval]))",
                         "legendFormat": "{{job}}", "refId": "A"}],
        }],
    }


def save(project, rel: str, model) -> str:
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model), encoding="utf-8")
    return rel


def test_import_writes_a_module_in_the_folder_the_json_was_in_and_build_renders_the_same_json(project):
    save(project, "exports/team-a/api-latency.json", board("API latency", "api-latency"))
    result = project.run("import", "exports/team-a/api-latency.json")
    assert result.code == 0, result.err
    module = project.root / "dashboards/team-a/api_latency.py"
    assert module.is_file()
    assert "dashboards/team-a/api_latency.py: API latency (builds to the same JSON" in result.out
    assert project.run("build").code == 0
    built = json.loads(next(project.root.glob("provisioning/dashboards/*/api-latency.json")).read_text())
    # build renders every dashboard in dashgen.canonical's form (the importer aims there next).
    assert built == canonical_form(reachable(canonical(board("API latency", "api-latency"))))


def test_a_file_given_without_a_directory_goes_to_general(project):
    save(project, "overview.json", board("Overview", "overview"))
    assert project.run("import", "overview.json").code == 0
    assert (project.root / "dashboards/overview.py").is_file()


def test_folder_option_and_several_paths(project):
    save(project, "a/one.json", board("One", "one"))
    save(project, "b/two.json", board("Two", "two"))
    result = project.run("import", "a/one.json", "b/two.json", "--folder", "Imported")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (project.root / "dashboards/Imported").iterdir()) == ["one.py", "two.py"]


def test_directories_recurse_and_each_file_keeps_its_own_directory(project):
    save(project, "exports/x/one.json", board("One", "one"))
    save(project, "exports/y/two.json", board("Two", "two"))
    (project.root / "exports/x/notes.yaml").write_text("just: notes\n")
    assert project.run("import", "exports").code == 0
    assert (project.root / "dashboards/x/one.py").is_file() and (project.root / "dashboards/y/two.py").is_file()


def test_an_existing_module_is_refused_without_force_and_nothing_is_written(project):
    save(project, "exp/one.json", board("One", "one"))
    save(project, "exp/two.json", board("Two", "two"))
    existing = project.root / "dashboards/exp/two.py"
    existing.parent.mkdir(parents=True)
    existing.write_text("# mine\n")
    result = project.run("import", "exp")
    assert result.code == 1
    assert result.err.strip().splitlines() == ["error: exp/two.json: dashboards/exp/two.py exists; --force overwrites it"]
    assert existing.read_text() == "# mine\n" and not (project.root / "dashboards/exp/one.py").exists()
    assert project.run("import", "exp", "--force").code == 0
    assert "dashboard = Dashboard(" in existing.read_text()


def test_bad_input_is_one_line_naming_the_file_and_nothing_is_written(project):
    save(project, "exp/good.json", board("Good", "good"))
    (project.root / "exp/bad.json").write_text('{"title": "x", "panels": [')
    result = project.run("import", "exp/good.json", "exp/bad.json")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: exp/bad.json:1: invalid JSON"), lines
    assert not (project.root / "dashboards/exp").exists()


def test_a_file_that_is_no_dashboard_is_an_error(project):
    (project.root / "notes.json").write_text('{"hello": 1}')
    result = project.run("import", "notes.json")
    assert result.code == 1 and "notes.json: holds no dashboard" in result.err


def test_configmaps_of_dashboards_are_read(project):
    configmap = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dashboards}\ndata:\n"
                 f"  queue.json: '{json.dumps(board('Queue', 'queue'))}'\n")
    (project.root / "cm").mkdir()
    (project.root / "cm/dashboards.yaml").write_text(configmap)
    assert project.run("import", "cm/dashboards.yaml").code == 0
    assert (project.root / "dashboards/cm/queue.py").is_file()


def test_names_that_clash_get_a_suffix(project):
    save(project, "a/lib.json", board("Lib", "lib-board"))
    save(project, "b/lib.json", board("Lib 2", "lib-board-2"))
    assert project.run("import", "a/lib.json", "b/lib.json", "--folder", "General").code == 0
    assert (project.root / "dashboards/lib_dashboard.py").is_file()
    assert (project.root / "dashboards/lib_dashboard_2.py").is_file()


def test_json_output_lists_every_field_kept_and_not_kept(project):
    model = board("One", "one")
    model["panels"][0]["fieldConfig"]["defaults"]["decimals"] = None
    save(project, "one.json", model)
    result = project.run("import", "one.json", "-o", "json")
    doc = json.loads(result.out)["imported"][0]
    # the canonical form drops nulls on both sides (fmt as build): the round trip is exact
    assert doc["module"].endswith("dashboards/one.py") and doc["exact"] is True
    assert doc["not_kept"] == []
    assert {"where": "panel 'Requests' (id 1)", "field": "fieldConfig.defaults.thresholds",
            "how": "removed via extraJson"} in doc["kept"]
    # a default the canonical form elides on both sides needs no extraJson, and no note
    assert not [k for k in doc["kept"] if k["field"] in ("hideTimeOverride", "transparent", "hide")]


def test_lint_finds_the_same_in_the_module_as_in_the_json(project):
    model = board("One", "one")
    model["panels"][0]["fieldConfig"]["defaults"]["unit"] = ""  # a finding: no unit
    save(project, "one.json", model)
    assert project.run("import", "one.json").code == 0
    built = build((project.root / "dashboards/one.py").read_text())

    def findings(m):
        return sorted((f.rule, f.severity, f.panel, f.message) for f in lint_dashboard(m, name="x"))

    assert findings(built) == findings(canonical(model)) != []


def test_an_angular_dashboard_is_migrated_first_and_imports_as_modern_panels(project):
    old = {
        "title": "Old node", "uid": "old-node", "schemaVersion": 27, "panels": [{
            "id": 1, "type": "graph", "title": "CPU busy", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            "datasource": "${datasource}", "description": "Busy CPU seconds per second.", "lines": True,
            "linewidth": 1, "yaxes": [{"format": "percentunit", "show": True}, {"format": "short", "show": True}],
            "targets": [{"expr": 'sum(rate(node_cpu_seconds_total{mode!="idle"}[$__rate_interval]))', "refId": "A"}],
        }, {
            "id": 2, "type": "singlestat", "title": "Load", "gridPos": {"h": 8, "w": 6, "x": 12, "y": 0},
            "datasource": "${datasource}", "description": "One-minute load average.", "format": "short",
            "targets": [{"expr": "node_load1", "refId": "A"}],
        }],
    }
    save(project, "exports/node.json", old)
    result = project.run("import", "exports/node.json")
    assert result.code == 0, result.err
    text = (project.root / "dashboards/exports/node.py").read_text()
    assert "TimeSeries(" in text and "Stat(" in text
    assert "Graph(" not in text and "SingleStat(" not in text and '"graph"' not in text
    assert build(text) == reachable(canonical(old))
