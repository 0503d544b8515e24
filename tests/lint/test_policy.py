"""The lint policy (issue 11): errors for what breaks Grafana, Kubernetes or the data, warnings
for house style; severities per rule and per path glob; --strict."""

from __future__ import annotations

import pytest

from dashgen import config
from dashgen.dashboard.angular import ANGULAR_PANELS, angular_panels
from dashgen.lint import RULES, LintSettings, PathRules, has_failures, lint_dashboard, lint_rule_groups
from dashgen.lint.settings import glob_regex

from .builders import DS, alert, dashboard, panel, rule_groups, target, variables, with_
from .cases import CASES

# The decision, rule by rule: what breaks is an error, house style a warning. A new rule
# must be placed here (and its --help line must say why).
BREAKS = {
    "dashboard-json-rule", "dashboard-title-rule", "dashboard-uid-rule", "dashboard-configmap-size-rule",
    "template-label-promql-rule", "template-undefined-variable-rule",
    "panel-angular-rule",
    "target-promql-rule", "target-unknown-metric-rule",
    "rule-format-rule", "rule-promql-rule", "rule-unknown-metric-rule", "alert-for-duration-rule",
    "alert-severity-rule", "alert-name-unique-rule",
}
STYLE = {
    "uneditable-dashboard", "template-datasource-rule", "template-on-time-change-reload-rule",
    "panel-datasource-rule", "panel-title-description-rule", "panel-units-rule", "panel-no-targets-rule",
    "panel-id-unique-rule", "panel-gridpos-overlap-rule",
    "target-rate-interval-rule", "target-counter-agg-rule",
    "alert-group-name-length", "alert-group-rule-count", "alert-name-camelcase", "alert-name-length",
    "alert-summary-missing-rule", "alert-description-missing-rule", "alert-summary-templating",
    "alert-summary-style", "alert-description-templating",
}
OFF = {"template-job-rule", "template-instance-rule", "target-job-rule", "target-instance-rule"}
# Rules whose hits carry their own severity where the bad example differs from the default.
PER_HIT = {"rule-unknown-metric-rule": "warning"}  # gotk_reconcile_condition: removed in Flux 2.5


def settings(lint):
    return config.from_mapping({"lint": lint}).lint_settings()


DEFAULTS = LintSettings()


def run(rule, data, settings_=DEFAULTS, **kw):
    if RULES[rule].kind == "dashboard":
        return [f for f in lint_dashboard(data, name="d", settings=settings_, **kw) if f.rule == rule]
    return [f for f in lint_rule_groups(data, name="r", settings=settings_, **kw) if f.rule == rule]


def test_every_rule_is_classified():
    assert BREAKS | STYLE | OFF == set(RULES)
    assert not (BREAKS & STYLE or BREAKS & OFF or STYLE & OFF)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_default_severity_and_its_reason(rule):
    info = RULES[rule]
    expected = "error" if rule in BREAKS else "warning" if rule in STYLE else "off"
    assert info.severity == expected
    reason = {"error": "Error:", "warning": "Warning:", "off": "Off by default"}[expected]
    assert reason in info.description, info.description


@pytest.mark.parametrize("rule", sorted(BREAKS | STYLE))
def test_findings_have_the_rule_severity_by_default(rule):
    case = CASES[rule]
    found = run(rule, case.bad, **case.kwargs_bad)
    assert found
    assert {f.severity for f in found} == {PER_HIT.get(rule, RULES[rule].severity)}


def test_house_style_alone_never_fails_lint_or_build_verdict():
    style_only = dashboard([panel(1, "CPU", unit="", description="", targets=[target("sum(rate(x_total[5m]))")])])
    style_only["templating"]["list"][1]["refresh"] = 1
    found = lint_dashboard(style_only, name="d")
    assert {f.rule for f in found} >= {"panel-units-rule", "panel-title-description-rule",
                                       "target-rate-interval-rule", "template-on-time-change-reload-rule"}
    assert not has_failures(found)
    assert has_failures(found, strict=True)  # --strict / lint.strict


# ------------------------------------------------------------------ per-hit severities


def test_missing_uid_warns_and_invalid_uid_is_an_error():
    [missing] = run("dashboard-uid-rule", with_(dashboard(), "uid", None))
    [bad] = run("dashboard-uid-rule", with_(dashboard(), "uid", "a b"))
    assert (missing.severity, bad.severity) == ("warning", "error")


def test_import_placeholder_is_an_error_a_fixed_datasource_a_warning():
    inputs = [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}]
    placeholder = with_(dashboard(), "panels.0.datasource", {"type": "prometheus", "uid": "${DS_PROMETHEUS}"})
    placeholder["__inputs"] = inputs
    [f] = run("panel-datasource-rule", placeholder)
    assert f.severity == "error" and "only an import replaces" in f.message
    fixed = with_(dashboard(), "panels.0.datasource", {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"})
    assert [f.severity for f in run("panel-datasource-rule", fixed)] == ["warning"]
    # With a variable of that name (what Grafana users add), the reference resolves: nothing to report.
    defined = with_(placeholder, "templating.list", placeholder["templating"]["list"] + [
        {"name": "DS_PROMETHEUS", "type": "datasource", "query": "prometheus"}])
    assert not [f for f in run("panel-datasource-rule", defined) if f.severity == "error"]


@pytest.mark.parametrize("metric,severity", [
    ('flux_kustomization_condition{type="Ready"}', "error"),  # never existed
    ('gotk_reconcile_condition{type="Ready"}', "warning"),  # removed in Flux 2.5
    ("kube_pod_container_resource_limits_cpu_cores", "warning"),  # removed in kube-state-metrics 2.0
])
def test_unknown_metrics_that_never_existed_are_errors(metric, severity):
    [f] = run("target-unknown-metric-rule", dashboard([panel(targets=[target(f"sum({metric})")])]))
    assert f.severity == severity
    [r] = run("rule-unknown-metric-rule", rule_groups([alert(expr=f"sum({metric}) > 0")]))
    assert r.severity == severity


def test_undefined_variable_breaks_a_query_but_only_warns_in_links_and_custom_values():
    # kube-prometheus' k8s-resources-node: a data link passes var-namespace=$namespace, and the
    # dashboard has no namespace variable. The link opens all the same.
    d = with_(dashboard(), "panels.0.fieldConfig.defaults.links", [{"title": "Pods", "url": "/d/x?var-ns=$nope"}])
    d = with_(d, "panels.0.links", [{"title": "Drill down", "url": "/d/y?var-pod=$nope2"}])
    d["links"] = [{"title": "Docs", "type": "link", "url": "https://example.com/?q=$nope3"}]
    found = {(f.message.split(" references")[0], f.severity) for f in run("template-undefined-variable-rule", d)}
    assert found == {("data link", "warning"), ("panel link url", "warning"), ("dashboard link url", "warning")}
    [query] = run("template-undefined-variable-rule", dashboard([panel(targets=[target('up{pod="$nope"}')])]))
    assert query.severity == "error"
    # unpoller's InfluxDB dashboards: a custom variable of alias patterns Grafana keeps as written.
    custom = {"name": "Identifier", "type": "custom", "query": "$tag_name, $tag_name $tag_mac"}
    found = run("template-undefined-variable-rule", dashboard(vars=variables() + [custom]))
    assert found and {f.severity for f in found} == {"warning"}
    query_var = dict(custom, type="query", query='label_values(up{pod="$nope"}, pod)', datasource=dict(DS))
    assert {f.severity for f in run("template-undefined-variable-rule", dashboard(vars=variables() + [query_var]))} == {
        "error"}


def test_influxdb_builder_query_text_is_not_what_grafana_sends():
    influx = {"type": "influxdb", "uid": "influxdb"}
    stale = {"refId": "A", "datasource": influx, "rawQuery": False, "measurement": "clients",
             "select": [[{"type": "field", "params": ["ip"]}]], "query": 'SELECT "ip" FROM "clients" WHERE name =~ /$Client/'}
    builder = dashboard([panel(targets=[stale], datasource=influx)])
    assert run("template-undefined-variable-rule", builder) == []
    raw = with_(builder, "panels.0.targets.0.rawQuery", True)
    assert [f.severity for f in run("template-undefined-variable-rule", raw)] == ["error"]


def test_empty_query_warns_unparsable_query_fails():
    [empty] = run("target-promql-rule", dashboard([panel(targets=[target("")])]))
    [broken] = run("target-promql-rule", dashboard([panel(targets=[target("sum(up")])]))
    assert (empty.severity, broken.severity) == ("warning", "error")


def test_influxql_variable_on_the_default_datasource_is_not_promql():
    d = with_(dashboard(), "templating.list.1", {"name": "pod", "type": "query", "refresh": 2,
                                                  "query": 'SHOW TAG VALUES FROM "uptime" WITH KEY = "pod_name"'})
    assert run("template-label-promql-rule", d) == []
    d = with_(d, "templating.list.1.query", "label_values(up{job=, job)")
    assert [f.severity for f in run("template-label-promql-rule", d)] == ["error"]


# ------------------------------------------------------------------ Angular: the one helper


PANEL_SHAPES = (
    [{"type": t} for t in sorted(ANGULAR_PANELS)]
    + [{"type": t, "pluginVersion": v} for t in ANGULAR_PANELS for v in ("0.9.0", "1.1.0", "2.0.1", "9.0.0")]
    + [{"type": "table", "styles": []}, {"type": "table", "styles": [], "table": "table2"}, {"type": "table"},
       {"type": "timeseries"}, {"type": "stat"}, {"type": "text"}]
)


@pytest.mark.parametrize("schema", [14, 23, 39])
def test_angular_rule_agrees_with_the_migration_engine(schema):
    for shape in PANEL_SHAPES:
        model = dashboard([panel(1, "P", **shape)], schemaVersion=schema)
        assert bool(run("panel-angular-rule", model)) == bool(angular_panels(model)), (shape, schema)


# ------------------------------------------------------------------ settings: "*" and paths


def test_star_sets_every_rule_on_by_default_but_never_turns_one_on():
    s = settings({"rules": {"*": "error"}})
    assert s.severity("panel-units-rule") == "error" and s.severity("uneditable-dashboard") == "error"
    assert s.severity("target-job-rule") == "off"
    s = settings({"rules": {"*": "off", "panel-units-rule": "warning"}})  # the name beats "*"
    assert (s.severity("panel-angular-rule"), s.severity("panel-units-rule")) == ("off", "warning")


def test_paths_last_match_wins():
    s = settings({
        "rules": {"panel-units-rule": "off"},
        "paths": [
            {"glob": "dashboards/**", "rules": {"panel-units-rule": "warning", "panel-angular-rule": "warning"}},
            {"glob": "dashboards/gitops/*.py", "rules": {"*": "error"}},
            {"glob": "dashboards/gitops/legacy.py", "rules": {"panel-angular-rule": "off"}},
        ],
    })
    sev = lambda source, rule: s.for_source(source).severity(rule)  # noqa: E731
    assert sev("other/x.json", "panel-units-rule") == "off"  # lint.rules only
    assert sev("dashboards/vendor/x.json", "panel-units-rule") == "warning"
    assert sev("dashboards/vendor/x.json", "panel-angular-rule") == "warning"
    assert sev("dashboards/gitops/flux.py", "panel-units-rule") == "error"  # a later "*" beats an earlier name
    assert sev("dashboards/gitops/legacy.py", "panel-angular-rule") == "off"
    assert sev("dashboards/gitops/legacy.py", "panel-units-rule") == "error"
    assert sev("dashboards/gitops/flux.py", "target-job-rule") == "off"
    # the engine applies them: the same bad panel, three verdicts
    bad = dashboard([panel(1, "CPU", unit="")])
    verdicts = {src: [f.severity for f in lint_dashboard(bad, name=src, settings=s.for_source(src))
                      if f.rule == "panel-units-rule"]
                for src in ("other/x.json", "dashboards/vendor/x.json", "dashboards/gitops/flux.py")}
    assert verdicts == {"other/x.json": [], "dashboards/vendor/x.json": ["warning"],
                        "dashboards/gitops/flux.py": ["error"]}


def test_an_override_applies_to_hits_with_their_own_severity_too():
    s = settings({"paths": [{"glob": "mine/*", "rules": {"*": "error"}}]}).for_source("mine/a.json")
    [f] = run("dashboard-uid-rule", with_(dashboard(), "uid", None), s)
    assert f.severity == "error"


@pytest.mark.parametrize("glob,path,hit", [
    ("dashboards/vendor/**", "dashboards/vendor/a.json", True),
    ("dashboards/vendor/**", "dashboards/vendor/x/y/a.json", True),
    ("dashboards/vendor/**", "dashboards/vendors/a.json", False),
    ("dashboards/*.py", "dashboards/a.py", True),
    ("dashboards/*.py", "dashboards/gitops/a.py", False),
    ("dashboards/**/*.py", "dashboards/a.py", True),
    ("dashboards/**/*.py", "dashboards/gitops/lib/a.py", True),
    ("dashboards/**/*.py", "dashboards/gitops/a.json", False),
    ("dashboards/?.json", "dashboards/a.json", True),
    ("dashboards/?.json", "dashboards/ab.json", False),
    ("dashboards/a+b.json", "dashboards/a+b.json", True),
    ("dashboards/a+b.json", "dashboards/aab.json", False),
    ("./dashboards/*.json", "dashboards/a.json", True),
    ("dashboards/*.json", "./dashboards/a.json", True),
])
def test_globs(glob, path, hit):
    assert PathRules(glob, {}).matches(path) is hit
    assert (glob_regex(glob.removeprefix("./")).match(path.removeprefix("./")) is not None) is hit


@pytest.mark.parametrize("lint,needle", [
    ({"paths": [{"glob": "x/**", "rules": {"panel-units": "off"}}]},
     "lint.paths[0].rules: unknown rule 'panel-units' (did you mean 'panel-units-rule'?)"),
    ({"paths": [{"glob": "x/**", "rules": {"panel-units-rule": "fatal"}}]}, "panel-units-rule"),
    ({"paths": [{"glob": "x/**", "rule": {}}]}, "unknown key 'lint.paths[0].rule' (did you mean 'rules'?"),
    ({"paths": [{"rules": {}}]}, "missing required key 'lint.paths[0].glob'"),
    ({"paths": [{"glob": " ", "rules": {}}]}, "lint.paths[0].glob"),
    ({"paths": {"glob": "x"}}, "lint.paths"),
    ({"rules": {"*": "loud"}}, "lint.rules.*"),
    ({"rules": {"panel-titel-description-rule": "off"}}, "did you mean 'panel-title-description-rule'"),
])
def test_bad_paths_config_names_the_key(lint, needle):
    with pytest.raises(ValueError) as exc:
        settings(lint)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_yaml_off_and_quoted_star(tmp_path):
    (tmp_path / "dashgen.yaml").write_text(
        'lint:\n  paths:\n    - glob: "dashboards/**"\n      rules: {"*": off, panel-angular-rule: error}\n')
    s = config.load(root=tmp_path).lint_settings().for_source("dashboards/a.json")
    assert (s.severity("panel-units-rule"), s.severity("panel-angular-rule")) == ("off", "error")
