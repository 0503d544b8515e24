"""Alert rule groups: mixtool rules and rulefmt-style checks beyond the per-rule cases."""

from __future__ import annotations

import pytest

from dashgen.lint import lint_rule_groups

from .builders import alert, rule_groups


def found(groups, rule=None):
    fs = lint_rule_groups(groups, name="flux-alerts")
    return [f for f in fs if rule is None or f.rule == rule]


def test_finding_shape_for_rules():
    [f] = found(rule_groups([alert("flux_failing")]), "alert-name-camelcase")
    assert (f.dashboard, f.panel, f.target, f.panel_id) == ("flux-alerts", "flux_failing", "flux", None)


@pytest.mark.parametrize("name,ok", [("KubeAPIDown", True), ("CPUThrottlingHigh", True), ("Watchdog", True),
                                     ("FluxReconciliationFailing", True), ("NodeOOM", False), ("fluxFailing", False),
                                     ("Flux_Failing", False), ("Flux Failing", False)])
def test_camelcase(name, ok):
    assert (found(rule_groups([alert(name)]), "alert-name-camelcase") == []) is ok


@pytest.mark.parametrize("sev,ok", [("critical", True), ("warning", True), ("info", True), ("page", False),
                                    ("Critical", False), (None, False)])
def test_severity(sev, ok):
    labels = {} if sev is None else {"severity": sev}
    assert (found(rule_groups([alert(labels=labels)]), "alert-severity-rule") == []) is ok


@pytest.mark.parametrize("value,ok", [("5m", True), ("0", True), ("1h30m", True), (0, True), ("1.5m", False),
                                      ("5 m", False), ("5m1h", False), ("", False), ([], False)])
def test_for_duration(value, ok):
    assert (found(rule_groups([alert(**{"for": value})]), "alert-for-duration-rule") == []) is ok


def test_keep_firing_for_is_checked_too():
    assert len(found(rule_groups([alert(keep_firing_for="10 minutes")]), "alert-for-duration-rule")) == 1


def test_recording_rules_skip_alert_rules_but_get_format_and_promql_checks():
    groups = rule_groups([
        {"record": "namespace:container_cpu:rate5m", "expr": "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))"},
        {"record": "bad name", "expr": "sum(up"},
        {"record": "x:y", "expr": "up", "for": "5m"},
    ])
    rules = {(f.rule, f.panel) for f in found(groups)}
    assert ("rule-format-rule", "bad name") in rules and ("rule-promql-rule", "bad name") in rules
    assert ("rule-format-rule", "x:y") in rules
    assert not any(r.startswith("alert-") for r, _ in rules)


def test_format_problems():
    groups = [
        {"name": "a", "rules": [{"alert": "A", "record": "b", "expr": "up"}]},
        {"name": "a", "rules": []},
        {"rules": "nope"},
        {"name": "c", "rules": [{"alert": "C", "expr": "up", "labels": {"bad-label": "x", "ok": {"nested": 1}}, "unknown": 1}]},
        "group",
    ]
    msgs = " | ".join(f.message for f in found(groups, "rule-format-rule"))
    for needle in ("both 'alert' and 'record'", "repeated", "no name", "not a list", "'bad-label'", "'ok'",
                   "unknown key 'unknown'", "groups[4]"):
        assert needle in msgs, needle


def test_summary_rules():
    ok = alert(annotations={"summary": "Flux is broken.", "description": "{{ $labels.name }} broke."})
    templated = alert(annotations={"summary": "{{ $labels.name }} is broken.", "description": "{{ $value }}"})
    unstyled = alert(annotations={"summary": "flux is broken", "description": "{{ $value }}"})
    assert found(rule_groups([ok]), "alert-summary-templating") == []
    assert len(found(rule_groups([templated]), "alert-summary-templating")) == 1
    assert len(found(rule_groups([unstyled]), "alert-summary-style")) == 1
    assert found(rule_groups([ok]), "alert-summary-style") == []


def test_same_name_different_severity_is_not_a_duplicate():
    groups = [{"name": "g1", "rules": [alert("DiskFull", labels={"severity": "warning"})]},
              {"name": "g2", "rules": [alert("DiskFull", labels={"severity": "critical"}),
                                       alert("DiskFull", labels={"severity": "warning"})]}]
    [f] = found(groups, "alert-name-unique-rule")
    assert f.target == "g2"


def test_accepts_rule_file_and_prometheusrule_shapes():
    g = rule_groups([alert("bad_name")])
    for shape in ({"groups": g}, {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "spec": {"groups": g}}):
        assert [f.rule for f in found(shape)] == ["alert-name-camelcase"]


def test_unknown_metrics_in_rules():
    [f] = found(rule_groups([alert(expr="sum(flux_helmrelease_condition) > 0")]), "rule-unknown-metric-rule")
    assert "HelmRelease" in f.fix
