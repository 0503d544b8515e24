"""Nested folders (folders.<dir>.parent_uid): GrafanaFolder parentFolderUID, and push creates and
moves them under their parent; the sidecar, which makes one level of folders, refuses them."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import grafanalib_dashboard
from crds import validator_for
from grafana_double import GrafanaDouble
from test_operator import REPO

NESTED = """
folders:
  team: Team
  alerts: {title: Alerts, parent_uid: dashgen-team}
output:
  kinds: [operator]
  operator: {instance_selector: {matchLabels: {dashboards: grafana}}}
"""


def _sources(project, config: str = NESTED) -> None:
    project.write("dashboards/team/overview.py", grafanalib_dashboard("Overview", "team-overview"))
    project.write("dashboards/alerts/board.py", grafanalib_dashboard("Alert board", "team-alerts"))
    project.write("dashgen.yaml", config)


def test_nested_folders_are_grafana_folders_with_a_parent(project):
    _sources(project)
    assert project.run("build").code == 0, project.run("build").err
    base = project.root / "provisioning/kubernetes/grafana-operator"
    alerts = yaml.safe_load((base / "grafanafolder-dashgen-alerts.yaml").read_text())
    team = yaml.safe_load((base / "grafanafolder-dashgen-team.yaml").read_text())
    assert alerts["spec"]["parentFolderUID"] == "dashgen-team" == team["spec"]["uid"]
    assert "parentFolderUID" not in team["spec"]
    validator = validator_for(REPO)
    assert validator.errors(alerts) == [] and validator.errors(team) == []


def test_the_sidecar_refuses_nested_folders(project):
    _sources(project, NESTED.replace("kinds: [operator]", "kinds: [sidecar, operator]"))
    result = project.run("build")
    assert result.code == 1
    assert result.err.strip() == (
        "error: dashgen.yaml: key 'folders.alerts.parent_uid': the sidecar cannot nest folders; render nested "
        "folders with output.kinds: [operator], or push them (dashgen push)")
    assert not (project.root / "provisioning").exists()


@pytest.mark.parametrize("config, message", [
    ("folders: {team: {title: Team, parent_uid: dashgen-team}}",
     "key 'folders.team.parent_uid': folder 'dashgen-team' would be inside itself"),
    ("folders: {team: {title: Team, parent_uid: dashgen-alerts}, alerts: {title: A, parent_uid: dashgen-team}}",
     "key 'folders.alerts.parent_uid': folder 'dashgen-alerts' would be inside itself"),
    ("folders: {team: {title: Team, parent_uid: 'no such/uid'}}",
     "key 'folders.team.parent_uid': 'no such/uid' is not a folder uid"),
])
def test_folder_cycles_and_bad_parents_are_errors(project, config, message):
    _sources(project, config)
    result = project.run("build")
    assert result.code == 1 and f"error: dashgen.yaml: {message}" in result.err.splitlines()


def test_push_creates_nested_folders_under_their_parent_and_moves_them(project, monkeypatch):
    _sources(project)
    with GrafanaDouble() as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        monkeypatch.setenv("GRAFANA_TOKEN", grafana.token)
        first = project.run("push")
        assert first.code == 0, first.out + first.err
        folders = grafana.folders(1)
        assert folders["dashgen-alerts"]["parent_uid"] == "dashgen-team"
        assert not folders["dashgen-team"].get("parent_uid")
        writes = grafana.writes()
        again = project.run("push")
        assert again.code == 0 and grafana.writes() == writes  # nothing to do
        project.write("dashgen.yaml", NESTED.replace("  alerts: {title: Alerts, parent_uid: dashgen-team}\n",
                                                     "  alerts: {title: Alerts}\n"))
        diff = project.run("diff", "-o", "json")
        assert diff.code == 2
        action = next(a for a in json.loads(diff.out)["targets"][0]["actions"] if a["uid"] == "dashgen-alerts")
        assert action["op"] == "update"
        assert project.run("push").code == 0
        assert not grafana.folders(1)["dashgen-alerts"].get("parent_uid")
        assert project.run("diff").code == 0
