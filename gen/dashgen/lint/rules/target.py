"""Target (PromQL) rules: queries parse, use $__rate_interval, wrap counters, use metrics that exist."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ...dashboard.promql import Selector, analyze
from ...dashboard.variables import var_name_of
from ...dashboard.walk import kind_name
from ..context import D, DashboardCtx, hit, short
from ..data import HOLT_WINTERS_FIX, UNKNOWN_METRICS
from ..registry import Hit, register


@register(
    "target-promql-rule",
    D,
    "error",
    "Prometheus targets parse as PromQL (promql_parser) after substituting Grafana variables as Grafana "
    "would; non-Prometheus targets are skipped. Error: the panel shows Prometheus' error instead of data. "
    "An empty query is a warning: it only adds nothing.",
)
def target_promql_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, t, label, a in ctx.prom_queries:
        expr = t.get("expr")
        if a is None:  # no expr, not a string, or blank
            if expr is None:
                continue
            if not isinstance(expr, str):
                yield hit(p, f"expr is {kind_name(expr)}, not a string", "write the PromQL query as a string", label)
                continue
            if t.get("hide") is True:
                continue
            yield hit(p, "the query is empty", "write a query or remove the empty target", label, severity="warning")
            continue
        if not a.ok:
            fix = "fix the PromQL syntax"
            if "holt_winters" in (a.error or ""):
                fix = HOLT_WINTERS_FIX
            yield hit(p, f"PromQL does not parse: {a.error} in {short(str(expr))!r}", fix, label)


@register(
    "target-rate-interval-rule",
    D,
    "warning",
    "rate() and irate() use [$__rate_interval] as their range, so short ranges never miss scrapes. "
    "Warning: house style; a fixed range works.",
)
def target_rate_interval_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        problem = _rate_interval_problem(expr)
        if problem is not None:
            yield hit(p, problem[0], problem[1], label)


# The per-query verdicts below depend on the query text alone, so they are cached like the
# analysis itself (panels often repeat a query; a rebuilt dashboard repeats all of them).


@lru_cache(maxsize=1024)
def _rate_interval_problem(expr: str) -> tuple[str, str] | None:
    """(message, fix) for the first rate()/irate() of ``expr`` whose range is not $__rate_interval."""
    for s in analyze(expr).selectors:
        ps = s.parents
        if len(ps) >= 2 and ps[-1][0] == "matrix" and ps[-2][0] == "call" and ps[-2][1] in ("rate", "irate"):
            if s.range_var == "__rate_interval":
                continue
            used = f"${s.range_var}" if s.range_var else _fmt_td(s.range)
            return (
                f"{ps[-2][1]}({s.name or '...'}[{used}]) does not use $__rate_interval",
                f"use {ps[-2][1]}({s.name or '...'}[$__rate_interval])",
            )
    return None


def _fmt_td(td: Any) -> str:
    try:
        import promql_parser

        return promql_parser.display_duration(td)
    except Exception:
        return str(td)


def _has_var_matcher(s: Selector, label: str) -> bool:
    return any(m[0] == label and m[1] == "=~" and var_name_of(m[2]) == label for m in s.matchers)


def _required_matcher(ctx: DashboardCtx, label: str) -> Iterator[Hit]:
    for p, tl, _, a in ctx.analyses:
        missing = [s.name or "{...}" for s in a.selectors if not _has_var_matcher(s, label)]
        if missing:
            yield hit(
                p,
                f'selector {missing[0]} has no {label}=~"${label}" matcher',
                f'add {label}=~"${label}" to every selector',
                tl,
            )


@register(
    "target-job-rule",
    D,
    "off",
    'Every PromQL selector has job=~"$job". Off by default: cluster-wide dashboards do not filter by job.',
)
def target_job_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _required_matcher(ctx, "job")


@register(
    "target-instance-rule",
    D,
    "off",
    'Every PromQL selector has instance=~"$instance". Off by default: cluster-wide dashboards do not '
    "filter by instance.",
)
def target_instance_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    yield from _required_matcher(ctx, "instance")


_COUNTER_RANGE_FUNCS = frozenset(
    {"rate", "irate", "increase", "resets", "changes", "absent_over_time", "present_over_time", "count_over_time"}
)


@lru_cache(maxsize=1024)
def _raw_counters(expr: str) -> tuple[str, ...]:
    """The counters (*_total) of ``expr`` not wrapped in a counter function, in order, each once."""
    bad: list[str] = []
    for s in analyze(expr).selectors:
        if s.name and s.name.endswith("_total") and not _counter_ok(s) and s.name not in bad:
            bad.append(s.name)
    return tuple(bad)


def _counter_ok(s: Selector) -> bool:
    ps = [q for q in s.parents if q[0] != "paren"]
    if (
        len(ps) >= 2
        and ps[-1][0] in ("matrix", "subquery")
        and ps[-2][0] == "call"
        and ps[-2][1] in _COUNTER_RANGE_FUNCS
    ):
        return True
    if ps and ps[-1][0] == "call" and ps[-1][1] in ("absent", "timestamp"):
        return True
    if ps and ps[-1][0] == "agg" and ps[-1][1] in ("count", "group"):
        return True
    return False


@register(
    "target-counter-agg-rule",
    D,
    "warning",
    "Counters (*_total) are wrapped in rate()/irate()/increase() (also accepted: resets, changes, "
    "*_over_time presence/count, absent, timestamp, count/group), never shown raw. Warning: a raw counter "
    "is real data, rarely what the reader wants.",
)
def target_counter_agg_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        bad = _raw_counters(expr)
        if bad:
            yield hit(
                p,
                f"counter {', '.join(bad)} is not wrapped in rate(), irate() or increase()",
                f"use rate({bad[0]}[$__rate_interval]) (or increase() for totals over a range)",
                label,
            )


@register(
    "target-unknown-metric-rule",
    D,
    "error",
    "Queries do not use metric names known not to exist (invented flux_*_condition names, gotk metrics "
    "removed in Flux 2.5, kube-state-metrics v1 resource limit/request names). Error: a name no exporter "
    "ever had gives no data. A name removed in a release is a warning: older exporters still have it.",
)
def target_unknown_metric_rule(ctx: DashboardCtx) -> Iterator[Hit]:
    for p, label, expr, _ in ctx.analyses:
        for name in _unknown_metrics(expr):
            info = UNKNOWN_METRICS[name]
            yield hit(p, f"queries '{name}', which {info.why}", info.fix, label, severity=info.severity)


@lru_cache(maxsize=1024)
def _unknown_metrics(expr: str) -> tuple[str, ...]:
    """The metric names of ``expr`` known not to exist, in order, each once."""
    names: list[str] = []
    for s in analyze(expr).selectors:
        if s.name_literal and s.name in UNKNOWN_METRICS and s.name not in names:
            names.append(s.name)
    return tuple(names)
