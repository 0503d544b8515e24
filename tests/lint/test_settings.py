"""LintSettings: severity overrides, off, exclusions, config errors."""

from __future__ import annotations

import pytest

from dashgen import config
from dashgen.lint import RULES, Exclusion, LintSettings, has_failures, lint_dashboard, lint_rule_groups

from .builders import alert, dashboard, panel, rule_groups, with_

BAD_UNITS = dashboard([panel(1, "CPU", unit=""), panel(2, "Memory", x=12, unit="")])


def settings(lint):
    """LintSettings from the ``lint:`` section of a dashgen.yaml, as the commands make them."""
    return config.from_mapping({"lint": lint}).lint_settings()


def rules(findings):
    return [(f.rule, f.panel, f.severity) for f in findings]


def test_default_severity_comes_from_registry():
    found = lint_dashboard(with_(dashboard(), "editable", True), name="d")
    assert [(f.rule, f.severity) for f in found] == [("uneditable-dashboard", RULES["uneditable-dashboard"].severity)]


def test_severity_override_and_off():
    s = settings({"rules": {"panel-units-rule": "warning"}})
    assert {f.severity for f in lint_dashboard(BAD_UNITS, name="d", settings=s)} == {"warning"}
    s = settings({"rules": {"panel-units-rule": "off"}})
    assert lint_dashboard(BAD_UNITS, name="d", settings=s) == []
    s = settings({"rules": {"panel-units-rule": False}})  # YAML `off`
    assert lint_dashboard(BAD_UNITS, name="d", settings=s) == []


def test_enabling_an_off_rule():
    assert not [f for f in lint_dashboard(dashboard(), name="d") if f.rule == "target-job-rule"]
    s = settings({"rules": {"target-job-rule": "Warning"}})
    found = [f for f in lint_dashboard(dashboard(), name="d", settings=s) if f.rule == "target-job-rule"]
    assert found and found[0].severity == "warning"


def test_override_beats_per_hit_severity():
    # configmap rule: warning above 256 KiB by default; an override applies to every hit
    s = settings({"rules": {"dashboard-configmap-size-rule": "error"}})
    [f] = lint_dashboard(dashboard(), name="d", settings=s, configmap_bytes=300_000)
    assert f.severity == "error"
    [f] = lint_dashboard(dashboard(), name="d", configmap_bytes=300_000)
    assert f.severity == "warning"


@pytest.mark.parametrize("scope,left", [
    ({}, []),
    ({"dashboard": "d"}, []),
    ({"dashboard": "dashgen-test"}, []),  # uid
    ({"dashboard": "Test dashboard"}, []),  # title
    ({"dashboard": "other"}, ["CPU", "Memory"]),
    ({"panel": "CPU"}, ["Memory"]),
    ({"dashboard": "d", "panel": "Memory"}, ["CPU"]),
    ({"dashboard": "other", "panel": "Memory"}, ["CPU", "Memory"]),
])
def test_exclusions(scope, left):
    s = settings({"exclusions": [{"rule": "panel-units-rule", "reason": "units come later", **scope}]})
    assert [f.panel for f in lint_dashboard(BAD_UNITS, name="d", settings=s)] == left


def test_exclusion_only_silences_its_rule():
    d = with_(BAD_UNITS, "editable", True)
    s = settings({"exclusions": [{"rule": "panel-units-rule", "reason": "later"}]})
    assert [f.rule for f in lint_dashboard(d, name="d", settings=s)] == ["uneditable-dashboard"]


def test_exclusions_for_rule_files_match_file_and_alert_name():
    groups = rule_groups([alert("bad_name"), alert("other_bad", labels={"severity": "critical"})])
    s = settings({"exclusions": [
        {"rule": "alert-name-camelcase", "dashboard": "flux-alerts", "panel": "bad_name", "reason": "legacy name"}]})
    found = [f.panel for f in lint_rule_groups(groups, name="flux-alerts", settings=s) if f.rule == "alert-name-camelcase"]
    assert found == ["other_bad"]


@pytest.mark.parametrize("data,needle", [
    ({"rules": {"no-such-rule": "error"}}, "no-such-rule"),
    ({"rules": {"panel-units-rule": "fatal"}}, "panel-units-rule"),
    ({"rules": {"panel-units-rule": 1}}, "panel-units-rule"),
    ({"rules": ["panel-units-rule"]}, "rules"),
    ({"exclusions": [{"rule": "panel-units-rule"}]}, "reason"),
    ({"exclusions": [{"rule": "panel-units-rule", "reason": "  "}]}, "reason"),
    ({"exclusions": [{"reason": "x"}]}, "rule"),
    ({"exclusions": [{"rule": "nope", "reason": "x"}]}, "nope"),
    ({"exclusions": [{"rule": "panel-units-rule", "reason": "x", "panels": "CPU"}]}, "panels"),
    ({"exclusions": [{"rule": "panel-units-rule", "reason": "x", "panel": ["CPU"]}]}, "panel"),
    ({"exclusions": {"rule": "panel-units-rule"}}, "exclusions"),
    ({"exclusions": ["panel-units-rule"]}, "exclusions[0]"),
    ({"strict": "yes"}, "strict"),
    ({"severity": {}}, "severity"),
    (["rules"], "expected a mapping"),
])
def test_bad_config_raises_value_error_naming_the_key(data, needle):
    with pytest.raises(ValueError) as exc:
        settings(data)
    msg = str(exc.value)
    assert needle in msg and "lint" in msg
    assert "\n" not in msg


def test_no_lint_section_and_strict():
    assert config.from_mapping({}).lint_settings() == LintSettings()
    s = settings({"strict": True, "rules": {}, "exclusions": []})
    assert s.strict is True


def test_direct_construction_is_validated_too():
    with pytest.raises(ValueError):
        LintSettings(rules={"nope": "error"})
    with pytest.raises(ValueError):
        LintSettings(exclusions=(Exclusion(rule="panel-units-rule", reason=""),))
    s = LintSettings(exclusions=[Exclusion(rule="panel-units-rule", reason="x", panel="CPU")])
    assert [f.panel for f in lint_dashboard(BAD_UNITS, name="d", settings=s)] == ["Memory"]


def test_has_failures_and_strict():
    warnings = lint_dashboard(with_(dashboard(), "editable", True), name="d")
    assert warnings and not has_failures(warnings)
    assert has_failures(warnings, strict=True)
    assert has_failures(lint_dashboard(BAD_UNITS, name="d", settings=settings({"rules": {"panel-units-rule": "error"}})))
    assert not has_failures([])
