"""Grafana's query semantics as dashgen verify reproduces them: time, intervals, variable formatting.

Expected values are worked out by hand from Grafana's rules (quoted in each test), not taken
from the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashgen.errors import DashgenError
from dashgen.verify import grafana
from dashgen.verify.grafana import Variable, go_duration, parse_time, replace, substitute_builtins, timing

NOW = datetime(2026, 3, 15, 12, 34, 56, tzinfo=UTC).timestamp()
H = 3_600_000


# ----------------------------------------------------------------------------- time
@pytest.mark.parametrize("text, expected", [
    ("now", NOW),
    ("now-6h", NOW - 6 * 3600),
    ("now-90m", NOW - 90 * 60),
    ("now-1d", NOW - 86400),
    ("now+1h", NOW + 3600),
    ("now-1h-30m", NOW - 5400),
    ("now/d", datetime(2026, 3, 15, tzinfo=UTC).timestamp()),
    ("now-1d/d", datetime(2026, 3, 14, tzinfo=UTC).timestamp()),
    ("now-1M", datetime(2026, 2, 15, 12, 34, 56, tzinfo=UTC).timestamp()),
    ("1767225600", 1767225600.0),
    ("1767225600000", 1767225600.0),  # milliseconds, as in Grafana URLs
    ("2026-01-01T00:00:00Z", 1767225600.0),
    ("2026-01-01T01:00:00+01:00", 1767225600.0),
])
def test_parse_time(text, expected):
    assert parse_time(text, NOW) == pytest.approx(expected)


def test_rounding_up_ends_at_the_end_of_the_unit():
    assert parse_time("now/d", NOW, round_up=True) == pytest.approx(
        datetime(2026, 3, 16, tzinfo=UTC).timestamp() - 0.001)


@pytest.mark.parametrize("text", ["yesterday", "now-", "now-1x", "now-h", "2026-13-01"])
def test_invalid_times_are_errors(text):
    with pytest.raises(DashgenError):
        parse_time(text, NOW)


# ----------------------------------------------------------------------------- intervals
def test_rate_interval_is_four_scrapes_for_short_intervals():
    # 1h / 100 points = 36s -> nice interval 30s; not below the 30s scrape interval.
    # $__rate_interval = max(30s + 30s, 4 * 30s) = 2m
    t = timing(H, 100, scrape_interval="30s")
    assert (t.interval_ms, t.step_ms, t.rate_interval_ms) == (30_000, 30_000, 120_000)


def test_rate_interval_is_interval_plus_scrape_for_long_ranges():
    # 24h / 1000 points = 86.4s -> 1m; $__rate_interval = max(1m + 15s, 4 * 15s) = 1m15s
    t = timing(24 * H, 1000, scrape_interval="15s")
    assert (t.step_ms, t.rate_interval_ms) == (60_000, 75_000)
    assert go_duration(t.rate_interval_ms) == "1m15s"


def test_unset_scrape_interval_defaults_to_15s():
    # 6h / 500 = 43.2s -> 30s (above the 15s default); max(30s + 15s, 60s) = 1m
    t = timing(6 * H, 500, scrape_interval="")
    assert (t.step_ms, t.rate_interval_ms) == (30_000, 60_000)


def test_scrape_interval_is_the_lower_limit_of_interval():
    # 1h / 1000 = 3.6s -> 2s, raised to the 30s scrape interval
    t = timing(H, 1000, scrape_interval="30s")
    assert t.interval_ms == t.step_ms == 30_000


def test_interval_factor_multiplies_the_step_not_the_rate_interval():
    t = timing(H, 100, scrape_interval="30s", interval_factor=2)
    assert t.step_ms == 60_000
    assert t.rate_interval_ms == 120_000


def test_min_step_of_rate_interval_makes_the_step_the_rate_interval():
    t = timing(H, 100, scrape_interval="30s", target_interval="$__rate_interval")
    assert t.step_ms == t.rate_interval_ms == 120_000


def test_safe_resolution_caps_the_number_of_points():
    # 7d / 100000 points = 6s -> below the 30s scrape interval -> 30s, but Prometheus' 11000-point
    # limit needs 7d / 11000 = 55s -> 1m: the step is 1m, $__rate_interval uses the request's 30s.
    t = timing(7 * 24 * H, 100_000, scrape_interval="30s")
    assert (t.interval_ms, t.step_ms, t.rate_interval_ms) == (30_000, 60_000, 120_000)


def test_panel_min_interval_raises_the_interval():
    t = timing(H, 100, scrape_interval="30s", panel_interval="5m")
    assert t.step_ms == 300_000
    assert t.rate_interval_ms == 330_000


@pytest.mark.parametrize("ms, text", [(120_000, "2m0s"), (75_000, "1m15s"), (H, "1h0m0s"), (21_630_000, "6h0m30s"),
                                      (500, "500ms"), (1_500, "1.5s"), (30_000, "30s")])
def test_go_duration_strings(ms, text):
    assert go_duration(ms) == text


def test_builtins_are_substituted_like_the_backend():
    t = grafana.Timing(interval_ms=30_000, step_ms=60_000, rate_interval_ms=120_000, range_ms=2 * H)
    expr = ("rate(a[$__rate_interval]) rate(b[${__rate_interval}]) c[$__interval] $__interval_ms "
            "$__range $__range_s $__range_ms $__rate_interval_ms")
    assert substitute_builtins(expr, t) == (
        "rate(a[2m0s]) rate(b[2m0s]) c[1m] 60000 7200s 7200 7200000 120000")


# ----------------------------------------------------------------------------- variables
def var(name, options, selected=None, *, multi=True, include_all=True, all_value=None, is_all=None):
    sel = list(options) if selected is None else selected
    return Variable(name=name, type="query", options=list(options), selected=sel,
                    is_all=(selected is None) if is_all is None else is_all, multi=multi,
                    include_all=include_all, all_value=all_value)


def test_all_is_a_regex_escaped_alternation_of_every_value():
    v = {"handler": var("handler", ["/api/{id}", "/healthz", "a.b"])}
    assert replace('x{handler=~"$handler"}', v) == r'x{handler=~"(/api/\\{id\\}|/healthz|a\\.b)"}'


def test_one_selected_value_of_a_multi_variable_has_no_parentheses():
    v = {"ns": var("ns", ["a.b", "c"], ["a.b"])}
    assert replace('x{ns=~"$ns"}', v) == r'x{ns=~"a\\.b"}'


def test_single_value_variable_is_not_regex_escaped():
    v = {"ns": var("ns", ["a.b"], ["a.b"], multi=False, include_all=False)}
    assert replace('x{ns="$ns"}', v) == 'x{ns="a.b"}'
    v = {"ns": var("ns", ["it's"], ["it's"], multi=False, include_all=False)}
    assert replace("$ns", v) == "it\\\\'s"


def test_custom_all_value_is_used_raw():
    v = {"job": var("job", ["a", "b"], all_value=".+")}
    assert replace('x{job=~"$job"}', v) == 'x{job=~".+"}'


def test_every_reference_syntax_and_named_formats():
    v = {"ns": var("ns", ["a", "b.c"], ["a", "b.c"])}
    assert replace("${ns}", v) == r"(a|b\\.c)"
    assert replace("[[ns]]", v) == r"(a|b\\.c)"
    assert replace("${ns:pipe}", v) == "a|b.c"
    assert replace("${ns:csv}", v) == "a,b.c"
    assert replace("${ns:regex}", v) == r"(a|b\.c)"
    assert replace("${ns:raw}", v) == "a,b.c"


def test_builtins_unknown_variables_and_regex_groups_are_left_alone():
    v = {"ns": var("ns", ["a"], ["a"])}
    text = 'label_replace(rate(x{ns=~"$ns"}[$__rate_interval]), "dst", "$1", "src", "(.+)") $unknown ${__interval}'
    assert replace(text, v) == text.replace("$ns", "a")


def test_from_and_to():
    assert replace("${__from} ${__to:date:seconds}", {}, time_from_ms=1000, time_to_ms=5000) == "1000 5"


# ----------------------------------------------------------------------------- misspellings
@pytest.mark.parametrize("name, known, expected", [
    ("gotk_resource_inf", ["gotk_resource_info", "up"], "gotk_resource_info"),
    ("workqueue_dept", ["workqueue_depth"], "workqueue_depth"),
    ("namepsace", ["namespace", "name"], "namespace"),  # two swapped letters: one edit
    ("readyy", ["ready"], "ready"),
    # related names that may legitimately be absent are not typos of each other
    ("kube_pod_container_resource_limits", ["kube_pod_container_resource_requests"], None),
    ("kube_pod_container_status_waiting_reason", ["kube_pod_container_status_waiting"], None),
    ("kube_service_status_load_balancer_ingress", ["kube_service_spec_type"], None),
    ("status", ["code", "stat"], None),  # short names allow one edit only
])
def test_misspelling_heuristic(name, known, expected):
    from dashgen.verify.runner import misspelling_of

    assert misspelling_of(name, known) == expected
