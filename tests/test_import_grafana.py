"""``dashgen import --grafana-url``: live dashboards in, modules out; a push of them writes nothing.

Against the Grafana test double over real HTTP (the CLI reads GRAFANA_URL and GRAFANA_TOKEN).
"""

from __future__ import annotations

from dashgen.migrate import TARGET_SCHEMA_VERSION

DS = {"type": "prometheus", "uid": "${datasource}"}
MARKER = "managed-by:dashgen"


def board(title: str, uid: str, expr: str, tags: list[str]) -> dict:
    return {
        "title": title, "uid": uid, "schemaVersion": TARGET_SCHEMA_VERSION, "editable": True, "tags": tags,
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": [{
            "id": 1, "type": "timeseries", "title": "Reconciliations", "datasource": DS,
            "description": "Reconciliations per second, by kind.",
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            "fieldConfig": {"defaults": {"unit": "ops"}, "overrides": []},
            "targets": [{"datasource": DS, "expr": expr, "legendFormat": "{{kind}}", "refId": "A"}],
        }],
    }


def seed(double) -> None:
    double.add_folder(1, "Flux CD", uid="flux-folder")
    double.add_dashboard(1, board("Flux reconciliation", "flux-recon",
                                  "sum by (kind) (rate(gotk_reconcile_duration_seconds_count[$__rate_interval]))",
                                  ["flux", MARKER]), folder_uid="flux-folder")
    double.add_dashboard(1, board("Flux errors", "flux-errors",
                                  'sum by (kind) (gotk_resource_info{ready="False"})',
                                  [MARKER]), folder_uid="flux-folder")
    double.add_dashboard(1, board("Elsewhere", "elsewhere", "up", []))


def test_import_of_a_folder_then_build_then_push_makes_no_write(project, double):
    seed(double)
    result = project.run("import", "--folder-uid", "flux-folder")
    assert result.code == 0, result.err
    modules = sorted(p.relative_to(project.root).as_posix() for p in (project.root / "dashboards").rglob("*.py"))
    assert modules == ["dashboards/flux_cd/flux_errors.py", "dashboards/flux_cd/flux_reconciliation.py"]
    text = (project.root / "dashboards/flux_cd/flux_reconciliation.py").read_text()
    assert "TimeSeries(" in text and MARKER not in text
    assert 'title: "Flux CD"' in result.err and 'uid: "flux-folder"' in result.err
    project.write("dashgen.yaml", "folders:\n  flux_cd:\n    title: Flux CD\n    uid: flux-folder\n")

    built = project.run("build")
    assert built.code == 0, built.err
    writes = double.writes()
    pushed = project.run("push")
    assert pushed.code == 0, pushed.out + pushed.err
    assert double.writes() == writes
    assert project.run("diff").code == 0


def test_import_by_uid_reads_only_and_a_missing_uid_is_one_error(project, double):
    seed(double)
    writes = double.writes()
    assert project.run("import", "--uid", "elsewhere").code == 0
    assert (project.root / "dashboards/elsewhere.py").is_file()
    missing = project.run("import", "--uid", "nope")
    assert missing.code == 1
    assert "no dashboard with uid nope" in missing.err and "Traceback" not in missing.err
    assert double.writes() == writes


def test_import_needs_paths_or_a_selection_not_both(project, double):
    assert "choose the dashboards" in project.run("import", "--grafana-url", double.url).err
    assert "not both" in project.run("import", "x.json", "--all").err


def test_an_edit_made_in_grafana_is_pulled_into_a_json_source_then_diff_is_clean(project, double):
    import json

    source = board("Flux reconciliation", "flux-recon",
                   "sum by (kind) (rate(gotk_reconcile_duration_seconds_count[$__rate_interval]))", ["flux"])
    project.write("dashboards/flux.json", json.dumps(source))
    assert project.run("push").code == 0
    assert project.run("pull").code == 0  # nothing to pull

    live = double.dashboard(1, "flux-recon")
    live["panels"][0]["title"] = "Reconciliations per kind"
    live["refresh"] = "1m"
    double.add_dashboard(1, live, user="someone", message="edited in the UI")
    assert project.run("diff").code == 2
    writes = double.writes()
    pulled = project.run("pull")
    assert pulled.code == 2, pulled.err
    assert "dashboards/flux.json: pulled flux-recon" in pulled.out
    saved = json.loads((project.root / "dashboards/flux.json").read_text())
    assert saved["panels"][0]["title"] == "Reconciliations per kind" and saved["refresh"] == "1m"
    assert saved["tags"] == ["flux"]  # the ownership tag stays out of the source
    assert "version" not in saved and "id" not in saved
    assert double.writes() == writes
    assert project.run("diff").code == 0
    assert project.run("pull").code == 0


def test_pull_of_a_python_source_prints_the_diff_and_saves_the_live_json(project, double):
    import json

    double.add_dashboard(1, board("Elsewhere", "elsewhere", "up", []))
    assert project.run("import", "--uid", "elsewhere").code == 0
    module = project.root / "dashboards/elsewhere.py"
    before = module.read_text()
    assert project.run("push", "--adopt").code == 0
    assert project.run("pull").code == 0

    live = double.dashboard(1, "elsewhere")
    live["panels"][0]["title"] = "Targets up"
    double.add_dashboard(1, live)
    pulled = project.run("pull", "--write-json", "live.json")
    assert pulled.code == 2, pulled.err
    assert '-      "title": "Reconciliations",' in pulled.out and '+      "title": "Targets up",' in pulled.out
    assert json.loads((project.root / "live.json").read_text())["panels"][0]["title"] == "Targets up"
    assert module.read_text() == before
