"""dashgen lint through the CLI, and lint inside dashgen build."""

from __future__ import annotations

import json

import yaml

from conftest import grafanalib_dashboard

DS = {"type": "prometheus", "uid": "${datasource}"}


def _dashboard(uid: str, *, expr: str = "sum(rate(http_requests_total[$__rate_interval]))", **panel) -> dict:
    return {
        "uid": uid, "title": uid.title(), "editable": False, "schemaVersion": 39,
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": [{"id": 1, "type": "timeseries", "title": "Requests", "description": "Requests per second.",
                    "datasource": DS, "fieldConfig": {"defaults": {"unit": "reqps"}},
                    "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                    "targets": [{"refId": "A", "expr": expr, "datasource": DS}], **panel}],
    }


def test_clean_project_lints_clean_under_strict(project):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a", panels=3))
    result = project.run("lint", "--strict")
    assert result.code == 0, result.out
    assert "0 errors, 0 warnings in 1 dashboards and 0 rule files" in result.out


def test_findings_are_grouped_by_file_dashboard_and_panel(project):
    project.write("dashboards/apps/bad.json", json.dumps(_dashboard("bad", expr="rate(http_requests_total[5m])")))
    result = project.run("lint")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "dashboards/apps/bad.json (bad)"
    assert lines[1] == "  panel 'Requests' (id 1)"
    assert "target-rate-interval-rule: [A]" in lines[2] and lines[2].lstrip().startswith("error")
    assert lines[3].strip().startswith("fix:")
    assert lines[-1].startswith("1 error, 0 warnings")


def test_json_output_and_exit_codes(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", editable=True) | {"editable": True}))
    result = project.run("lint", "-o", "json")
    doc = json.loads(result.out)
    assert result.code == 0  # a warning only
    assert doc["errors"] == 0 and doc["warnings"] == 1
    (finding,) = doc["findings"]
    assert finding["rule"] == "uneditable-dashboard" and finding["source"] == "dashboards/apps/a.json"
    assert project.run("lint", "--strict").code == 1


def test_exclusions_and_severities_from_config(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", expr="rate(http_requests_total[5m])")))
    project.write("dashgen.yaml", """
        lint:
          exclusions:
            - {rule: target-rate-interval-rule, dashboard: a, panel: Requests, reason: fixed 5m window on purpose}
          rules:
            target-job-rule: error
    """)
    result = project.run("lint")
    assert "target-rate-interval-rule" not in result.out
    assert "target-job-rule" in result.out and result.code == 1


def test_exclusion_without_a_reason_is_a_config_error(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a")))
    project.write("dashgen.yaml", "lint:\n  exclusions:\n    - {rule: panel-units-rule}\n")
    result = project.run("lint")
    assert result.code == 1
    assert result.err.startswith("error: dashgen.yaml: missing required key 'lint.exclusions[0].reason'")
    project.write("dashgen.yaml", "lint:\n  rules: {no-such-rule: error}\n")
    assert "lint.rules: unknown rule 'no-such-rule'" in project.run("build").err


def test_paths_files_directories_rule_files_and_configmaps(project, tmp_path):
    exported = tmp_path / "exported"
    exported.mkdir()
    (exported / "good.json").write_text(json.dumps(_dashboard("good")))
    (exported / "angular.json").write_text(json.dumps(_dashboard("angular", type="graph")))
    (exported / "broken.json").write_text('{"title": "x",\n "panels": [}')
    rules = {"groups": [{"name": "g", "rules": [{"alert": "not_camel", "expr": "up == 0",
                                                  "labels": {"severity": "page"}}]}]}
    (exported / "rules.yaml").write_text(yaml.safe_dump(rules))
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "grafana-dashboard-cm"},
                 "data": {"cm.json": json.dumps(_dashboard("cm", expr="up{"))}}
    (exported / "cm.yaml").write_text(yaml.safe_dump(configmap))
    result = project.run("lint", "-o", "json", str(exported))
    assert result.code == 1
    by_rule = {(f["source"].rsplit("/", 1)[-1], f["rule"]) for f in json.loads(result.out)["findings"]}
    assert ("angular.json", "panel-angular-rule") in by_rule
    assert ("broken.json", "dashboard-json-rule") in by_rule
    assert ("rules.yaml", "alert-name-camelcase") in by_rule
    assert ("rules.yaml", "alert-severity-rule") in by_rule
    assert ("cm.yaml#cm.json", "target-promql-rule") in by_rule
    assert not [r for s, r in by_rule if s == "good.json"]
    text = project.run("lint", str(exported / "broken.json")).out
    assert "invalid JSON at line 2" in text


def test_missing_path_is_reported_not_raised(project):
    result = project.run("lint", "nowhere.json")
    assert result.code == 1 and "cannot read the file" in result.out


def test_build_fails_on_lint_errors_and_prints_warnings(project):
    project.write("dashboards/apps/bad.json", json.dumps(_dashboard("bad", expr="rate(http_requests_total[5m])")))
    result = project.run("build")
    assert result.code == 1
    assert "error: dashboards/apps/bad.json: bad: panel 'Requests' (id 1): target A: target-rate-interval-rule:" in result.err
    assert not (project.root / "provisioning").exists()

    project.write("dashboards/apps/bad.json", json.dumps(_dashboard("bad") | {"editable": True}))
    result = project.run("build")
    assert result.code == 0
    assert "warning: dashboards/apps/bad.json: bad: uneditable-dashboard:" in result.err


def test_strict_in_config_makes_warnings_fail_the_build(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a") | {"editable": True}))
    project.write("dashgen.yaml", "lint: {strict: true}\n")
    result = project.run("build")
    assert result.code == 1 and "uneditable-dashboard" in result.err


def test_lint_help_lists_rules_and_defaults(project):
    result = project.run("lint", "--help")
    assert result.code == 0
    assert "target-job-rule" in result.out and "[off]" in result.out
    assert "panel-angular-rule" in result.out and "alert-name-camelcase" in result.out


def test_the_repositorys_own_dashboards_and_rules_lint_clean_under_strict(capsys, monkeypatch):
    from pathlib import Path

    from dashgen.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    try:
        main(["lint", "--strict", "-o", "json"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["findings"]
    assert doc["errors"] == 0 and doc["warnings"] == 0


def test_lint_of_the_build_output_skips_what_is_neither_dashboard_nor_rules(project):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a"))
    project.write("dashboards/monitors.py", """
        manifests = [{"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "x"},
                      "spec": {"podMetricsEndpoints": [{"port": "http"}]}}]
    """)
    assert project.run("build").code == 0
    result = project.run("lint", "--strict", "-o", "json", "provisioning")
    doc = json.loads(result.out)
    assert result.code == 0, doc["findings"]
    assert set(doc["skipped"]) == {"provisioning/dashgen-files.json", "provisioning/grafana/dashboards/dashgen.yaml",
                                   "provisioning/kustomization.yaml", "provisioning/kubernetes/podmonitor-x.yaml"}
    text = project.run("lint", "provisioning").out
    assert "skipped 4 files that are neither dashboards nor rules" in text


def test_lint_of_a_named_file_that_is_not_a_dashboard_or_rules(project):
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "a"))
    assert project.run("lint", "dashboards/apps/a.py").code == 0  # a source: linted as build reads it
    project.write("elsewhere/a.py", grafanalib_dashboard("A", "a"))
    result = project.run("lint", "elsewhere/a.py")
    assert result.code == 1 and "not a JSON or YAML file" in result.out
    project.write("other.json", json.dumps({"hello": "world"}))
    result = project.run("lint", "other.json")
    assert result.code == 1 and "neither a dashboard nor rules" in result.out


def test_lint_of_a_dashboard_resource_is_not_mistaken_for_rules(project, tmp_path):
    resource = {"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard", "metadata": {"name": "r"},
                "spec": _dashboard("r", expr="rate(http_requests_total[5m])")}
    path = tmp_path / "resource.json"
    path.write_text(json.dumps(resource))
    doc = json.loads(project.run("lint", "-o", "json", str(path)).out)
    assert {f["rule"] for f in doc["findings"]} == {"target-rate-interval-rule"}


def test_lint_measures_configmaps_as_build_does(project):
    # The data is under kubectl's 262144-byte limit, the whole object (metadata,
    # annotations) over it: build warns, and lint, of sources or of the output, agrees.
    blob = "x" * (262_144 - 400)
    project.write("dashboards/apps/edge.json", json.dumps(
        {"title": "Edge", "uid": "edge", "panels": [{"type": "text", "title": "t", "description": "d",
                                                     "options": {"content": blob}}]}))
    built = project.run("build")
    assert built.code == 0 and "ConfigMap grafana-dashboard-edge is" in built.err
    for args in ((), ("provisioning/kubernetes",)):
        result = project.run("lint", "--output", "json", *args)
        sizes = [f for f in json.loads(result.out)["findings"] if f["rule"] == "dashboard-configmap-size-rule"]
        assert [f["severity"] for f in sizes] == ["warning"], args


def test_lint_of_a_hand_written_configmap_with_odd_yaml(project):
    # A YAML date in the metadata and a list where binaryData's mapping belongs: linted, not a crash.
    project.write("cm.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: grafana-dashboard-x
          annotations:
            reviewed: 2024-01-01
        data:
          x.json: '{"title": "X", "uid": "x", "panels": []}'
        binaryData: [1]
    """)
    result = project.run("lint", "--output", "json", "cm.yaml")
    assert result.code == 0, result.err
    assert json.loads(result.out)["errors"] == 0
