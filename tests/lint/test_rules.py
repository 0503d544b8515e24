"""Every rule fires on its bad example and is silent on its good one, plus rule-specific cases."""

from __future__ import annotations

import dataclasses

import pytest

from dashgen.lint import RULES, LintSettings, lint_dashboard, lint_rule_groups

from .builders import dashboard, panel, row, target, variables, with_
from .cases import CASES

ALL_ON = LintSettings(rules={name: "error" for name, info in RULES.items() if info.severity == "off"})


def run(kind: str, data, **kw):
    if kind == "dashboard":
        return lint_dashboard(data, name="case", settings=ALL_ON, **kw)
    return lint_rule_groups(data, name="case", settings=ALL_ON, **kw)


def rules_of(findings):
    return {f.rule for f in findings}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_fires_on_bad_and_not_on_good(rule):
    assert rule in CASES, f"rule {rule} has no test case in tests/lint/cases.py"
    case = CASES[rule]
    kind = RULES[rule].kind
    bad = run(kind, case.bad, **case.kwargs_bad)
    good = run(kind, case.good, **case.kwargs_good)
    assert rule in rules_of(bad), [f.message for f in bad]
    assert rule not in rules_of(good), [f.message for f in good if f.rule == rule]
    for f in bad + good:
        assert not f.message.startswith("internal error"), f


def test_no_case_for_unknown_rule():
    assert set(CASES) <= set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_registry_entries_are_documented(rule):
    info = RULES[rule]
    assert info.kind in ("dashboard", "rules")
    assert info.severity in ("error", "warning", "off")
    assert info.description and "\n" not in info.description


def test_clean_dashboard_and_rules_have_no_findings():
    assert lint_dashboard(dashboard(), name="clean") == []
    from .builders import rule_groups
    assert lint_rule_groups(rule_groups(), name="clean") == []


def test_off_rules_are_documented_as_not_fitting_cluster_dashboards():
    off = {n for n, i in RULES.items() if i.severity == "off"}
    assert off == {"template-job-rule", "template-instance-rule", "target-job-rule", "target-instance-rule"}
    for n in off:
        assert "Off by default" in RULES[n].description


def test_finding_fields_and_to_dict():
    d = dashboard([panel(7, "Restarts", targets=[target("sum(kube_pod_container_status_restarts_total)", ref="B")])])
    [f] = [f for f in lint_dashboard(d, name="k8s") if f.rule == "target-counter-agg-rule"]
    assert (f.dashboard, f.panel, f.panel_id, f.target, f.severity) == ("k8s", "Restarts", 7, "B", "error")
    dd = f.to_dict()
    assert set(dd) == {"rule", "severity", "dashboard", "panel", "panel_id", "target", "message", "fix"}
    assert "rate" in dd["fix"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.rule = "x"  # frozen


def findings_for(d, rule, **kw):
    return [f for f in lint_dashboard(d, name="t", settings=ALL_ON, **kw) if f.rule == rule]


# ------------------------------------------------------------------- angular


@pytest.mark.parametrize(
    "ptype,replacement",
    [
        ("graph", "timeseries"),
        ("graphite", "timeseries"),  # graph before schemaVersion 2
        ("singlestat", "stat"),
        ("grafana-singlestat-panel", "stat"),
        ("table-old", "table"),
        ("grafana-piechart-panel", "piechart"),
        ("grafana-worldmap-panel", "geomap"),
        ("natel-discrete-panel", "state-timeline"),
        ("yesoreyeram-boomtable-panel", "table"),
        ("mxswat-separator-panel", "text"),
    ],
)
def test_angular_panels_name_their_replacement(ptype, replacement):
    [f] = findings_for(with_(dashboard(), "panels.0.type", ptype), "panel-angular-rule")
    assert replacement in f.fix
    assert ptype in f.message


@pytest.mark.parametrize("ptype", ["timeseries", "stat", "table", "piechart", "geomap", "state-timeline", "barchart"])
def test_react_panels_are_not_angular(ptype):
    assert findings_for(with_(dashboard(), "panels.0.type", ptype), "panel-angular-rule") == []


@pytest.mark.parametrize(
    "ptype,version,fires",
    [
        ("grafana-polystat-panel", "1.2.11", True),
        ("grafana-polystat-panel", "v1.2.11", True),
        ("grafana-polystat-panel", "2.1.0", False),
        ("grafana-polystat-panel", None, False),
        ("grafana-clock-panel", "1.0.3", True),
        ("grafana-clock-panel", "2.1.3", False),
        ("briangann-gauge-panel", "0.0.9", True),
        ("briangann-gauge-panel", "2.0.1", False),
    ],
)
def test_version_gated_angular_plugins(ptype, version, fires):
    d = with_(dashboard(), "panels.0.type", ptype)
    if version is not None:
        d = with_(d, "panels.0.pluginVersion", version)
    assert bool(findings_for(d, "panel-angular-rule")) is fires


@pytest.mark.parametrize("schema,fires", [(18, True), (23, True), (24, False), (39, False), ("16", True), ("30", False)])
def test_table_with_styles_before_schema_24_is_table_old(schema, fires):
    """As Grafana compares it: a numeric string schemaVersion counts as its number."""
    d = with_(dashboard(schemaVersion=schema), "panels.0.type", "table")
    d = with_(d, "panels.0.styles", [{"pattern": "Time", "type": "date"}])
    found = findings_for(d, "panel-angular-rule")
    assert bool(found) is fires
    if fires:
        assert "table-old" in found[0].message


def test_react_table_without_styles_is_fine_even_at_old_schema():
    d = with_(dashboard(schemaVersion=12), "panels.0.type", "table")
    assert findings_for(d, "panel-angular-rule") == []


def test_table_marked_table2_keeps_its_styles_and_is_react():
    """Grafana's schemaVersion 24 step leaves a table with ``table: "table2"`` the React table."""
    d = with_(dashboard(schemaVersion=18), "panels.0.type", "table")
    d = with_(d, "panels.0.styles", [{"pattern": "Time", "type": "date"}])
    assert findings_for(with_(d, "panels.0.table", "table2"), "panel-angular-rule") == []


# --------------------------------------------------------------------- units


@pytest.mark.parametrize("unit", ["short", "percentunit", "bytes", "s", "ms", "µs", "reqps", "none", "dtdurations",
                                  "suffix: pods", "prefix:$", "si:B", "count:req", "currency:€", "bool_on_off"])
def test_valid_units(unit):
    assert findings_for(with_(dashboard(), "panels.0.fieldConfig.defaults.unit", unit), "panel-units-rule") == []


@pytest.mark.parametrize("unit,suggestion", [("us", "µs"), ("seconds", "s"), ("byte", "bytes"), ("suffix:", None),
                                             ("percen", "percent"), ("foo:bar", None)])
def test_invalid_units(unit, suggestion):
    [f] = findings_for(with_(dashboard(), "panels.0.fieldConfig.defaults.unit", unit), "panel-units-rule")
    assert repr(unit) in f.message
    if suggestion:
        assert f"'{suggestion}'" in f.fix


def test_units_number_is_reported_not_crashed():
    [f] = findings_for(with_(dashboard(), "panels.0.fieldConfig.defaults.unit", 3), "panel-units-rule")
    assert "number" in f.message


def test_units_override_counts_and_mappings_exempt():
    d = with_(dashboard(), "panels.0.fieldConfig", {
        "defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "x"},
                                       "properties": [{"id": "unit", "value": "bytes"}]}]})
    assert findings_for(d, "panel-units-rule") == []
    d = with_(dashboard(), "panels.0.fieldConfig", {"defaults": {"mappings": [{"type": "value", "options": {"1": {"text": "Up"}}}]}})
    d = with_(d, "panels.0.type", "stat")
    assert findings_for(d, "panel-units-rule") == []
    d = with_(d, "panels.0.fieldConfig", {"defaults": {}})
    assert len(findings_for(d, "panel-units-rule")) == 1


def test_units_not_required_for_text_row_or_piechart():
    d = dashboard([panel(1, "Notes", type="text", unit=""), panel(2, "Pie", x=12, type="piechart", unit="")])
    assert findings_for(d, "panel-units-rule") == []


def test_legacy_graph_units_from_yaxes():
    p = panel(type="graph")
    del p["fieldConfig"]
    p["yaxes"] = [{"format": "bytes"}, {"format": "short"}]
    assert findings_for(dashboard([p]), "panel-units-rule") == []
    p["yaxes"] = [{"format": "byte"}]
    assert len(findings_for(dashboard([p]), "panel-units-rule")) == 1


# ---------------------------------------------------------------- datasources


@pytest.mark.parametrize("ds", ["$datasource", "${datasource}", {"uid": "$datasource"}, {"type": "prometheus", "uid": "${datasource}"},
                                "-- Grafana --", {"type": "datasource", "uid": "grafana"}, "-- Dashboard --",
                                {"type": "datasource", "uid": "-- Dashboard --"}])
def test_panel_datasource_accepted(ds):
    d = with_(dashboard(), "panels.0.datasource", ds)
    for t in d["panels"][0]["targets"]:
        t.pop("datasource")
    assert findings_for(d, "panel-datasource-rule") == []


@pytest.mark.parametrize("ds,word", [("Prometheus", "fixed"), ({"type": "prometheus", "uid": "abc"}, "fixed"),
                                     (None, "default"), ("${DS_PROMETHEUS}", "import"), ("$namespace", "not a datasource variable")])
def test_panel_datasource_rejected(ds, word):
    d = with_(dashboard(), "panels.0.datasource", ds)
    for t in d["panels"][0]["targets"]:
        t.pop("datasource")
    if ds == "${DS_PROMETHEUS}":
        d["__inputs"] = [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}]
    [f] = findings_for(d, "panel-datasource-rule")
    assert word in f.message


def test_invalid_datasource_uid_is_not_confused_with_the_default():
    # {"uid": False} and {} once shared a resolution cache entry, so the answer depended on panel order.
    def p(pid, title, ds):
        return panel(pid, title, y=8 * pid, datasource=ds, targets=[{"refId": "A", "expr": "up"}])

    for panels in ([p(1, "A", {}), p(2, "B", {"uid": False})], [p(2, "B", {"uid": False}), p(1, "A", {})]):
        found = {f.panel: f.message for f in findings_for(dashboard(panels), "panel-datasource-rule")}
        assert "default datasource" in found["A"] and "invalid value {'uid': False}" in found["B"]


def test_mixed_panel_checks_each_prometheus_target_but_not_loki():
    vars_ = variables() + [{"name": "loki_datasource", "type": "datasource", "query": "loki"}]
    p = panel(datasource={"type": "datasource", "uid": "-- Mixed --"}, targets=[
        target(ref="A"),
        {"refId": "B", "expr": "up", "datasource": {"type": "prometheus", "uid": "PBFA97CFB590B2093"}},
        {"refId": "C", "expr": '{app="flux"} |= "error"', "datasource": {"type": "loki", "uid": "${loki_datasource}"}},
        {"refId": "D", "expr": 'sum(count_over_time({app="x"}[5m]))', "datasource": {"type": "loki", "uid": "P8E80F9AEF21F6940"}},
    ])
    found = findings_for(dashboard([p], vars=vars_), "panel-datasource-rule")
    assert [f.target for f in found] == ["B"]


def test_loki_and_elasticsearch_targets_are_not_parsed_as_promql():
    vars_ = variables() + [{"name": "loki_datasource", "type": "datasource", "query": "loki"}]
    loki = panel(1, "Logs", type="logs", datasource={"type": "loki", "uid": "${loki_datasource}"},
                 targets=[{"refId": "A", "expr": '{namespace="flux-system"} |= "error" | json'}])
    es = panel(2, "Errors", x=12, datasource={"type": "elasticsearch", "uid": "es1"},
               targets=[{"refId": "A", "query": "status:500 AND $namespace"}])
    found = lint_dashboard(dashboard([loki, es], vars=vars_), name="t")
    assert not [f for f in found if f.rule.startswith("target-")]
    assert not [f for f in found if f.rule == "panel-datasource-rule"]


def test_loki_only_dashboard_needs_no_prometheus_datasource_variable():
    vars_ = [{"name": "datasource", "type": "datasource", "query": "loki"}]
    loki = panel(1, "Logs", type="logs", datasource="$datasource", targets=[{"refId": "A", "expr": '{app="x"}'}])
    found = lint_dashboard(dashboard([loki], vars=vars_), name="t")
    assert not [f for f in found if f.rule in ("template-datasource-rule", "target-promql-rule")]


# ----------------------------------------------------------------- templating


@pytest.mark.parametrize("query,ok", [
    ("label_values(namespace)", True),
    ("label_values(kube_pod_info{namespace=~\"$namespace\"}, pod)", True),
    ("label_values(kube_pod_info{namespace=~\"$namespace\"}, $label)", True),
    ("label_names()", True),
    ("label_names(up{job=\"x\"})", True),
    ("metrics(kube_.*)", True),
    ("query_result(topk(5, sum by (pod) (rate(x_total[$__range]))))", True),
    ("kube_pod_info{namespace=\"x\"}", True),
    ("label_values(up{, job)", False),
    ("label_value(up, job)", False),
    ("query_result(sum(up)", False),
    ("sum(up) by (job)", False),
    ("label_values(up, job-name)", False),
])
def test_template_label_promql(query, ok):
    d = with_(dashboard(), "templating.list.1.query", query)
    assert (findings_for(d, "template-label-promql-rule") == []) is ok


def test_template_label_promql_skips_non_prometheus_variables():
    v = {"name": "app", "type": "query", "datasource": {"type": "loki", "uid": "x"}, "query": "label_values({job=~\".+\"}, app) |= x", "refresh": 2}
    assert findings_for(dashboard(vars=variables() + [v]), "template-label-promql-rule") == []


def test_template_datasource_name_with_several_datasources():
    vars_ = variables() + [{"name": "loki", "type": "datasource", "query": "loki"}]
    msgs = [f.message for f in findings_for(dashboard(vars=vars_), "template-datasource-rule")]
    assert any("'prometheus_datasource'" in m for m in msgs)
    assert any("'loki_datasource'" in m for m in msgs)


# --------------------------------------------------------- undefined variables


@pytest.mark.parametrize("expr", [
    'rate(x_total[$__rate_interval])', 'rate(x_total[${__rate_interval}])', 'rate(x_total[$__interval])',
    'increase(x_total[$__range])', 'x / $__range_s', 'up @ ${__to:date:seconds}', 'sum(up{ns=~"${namespace:regex}"})',
    'label_replace(up, "a", "$1", "b", "(.*)")', 'up{namespace=~"[[namespace]]"}',
])
def test_builtins_and_defined_variables_are_fine(expr):
    d = dashboard([panel(targets=[target(expr)])])
    assert findings_for(d, "template-undefined-variable-rule") == []


@pytest.mark.parametrize("where", ["expr", "title", "datasource", "legend", "repeat", "link", "varquery"])
def test_undefined_variable_locations(where):
    p = panel()
    vars_ = variables()
    if where == "expr":
        p["targets"] = [target('up{cluster="$cluster"}')]
    elif where == "title":
        p["title"] = "CPU in $cluster"
    elif where == "datasource":
        p["datasource"] = "${cluster}"
        p["targets"] = [{"refId": "A", "expr": "up"}]
    elif where == "legend":
        p["targets"] = [target(legendFormat="{{pod}} $cluster")]
    elif where == "repeat":
        p["repeat"] = "cluster"
    elif where == "link":
        p["links"] = [{"title": "x", "url": "/d/abc?var-cluster=${cluster}&${__url_time_range}"}]
    elif where == "varquery":
        vars_[1]["query"] = "label_values(kube_pod_info{cluster=\"$cluster\"}, namespace)"
    found = findings_for(dashboard([p], vars=vars_), "template-undefined-variable-rule")
    assert len(found) == 1 and "$cluster" in found[0].message


def test_undefined_variable_suggests_close_name():
    d = dashboard([panel(targets=[target('up{namespace=~"$namspace"}')])])
    [f] = findings_for(d, "template-undefined-variable-rule")
    assert "$namespace" in f.fix


def test_sql_macros_only_in_sql_targets():
    sql = panel(1, "Rows", datasource={"type": "mysql", "uid": "m1"},
                targets=[{"refId": "A", "rawSql": "SELECT $__timeGroup(t, $__interval), count(*) FROM x WHERE $__timeFilter(t)"}])
    prom = panel(2, "Prom", x=12, targets=[target("up{x=\"$__timeFilter\"}")])
    found = findings_for(dashboard([sql, prom]), "template-undefined-variable-rule")
    assert [f.panel for f in found] == ["Prom"]


def test_scoped_vars_of_repeated_panels_are_defined():
    p = panel(title="Node $node", scopedVars={"node": {"text": "a", "value": "a"}})
    assert findings_for(dashboard([p]), "template-undefined-variable-rule") == []


# ---------------------------------------------------------------- layout


def test_collapsed_row_panels_do_not_overlap_outside_panels():
    inner = [panel(10, "Inner A", y=1), panel(11, "Inner B", x=12, y=1)]
    d = dashboard([row(1, "Details", 0, collapsed=True, panels=inner), panel(2, "Outer", y=1, w=24)])
    assert findings_for(d, "panel-gridpos-overlap-rule") == []
    inner.append(panel(12, "Inner C", x=6, y=3))
    d = dashboard([row(1, "Details", 0, collapsed=True, panels=inner), panel(2, "Outer", y=1, w=24)])
    [f] = findings_for(d, "panel-gridpos-overlap-rule")
    assert f.panel == "Inner C"


def test_rows_are_full_width():
    d = dashboard([row(1, "R", 0), panel(2, "P", x=18, y=0, w=6, h=4)])
    assert len(findings_for(d, "panel-gridpos-overlap-rule")) == 1


def test_duplicate_id_inside_collapsed_row():
    d = dashboard([row(1, "R", 0, collapsed=True, panels=[panel(2, "Inner", y=1)]), panel(2, "Outer", y=1)])
    [f] = findings_for(d, "panel-id-unique-rule")
    assert f.panel_id == 2


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize("expr", [
    "rate(x_total[5m])", "irate(x_total[1m])", "rate(x_total[$__interval])", "sum(rate(x_total[$interval]))",
])
def test_rate_without_rate_interval(expr):
    assert len(findings_for(dashboard([panel(targets=[target(expr)])]), "target-rate-interval-rule")) == 1


@pytest.mark.parametrize("expr", [
    "rate(x_total[$__rate_interval])", "increase(x_total[1h])", "avg_over_time(up[5m])", "rate(x_total[${__rate_interval}])",
])
def test_rate_interval_ok(expr):
    assert findings_for(dashboard([panel(targets=[target(expr)])]), "target-rate-interval-rule") == []


@pytest.mark.parametrize("expr,ok", [
    ("x_total", False), ("sum(x_total)", False), ("x_total offset 1h", False), ("last_over_time(x_total[5m])", False),
    ("rate(x_total[5m])", True), ("sum(increase(x_total[1h]))", True), ("rate(x_total[5m:1m])", True),
    ("count(x_total)", True), ("absent(x_total)", True), ("resets(x_total[1h])", True), ("changes(x_total[1h])", True),
    ("rate((x_total)[5m:])", True), ("x_bytes", True), ("sum(rate(${m}_total[5m]))", True), ("${m}_total", False),
])
def test_counter_agg(expr, ok):
    assert (findings_for(dashboard([panel(targets=[target(expr)])]), "target-counter-agg-rule") == []) is ok


@pytest.mark.parametrize("metric,fixword", [
    ("flux_kustomization_condition", "gotk_resource_info"),
    ("flux_gitrepository_condition", "GitRepository"),
    ("flux_helmrelease_condition", "HelmRelease"),
    ("flux_kustomization_reconcile_duration_seconds_bucket", "gotk_reconcile_duration_seconds_bucket"),
    ("kube_pod_container_resource_limits_memory_bytes", 'resource="memory"'),
    ("kube_pod_container_resource_requests_cpu_cores", 'resource="cpu"'),
    ("gotk_reconcile_condition", 'ready="False"'),
    ("gotk_suspend_status", 'suspended="true"'),
])
def test_unknown_metrics(metric, fixword):
    expr = f'sum by (le) (rate({metric}[$__rate_interval]))' if metric.endswith("_bucket") else f"max({metric})"
    [f] = findings_for(dashboard([panel(targets=[target(expr)])]), "target-unknown-metric-rule")
    assert fixword in f.fix and metric in f.message


def test_unknown_metric_via_name_matcher():
    found = findings_for(dashboard([panel(targets=[target('{__name__="gotk_suspend_status"}')])]), "target-unknown-metric-rule")
    assert len(found) == 1


def test_job_matcher_forms():
    d = dashboard([panel(targets=[target('sum(rate(x_total{job=~"${job}"}[$__rate_interval])) / sum(up{job=~"$job"})')])])
    assert findings_for(d, "target-job-rule") == []
    d = dashboard([panel(targets=[target('sum(rate(x_total{job=~"${job}"}[$__rate_interval])) / sum(up{job="x"})')])])
    assert len(findings_for(d, "target-job-rule")) == 1


def test_empty_and_non_string_expr():
    d = dashboard([panel(targets=[target(""), target(42, ref="B"), target("", ref="C", hide=True)])])
    found = findings_for(d, "target-promql-rule")
    assert sorted(f.target for f in found) == ["A", "B"]


def test_holt_winters_gets_a_prometheus_3_hint():
    [f] = findings_for(dashboard([panel(targets=[target("holt_winters(up[5m], 0.5, 0.5)")])]), "target-promql-rule")
    assert "double_exponential_smoothing" in f.fix


def test_configmap_size_levels():
    d = dashboard()
    [big] = findings_for(d, "dashboard-configmap-size-rule", configmap_bytes=1048577)
    [mid] = findings_for(d, "dashboard-configmap-size-rule", configmap_bytes=262145)
    assert (big.severity, mid.severity) == ("error", "warning")
    assert findings_for(d, "dashboard-configmap-size-rule", configmap_bytes=262144) == []
    assert findings_for(d, "dashboard-configmap-size-rule") == []
    # The kubectl warning is about the whole object (the last-applied annotation), not just the data.
    [whole] = findings_for(d, "dashboard-configmap-size-rule", configmap_bytes=262000, configmap_object_bytes=262145)
    assert whole.severity == "warning" and "262145" in whole.message


@pytest.mark.parametrize("uid,ok", [("a" * 40, True), ("a" * 41, False), ("k8s-resources_cluster", True), ("héllo", False),
                                    ("a.b", False), (None, False), ("", False), (12, False)])
def test_uids(uid, ok):
    assert (findings_for(with_(dashboard(), "uid", uid), "dashboard-uid-rule") == []) is ok


@pytest.mark.parametrize("ptype", ["text", "row", "news", "dashlist", "alertlist", "annolist"])
def test_non_data_panels_need_no_targets_units_or_description(ptype):
    p = panel(type=ptype, unit="", targets=[])
    del p["description"]
    found = lint_dashboard(dashboard([p]), name="t")
    assert not [f for f in found if f.rule in ("panel-no-targets-rule", "panel-units-rule", "panel-title-description-rule")]


def test_datasource_variable_name_suggestion_is_a_valid_variable_name():
    vars_ = variables() + [{"name": "infinity", "type": "datasource", "query": "yesoreyeram-infinity-datasource"}]
    msgs = [f.message for f in findings_for(dashboard(vars=vars_), "template-datasource-rule")]
    assert any("'yesoreyeram_infinity_datasource_datasource'" in m for m in msgs), msgs
    vars_[-1]["name"] = "yesoreyeram_infinity_datasource_datasource"
    vars_[0]["name"] = "prometheus_datasource"
    vars_[0]["label"] = "prometheus data source"
    vars_[1]["datasource"] = {"type": "prometheus", "uid": "${prometheus_datasource}"}
    assert findings_for(dashboard([panel(datasource={"type": "prometheus", "uid": "${prometheus_datasource}"},
                                         targets=[target(datasource=None)])], vars=vars_), "template-datasource-rule") == []
