"""Many warnings of one rule are summarised in text output; --verbose and -o json list all."""

from __future__ import annotations

import json

from dashgen.lint.summary import EXAMPLES, LIST_UP_TO, summarise

DS = {"type": "prometheus", "uid": "${datasource}"}


def _dashboard(uid: str, panels: int, *, description: bool = False, expr: str = "sum(up)") -> dict:
    return {
        "uid": uid, "title": uid.title(), "editable": False, "schemaVersion": 39,
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": [
            {"id": i, "type": "timeseries", "title": f"Panel {i}", "datasource": DS,
             **({"description": "What it shows."} if description else {}),
             "fieldConfig": {"defaults": {"unit": "short"}}, "gridPos": {"h": 8, "w": 24, "x": 0, "y": 8 * i},
             "targets": [{"refId": "A", "expr": expr, "datasource": DS}]}
            for i in range(1, panels + 1)
        ],
    }


def test_summarise_keeps_order_and_only_groups_rules_past_the_limit():
    items = ([("a", "warning", "f1")] * (LIST_UP_TO + 1) + [("b", "warning", "f1")] * LIST_UP_TO
             + [("b", "error", "f2")] * LIST_UP_TO + [("b", "error", "f3")] + [("", "warning", "f2")] * (LIST_UP_TO + 5))
    items = [(rule, sev, f"{src}#{i}") for i, (rule, sev, src) in enumerate(items)]
    listed, summaries = summarise(items, lambda w: w[0], lambda w: w[2].split("#")[0], lambda w: w[1])
    assert listed == [w for w in items if w[0] == "" or w[:2] == ("b", "warning")]
    assert [(s.rule, s.severity, len(s.items), s.files) for s in summaries] == [
        ("a", "warning", LIST_UP_TO + 1, 1), ("b", "error", LIST_UP_TO + 1, 2)]
    assert summaries[0].items == [w for w in items if w[0] == "a"]
    assert summaries[0].heading() == (f"a: {LIST_UP_TO + 1} warnings in 1 file; the first {EXAMPLES} "
                                      "(--verbose lists all):")
    assert summaries[1].heading().startswith(f"b: {LIST_UP_TO + 1} errors in 2 files;")
    assert summarise(items, lambda w: w[0], lambda w: w[2], verbose=True) == (items, [])


def test_lint_summarises_a_rule_with_many_warnings(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", 8)))
    project.write("dashboards/apps/b.json", json.dumps(_dashboard("b", 7)))
    result = project.run("lint")
    assert result.code == 0
    heading = ("warning panel-title-description-rule: 15 warnings in 2 files; the first 3 (--verbose lists all):")
    assert heading in result.out
    lines = result.out.splitlines()
    at = lines.index(heading)
    assert lines[at + 1] == ("  dashboards/apps/a.json: a: panel 'Panel 1' (id 1): panel-title-description-rule: "
                             "timeseries panel has no description; fix: set description (say what the panel shows "
                             "and how to read it)")
    assert [line.split(":")[0] for line in lines[at + 1:at + 4]] == ["  dashboards/apps/a.json"] * 3
    assert result.out.count("panel-title-description-rule") == 1 + EXAMPLES
    assert lines[-1].startswith("0 errors, 15 warnings")

    verbose = project.run("lint", "--verbose")
    assert verbose.out.count("warning panel-title-description-rule: timeseries panel has no description") == 15
    assert "--verbose lists all" not in verbose.out
    doc = json.loads(project.run("lint", "-o", "json").out)
    assert sum(f["rule"] == "panel-title-description-rule" for f in doc["findings"]) == 15


def test_ten_of_a_rule_are_listed_more_summarised_errors_too(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", LIST_UP_TO, expr="sum(up")))
    result = project.run("lint")
    assert result.code == 1
    assert "--verbose lists all" not in result.out
    assert result.out.count("panel-title-description-rule: timeseries panel has no description") == LIST_UP_TO
    assert result.out.count("error   target-promql-rule") == LIST_UP_TO

    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", LIST_UP_TO + 1, expr="sum(up")))
    result = project.run("lint")
    assert result.code == 1
    assert "error target-promql-rule: 11 errors in 1 file; the first 3 (--verbose lists all):" in result.out
    assert result.out.count("target-promql-rule") == 1 + EXAMPLES
    assert result.out.splitlines()[-1].startswith("11 errors, 11 warnings")


def test_build_summarises_its_warnings_too(project):
    project.write("dashboards/apps/a.json", json.dumps(_dashboard("a", 12)))
    result = project.run("build")
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines[0] == ("warning: panel-title-description-rule: 12 warnings in 1 file; the first 3 "
                        "(--verbose lists all):")
    assert lines[1].startswith("  dashboards/apps/a.json: a: panel 'Panel 1' (id 1): panel-title-description-rule:")
    assert len(lines) == 1 + EXAMPLES

    verbose = project.run("build", "--verbose")
    assert verbose.err.count("warning: dashboards/apps/a.json: a: panel") == 12
    doc = json.loads(project.run("build", "-o", "json").out)
    assert len(doc["warnings"]) == 12
