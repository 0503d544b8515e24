"""lint and build see the same sources and apply the same checks (issue 17, finding 5).

False greens found: ``dashgen lint dashboards/`` skipped the Python sources (``0 errors``
while ``dashgen lint`` found 9); a mixed-case uid passed lint but failed build; ``*.yaml``
files and symlinked directories under ``dashboards/`` were ignored without a word; an
API body ``{"dashboard": {...}}`` without ``meta`` was "no dashboard". Now lint runs every
check build runs (the structural checks as ``build-check`` findings, the lint rules, the
ConfigMap sizes, promtool), on the files build would read.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import grafanalib_dashboard


def _board(uid: str, title: str | None = None) -> str:
    return json.dumps({"title": title or uid.title(), "uid": uid, "panels": [], "schemaVersion": 39,
                       "editable": False}) + "\n"


# Each case breaks the build in its own way; lint must fail on the same thing.
BROKEN = {
    "mixed-case uid": {"dashboards/apps/m.json": _board("MixedCase")},
    "duplicate uid": {"dashboards/apps/a.json": _board("same", "A"), "dashboards/ops/b.json": _board("same", "B")},
    "duplicate title": {"dashboards/apps/a.json": _board("a", "T"), "dashboards/apps/b.json": _board("b", "T")},
    "no uid": {"dashboards/apps/n.json": json.dumps({"title": "N", "panels": [], "editable": False})},
    "literal secret": {"dashboards/datasources.py": """
        datasources = [{"name": "Loki", "uid": "loki", "type": "loki", "url": "http://loki:3100",
                        "basicAuth": True, "basicAuthUser": "u", "secureJsonData": {"basicAuthPassword": "hunter2"}}]
    """},
    "bad manifest kind": {"dashboards/scraping/m.py": """
        manifests = [{"apiVersion": "v1", "kind": "config map", "metadata": {"name": "x"}}]
    """},
    "alert names across files": {
        "dashboards/alerts/a.py": """
            rule_groups = [{"name": "a", "rules": [{"alert": "Same", "expr": "up == 0", "labels": {"severity": "warning"},
                            "annotations": {"summary": "s", "description": "d"}}]}]
        """,
        "dashboards/alerts/b.py": """
            rule_groups = [{"name": "b", "rules": [{"alert": "Same", "expr": "up == 0", "labels": {"severity": "warning"},
                            "annotations": {"summary": "s", "description": "d"}}]}]
        """,
    },
    "nested folder in the sidecar": {"dashgen.yaml": "folders: {apps: {title: Apps, parent_uid: dashgen-team}}\n"},
    "configmap over 1 MiB": {"dashboards/apps/huge.json": json.dumps(
        {"title": "Huge", "uid": "huge", "editable": False,
         "panels": [{"type": "text", "title": "t", "options": {"content": "x" * (1024 * 1024 + 10)},
                     "gridPos": {"h": 2, "w": 4, "x": 0, "y": 0}}]})},
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_build_error_is_a_lint_error(project, case):
    project.write("dashboards/apps/fine.py", grafanalib_dashboard("Fine", "fine"))
    for path, text in BROKEN[case].items():
        project.write(path, text)
    build = project.run("build")
    assert build.code == 1
    lint = project.run("lint", "-o", "json")
    assert lint.code == 1, lint.out
    findings = json.loads(lint.out)["findings"]
    erring = {f["source"] for f in findings if f["severity"] == "error"}
    checks = {(f["source"], f["message"]) for f in findings if f["rule"] == "build-check"}
    for line in build.err.splitlines():  # each file build refuses, lint refuses; a check's own words
        assert line.startswith("error: ")
        source, message = line[len("error: "):].split(": ", 1)
        assert source.split(":")[0] in erring, (line, findings)
        if case != "configmap over 1 MiB":  # the size rule of lint words the same verdict its own way
            assert (source.split(":")[0], message) in checks, (line, sorted(checks))
    assert json.loads(project.run("lint", "dashboards", "-o", "json").out)["findings"] == findings


def test_lint_of_the_sources_directory_lints_the_python_sources(project):
    project.write("dashboards/apps/ok.py", grafanalib_dashboard("OK", "ok"))
    project.write("dashboards/apps/bad.py", grafanalib_dashboard("Bad", "Bad_Case"))
    whole = json.loads(project.run("lint", "-o", "json").out)
    for args in (["dashboards"], ["dashboards/"], [str(project.root / "dashboards")]):
        result = project.run("lint", *args, "-o", "json")
        assert result.code == 1
        assert json.loads(result.out)["findings"] == whole["findings"]
    assert any(f["source"] == "dashboards/apps/bad.py" for f in whole["findings"])
    one = json.loads(project.run("lint", "dashboards/apps/ok.py", "-o", "json").out)  # a file: its findings only
    assert {f["source"] for f in one["findings"]} <= {"dashboards/apps/ok.py"}


def test_lint_of_another_directory_of_python_sources_loads_it_as_build_would(project, tmp_path):
    other = project.root / "team-sources"
    (other / "lib").mkdir(parents=True)
    (other / "lib/__init__.py").write_text("")
    (other / "lib/common.py").write_text("UID = 'Upper'\n")
    (other / "apps").mkdir()
    (other / "apps/d.py").write_text(grafanalib_dashboard("D", "placeholder").replace(
        "uid='placeholder'", "uid=UID").replace("from grafanalib.core", "from dashboards.lib.common import UID\n"
                                                "from grafanalib.core"))
    result = project.run("lint", "team-sources", "-o", "json")
    assert result.code == 1, result.out
    findings = json.loads(result.out)["findings"]
    assert [f for f in findings if f["source"] == "team-sources/apps/d.py" and "Upper" in f["message"]]


def test_files_that_are_not_sources_are_named_unless_ignored(project):
    project.write("dashboards/apps/ok.py", grafanalib_dashboard("OK", "ok"))
    project.write("dashboards/apps/rules.yaml", "groups: []\n")
    project.write("dashboards/README.md", "# our dashboards\n")
    warning = ("warning: dashboards/apps/rules.yaml: not a source, so not built (dashgen reads *.py and *.json "
               "here); move it out of dashboards/ or list it under sources_ignore in dashgen.yaml")
    build = project.run("build")
    assert build.code == 0
    assert warning in build.err.splitlines()
    assert "dashboards/README.md: not a source" in build.err
    lint = json.loads(project.run("lint", "-o", "json").out)
    assert {f["source"] for f in lint["findings"] if "not a source" in f["message"]} == {
        "dashboards/apps/rules.yaml", "dashboards/README.md"}
    project.write("dashgen.yaml", "sources_ignore: ['*.md', 'apps/rules.yaml']\n")
    assert "not a source" not in project.run("build").err


def test_a_symlinked_directory_is_followed(project):
    elsewhere = project.root / "shared/team"
    elsewhere.mkdir(parents=True)
    (elsewhere / "s.json").write_text(_board("s", "S"))
    os.symlink(elsewhere, project.root / "dashboards/team")
    result = project.run("build")
    assert result.code == 0, result.err
    assert "dashboards/Team/s.json" in project.tree()
    lint = json.loads(project.run("lint", "-o", "json").out)
    assert lint["findings"] == [] and "1 dashboards" in project.run("lint").out


def test_a_symlink_loop_is_an_error_naming_it(project):
    project.write("dashboards/apps/a.json", _board("a"))
    os.symlink("..", project.root / "dashboards/apps/loop")
    result = project.run("build")
    assert result.code == 1
    assert result.err == ("error: dashboards/apps/loop: links to a directory already read (dashboards); "
                          "remove the link or point it elsewhere\n")


def test_an_api_body_without_meta_is_a_dashboard(project):
    project.write("dashboards/apps/w.json", json.dumps({"dashboard": json.loads(_board("w", "W")), "overwrite": True}))
    result = project.run("build")
    assert result.code == 0, result.err
    assert "dashboards/Apps/w.json" in project.tree()
    assert project.run("lint").out.endswith("in 1 dashboards and 0 rule files\n")


def test_lint_runs_promtool_as_build_does(project):
    if shutil.which("promtool") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is missing: apt-get install prometheus")
        pytest.skip("needs promtool: apt-get install prometheus")
    # only promtool parses the Go templates of annotations
    project.write("dashboards/alerts/r.py", """
        rule_groups = [{"name": "r", "rules": [{"alert": "JobDown", "expr": "up == 0", "labels": {"severity": "warning"},
                        "annotations": {"summary": "Job down.", "description": "{{ $labels.job is down"}}]}]
    """)
    build = project.run("build")
    lint = json.loads(project.run("lint", "-o", "json").out)
    assert build.code == 1
    (line,) = build.err.splitlines()
    assert "promtool check rules" in line
    assert [f["message"] for f in lint["findings"] if f["rule"] == "build-check"] == [line.split(": ", 2)[2]]
