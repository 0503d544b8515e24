"""Template variables resolve as Grafana resolves them, cascading, on a tiny scenario.

The fake Prometheus below answers label_values/series/query from a handful of series, with
real matcher semantics (parsed by promql_parser), so each expectation is read off the
scenario, not off the code under test.
"""

from __future__ import annotations

import re

import promql_parser
import pytest

from dashgen.verify.client import PrometheusError
from dashgen.verify.grafana import replace
from dashgen.verify.variables import Context, resolve

SERIES = [
    {"__name__": "http_requests_total", "namespace": "shop", "job": "cart", "handler": "/cart"},
    {"__name__": "http_requests_total", "namespace": "shop", "job": "cart", "handler": "/cart/{id}"},
    {"__name__": "http_requests_total", "namespace": "shop", "job": "checkout", "handler": "/pay"},
    {"__name__": "http_requests_total", "namespace": "music", "job": "empulse-api", "handler": "/api/v1/search"},
    {"__name__": "http_requests_total", "namespace": "music", "job": "empulse-api", "handler": "/healthz"},
    {"__name__": "up", "namespace": "music", "job": "empulse-api"},
    {"__name__": "up", "namespace": "ops", "job": "node-exporter"},
]


def _match(series: dict, selector: str) -> bool:
    expr = promql_parser.parse(selector)
    if expr.name and series.get("__name__") != expr.name:
        return False
    for m in expr.matchers.matchers:
        value = series.get(m.name, "")
        op = str(m.op)
        if op.endswith("NotEqual") and value == m.value or op.endswith(".Equal") and value != m.value:
            return False
        if op.endswith(".Re") and not re.fullmatch(m.value, value):
            return False
        if op.endswith("NotRe") and re.fullmatch(m.value, value):
            return False
    return True


class FakePrometheus:
    def __init__(self, series):
        self.series_data = series
        self.calls: list[tuple] = []

    def label_values(self, label, *, match=None, start=None, end=None):
        self.calls.append(("label_values", label, match))
        rows = [s for s in self.series_data if match is None or _match(s, match)]
        return sorted({s[label] for s in rows if label in s})

    def label_names(self, *, match=None, start=None, end=None):
        rows = [s for s in self.series_data if match is None or _match(s, match)]
        return sorted({k for s in rows for k in s})

    def series(self, match, *, start=None, end=None):
        self.calls.append(("series", match))
        return [s for s in self.series_data if _match(s, match)]

    def query(self, expr, time):
        self.calls.append(("query", expr))
        if "(" in expr and not expr.startswith("count"):
            raise PrometheusError('parse error: unexpected "("')
        by = re.match(r"count by \((\w+)\) \((.+)\)", expr)
        groups: dict[str, int] = {}
        for s in self.series_data:
            if _match(s, by.group(2)):
                groups[s[by.group(1)]] = groups.get(s[by.group(1)], 0) + 1
        return {"resultType": "vector",
                "result": [{"metric": {by.group(1): k}, "value": [time, str(v)]} for k, v in sorted(groups.items())]}


def ctx(fake):
    return Context(fake, 0.0, 3600.0, "prometheus", "30s")


def qvar(name, query, **extra):
    return {"name": name, "type": "query", "query": query, "refresh": 2,
            "datasource": {"type": "prometheus", "uid": "${datasource}"}, **extra}


DASHBOARD = {"templating": {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    # deliberately listed before what they depend on: resolution follows the references
    qvar("handler", 'label_values(http_requests_total{namespace=~"$namespace", job=~"$job"}, handler)',
         multi=True, includeAll=True, current={"value": ["$__all"]}),
    qvar("job", 'label_values(http_requests_total{namespace=~"$namespace"}, job)', multi=True, includeAll=True,
         current={"value": ["$__all"]}),
    qvar("namespace", "label_values(http_requests_total, namespace)", multi=False, includeAll=False,
         current={"value": "shop", "text": "shop"}),
]}}


def test_cascade_follows_the_selected_namespace():
    fake = FakePrometheus(SERIES)
    v = resolve(DASHBOARD, ctx(fake))
    assert v["namespace"].options == ["music", "shop"]
    assert v["namespace"].selected == ["shop"]
    assert v["job"].options == ["cart", "checkout"]  # only shop's jobs
    assert v["job"].is_all and v["job"].selected == ["cart", "checkout"]
    assert v["handler"].options == ["/cart", "/cart/{id}", "/pay"]
    # the handler query was sent with job's All as an escaped alternation
    sent = [c[2] for c in fake.calls if c[0] == "label_values" and c[1] == "handler"]
    assert sent == ['http_requests_total{namespace=~"shop", job=~"(cart|checkout)"}']


def test_cascade_changes_when_the_saved_selection_changes():
    board = {"templating": {"list": [dict(x) for x in DASHBOARD["templating"]["list"]]}}
    board["templating"]["list"][3]["current"] = {"value": "music"}
    board["templating"]["list"][2]["current"] = {"value": ["empulse-api"]}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert v["job"].options == ["empulse-api"] and v["job"].selected == ["empulse-api"] and not v["job"].is_all
    assert v["handler"].options == ["/api/v1/search", "/healthz"]


def test_saved_value_that_no_longer_exists_falls_back_like_grafana():
    board = {"templating": {"list": [
        qvar("namespace", "label_values(http_requests_total, namespace)", current={"value": "gone"}),
        qvar("job", 'label_values(up{namespace="$namespace"}, job)', includeAll=True, multi=True,
             current={"value": ["gone"]}),
    ]}}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert v["namespace"].selected == ["music"]  # first option (sorted by Prometheus)
    assert v["job"].is_all  # All is the first option when offered


def test_regex_sort_and_label_values_without_selector():
    board = {"templating": {"list": [
        qvar("api_handler", "label_values(handler)", regex="/^/api/v1/(.*)$/", sort=2),
        qvar("svc", "label_values(job)", regex="/(?<value>[a-z]+)-.*/"),
    ]}}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert v["api_handler"].options == ["search"]
    assert v["svc"].options == ["empulse", "node"]


def test_query_result_and_series_queries():
    board = {"templating": {"list": [
        qvar("busy", "query_result(count by (namespace) (http_requests_total))", regex='/namespace="([^"]+)"/'),
        qvar("series", 'up{namespace="ops"}'),
        qvar("custom", "", type="custom"),
    ]}}
    board["templating"]["list"][2] = {"name": "custom", "type": "custom", "query": "a, b\\,c, x : y"}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert v["busy"].options == ["music", "shop"]
    assert v["series"].options == ['up{namespace="ops",job="node-exporter"}']
    assert v["custom"].options == ["a", "b,c", "y"]


def test_a_failing_variable_query_is_reported_not_raised():
    board = {"templating": {"list": [qvar("bad", "query_result(sum(rate(x[5m]))")]}}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert v["bad"].error and "parse error" in v["bad"].error
    assert v["bad"].options == []


def test_circular_variables_are_an_error():
    board = {"templating": {"list": [qvar("a", 'label_values(up{job="$b"}, job)'),
                                     qvar("b", 'label_values(up{job="$a"}, job)')]}}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert any(x.error and "circular" in x.error for x in v.values())


@pytest.mark.parametrize("all_value, expected", [(None, 'x{job=~"(cart|checkout)"}'), (".*", 'x{job=~".*"}')])
def test_panel_queries_see_all_as_grafana_sends_it(all_value, expected):
    extra = {"allValue": all_value} if all_value else {}
    board = {"templating": {"list": [
        qvar("namespace", "label_values(http_requests_total, namespace)", current={"value": "shop"}),
        qvar("job", 'label_values(http_requests_total{namespace="$namespace"}, job)', includeAll=True, multi=True,
             **extra),
    ]}}
    v = resolve(board, ctx(FakePrometheus(SERIES)))
    assert replace('x{job=~"$job"}', v) == expected
