"""lint_dashboard / lint_rule_groups never raise, whatever JSON they get."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashgen.lint import RULES, LintSettings, lint_dashboard, lint_rule_groups

ALL_ON = LintSettings(rules={n: "error" for n, i in RULES.items() if i.severity == "off"})
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = [
    "panels", "rows", "targets", "templating", "list", "gridPos", "datasource", "fieldConfig", "defaults",
    "overrides", "unit", "type", "title", "id", "uid", "expr", "query", "refId", "name", "collapsed",
    "libraryPanel", "__elements", "model", "properties", "value", "x", "y", "w", "h", "options",
]

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
)
json_any = st.recursive(
    json_leaf,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), c, max_size=5),
    max_leaves=25,
)


def maybe(s):
    """Mostly the realistic strategy, sometimes any JSON value."""
    return st.one_of(s, s, s, json_any)


PANEL_TYPES = ["timeseries", "graph", "stat", "singlestat", "table", "table-old", "row", "text", "gauge",
               "bargauge", "logs", "piechart", "grafana-polystat-panel", "grafana-clock-panel", "heatmap", ""]
DATASOURCES = [None, "$datasource", "${datasource}", "[[datasource]]", "${datasource:raw}", "-- Mixed --",
               "-- Grafana --", "-- Dashboard --", "Prometheus", "Loki", "${DS_PROMETHEUS}", "$", "${", "$undefined",
               {"type": "prometheus", "uid": "${datasource}"}, {"type": "loki", "uid": "x"}, {"uid": 5},
               {"type": "datasource", "uid": "-- Mixed --"}, {"type": "datasource", "uid": "grafana"}, {"type": None}]
EXPRS = [
    'sum(rate(x_total{ns=~"$namespace"}[$__rate_interval])) by (pod)', "up > $threshold", "topk($n, up)",
    'up{job=$job}', 'rate(x[${w}m])', "$metric{a=\"b\"}[5m]", "histogram_quantile($q, rate(x_bucket[5m]))",
    "sum(", "{", "[[x]]", "$", "${a:b:c}", "${__to:date:seconds}", 'label_replace(up,"a","$1","b","(.*)")',
    '{app="x"} |= "err"', "flux_kustomization_condition", "x_total", "", "   ", "up offset -$o @ $t", "# only a comment",
    "1 +", "rate(x[$__rate_interval:$__interval])", '"unterminated', "`raw`", "up{a=~\"(\"}",
]
PROMQL_CHARS = 'abcx_{}[]()"\'`$:=~!,.059 +-*/@#\n\\'
expr_s = st.one_of(st.sampled_from(EXPRS), st.text(alphabet=PROMQL_CHARS, max_size=50))
text_s = st.one_of(st.sampled_from(["CPU", "", "  ", "$namespace", "Node $node", "${x.y}"]), st.text(max_size=15))
num_s = st.one_of(st.integers(-5, 40), st.floats(allow_nan=True), st.text(max_size=3))

target_s = st.fixed_dictionaries(
    {"refId": maybe(st.sampled_from(["A", "B", ""])), "expr": maybe(expr_s)},
    optional={
        "query": maybe(expr_s),
        "rawSql": maybe(st.just("SELECT $__timeFilter(t)")), "datasource": maybe(st.sampled_from(DATASOURCES)),
        "hide": json_any, "legendFormat": maybe(text_s), "panelId": json_any,
    },
)
gridpos_s = st.fixed_dictionaries({k: maybe(num_s) for k in "xywh"})
field_config_s = st.fixed_dictionaries(
    {},
    optional={
        "defaults": maybe(st.fixed_dictionaries({}, optional={
            "unit": maybe(st.sampled_from(["short", "", "us", "suffix:x", "suffix:", "bytes", "none"])),
            "mappings": json_any, "links": json_any})),
        "overrides": maybe(st.lists(st.fixed_dictionaries({}, optional={"properties": maybe(st.lists(
            st.fixed_dictionaries({}, optional={"id": st.sampled_from(["unit", "mappings", "links", "x"]),
                                                "value": json_any}), max_size=3))}), max_size=3)),
    },
)


def panel_s(nested):
    return st.fixed_dictionaries(
        {
            "type": maybe(st.sampled_from(PANEL_TYPES)), "title": maybe(text_s), "id": maybe(st.integers(0, 6)),
            "gridPos": maybe(gridpos_s), "datasource": maybe(st.sampled_from(DATASOURCES)),
            "targets": maybe(st.lists(target_s, max_size=3)), "fieldConfig": maybe(field_config_s),
        },
        optional={
            "description": maybe(text_s),
            "options": json_any, "styles": json_any, "pluginVersion": maybe(st.sampled_from(["1.0.0", "2.1.0", "x"])),
            "libraryPanel": maybe(st.fixed_dictionaries({}, optional={"uid": maybe(st.sampled_from(["lib", "nolib"])),
                                                                       "name": json_any})),
            "repeat": maybe(text_s), "scopedVars": json_any, "links": json_any, "yaxes": json_any, "format": json_any,
            "collapsed": json_any, "panels": nested,
        },
    )


leaf_panel = panel_s(json_any)
panel = panel_s(maybe(st.lists(leaf_panel, max_size=3)))
variable_s = st.fixed_dictionaries(
    {
        "name": maybe(st.sampled_from(["datasource", "namespace", "job", "instance", ""])),
        "type": maybe(st.sampled_from(["query", "datasource", "custom", "interval", "constant", "adhoc"])),
    },
    optional={
        "query": maybe(st.one_of(expr_s, st.sampled_from(["prometheus", "loki", "label_values(up, job)", "label_values(",
                                                          "label_names()", "query_result(up)", "metrics(.*)"]),
                                 st.fixed_dictionaries({}, optional={"query": maybe(expr_s)}))),
        "datasource": maybe(st.sampled_from(DATASOURCES)), "refresh": json_any, "multi": json_any,
        "allValue": json_any, "label": maybe(text_s),
    },
)
dashboard_s = st.fixed_dictionaries(
    {
        "panels": maybe(st.lists(panel, max_size=6)),
        "templating": maybe(st.fixed_dictionaries({"list": maybe(st.lists(variable_s, max_size=4))})),
    },
    optional={
        "rows": maybe(st.lists(st.fixed_dictionaries({}, optional={"panels": maybe(st.lists(leaf_panel, max_size=3)),
                                                                    "collapse": json_any}), max_size=2)),
        "uid": maybe(st.sampled_from(["abc", "", "a" * 41, "a/b"])), "title": maybe(text_s),
        "schemaVersion": maybe(st.integers(0, 45)), "editable": json_any, "links": json_any, "annotations": json_any,
        "__elements": maybe(st.fixed_dictionaries({}, optional={"lib": maybe(st.fixed_dictionaries(
            {}, optional={"model": maybe(leaf_panel), "uid": json_any}))})),
        "__inputs": json_any,
        "dashboard": json_any, "meta": json_any, "kind": json_any, "spec": json_any,
        "elements": json_any, "layout": json_any,
    },
)


def _check(findings):
    for f in findings:
        assert not f.message.startswith("internal error"), f
        assert f.severity in ("error", "warning")
        json.dumps(f.to_dict())


@SETTINGS
@given(dashboard_s, st.one_of(st.none(), st.integers(0, 3_000_000), json_any))
def test_dashboard_shaped_json_never_raises(model, size):
    _check(lint_dashboard(model, name="prop", settings=ALL_ON, configmap_bytes=size))


@SETTINGS
@given(json_any, json_any)
def test_random_json_never_raises(model, name):
    _check(lint_dashboard(model, name=name, settings=ALL_ON))


rule_s = st.fixed_dictionaries(
    {"expr": maybe(expr_s)},
    optional={
        "alert": maybe(st.sampled_from(["FluxFailing", "flux_failing", "", "A" * 50])),
        "record": maybe(st.sampled_from(["job:up:sum", "bad name", ""])),
        "for": maybe(st.sampled_from(["5m", "1.5m", "0", "", "1h30m", "5m1h"])),
        "keep_firing_for": json_any,
        "labels": maybe(st.dictionaries(st.sampled_from(["severity", "team", "bad-label"]), json_any, max_size=3)),
        "annotations": maybe(st.dictionaries(st.sampled_from(["summary", "description", "runbook_url"]), json_any,
                                             max_size=3)),
        "extra": json_any,
    },
)
group_s = st.fixed_dictionaries(
    {"name": maybe(text_s), "rules": maybe(st.lists(rule_s, max_size=5))},
    optional={"interval": json_any, "limit": json_any},
)


@SETTINGS
@given(maybe(st.lists(group_s, max_size=3)))
def test_rule_group_shaped_json_never_raises(groups):
    _check(lint_rule_groups(groups, name="prop"))


@SETTINGS
@given(json_any, json_any)
def test_random_json_rule_groups_never_raise(groups, name):
    _check(lint_rule_groups(groups, name=name))
    _check(lint_rule_groups({"groups": groups}, name="x"))
    _check(lint_rule_groups({"spec": {"groups": groups}}, name="x"))
