"""Minimal OpenMetrics text writer for backfilling with promtool.

Families are written grouped, with ``# TYPE`` and ``# HELP`` first, every
sample carries a timestamp in seconds, and the file ends with ``# EOF``.
Counter families are named without ``_total``; their samples end in
``_total`` (OpenMetrics rule). Empty label values are dropped, exactly as
Prometheus drops them at scrape time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

INF = math.inf


def go_float(v: float) -> str:
    """Format like Go's ``strconv.FormatFloat(v, 'g', -1, 64)``.

    Go exporters (client_golang text format) write ``le`` labels this way:
    ``le="1"``, ``le="1e-08"``, ``le="9.999999999999999e-06"``, where Python
    would write ``1.0``. Prometheus 2.x stores the label string as scraped,
    so this matters to selectors such as ``le="1"``.
    """
    if v == INF:
        return "+Inf"
    if v == -INF:
        return "-Inf"
    if v != v:
        return "NaN"
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    r = repr(abs(float(v)))  # shortest round-trip digits, like Go's -1 precision
    m, _, e = r.partition("e")
    ip, _, fp = m.partition(".")
    digits = ip + fp
    exp = (int(e) if e else 0) + len(ip) - 1
    while len(digits) > 1 and digits[0] == "0":
        digits = digits[1:]
        exp -= 1
    digits = digits.rstrip("0") or "0"
    if exp < -4 or exp >= 6:  # Go: %e when exp < -4 || exp >= eprec (6 for shortest)
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp >= 0:
        ipart = digits[: exp + 1].ljust(exp + 1, "0")
        frac = digits[exp + 1 :]
    else:
        ipart = "0"
        frac = "0" * (-exp - 1) + digits
    return sign + ipart + ("." + frac if frac else "")


def py_float(v: float) -> str:
    """Format like prometheus_client (Python) does for ``le``: ``1.0``, ``+Inf``."""
    if v == INF:
        return "+Inf"
    return repr(float(v))


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def label_str(labels: Mapping[str, str]) -> str:
    items = [(k, v) for k, v in labels.items() if v is not None and v != ""]
    if not items:
        return ""
    items.sort()
    return "{" + ",".join(f'{k}="{_esc(str(v))}"' for k, v in items) + "}"


def fmt_value(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    if v != v:
        return "NaN"
    if v == INF:
        return "+Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


@dataclass
class Series:
    """One sample stream: ``values[k]`` is the value at grid index ``i0 + k``."""

    name: str  # full sample name, e.g. ``http_requests_total``
    labels: dict[str, str]
    values: Sequence[float]
    i0: int = 0


@dataclass
class Family:
    name: str  # OpenMetrics family name (counter: without _total)
    type: str  # counter | gauge | histogram | summary | unknown
    help: str = ""
    series: list[Series] = field(default_factory=list)

    def add(self, sample_name: str, labels: Mapping[str, str], values: Sequence[float], i0: int = 0) -> None:
        self.series.append(Series(sample_name, dict(labels), values, i0))


class MetricSet:
    """Ordered collection of families, keyed by family name."""

    def __init__(self) -> None:
        self.families: dict[str, Family] = {}

    def family(self, name: str, type: str, help: str = "") -> Family:
        if type == "counter" and name.endswith("_total"):
            name = name[: -len("_total")]
        fam = self.families.get(name)
        if fam is None:
            fam = self.families[name] = Family(name, type, help)
        elif fam.type != type:
            raise ValueError(f"family {name} declared as {fam.type} and {type}")
        return fam

    # convenience -----------------------------------------------------------
    def gauge(self, name: str, help: str, labels: Mapping[str, str], values: Sequence[float], i0: int = 0) -> None:
        self.family(name, "gauge", help).add(name, labels, values, i0)

    def counter(self, name: str, help: str, labels: Mapping[str, str], values: Sequence[float], i0: int = 0) -> None:
        if not name.endswith("_total"):
            raise ValueError(f"counter sample {name} must end in _total")
        self.family(name, "counter", help).add(name, labels, values, i0)

    def histogram(
        self,
        name: str,
        help: str,
        labels: Mapping[str, str],
        bounds: Sequence[float],
        buckets: Sequence[Sequence[float]],
        sums: Sequence[float],
        le_format=go_float,
        i0: int = 0,
    ) -> None:
        """``buckets[j]`` is the cumulative count stream for ``bounds[j]``; +Inf
        is added from the last stream (which must therefore be the total)."""
        fam = self.family(name, "histogram", help)
        if len(buckets) != len(bounds) + 1:
            raise ValueError("need one bucket stream per bound plus +Inf")
        for b, vals in zip(list(bounds) + [INF], buckets):
            lb = dict(labels)
            lb["le"] = le_format(b)
            fam.add(name + "_bucket", lb, vals, i0)
        fam.add(name + "_count", labels, buckets[-1], i0)
        fam.add(name + "_sum", labels, sums, i0)

    def series_count(self) -> int:
        return sum(len(f.series) for f in self.families.values())

    def sample_count(self) -> int:
        return sum(len(s.values) for f in self.families.values() for s in f.series)

    def names(self) -> set[str]:
        return {s.name for f in self.families.values() for s in f.series}

    def samples_in(self, fam: Family, lo: int, hi: int) -> int:
        return sum(max(0, min(hi, s.i0 + len(s.values)) - max(lo, s.i0)) for s in fam.series)

    def write(
        self,
        fh,
        timestamps: Sequence[str],
        lo: int = 0,
        hi: int | None = None,
        families: Sequence[str] | None = None,
    ) -> int:
        """Write OpenMetrics text for grid indexes ``lo <= i < hi``.

        ``timestamps`` are preformatted strings per grid index. Families and
        series without samples in the range are left out. Returns the number
        of samples written. ``families`` restricts the output to those names."""
        hi = len(timestamps) if hi is None else hi
        n = 0
        w = fh.write
        fams = self.families.values() if families is None else [self.families[f] for f in families]
        for fam in fams:
            header = False
            for s in fam.series:
                a = max(lo, s.i0)
                b = min(hi, s.i0 + len(s.values))
                if a >= b:
                    continue
                if not header:
                    w(f"# TYPE {fam.name} {fam.type}\n")
                    if fam.help:
                        w(f"# HELP {fam.name} {_esc_help(fam.help)}\n")
                    header = True
                prefix = s.name + label_str(s.labels) + " "
                vals = s.values
                i0 = s.i0
                w("".join([f"{prefix}{fmt_value(vals[i - i0])} {timestamps[i]}\n" for i in range(a, b)]))
                n += b - a
        w("# EOF\n")
        return n


def _esc_help(h: str) -> str:
    return h.replace("\\", "\\\\").replace("\n", "\\n")


def merge_labels(metric: Mapping[str, str], target: Mapping[str, str], honor_labels: bool) -> dict[str, str]:
    """Apply Prometheus' target-label rules to a scraped sample's labels.

    honor_labels=True: scraped labels win (a scraped label, even empty, hides
    the target label). honor_labels=False: a clashing scraped label ``x`` is
    renamed ``exported_x`` and the target label wins.
    """
    if honor_labels:
        out = dict(target)
        out.update(metric)
    else:
        out = {}
        for k, v in metric.items():
            if k in target and v not in (None, ""):
                out["exported_" + k] = v
            else:
                out[k] = v
        out.update(target)
    return {k: v for k, v in out.items() if v not in (None, "")}
