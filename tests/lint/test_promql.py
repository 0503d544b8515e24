"""Grafana variable substitution and PromQL analysis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashgen.dashboard import promql
from dashgen.dashboard.promql import analyze, parse_prom_duration
from dashgen.dashboard.variables import find_vars, var_name_of


@pytest.mark.parametrize("expr", [
    'sum(rate(x_total{ns=~"$namespace"}[$__rate_interval])) by (pod)',
    'rate(x[${__rate_interval}])',
    'rate(x[[[interval]]])',
    'up > $threshold',                       # number in comparison
    'up > ${threshold:raw}',
    'topk($n, up)',                          # aggregation parameter must be a scalar
    'quantile_over_time($q, up[1h])',
    'histogram_quantile($q, sum by (le) (rate(x_bucket[$__rate_interval])))',
    '$metric{job="a"}',                      # variable as metric name
    '$metric[5m]',
    'sum($metric)',
    'node_${x}_bytes',                       # name fragment
    '${prefix}_cpu_seconds_total',
    'sum by ($group) (up)',                  # label list
    'sum(up) without ($a, $b)',
    'up * on($l) group_left($m) vector(1)', 'up and on($l) vector(1)',
    'up offset $off', 'up offset -$off', 'up[$__range] offset $__interval',
    'up @ ${__to:date:seconds}', 'up @ $__from',
    'up{$filter}', 'up{a="b", $filter}',     # whole matcher
    'up{$lbl="x"}',                          # label name
    'up{job=${job:doublequote}}',            # quoting format
    'up{job=~"${job:regex}|foo"}', 'up{job=~"[[job]]"}', "up{job='$job'}", 'up{job=`$job`}',
    'rate(x[${w}m])',                        # number glued to a unit
    'max_over_time(up[$__range:$__interval])',
    '$agg by (x) (up)', '$fn(up[5m])',
    'label_replace(up, "a", "$1", "b", "(.*)")',
    'up / $__range_s * $__interval_ms', '1 - $x', '-$x',
    'up{a="$x" # a comment with $y and "quote\n}',
    'count_values("$lbl", up)',
    'sum(rate(x{a="\\"$v\\""}[5m]))',       # escaped quotes inside strings
    'up{a=~"(x|$y)"} + on(${l}) up',         # brackets inside strings do not count
    'up # trailing ${x} } ] )',              # nor brackets and variables in comments
    'sum(up{a="[[b]]"}) by ([[c]])',
    'rate(x[$__rate_interval] offset ${o})',
])
def test_substitution_keeps_valid_queries_valid(expr):
    a = analyze(expr)
    assert a.ok, (a.error, a.substituted)


@pytest.mark.parametrize("expr", [
    "sum(rate(x[5m])",            # unclosed paren
    "up{",                        # unclosed brace
    "up{job=$job}",               # unquoted value: Grafana sends up{job=foo}, which Prometheus rejects
    'up{job="$job"',
    "rate(x[$__rate_interval)",
    "sum(up) by (",
    "holt_winters(up[5m], 0.5, 0.5)",
    "$a $b",
    "up[$w:$x:$y]",
    "",
])
def test_invalid_queries_stay_invalid(expr):
    assert not analyze(expr).ok


def test_error_message_shows_the_variable_not_the_placeholder():
    a = analyze("up{job=$job}")
    assert "$job" in a.error and "__v" not in a.error


def test_range_variables_are_told_apart():
    a = analyze("rate(a[$__rate_interval]) + rate(b[$__interval]) + rate(c[5m]) + rate(d[$__rate_interval])")
    got = {s.name: (s.range_var, s.range) for s in a.selectors}
    assert got["a"][0] == got["d"][0] == "__rate_interval"
    assert got["b"][0] == "__interval"
    assert got["c"] == (None, timedelta(minutes=5))


def test_selectors_restore_variables():
    a = analyze('sum by (pod) (rate(${m}_total{namespace=~"$ns", $lbl="x"}[5m]))')
    [s] = a.selectors
    assert s.name == "${m}_total" and not s.name_literal
    assert ("namespace", "=~", "$ns") in s.matchers and ("$lbl", "=", "x") in s.matchers
    assert [p[0] for p in s.parents] == ["agg", "call", "matrix"]


def test_metric_name_from_name_matcher():
    [s] = analyze('{__name__="up", job="x"}').selectors
    assert s.name == "up" and s.name_literal and s.matchers == (("job", "=", "x"),)


def test_no_grafana_substitution_for_rule_files():
    assert analyze("up > $threshold").ok
    assert not analyze("up > $threshold", grafana=False).ok


def test_parsing_is_cached():
    promql.cache_clear()
    e = "sum(rate(cached_total[$__rate_interval]))"
    analyze(e)
    analyze(e)
    info = analyze.cache_info()
    assert (info.hits, info.misses) == (1, 1)


@pytest.mark.parametrize("s,name", [("$ds", "ds"), ("${ds}", "ds"), ("${ds:raw}", "ds"), ("[[ds]]", "ds"),
                                    (" $ds ", "ds"), ("$ds-x", None), ("ds", None), (None, None), (3, None)])
def test_var_name_of(s, name):
    assert var_name_of(s) == name


def test_find_vars_forms():
    refs = find_vars("$a ${b} ${c:regex} ${d.e:f} [[g]] [[h:csv]] $__rate_interval $1")
    assert [(r.name, r.fmt, r.path) for r in refs] == [
        ("a", None, None), ("b", None, None), ("c", "regex", None), ("d", "f", "e"), ("g", None, None),
        ("h", "csv", None), ("__rate_interval", None, None), ("1", None, None)]


@pytest.mark.parametrize("s,td", [
    ("5m", timedelta(minutes=5)), ("1h30m", timedelta(minutes=90)), ("0", timedelta(0)), ("0s", timedelta(0)),
    ("1w2d", timedelta(days=9)), ("1y", timedelta(days=365)), ("250ms", timedelta(milliseconds=250)),
    ("1.5m", None), ("5m1h", None), ("-5m", None), ("", None), ("5", None), ("5M", None), (None, None), (5, None),
])
def test_prometheus_durations(s, td):
    assert parse_prom_duration(s) == td


# ------------------------------------------------------------ shape cache
# analyze() parses queries that differ only in plain label values once (promql._shape); the
# result must be what analysing the query as written gives.

SHAPE_CASES = [
    'sum by (handler) (rate(http_requests_total{job="svc-0001",code="0"}[$__rate_interval]))',
    'up{a="x", b!="y"}', '{a!="x"}', '{a!~"x"}', '{a=~"x.y"}', 'up{a=~"x", b!~"y"}', "up{a='x'}", "up{a=`x`}",
    'up{a="x", a="x"}', 'up{a="same", b="same"}', 'up{ a = "x" ,b=~ "1.2" }', 'up{a="x" or b="y"}',
    'up{__name__="x"}', '{__name__="up", job="svc-1"}', 'up{a="x__y"}', 'up{a="x"} # c "y"',
    'up{a="x"} + on() up{b="__q0__"}', 'up{job="$job", env="prod"}', 'up{$lbl="x", env="prod"}',
    'rate(x{a="b"}[$__rate_interval]) > $threshold', 'up{a="b"} offset $off', 'topk($n, up{a="b"})',
    'label_replace(up{a="b"}, "dst", "$1", "a", "(.*)")', 'count_values("svc-1", up{a="b"})',
    'up{a="1"} == "x"', 'up{a=="b"}', 'up{a="b"', 'up{a="b"}[${__rate_interval}]', 'up{a="b", c="d",}',
    'sum(rate(x{a="b"}[$__rate_interval])) by ([[grp]])', '{"quoted.name", a="b"}', 'up{"a-b"="c", d="e"}',
    '{a=""}', 'up{a="x", b=""}', '{a=~".*"}', '{a=~"x|"}', '{a=~"x+"}', '{a=~"("}', 'rate(x{a="__v0__"}[$w])',
]


@pytest.mark.parametrize("grafana", [True, False])
@pytest.mark.parametrize("expr", SHAPE_CASES)
def test_shape_cache_gives_the_analysis_of_the_query_as_written(expr, grafana):
    promql.cache_clear()
    as_written = promql._analyze(expr, find_vars(expr) if grafana else ())
    assert analyze(expr, grafana) == as_written


def test_queries_differing_in_label_values_share_one_parse():
    promql.cache_clear()
    for i in range(5):
        [s] = analyze(f'sum(rate(x_total{{job="svc-{i}", code="{i}"}}[$__rate_interval]))').selectors
        assert s.matchers == (("job", "=", f"svc-{i}"), ("code", "=", str(i)))
        assert s.range_var == "__rate_interval"
    info = promql._analyze_shape.cache_info()
    assert (info.misses, info.hits) == (1, 4)


_values = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.:/-]{1,5}", fullmatch=True),
    st.sampled_from(["svc-1", "0", "", ".*", "a|b", "x+", "$job", "[[j]]", "__v0__", "a__b", "a b", "é", "\\d"]),
)


@st.composite
def _matcher(draw):
    label = draw(st.sampled_from(["job", "le", "code", "__name__", "$l", "1a"]))
    op = draw(st.sampled_from(["=", "!=", "=~", "!~", " = ", "=="]))
    quote = draw(st.sampled_from(['"', '"', "'", "`"]))
    return f"{label}{op}{quote}{draw(_values)}{quote}"


@st.composite
def _selector(draw):
    name = draw(st.sampled_from(["", "", "up", "x_total", "$metric"]))
    matchers = draw(st.lists(_matcher(), max_size=3))
    rng = draw(st.sampled_from(["", "", "[5m]", "[$__rate_interval]"]))
    return f"{name}{{{', '.join(matchers)}}}{rng}"


_query = st.builds(str.format, st.sampled_from(["{}", "rate({})", "sum by (le) ({})", "{} > $t", "{} / on($l) {}"]),
                   _selector(), _selector())


@settings(max_examples=500, deadline=None)
@given(_query, st.booleans())
def test_shape_cache_property(expr, grafana):
    as_written = promql._analyze(expr, find_vars(expr) if grafana else ())
    assert analyze(expr, grafana) == as_written
