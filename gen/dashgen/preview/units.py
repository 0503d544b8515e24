"""Grafana's value formatting (``fieldConfig.defaults.unit`` and ``decimals``), for the units dashboards use.

Follows the facts of Grafana's ``valueFormats`` (packages/grafana-data/src/valueFormats): the
automatic decimals (``getDecimalsForValue``: two significant digits, one more above a mantissa of
2.25, none for integers), ``scaledUnits`` (divide by the factor's largest power below the value,
clamped to the suffixes there are), SI prefixes in steps of 1000 (``B/s``, ``bps``, ``pps``,
``decbytes``), IEC prefixes in steps of 1024 (``bytes``, ``bits``), the count units
(``reqps`` → ``K reqps``), the time units (``s``: ns/µs/ms below a second, min/hour/day/week/year
above a minute) and ``prefix:``/``suffix:``/``si:``/``count:`` custom units. Any other unit id
is shown as a suffix, as Grafana does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

Formatted = tuple[str, str]  # (number text, suffix including its leading space), prefix folded into text
Formatter = Callable[[float, "int | None"], Formatted]

SI_PREFIXES = ["f", "p", "n", "µ", "m", "", "k", "M", "G", "T", "P", "E", "Z", "Y"]
SI_BASE = SI_PREFIXES.index("")
BIN_PREFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]


def decimals_for(value: float) -> int:
    """Grafana's decimals when none are set: two significant digits (three above 2.25...), 0 for integers."""
    if value == 0 or not math.isfinite(value):
        return 0
    if float(value).is_integer():
        return 0
    log10 = math.floor(math.log10(abs(value)))
    dec = -log10 + 1
    norm = value / 10 ** (-dec)
    if norm > 2.25:
        dec += 1
    return max(0, dec)


def to_fixed(value: float, decimals: int | None = None) -> str:
    """The number rounded to ``decimals`` (automatic when None), trailing zeros kept to that count."""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if math.isnan(value):
        return "NaN"
    if decimals is None:
        decimals = decimals_for(value)
    decimals = max(0, min(int(decimals), 20))
    factor = 10**decimals
    text = f"{math.floor(value * factor + 0.5) / factor:.{decimals}f}"  # JavaScript's Math.round: halves go up
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def fixed_unit(unit: str, as_prefix: bool = False) -> Formatter:
    def fmt(value: float, decimals: int | None) -> Formatted:
        text = to_fixed(value, decimals)
        if not unit:
            return text, ""
        return (unit + text, "") if as_prefix else (text, " " + unit)

    return fmt


def scaled_units(factor: float, suffixes: list[str], offset: int = 0) -> Formatter:
    def fmt(value: float, decimals: int | None) -> Formatted:
        if not math.isfinite(value):
            return to_fixed(value), ""
        index = math.floor(math.log(abs(value), factor)) if value != 0 else -math.inf
        index = int(max(-offset, min(index, len(suffixes) - offset - 1))) if index != -math.inf else 0
        suffix = suffixes[max(0, min(offset + index, len(suffixes) - 1))]
        return to_fixed(value / factor**index, decimals), suffix

    return fmt


def si_prefix(unit: str, offset: int = 0) -> Formatter:
    return scaled_units(1000, [" " + p + unit for p in SI_PREFIXES], SI_BASE + offset)


def binary_prefix(unit: str, offset: int = 0) -> Formatter:
    return scaled_units(1024, [" " + p + unit for p in BIN_PREFIXES], offset)


def count_unit(symbol: str) -> Formatter:
    scaler = scaled_units(1000, ["", "K", "M", "B", "T"])

    def fmt(value: float, decimals: int | None) -> Formatted:
        text, suffix = scaler(value, decimals)
        return text, suffix + " " + symbol

    return fmt


def _percent(value: float, decimals: int | None) -> Formatted:
    return to_fixed(value, decimals), "%"


def _percentunit(value: float, decimals: int | None) -> Formatted:
    return to_fixed(100 * value, decimals), "%"


def _scaled_time(steps: list[tuple[float, float, str]], below: tuple[float, str]) -> Formatter:
    """Time units: ``steps`` of (limit, divisor, suffix) tried in order; ``below`` for the rest."""

    def fmt(value: float, decimals: int | None) -> Formatted:
        size = abs(value)
        if size == 0:
            return to_fixed(0, decimals), next(suffix for _, divisor, suffix in steps if divisor == 1)
        for limit, divisor, suffix in steps:
            if size < limit:
                return to_fixed(value / divisor, decimals), suffix
        return to_fixed(value / below[0], decimals), below[1]

    return fmt


_MINUTE, _HOUR, _DAY, _WEEK, _YEAR = 60, 3600, 86400, 604800, 31536000
FORMATS: dict[str, Formatter] = {
    "none": fixed_unit(""),
    "short": scaled_units(1000, ["", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept"]),
    "percent": _percent,
    "percentunit": _percentunit,
    "bits": binary_prefix("b"),
    "bytes": binary_prefix("B"),
    "kbytes": binary_prefix("B", 1),
    "mbytes": binary_prefix("B", 2),
    "gbytes": binary_prefix("B", 3),
    "decbits": si_prefix("b"),
    "decbytes": si_prefix("B"),
    "deckbytes": si_prefix("B", 1),
    "decmbytes": si_prefix("B", 2),
    "decgbytes": si_prefix("B", 3),
    "pps": si_prefix("pps"),
    "bps": si_prefix("bps"),
    "Bps": si_prefix("B/s"),
    "KBs": si_prefix("B/s", 1),
    "Kbits": si_prefix("bps", 1),
    "MBs": si_prefix("B/s", 2),
    "Mbits": si_prefix("bps", 2),
    "GBs": si_prefix("B/s", 3),
    "Gbits": si_prefix("bps", 3),
    "binBps": binary_prefix("B/s"),
    "binbps": binary_prefix("b/s"),
    "hertz": si_prefix("Hz"),
    "cps": count_unit("cps"),
    "ops": count_unit("ops"),
    "reqps": count_unit("reqps"),
    "rps": count_unit("rps"),
    "wps": count_unit("wps"),
    "iops": count_unit("iops"),
    "cpm": count_unit("cpm"),
    "opm": count_unit("opm"),
    "rpm": count_unit("rpm"),
    "wpm": count_unit("wpm"),
    "ns": _scaled_time([(1e3, 1, " ns"), (1e6, 1e3, " µs"), (1e9, 1e6, " ms"), (60e9, 1e9, " s")], (60e9, " min")),
    "µs": _scaled_time([(1e3, 1, " µs"), (1e6, 1e3, " ms")], (1e6, " s")),
    "ms": _scaled_time(
        [
            (1e3, 1, " ms"),
            (60e3, 1e3, " s"),
            (3600e3, 60e3, " min"),
            (86400e3, 3600e3, " hour"),
            (31536000e3, 86400e3, " day"),
        ],
        (31536000e3, " year"),
    ),
    "s": _scaled_time(
        [
            (1e-6, 1e-9, " ns"),
            (1e-3, 1e-6, " µs"),
            (1, 1e-3, " ms"),
            (_MINUTE, 1, " s"),
            (_HOUR, _MINUTE, " min"),
            (_DAY, _HOUR, " hour"),
            (_WEEK, _DAY, " day"),
            (_YEAR, _WEEK, " week"),
        ],
        (3.15569e7, " year"),
    ),
    "m": _scaled_time(
        [(60, 1, " min"), (1440, 60, " hour"), (10080, 1440, " day"), (604800, 10080, " week")], (5.25948e5, " year")
    ),
    "h": _scaled_time([(24, 1, " hour"), (168, 24, " day"), (8760, 168, " week")], (8760, " year")),
    "d": _scaled_time([(7, 1, " day"), (365, 7, " week")], (365, " year")),
    "celsius": fixed_unit("°C"),
    "watt": si_prefix("W"),
    "volt": si_prefix("V"),
    "amp": si_prefix("A"),
}
FORMATS["us"] = FORMATS["µs"]


def formatter(unit: str | None) -> Formatter:
    """The formatter of a Grafana unit id; unknown ids become a suffix, as in Grafana."""
    if not unit:
        return FORMATS["none"]
    fmt = FORMATS.get(unit)
    if fmt is not None:
        return fmt
    key, sep, sub = unit.partition(":")
    if sep and key:
        if key == "prefix":
            return fixed_unit(sub, as_prefix=True)
        if key == "suffix":
            return fixed_unit(sub)
        if key == "si":
            offset = SI_PREFIXES.index(sub[:1]) - SI_BASE if sub[:1] in SI_PREFIXES and sub[:1] else 0
            return si_prefix(sub[1:] if offset else sub, offset)
        if key == "count":
            return count_unit(sub)
    return fixed_unit(unit)


def format_value(value: float | None, unit: str | None = None, decimals: int | None = None) -> str:
    """The text Grafana shows for ``value`` in ``unit`` (``"1.5 GiB"``, ``"12.3%"``, ``"250 ms"``)."""
    if value is None:
        return ""
    text, suffix = formatter(unit)(float(value), decimals)
    return text + suffix


BINARY_UNITS = {"bytes", "bits", "kbytes", "mbytes", "gbytes", "binBps", "binbps"}


def tick_labels(values: list[float], unit: str | None) -> list[str]:
    """Axis labels, each with the fewest decimals (up to 6) that show its tick exactly."""
    fmt = formatter(unit)
    return [format_value(v, unit, next((d for d in range(7) if _exact(fmt, v, d)), None)) for v in values]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _exact(fmt: Formatter, value: float, decimals: int) -> bool:
    shown, precise = (_NUMBER.search(fmt(value, d)[0]) for d in (decimals, 12))
    if not shown or not precise:
        return True
    a, b = float(shown.group(0)), float(precise.group(0))
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))
