"""push and diff compare in the canonical form: what an older dashgen pushed still compares equal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dashgen import normalise, sources

REPO = Path(__file__).parent.parent


def _before_the_canonical_form(resources, config, done=None):
    """What dashgen loaded before: grafanalib's JSON (schemaVersion 39, timepicker.time_options,
    instant: false...) and JSON sources as exported, minus id, version and iteration."""
    for d in resources.dashboards:
        d.model = normalise.dashboard(d.model)
    return []


def test_dashboards_pushed_before_the_canonical_form_still_compare_equal(project, double, monkeypatch):
    shutil.copytree(REPO / "dashboards", project.root / "dashboards", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "dashgen.yaml", project.root / "dashgen.yaml")
    exported = {"id": 9, "uid": "exported", "title": "Exported", "version": 3, "schemaVersion": 39, "tags": [],
                "editable": False, "panels": [], "timepicker": {"hidden": False, "time_options": ["5m"]}}
    (project.root / "dashboards/gitops/exported.json").write_text(json.dumps(exported))
    with monkeypatch.context() as m:
        m.setattr(sources, "canonicalise", _before_the_canonical_form)
        assert project.run("push").code == 0
    old = double.dashboard(1, "flux-gitops")
    assert old["schemaVersion"] == 39 and "time_options" in old["timepicker"]  # really the old form
    double.reset_log()

    result = project.run("diff", "-o", "json")
    assert result.code == 0, result.out
    dashboards = [a for a in json.loads(result.out)["targets"][0]["actions"] if a["kind"] == "dashboard"]
    assert len(dashboards) == 4 and {a["op"] for a in dashboards} == {"unchanged"}
    assert not any(a.get("drift") for a in dashboards)
    result = project.run("push")
    assert result.code == 0 and double.writes() == 0 and "(0 writes)" in result.out

    # A source changed since the old push is the sources' change, not drift (the old fingerprint counts).
    (project.root / "dashboards/gitops/exported.json").write_text(json.dumps({**exported, "title": "Renamed"}))
    result = project.run("diff")
    assert result.code == 2
    assert "changed in the sources" in result.out and "drift" not in (result.out + result.err).lower()
