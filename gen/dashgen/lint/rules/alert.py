"""Prometheus rule-file rules: mixtool's alert guidelines (same names) plus rulefmt-style checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...dashboard.promql import analyze, parse_prom_duration
from ...dashboard.walk import as_dict, as_list, kind_name, text
from ..context import R, RuleEntry, RuleFileCtx
from ..data import HOLT_WINTERS_FIX, UNKNOWN_METRICS
from ..registry import Hit, register

GROUP_NAME_MAX = 40
GROUP_RULES_MAX = 20
ALERT_NAME_MAX = 40  # mixtool's own limit could not be verified; 40 like the group name limit

# mixtool pkg/mixer/lint.go. Patterns, not compiled regexes: `re` compiles (and caches) them
# when a rule file is linted, not on `import dashgen.lint`.
_CAMEL = r"^([A-Z]+[a-z0-9]+)+$"
_TEMPLATE = r"(?s)\{\{.+\}\}"
_SENTENCE = r"(?s)^[A-Z].+\.$"
_METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
_LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
SEVERITIES = ("critical", "warning", "info")

_GROUP_KEYS = frozenset(
    {
        "name",
        "interval",
        "limit",
        "rules",
        "query_offset",
        "labels",
        # Thanos / Cortex / Mimir extensions
        "partial_response_strategy",
        "source_tenants",
        "evaluation_delay",
        "align_evaluation_time_on_interval",
    }
)
_RULE_KEYS = frozenset({"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"})


def _rhit(e: RuleEntry | None, message: str, fix: str, group: str | None = None, severity: str | None = None) -> Hit:
    if e is None:
        return Hit(message, fix, None, None, group, severity)
    return Hit(message, fix, e.name or e.path, None, e.group, severity)


def _scalar_str(v: Any) -> str | None:
    """How YAML -> rulefmt sees a scalar: strings, numbers and booleans become strings."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return None


# ======================================================================= format


@register(
    "rule-format-rule",
    R,
    "error",
    "The rule file has the rulefmt shape: groups with unique names and a rules list; each rule has "
    "exactly one of alert/record, an expr, valid label/annotation names, no unknown keys. Error: Prometheus "
    "rejects the file.",
)
def rule_format_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    groups = ctx.raw
    if not isinstance(groups, list):
        yield _rhit(None, f"'groups' is {kind_name(groups)}, not a list", "write groups: [{name: ..., rules: [...]}]")
        return
    seen_groups: dict[str, int] = {}
    for gi, g in enumerate(groups):
        if not isinstance(g, dict):
            yield _rhit(None, f"groups[{gi}] is {kind_name(g)}, not an object", "each group is {name, rules}")
            continue
        gname = text(g.get("name"))
        where = f"groups[{gi}]"
        if gname is None or not gname.strip():
            yield _rhit(None, f"{where} has no name", "give the group a name", group=gname)
        elif gname in seen_groups:
            yield _rhit(
                None, f"group name {gname!r} is repeated in the same file", "rename one of the groups", group=gname
            )
        else:
            seen_groups[gname] = gi
        for key in g:
            if key not in _GROUP_KEYS:
                yield _rhit(
                    None,
                    f"{where} has unknown key {key!r}",
                    f"remove {key!r} (Prometheus rejects unknown fields)",
                    group=gname,
                )
        if "interval" in g and parse_prom_duration(_scalar_str(g.get("interval"))) is None:
            yield _rhit(
                None,
                f"{where} interval {g.get('interval')!r} is not a Prometheus duration",
                "use a duration like 30s or 1m",
                group=gname,
            )
        rules = g.get("rules")
        if rules is None:
            yield _rhit(None, f"{where} has no 'rules' list", "add rules: [...]", group=gname)
            continue
        if not isinstance(rules, list):
            yield _rhit(None, f"{where}.rules is {kind_name(rules)}, not a list", "make rules a list", group=gname)
            continue
        for ri, r in enumerate(rules):
            if not isinstance(r, dict):
                yield _rhit(
                    None, f"{where}.rules[{ri}] is {kind_name(r)}, not an object", "each rule is an object", group=gname
                )
    for e in ctx.entries:
        r = e.rule
        has_alert, has_record = r.get("alert") is not None, r.get("record") is not None
        if has_alert and has_record:
            yield _rhit(e, f"{e.path} has both 'alert' and 'record'", "split it into an alerting and a recording rule")
        elif not has_alert and not has_record:
            yield _rhit(e, f"{e.path} has neither 'alert' nor 'record'", "set alert: <Name> or record: <metric>")
        elif e.name is None or not e.name.strip():
            yield _rhit(e, f"{e.path} has an empty {'alert' if has_alert else 'record'} name", "set a name")
        if has_record and e.name and not re.match(_METRIC_NAME, e.name):
            yield _rhit(
                e,
                f"record name {e.name!r} is not a valid metric name",
                "use [a-zA-Z_:][a-zA-Z0-9_:]* (level:metric:operations)",
            )
        if has_record and not has_alert:
            for key in ("for", "keep_firing_for", "annotations"):
                if key in r:
                    yield _rhit(
                        e, f"recording rule {e.name!r} has '{key}', which only alerting rules accept", f"remove '{key}'"
                    )
        for key in r:
            if key not in _RULE_KEYS:
                yield _rhit(
                    e, f"{e.path} has unknown key {key!r}", f"remove {key!r} (Prometheus rejects unknown fields)"
                )
        expr = r.get("expr")
        if expr is None or (isinstance(expr, str) and not expr.strip()):
            yield _rhit(e, f"{e.path} has no expr", "write the PromQL expression")
        elif _scalar_str(expr) is None:
            yield _rhit(
                e, f"{e.path} expr is {kind_name(expr)}, not a string", "write the PromQL expression as a string"
            )
        for field in ("labels", "annotations"):
            val = r.get(field)
            if val is None:
                continue
            if not isinstance(val, dict):
                yield _rhit(
                    e, f"{e.path} {field} is {kind_name(val)}, not a mapping", f"write {field} as key: value pairs"
                )
                continue
            for k, v in val.items():
                if not isinstance(k, str) or not re.match(_LABEL_NAME, k):
                    yield _rhit(e, f"{field} name {k!r} is not a valid label name", "use [a-zA-Z_][a-zA-Z0-9_]*")
                elif _scalar_str(v) is None:
                    yield _rhit(
                        e, f"{field} {k!r} is {kind_name(v)}, not a string", f"make the {field[:-1]} value a string"
                    )


@register(
    "rule-promql-rule",
    R,
    "error",
    "Every rule expr parses as PromQL (promql_parser). Error: Prometheus rejects the file.",
)
def rule_promql_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.entries:
        expr = _scalar_str(e.rule.get("expr"))
        if expr is None or not expr.strip():
            continue  # rule-format-rule
        a = analyze(expr, grafana=False)
        if not a.ok:
            fix = "fix the PromQL syntax"
            if "holt_winters" in (a.error or ""):
                fix = HOLT_WINTERS_FIX
            yield _rhit(e, f"PromQL does not parse: {a.error}", fix)


@register(
    "rule-unknown-metric-rule",
    R,
    "error",
    "Rule expressions do not use metric names known not to exist (same table as target-unknown-metric-rule). "
    "Error: with a name no exporter ever had the alert can never fire. A name removed in a release is a warning.",
)
def rule_unknown_metric_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.entries:
        expr = _scalar_str(e.rule.get("expr"))
        if not expr or not expr.strip():
            continue
        a = analyze(expr, grafana=False)
        seen = set()
        for s in a.selectors:
            if s.name_literal and s.name in UNKNOWN_METRICS and s.name not in seen:
                seen.add(s.name)
                info = UNKNOWN_METRICS[s.name]
                yield _rhit(e, f"queries '{s.name}', which {info.why}", info.fix, severity=info.severity)


@register(
    "alert-for-duration-rule",
    R,
    "error",
    "Alert 'for' and 'keep_firing_for' are Prometheus durations (e.g. 5m, 1h30m, 0). Error: Prometheus rejects "
    "the file.",
)
def alert_for_duration_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        for key in ("for", "keep_firing_for"):
            if key not in e.rule:
                continue
            val = e.rule.get(key)
            if parse_prom_duration(_scalar_str(val)) is None:
                yield _rhit(
                    e,
                    f"'{key}: {val!r}' is not a Prometheus duration",
                    "use integers with units in order y w d h m s ms, e.g. 5m or 1h30m",
                )


# ======================================================================= mixtool


@register(
    "alert-group-name-length",
    R,
    "warning",
    f"Rule group names are at most {GROUP_NAME_MAX} characters (mixtool). Warning: style; Prometheus accepts longer.",
)
def alert_group_name_length(ctx: RuleFileCtx) -> Iterator[Hit]:
    for _, g in ctx.groups:
        name = text(g.get("name"))
        if name and len(name) > GROUP_NAME_MAX:
            yield _rhit(
                None,
                f"group name {name!r} is {len(name)} characters (max {GROUP_NAME_MAX})",
                "shorten the group name",
                group=name,
            )


@register(
    "alert-group-rule-count",
    R,
    "warning",
    f"Rule groups have at most {GROUP_RULES_MAX} rules (one group is evaluated sequentially). Warning: "
    "large groups still work, they are slower to evaluate.",
)
def alert_group_rule_count(ctx: RuleFileCtx) -> Iterator[Hit]:
    for _, g in ctx.groups:
        rules = as_list(g.get("rules"))
        if len(rules) > GROUP_RULES_MAX:
            name = text(g.get("name"))
            yield _rhit(
                None,
                f"group {name!r} has {len(rules)} rules (max {GROUP_RULES_MAX})",
                "split the group by component",
                group=name,
            )


@register(
    "alert-name-camelcase",
    R,
    "warning",
    "Alert names are CamelCase (mixtool: ^([A-Z]+[a-z0-9]+)+$). Warning: style; any label value works.",
)
def alert_name_camelcase(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        if e.name and not re.match(_CAMEL, e.name):
            yield _rhit(e, f"alert name {e.name!r} is not CamelCase", "rename it like FluxReconciliationFailing")


@register(
    "alert-name-length",
    R,
    "warning",
    f"Alert names are at most {ALERT_NAME_MAX} characters (mixtool's exact limit is unverified; 40 is dashgen's). "
    "Warning: style.",
)
def alert_name_length(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        if e.name and len(e.name) > ALERT_NAME_MAX:
            yield _rhit(e, f"alert name is {len(e.name)} characters (max {ALERT_NAME_MAX})", "shorten the alert name")


@register(
    "alert-severity-rule",
    R,
    "error",
    "Alerts have a severity label of critical, warning or info. Error: alertmanager.routes route by severity, "
    "so another one reaches no receiver.",
)
def alert_severity_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        sev = as_dict(e.rule.get("labels")).get("severity")
        if sev not in SEVERITIES:
            now = "no severity label" if sev is None else f"severity {sev!r}"
            yield _rhit(
                e,
                f"alert has {now}; expected critical, warning or info",
                "set labels.severity to critical, warning or info",
            )


def _annotation(e: RuleEntry, key: str) -> tuple[bool, str | None]:
    ann = e.rule.get("annotations")
    if not isinstance(ann, dict) or key not in ann:
        return False, None
    return True, _scalar_str(ann.get(key))


@register(
    "alert-summary-missing-rule",
    R,
    "warning",
    "Alerts have a 'summary' annotation. Warning: notifications read worse; the alert fires and routes.",
)
def alert_summary_missing_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        present, val = _annotation(e, "summary")
        if not present or not (val or "").strip():
            yield _rhit(e, "alert has no 'summary' annotation", "add annotations.summary: one static sentence")


@register(
    "alert-description-missing-rule",
    R,
    "warning",
    "Alerts have a 'description' annotation. Warning: notifications read worse; the alert fires and routes.",
)
def alert_description_missing_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        present, val = _annotation(e, "description")
        if not present or not (val or "").strip():
            yield _rhit(
                e, "alert has no 'description' annotation", "add annotations.description with {{ $labels.* }} details"
            )


@register(
    "alert-summary-templating",
    R,
    "warning",
    "The 'summary' annotation is static (no {{ ... }}), so notifications group and read the same. Warning: style.",
)
def alert_summary_templating(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        _, val = _annotation(e, "summary")
        if val and re.search(_TEMPLATE, val):
            yield _rhit(e, "the 'summary' annotation uses templates", "move {{ ... }} details into the description")


@register(
    "alert-summary-style",
    R,
    "warning",
    "The 'summary' starts with a capital letter and ends with a period (mixtool). Warning: style only.",
)
def alert_summary_style(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        _, val = _annotation(e, "summary")
        if val and val.strip() and not re.match(_SENTENCE, val):
            yield _rhit(
                e,
                f"summary {val!r} should start with a capital letter and end with a period",
                "write the summary as one sentence",
            )


@register(
    "alert-description-templating",
    R,
    "warning",
    "The 'description' uses templates ({{ $labels.x }}, {{ $value }}) to say which object fires (mixtool). "
    "Warning: a static description still works.",
)
def alert_description_templating(ctx: RuleFileCtx) -> Iterator[Hit]:
    for e in ctx.alerts:
        _, val = _annotation(e, "description")
        if val and val.strip() and not re.search(_TEMPLATE, val):
            yield _rhit(
                e,
                "the 'description' annotation uses no templates",
                "name the failing object, e.g. {{ $labels.namespace }}/{{ $labels.name }}",
            )


@register(
    "alert-name-unique-rule",
    R,
    "error",
    "No two alerting rules in a file share the same name and labels; the same name with different severities "
    "is fine. Error: Alertmanager sees one alert, so one rule's firing hides the other's.",
)
def alert_name_unique_rule(ctx: RuleFileCtx) -> Iterator[Hit]:
    seen: dict[tuple, RuleEntry] = {}
    for e in ctx.alerts:
        labels = as_dict(e.rule.get("labels"))
        key = (e.name, tuple(sorted((str(k), str(_scalar_str(v))) for k, v in labels.items())))
        other = seen.get(key)
        if other is None:
            seen[key] = e
            continue
        yield _rhit(
            e,
            f"alert {e.name!r} ({e.path}) repeats {other.path} with the same labels",
            "rename one alert or give it distinguishing labels (e.g. a different severity)",
        )
