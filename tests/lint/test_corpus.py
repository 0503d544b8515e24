"""Lint every generated corpus dashboard: no crash, and the findings each odd shape implies."""

from __future__ import annotations

import json

import pytest

from dashgen.lint import RULES, LintSettings, lint_dashboard

from .corpus import ANY, corpus, write

CASES = corpus()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case):
    findings = lint_dashboard(case.model, name=case.name, **case.kwargs)
    got = {(f.rule, f.panel) for f in findings}
    for f in findings:
        assert not f.message.startswith("internal error"), f
        assert f.rule in RULES
        assert f.severity in ("error", "warning")
        assert "\n" not in f.message and "\n" not in f.fix
        json.dumps(f.to_dict())
    for rule, panel in case.expect:
        assert (rule, panel) in got, f"expected {rule} on {panel!r}; got {sorted(got, key=str)}"
    for rule, panel in case.forbid:
        hits = [g for g in got if g[0] == rule and (panel == ANY or g[1] == panel)]
        assert not hits, f"did not expect {hits}: {[f.message for f in findings if f.rule == rule]}"


def test_corpus_is_varied():
    names = {c.name for c in CASES}
    assert sum(n.startswith("schema-") for n in names) == 30
    assert {"rows-collapsed-expanded", "library-panels", "non-prometheus", "special-datasources"} <= names


def test_all_rules_on_whole_corpus_never_crash():
    everything = LintSettings(rules={n: "error" for n, i in RULES.items() if i.kind == "dashboard"})
    for c in CASES:
        for size in (None, 10, 300_000, 2_000_000):
            for f in lint_dashboard(c.model, name=c.name, settings=everything, configmap_bytes=size):
                assert not f.message.startswith("internal error"), (c.name, f)


def test_angular_graph_fix_mentions_timeseries():
    case = next(c for c in CASES if c.name == "schema-39-" + c.name.split("-", 2)[2])
    [f] = [f for f in lint_dashboard(case.model, name="x") if f.rule == "panel-angular-rule" and f.panel == "CPU (graph)"]
    assert "timeseries" in f.fix


def test_collapsed_row_panels_are_linted():
    case = next(c for c in CASES if c.name == "rows-collapsed-expanded")
    panels = {f.panel for f in lint_dashboard(case.model, name="x")}
    assert {"Restarts", "Throttling", "Overlapping"} <= panels


def test_corpus_writes_json(tmp_path):
    n = write(str(tmp_path))
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == n == len(CASES)
    for p in files:
        model = json.loads(p.read_text())
        lint_dashboard(model, name=p.stem)
