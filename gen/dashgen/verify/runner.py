"""Run every panel query of the selected dashboards and classify the answers.

Per dashboard: resolve the variables (variables.py), then for each panel and each visible
target compute the interval, step and built-ins (grafana.py), interpolate the expression
and run it as a range or an instant query, as the target asks. Queries run concurrently
on a bounded thread pool. A target has *data* when Prometheus returns at least one
sample that is a number (NaN-only series draw nothing, so they count as no data).

A query can return data and still be wrong: ``count(mispelled_metric) or vector(0)``
reads 0 forever. So every selector is also checked against what Prometheus has in the
time range: its metric name, and every label it requires to be non-empty (``=``, or
``=~`` with a regex that cannot match ""), must exist. A name that does not exist but is
one typo away from one that does (``workqueue_dept``, ``namepsace``) is a misspelling:
the target is no data, whatever a fallback returns. A missing name with no near match
may be legitimately absent (no LoadBalancer Service yet, a counter never incremented):
it is a note, and the target's data decides.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..dashboard.datasources import PROMETHEUS_TYPES, plugin_type, reference
from ..dashboard.promql import analyze
from ..dashboard.walk import iter_panels, templating_list
from . import grafana
from .client import PrometheusClient, PrometheusError, Unreachable
from .variables import Context, resolve

DATA, NO_DATA, PARTIAL, ERROR, SKIPPED = "data", "no data", "partial", "error", "skipped"
# What the special datasources (dashboard.datasources.SPECIAL_DATASOURCES: name or uid -> kind) stand for.
SPECIAL_USES = {"grafana": "the built-in Grafana datasource", "dashboard": "another panel's data"}
# A panel without maxDataPoints gets its width in pixels from Grafana; verify assumes a 1440 px wide
# dashboard, 60 px per grid column.
DEFAULT_POINTS_PER_COLUMN = 60
SAMPLES_KEPT = 20


@dataclass
class QueryResult:
    ref_id: str
    expr: str  # as sent to Prometheus
    kind: str  # range | instant
    status: str = NO_DATA
    series: int = 0
    error: str | None = None
    step: float | None = None
    samples: list[dict] = field(default_factory=list)  # instant queries: labels and value (first few)
    problems: list[str] = field(default_factory=list)  # misspelled metrics or labels in the query
    notes: list[str] = field(default_factory=list)  # metrics or labels absent from Prometheus
    data: dict | None = field(default=None, repr=False)  # Prometheus' answer, kept for preview (keep_data)

    def to_dict(self) -> dict:
        d = {"refId": self.ref_id, "expr": self.expr, "kind": self.kind, "status": self.status, "series": self.series}
        if self.step is not None:
            d["step"] = self.step
        if self.error:
            d["error"] = self.error
        if self.problems:
            d["problems"] = self.problems
        if self.notes:
            d["notes"] = self.notes
        if self.samples:
            d["samples"] = self.samples
        return d


@dataclass
class PanelResult:
    id: Any
    title: str
    type: str
    status: str = NO_DATA
    detail: str = ""
    targets: list[QueryResult] = field(default_factory=list)
    model: dict | None = field(default=None, repr=False)  # the panel's JSON, for preview
    scoped: dict = field(default_factory=dict, repr=False)  # its repeat variable's value, if repeated

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "detail": self.detail,
            "targets": [t.to_dict() for t in self.targets],
        }


@dataclass
class DashboardResult:
    uid: str
    title: str
    source: str
    start: float
    end: float
    variables: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    panels: list[PanelResult] = field(default_factory=list)
    resolved: dict = field(default_factory=dict, repr=False)  # name -> grafana.Variable, for preview

    def to_dict(self) -> dict:
        return {
            "uid": self.uid,
            "title": self.title,
            "source": self.source,
            "from": self.start,
            "to": self.end,
            "variables": self.variables,
            "errors": self.errors,
            "panels": [p.to_dict() for p in self.panels],
        }


@dataclass
class Datasources:
    """The provisioned datasources (to tell Prometheus from others) and the one being checked.

    The Prometheus URL given to verify stands for the dashboard's Prometheus datasource: the
    one its datasource variable selects when that is provisioned here, else the default one.
    Its ``jsonData.timeInterval`` is the scrape interval behind ``$__rate_interval``.
    """

    by_uid: dict[str, dict]
    by_name: dict[str, dict]
    default_uid: str
    scrape_override: str | None = None

    @classmethod
    def from_models(cls, models: Iterable[dict], scrape_override: str | None = None) -> Datasources:
        models = [m for m in models if isinstance(m, dict)]
        proms = [m for m in models if plugin_type(m.get("type")) in PROMETHEUS_TYPES]
        default = next((m for m in proms if m.get("isDefault")), proms[0] if proms else {})
        return cls(
            by_uid={m["uid"]: m for m in models if m.get("uid")},
            by_name={m["name"]: m for m in models if m.get("name")},
            default_uid=str(default.get("uid") or "prometheus"),
            scrape_override=scrape_override,
        )

    def for_dashboard(self, model: dict) -> tuple[str, str]:
        """(uid, scrape interval) of the Prometheus datasource the dashboard shows by default."""
        uid = self.default_uid
        for var in templating_list(model):
            if var.get("type") != "datasource":
                continue
            if plugin_type(var.get("query")) in PROMETHEUS_TYPES:
                current = (var.get("current") or {}).get("value")
                current = current[0] if isinstance(current, list) and current else current
                known = self.by_uid.get(current) or self.by_name.get(current) if isinstance(current, str) else None
                if known and plugin_type(known.get("type")) in PROMETHEUS_TYPES:
                    uid = str(known.get("uid") or uid)
                break
        if self.scrape_override is not None:
            return uid, self.scrape_override
        model_ds = self.by_uid.get(uid) or {}
        return uid, str((model_ds.get("jsonData") or {}).get("timeInterval") or "")

    def type_of(self, ref: Any, variables: dict[str, grafana.Variable]) -> tuple[str | None, str | None]:
        """(plugin type in lower case or None if unknown, special kind) of a datasource reference.

        The reference is read as the lint engine reads it (``dashboard.datasources.reference``);
        then a datasource variable stands for the type it resolved to, and a name or uid
        without a type for the provisioned datasource it names.
        """
        r = reference(ref)
        if r.kind == "special":
            return r.type or "datasource", r.special
        if r.var is not None and r.var in variables and variables[r.var].type == "datasource":
            return plugin_type(variables[r.var].datasource_type), None
        if r.type and r.type != "datasource":
            return r.type, None
        known = (self.by_uid.get(r.name) or self.by_name.get(r.name)) if r.name else None
        if known:
            return plugin_type(known.get("type")), None
        return r.type, None


@dataclass
class Job:
    panel: PanelResult
    target: QueryResult
    params: dict
    schema: Schema
    keep_data: bool = False


class Schema:
    """The metric names in a time range and the label names of each metric, fetched once."""

    def __init__(self, client: PrometheusClient, start: float, end: float):
        self.client, self.start, self.end = client, start, end
        self._lock = threading.Lock()
        self._names: set[str] | None = None
        self._names_failed = False
        self._labels: dict[str, set[str] | None] = {}

    def names(self) -> set[str] | None:
        with self._lock:
            if self._names is not None or self._names_failed:
                return self._names
        try:
            names = set(self.client.label_values("__name__", start=self.start, end=self.end))
        except (PrometheusError, Unreachable):
            names = None
        with self._lock:
            self._names, self._names_failed = names, names is None
        return names

    def labels(self, metric: str) -> set[str] | None:
        with self._lock:
            if metric in self._labels:
                return self._labels[metric]
        try:
            labels: set[str] | None = set(self.client.label_names(match=metric, start=self.start, end=self.end))
        except (PrometheusError, Unreachable):
            labels = None
        with self._lock:
            self._labels[metric] = labels
        return labels

    def check(self, expr: str) -> tuple[list[str], list[str]]:
        """(misspellings, absences) of the metric and label names the query's selectors need."""
        analysis = analyze(expr)
        names = self.names()
        if not analysis.ok or names is None:
            return [], []
        problems: list[str] = []
        notes: list[str] = []
        for sel in analysis.selectors:
            if not sel.name or not sel.name_literal:
                continue
            if sel.name not in names:
                close = misspelling_of(sel.name, names)
                if close:
                    problems.append(f"metric {sel.name} does not exist (did you mean {close}?)")
                else:
                    notes.append(f"metric {sel.name} does not exist in Prometheus in this time range")
                continue
            labels = self.labels(sel.name)
            if labels is None:
                continue
            for label, op, value in sel.matchers:
                if label == "__name__" or label in labels or not _requires_value(op, value):
                    continue
                close = misspelling_of(label, labels)
                if close:
                    problems.append(f"metric {sel.name} has no label {label} (did you mean {close}?)")
                else:
                    notes.append(f"metric {sel.name} has no label {label} in this time range")
        return list(dict.fromkeys(problems)), list(dict.fromkeys(notes))


def misspelling_of(name: str, known) -> str | None:
    """The existing name ``name`` is a typo of: one edit away (two for names of 8+ characters), where an
    edit is an insertion, deletion, substitution or swap of neighbours (``workqueue_dept``, ``namepsace``).
    Related names stay apart (``..._limits`` / ``..._requests``, ``..._waiting_reason`` / ``..._waiting``)."""
    limit = 2 if len(name) >= 8 else 1
    best = None
    for other in known:
        if abs(len(other) - len(name)) > limit or other == name:
            continue
        d = _edit_distance(name, other, limit)
        if d <= limit and (best is None or d < best[0] or (d == best[0] and other < best[1])):
            best = (d, other)
    return best[1] if best else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up early above ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _requires_value(op: str, value: str) -> bool:
    """Whether the matcher can only match series that have the label (a non-empty value)."""
    if op == "=":
        return value != ""
    if op == "=~":
        try:
            return re.fullmatch(value, "") is None
        except re.error:
            return False
    return False


def verify_dashboards(
    dashboards: list[tuple[dict, str]],
    client: PrometheusClient,
    datasources: Datasources,
    *,
    start: float | None,
    end: float | None,
    now: float,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
    keep_data: bool = False,
) -> list[DashboardResult]:
    """Check each (dashboard model, source) pair; ``start``/``end`` None: the dashboard's own range.

    ``keep_data``: keep each answer on ``QueryResult.data`` (preview draws it; verify only classifies)."""
    results: list[DashboardResult] = []
    jobs: list[Job] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        planned = list(pool.map(lambda item: _plan(item[0], item[1], client, datasources, start, end, now), dashboards))
        for result, dash_jobs in planned:
            results.append(result)
            for job in dash_jobs:
                job.keep_data = keep_data
            jobs.extend(dash_jobs)
        total, done = len(jobs), 0
        if progress:
            progress(0, total)
        for _ in pool.map(lambda job: _run(job, client), jobs):
            done += 1
            if progress:
                progress(done, total)
    for result in results:
        for panel in result.panels:
            _classify(panel)
    return results


def _plan(
    model: dict,
    source: str,
    client: PrometheusClient,
    ds: Datasources,
    start: float | None,
    end: float | None,
    now: float,
) -> tuple[DashboardResult, list[Job]]:
    t = model.get("time") or {}
    t_from = start if start is not None else grafana.parse_time(str(t.get("from") or "now-6h"), now)
    t_to = end if end is not None else grafana.parse_time(str(t.get("to") or "now"), now, round_up=True)
    result = DashboardResult(
        uid=str(model.get("uid") or ""), title=str(model.get("title") or ""), source=source, start=t_from, end=t_to
    )
    if t_to <= t_from:
        result.errors.append("the time range is empty (--from is not before --to)")
        return result, []
    ds_uid, scrape = ds.for_dashboard(model)
    variables = resolve(model, Context(client, t_from, t_to, ds_uid, scrape))
    result.resolved = variables
    for name, var in variables.items():
        if var.error:
            result.errors.append(f"variable '{name}': {var.error}")
        if var.type not in ("adhoc", "datasource"):
            result.variables[name] = ["All"] if var.is_all and var.all_value else list(var.selected)
    jobs: list[Job] = []
    schema = Schema(client, t_from, t_to)
    for ref in iter_panels(model):  # the lint engine's walker: rows, collapsed rows, the legacy rows[] layout
        if ref.is_row:
            continue
        panel = ref.panel
        repeat = panel.get("repeat")
        repeat_var = variables.get(repeat) if isinstance(repeat, str) else None
        values = repeat_var.selected if repeat_var and repeat_var.selected else [None]
        for value in values:
            scoped = {str(repeat): value} if value is not None else {}
            title = str(panel.get("title") or "")
            if value is not None and len(values) > 1:
                title = f"{title} ({repeat}={value})"
            pr = PanelResult(
                id=panel.get("id"),
                title=grafana.replace(title, variables, scoped=scoped, formatter=_plain),
                type=str(panel.get("type") or ""),
                model=panel,
                scoped=scoped,
            )
            result.panels.append(pr)
            jobs.extend(_panel_jobs(panel, pr, variables, ds, scrape, scoped, t_from, t_to, schema, ref.legacy))
    return result, jobs


def _plain(values, var) -> str:
    return values if isinstance(values, str) else ", ".join(values)


def _panel_jobs(
    panel: dict,
    pr: PanelResult,
    variables,
    ds: Datasources,
    scrape: str,
    scoped,
    t_from: float,
    t_to: float,
    schema: Schema,
    legacy: bool = False,
) -> list[Job]:
    if panel.get("libraryPanel"):
        pr.status, pr.detail = SKIPPED, "library panel (its model lives in Grafana)"
        return []
    targets = [t for t in panel.get("targets") or [] if isinstance(t, dict)]
    if not targets:
        pr.status, pr.detail = SKIPPED, "no queries"
        return []
    panel_type, special = ds.type_of(panel.get("datasource"), variables)
    if special and special != "mixed":
        pr.status, pr.detail = SKIPPED, f"uses {SPECIAL_USES[special]}"
        return []
    if panel_type and panel_type not in PROMETHEUS_TYPES and not special:
        pr.status, pr.detail = SKIPPED, f"not a Prometheus datasource ({panel_type})"
        return []
    range_ms = int(round((t_to - t_from) * 1000))
    points = panel.get("maxDataPoints")
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
        points = _width(panel, legacy) * DEFAULT_POINTS_PER_COLUMN
    panel_interval = grafana.replace(str(panel.get("interval") or ""), variables, scoped=scoped)
    jobs = []
    skipped = []
    for target in targets:
        if target.get("hide") is True:
            continue
        t_type, t_special = ds.type_of(target.get("datasource"), variables)
        if t_special or (t_type and t_type not in PROMETHEUS_TYPES) or (special == "mixed" and t_type is None):
            skipped.append(f"{target.get('refId', '?')}: {t_special or t_type or 'unknown datasource'}")
            continue
        expr = target.get("expr")
        if not isinstance(expr, str) or not expr.strip():
            continue
        try:
            timing = grafana.timing(
                range_ms,
                int(points),
                scrape_interval=scrape,
                panel_interval=panel_interval,
                target_interval=str(target.get("interval") or ""),
                interval_factor=_int(target.get("intervalFactor")),
            )
        except Exception as exc:  # noqa: BLE001 - a bad interval string is the dashboard's problem
            tr = QueryResult(str(target.get("refId") or "?"), expr, "range", status=ERROR, error=str(exc))
            pr.targets.append(tr)
            continue
        text = grafana.replace(
            expr, variables, time_from_ms=int(t_from * 1000), time_to_ms=int(t_to * 1000), scoped=scoped
        )
        text = grafana.substitute_builtins(text, timing)
        kinds = []
        if target.get("instant") is True:
            kinds.append("instant")
        if target.get("range") is True or not kinds:
            kinds.append("range")
        for kind in kinds:
            tr = QueryResult(str(target.get("refId") or "?"), text, kind)
            params = {"time": t_to}
            if kind == "range":
                step_ms = timing.step_ms
                tr.step = step_ms / 1000
                params = {
                    "start": grafana.align(int(t_from * 1000), step_ms) / 1000,
                    "end": grafana.align(int(t_to * 1000), step_ms) / 1000,
                    "step": step_ms / 1000,
                }
            pr.targets.append(tr)
            jobs.append(Job(pr, tr, params, schema))
    if not pr.targets and skipped:
        pr.status, pr.detail = SKIPPED, "not Prometheus: " + "; ".join(skipped)
    elif not pr.targets:
        pr.status, pr.detail = SKIPPED, "no queries"
    return jobs


def _width(panel: dict, legacy: bool) -> int:
    """The panel's width in grid columns (of 24). A legacy panel (rows[] layout) has a ``span`` of 12
    columns instead, 4 when missing, which Grafana's migration doubles."""
    width = (panel.get("gridPos") or {}).get("w") if isinstance(panel.get("gridPos"), dict) else None
    if isinstance(width, (int, float)) and not isinstance(width, bool) and width > 0:
        return int(width)
    if legacy:
        span = panel.get("span")
        if isinstance(span, (int, float)) and not isinstance(span, bool) and span >= 1:
            return int(span) * 2
        return 4 * 2
    return 12


def _int(v) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def _run(job: Job, client: PrometheusClient) -> None:
    t = job.target
    try:
        if t.kind == "range":
            data = client.query_range(t.expr, job.params["start"], job.params["end"], job.params["step"])
        else:
            data = client.query(t.expr, job.params["time"])
    except PrometheusError as exc:
        t.status, t.error = ERROR, str(exc)
        return
    except Unreachable as exc:
        t.status, t.error = ERROR, f"unreachable: {exc}"
        return
    if job.keep_data:
        t.data = data
    series, with_data, samples = _count(data)
    t.series = series
    t.samples = samples
    t.problems, t.notes = job.schema.check(t.expr)
    t.status = DATA if with_data and not t.problems else NO_DATA


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _count(data: dict) -> tuple[int, bool, list[dict]]:
    kind, result = data.get("resultType"), data.get("result")
    if kind == "matrix":
        rows = result or []
        return len(rows), any(any(_finite(v[1]) for v in r.get("values") or []) for r in rows), []
    if kind == "vector":
        rows = result or []
        samples = [
            {"labels": r.get("metric") or {}, "value": (r.get("value") or [0, None])[1]} for r in rows[:SAMPLES_KEPT]
        ]
        return len(rows), any(_finite((r.get("value") or [0, None])[1]) for r in rows), samples
    if kind == "scalar":
        value = (result or [0, None])[1]
        return 1, _finite(value), [{"labels": {}, "value": value}]
    if kind == "string":
        return 1, True, [{"labels": {}, "value": (result or [0, ""])[1]}]
    return 0, False, []


def _classify(panel: PanelResult) -> None:
    if panel.status == SKIPPED and not panel.targets:
        return
    statuses = [t.status for t in panel.targets]
    errors = [t for t in panel.targets if t.status == ERROR]
    empty = [t for t in panel.targets if t.status == NO_DATA]
    if errors:
        panel.status = ERROR
        panel.detail = "; ".join(f"{t.ref_id}: {t.error}" for t in errors)
    elif not statuses:
        panel.status, panel.detail = SKIPPED, "no queries"
    elif len(empty) == len(statuses):
        panel.status = NO_DATA
        panel.detail = "; ".join(_why(t) for t in empty)
    elif empty:
        panel.status = PARTIAL
        panel.detail = "no data from " + "; ".join(_why(t) for t in empty)
    else:
        panel.status = DATA
        n = sum(t.series for t in panel.targets)
        panel.detail = f"{n} series" if n != 1 else "1 series"
    notes = [f"{t.ref_id}: {note}" for t in panel.targets if t.status == DATA for note in t.notes]
    if notes:
        panel.detail += "; note: " + "; ".join(notes)


def _why(t: QueryResult) -> str:
    if t.problems:
        return f"{t.ref_id}: " + "; ".join(t.problems)
    if t.series:
        return f"{t.ref_id}: only NaN values"
    return f"{t.ref_id}: no series" + "".join(f" ({note})" for note in t.notes)
