"""How Grafana turns a dashboard query into a Prometheus request: the parts verify copies.

Everything here is a pure function with the behaviour of Grafana 10-12, ported from
its sources so that ``dashgen verify`` sends what Grafana would send:

* time: ``now-6h``, ``now/d`` (date math, in UTC), epoch seconds or milliseconds, RFC 3339;
* intervals: the frontend's ``$__interval`` (``rangeutil.calculateInterval``) and the
  Prometheus backend's step, ``$__rate_interval`` and built-in substitution
  (``pkg/promlib/models/query.go``, ``intervalv2``, ``gtime``);
* variables: ``templateSrv.replace`` with the Prometheus formatter
  (``interpolateQueryExpr``: regex-escaped ``(a|b)`` for multi-value and All) and the
  named formats (``${var:regex}``, ``:pipe``, ``:csv``...).
"""

from __future__ import annotations

import calendar
import json
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..dashboard.variables import VarRef, find_vars
from ..errors import DashgenError

# ----------------------------------------------------------------------------- time
_UNITS_S = {"y": 365 * 86400, "M": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DATE_MATH = re.compile(r"([+-])(\d+)([yMwdhms])|/([yMwdhms])")


def parse_time(text: str, now: float, *, round_up: bool = False) -> float:
    """Unix seconds for a Grafana time: ``now``, ``now-1h``, ``now-1d/d``, epoch s/ms, RFC 3339.

    Rounding (``/d``) rounds down to the start of the unit, or up to its end for the end of
    a range (``round_up``), as Grafana's dateMath.parse does; in UTC.
    """
    s = str(text).strip()
    if not s:
        raise DashgenError("empty time")
    if s.startswith("now"):
        t = datetime.fromtimestamp(now, tz=UTC)
        rest = s[3:]
        pos = 0
        for m in _DATE_MATH.finditer(rest):
            if m.start() != pos:
                break
            pos = m.end()
            if m.group(4):
                t = _round(t, m.group(4), round_up)
            else:
                t = _add(t, int(m.group(2)) * (1 if m.group(1) == "+" else -1), m.group(3))
        if pos != len(rest):
            raise DashgenError(f"invalid relative time {text!r} (use e.g. now, now-6h, now-1d/d)")
        return t.timestamp()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        value = float(s)
        return value / 1000 if value > 1e11 else value  # Grafana URLs carry milliseconds
    try:
        parsed = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise DashgenError(f"invalid time {text!r} (use now-6h, epoch seconds or milliseconds, or RFC 3339)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _add(t: datetime, n: int, unit: str) -> datetime:
    if unit == "y":
        return _add_months(t, 12 * n)
    if unit == "M":
        return _add_months(t, n)
    return t + timedelta(seconds=n * _UNITS_S[unit])


def _add_months(t: datetime, n: int) -> datetime:
    month = t.month - 1 + n
    year = t.year + month // 12
    month = month % 12 + 1
    day = min(t.day, calendar.monthrange(year, month)[1])
    return t.replace(year=year, month=month, day=day)


def _round(t: datetime, unit: str, up: bool) -> datetime:
    start = {
        "y": t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
        "M": t.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        "w": (t - timedelta(days=t.weekday())).replace(hour=0, minute=0, second=0, microsecond=0),
        "d": t.replace(hour=0, minute=0, second=0, microsecond=0),
        "h": t.replace(minute=0, second=0, microsecond=0),
        "m": t.replace(second=0, microsecond=0),
        "s": t.replace(microsecond=0),
    }[unit]
    if not up:
        return start
    return _add(start, 1, unit) - timedelta(milliseconds=1)


# ----------------------------------------------------------------------------- intervals
# The "nice interval" ladder. The frontend (rangeutil.roundInterval) compares with <, the
# Go backend (gtime.RoundInterval) with <=; both are kept so that edge cases match.
_LADDER = (
    (10, 1),
    (15, 10),
    (35, 20),
    (75, 50),
    (150, 100),
    (350, 200),
    (750, 500),
    (1500, 1000),
    (3500, 2000),
    (7500, 5000),
    (12500, 10000),
    (17500, 15000),
    (25000, 20000),
    (45000, 30000),
    (90000, 60000),
    (210000, 120000),
    (450000, 300000),
    (750000, 600000),
    (1050000, 900000),
    (1500000, 1200000),
    (2700000, 1800000),
    (5400000, 3600000),
    (9000000, 7200000),
    (16200000, 10800000),
    (32400000, 21600000),
    (86400000, 43200000),
    (172800000, 86400000),
    (604800000, 86400000),
    (1814400000, 604800000),
    (3628800000, 2592000000),
)
_YEAR_MS = 31536000000


def round_interval_frontend(ms: float) -> int:
    for bound, value in _LADDER:
        if ms < bound:
            return value
    return _YEAR_MS


def round_interval_backend(ms: float) -> int:
    for bound, value in _LADDER:
        if ms <= bound if bound != 3628800000 else ms < bound:
            return value
    return _YEAR_MS


_INTERVAL_RE = re.compile(r"(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])")  # used with fullmatch
_INTERVAL_UNIT_MS = {
    "y": 31536000000,
    "M": 2592000000,
    "w": 604800000,
    "d": 86400000,
    "h": 3600000,
    "m": 60000,
    "s": 1000,
    "ms": 1,
}


def parse_interval_ms(text: str) -> int:
    """Grafana's interval strings: ``30s``, ``1m``, ``500ms``, ``>10s`` (min marker), ``15`` (seconds)."""
    s = str(text).strip().replace("<", "").replace(">", "")
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return int(float(s) * 1000)
    m = _INTERVAL_RE.fullmatch(s)
    if not m:
        raise DashgenError(f"invalid interval {text!r} (use e.g. 30s, 1m, 500ms)")
    return int(float(m.group(1)) * _INTERVAL_UNIT_MS[m.group(2)])


def format_interval(ms: int) -> str:
    """gtime.FormatInterval: the largest whole unit, truncating (``90s`` -> ``1m``)."""
    for unit, size in (("y", 31536000000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            return f"{ms // size}{unit}"
    return "1ms"


def go_duration(ms: int) -> str:
    """Go's time.Duration.String() for whole milliseconds: ``2m0s``, ``1m15s``, ``1h0m0s``, ``500ms``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    hours, rest = divmod(ms, 3600000)
    minutes, rest = divmod(rest, 60000)
    seconds, millis = divmod(rest, 1000)
    sec = f"{seconds}.{millis:03d}".rstrip("0").rstrip(".") if millis else str(seconds)
    out = f"{sec}s"
    if hours or minutes:
        out = f"{minutes}m" + out
    if hours:
        out = f"{hours}h" + out
    return sign + out


DEFAULT_SCRAPE = "15s"  # Grafana's Prometheus default when the datasource sets no timeInterval
SAFE_RESOLUTION = 11000  # Prometheus' limit of points per series, as Grafana guards it
RATE_INTERVAL_VARS = ("$__rate_interval", "${__rate_interval}")
INTERVAL_VARS = ("$__interval", "${__interval}")
_VARIABLE_INTERVALS = (
    *INTERVAL_VARS,
    "$__interval_ms",
    "${__interval_ms}",
    *RATE_INTERVAL_VARS,
    "$__rate_interval_ms",
    "${__rate_interval_ms}",
)


@dataclass(frozen=True)
class Timing:
    """The numbers Grafana derives for one query."""

    interval_ms: int  # $__interval as the frontend computes it (the request's intervalMs)
    step_ms: int  # the query step, also what $__interval becomes in the expression
    rate_interval_ms: int  # $__rate_interval
    range_ms: int


def frontend_interval_ms(range_ms: int, max_data_points: int, low_limit: str | None) -> int:
    """rangeUtil.calculateInterval: a nice interval for the resolution, at least the low limit
    (the panel's min interval, else the datasource's scrape interval)."""
    low = parse_interval_ms(low_limit) if low_limit else 1
    return max(round_interval_frontend(range_ms / max(max_data_points, 1)), low)


def timing(
    range_ms: int,
    max_data_points: int,
    *,
    scrape_interval: str = "",
    panel_interval: str = "",
    target_interval: str = "",
    interval_factor: int | None = None,
) -> Timing:
    """Step, $__interval and $__rate_interval of one target, as Grafana 10-12 compute them.

    ``scrape_interval`` is the datasource's ``jsonData.timeInterval`` ("" when unset);
    ``panel_interval`` the panel's min interval; ``target_interval`` the target's ``interval``
    (min step, may be ``$__rate_interval``); ``interval_factor`` the deprecated resolution.
    """
    low_limit = panel_interval or scrape_interval or DEFAULT_SCRAPE
    request_ms = frontend_interval_ms(range_ms, max_data_points, low_limit)
    # backend: calculatePrometheusInterval
    query_interval = "" if target_interval in _VARIABLE_INTERVALS else target_interval
    min_ms = parse_interval_ms(query_interval) if query_interval else request_ms
    raw = range_ms // max(max_data_points, 1)
    calculated = min_ms if raw < min_ms else round_interval_backend(raw)
    safe = round_interval_backend(range_ms // SAFE_RESOLUTION)
    adjusted = max(calculated, safe)
    if target_interval in RATE_INTERVAL_VARS:
        step = _rate_interval(adjusted, scrape_interval)
        rate = step
    else:
        step = adjusted * (interval_factor or 1)
        min_step = target_interval
        if min_step in INTERVAL_VARS:
            min_step = go_duration(step)
        rate = _rate_interval(request_ms, min_step or scrape_interval)
    return Timing(interval_ms=request_ms, step_ms=step, rate_interval_ms=rate, range_ms=range_ms)


def _rate_interval(interval_ms: int, scrape: str) -> int:
    """calculateRateInterval: max($__interval + scrape interval, 4 x scrape interval)."""
    scrape_ms = _go_interval_ms(scrape or DEFAULT_SCRAPE)
    return max(interval_ms + scrape_ms, 4 * scrape_ms)


def _go_interval_ms(text: str) -> int:
    """ParseIntervalStringToTimeDuration: like parse_interval_ms, also Go durations (``1m30s``)."""
    try:
        return parse_interval_ms(text)
    except DashgenError:
        total, pos = 0.0, 0
        s = text.strip().replace("<", "").replace(">", "")
        for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|h|m|s)", s):
            if m.start() != pos:
                break
            total += float(m.group(1)) * _INTERVAL_UNIT_MS[m.group(2)]
            pos = m.end()
        if pos != len(s) or not s:
            raise
        return int(total)


def substitute_builtins(expr: str, t: Timing) -> str:
    """interpolateVariables of the Prometheus backend, in its order (``_ms`` forms first)."""
    range_s = round(t.range_ms / 1000)
    pairs = (
        ("$__interval_ms", str(t.step_ms)),
        ("$__interval", format_interval(t.step_ms)),
        ("$__range_ms", str(t.range_ms)),
        ("$__range_s", str(range_s)),
        ("$__range", f"{range_s}s"),
        ("$__rate_interval_ms", str(t.rate_interval_ms)),
        ("$__rate_interval", go_duration(t.rate_interval_ms)),
    )
    for name, value in pairs:
        expr = expr.replace(name, value)
    for name, value in pairs:
        expr = expr.replace("${" + name[1:] + "}", value)
    return expr


def align(t_ms: int, step_ms: int) -> int:
    """AlignTimeRange: round down to a multiple of the step (UTC)."""
    return (t_ms // step_ms) * step_ms


# ----------------------------------------------------------------------------- variables
ALL = "$__all"


@dataclass
class Variable:
    """A template variable after resolution: its options and what is selected."""

    name: str
    type: str
    options: list[str]
    selected: list[str]  # the values selected (every option for All)
    is_all: bool = False
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    datasource_type: str | None = None  # for datasource variables: the plugin id
    error: str | None = None

    @property
    def multi_valued(self) -> bool:
        return self.multi or self.include_all


def prometheus_regular_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


_SPECIAL = re.compile(r"[$^*{}\[\]+?.()|]")


def prometheus_special_regex_escape(value: str) -> str:
    return _SPECIAL.sub(lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))


def prometheus_format(values: list[str] | str, var: Variable) -> str:
    """The Prometheus datasource's interpolateQueryExpr."""
    if not var.multi_valued:
        return prometheus_regular_escape(values if isinstance(values, str) else ",".join(values))
    if isinstance(values, str):
        return prometheus_special_regex_escape(values)
    escaped = [prometheus_special_regex_escape(v) for v in values]
    if len(escaped) == 1:
        return escaped[0]
    return "(" + "|".join(escaped) + ")"


_REGEX_ESCAPE = re.compile(r"[\\^$*+?.()|\[\]{}/]")


def _regex_escape(v: str) -> str:
    return _REGEX_ESCAPE.sub(lambda m: "\\" + m.group(0), v)


def named_format(values: list[str] | str, fmt: str) -> str:
    """Grafana's variable formats (``${var:fmt}``); unknown formats behave like ``glob``."""
    vals = [values] if isinstance(values, str) else list(values)
    name = fmt.split(":")[0]
    if name == "raw":
        return ",".join(vals)
    if name == "regex":
        return _regex_escape(vals[0]) if len(vals) == 1 else "(" + "|".join(_regex_escape(v) for v in vals) + ")"
    if name == "pipe":
        return "|".join(vals)
    if name in ("csv", "text"):
        return ",".join(vals) if name == "csv" else " + ".join(vals)
    if name == "json":
        return json.dumps(vals[0] if isinstance(values, str) else vals, separators=(",", ":"))
    if name == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in vals)
    if name == "singlequote":
        return ",".join("'" + v.replace("'", "\\'") + "'" for v in vals)
    if name == "sqlstring":
        return ",".join("'" + v.replace("'", "''") + "'" for v in vals)
    if name == "percentencode":
        return urllib.parse.quote(",".join(vals) if len(vals) > 1 else vals[0], safe="-_.!~*'()")
    if name == "lucene":
        return vals[0] if len(vals) == 1 else "(" + " OR ".join(f'"{v}"' for v in vals) + ")"
    if name == "queryparam":
        return "&".join(f"var-{v}" for v in vals)
    return vals[0] if len(vals) == 1 else "{" + ",".join(vals) + "}"  # glob


def replace(
    text: str,
    variables: dict[str, Variable],
    *,
    time_from_ms: int | None = None,
    time_to_ms: int | None = None,
    scoped: dict[str, str] | None = None,
    formatter=prometheus_format,
) -> str:
    """templateSrv.replace: substitute dashboard variables (and ``$__from``/``$__to``).

    Unknown variables and the interval built-ins are left alone: the backend substitutes
    ``$__interval``, ``$__rate_interval`` and ``$__range`` afterwards.
    """
    if "$" not in text and "[[" not in text:
        return text
    out, last = [], 0
    for ref in find_vars(text):
        out.append(text[last : ref.start])
        last = ref.end
        value = _value_of(ref, variables, time_from_ms, time_to_ms, scoped or {}, formatter)
        out.append(ref.raw if value is None else value)
    out.append(text[last:])
    return "".join(out)


def _value_of(ref: VarRef, variables, time_from_ms, time_to_ms, scoped, formatter) -> str | None:
    name = ref.name
    if name in ("__from", "__to"):
        ms = time_from_ms if name == "__from" else time_to_ms
        if ms is None:
            return None
        if ref.fmt and ref.fmt.startswith("date"):
            sub = ref.fmt.partition(":")[2]
            if sub == "seconds":
                return str(ms // 1000)
            if sub in ("", "iso"):
                return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
        return str(ms)
    var = variables.get(name)
    if var is None:
        return None
    if name in scoped:  # a repeated panel: this one value
        value: list[str] | str = scoped[name]
    elif var.type == "datasource":
        value = var.selected[0] if var.selected else ""
    elif var.is_all and var.all_value:
        if ref.fmt in ("text", "percentencode"):
            return "All" if ref.fmt == "text" else urllib.parse.quote(var.all_value)
        return replace(var.all_value, variables, time_from_ms=time_from_ms, time_to_ms=time_to_ms)
    else:
        value = var.selected if var.multi_valued else (var.selected[0] if var.selected else "")
    if ref.fmt:
        return named_format(value, ref.fmt)
    return formatter(value, var)
