"""The verify report: a table for people, one JSON document for automation."""

from __future__ import annotations

from datetime import UTC, datetime

from .runner import DATA, ERROR, NO_DATA, PARTIAL, SKIPPED, DashboardResult

STATUSES = (DATA, PARTIAL, NO_DATA, ERROR, SKIPPED)


def summary(results: list[DashboardResult]) -> dict:
    counts = {s: 0 for s in STATUSES}
    for r in results:
        for p in r.panels:
            counts[p.status] = counts.get(p.status, 0) + 1
    return {
        "dashboards": len(results),
        "panels": sum(len(r.panels) for r in results),
        "variable_errors": sum(len(r.errors) for r in results),
        **{s.replace(" ", "_"): n for s, n in counts.items()},
    }


def failed(results: list[DashboardResult], strict: bool) -> bool:
    """Query errors always fail; with ``strict`` so does any panel without (all of its) data."""
    bad = {ERROR, NO_DATA, PARTIAL} if strict else {ERROR}
    return any(r.errors for r in results) or any(p.status in bad for r in results for p in r.panels)


def to_json(results: list[DashboardResult], *, prometheus: str, strict: bool) -> dict:
    return {
        "prometheus": prometheus,
        "strict": strict,
        "ok": not failed(results, strict),
        "summary": summary(results),
        "dashboards": [r.to_dict() for r in results],
    }


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def to_text(results: list[DashboardResult], *, verbose: bool = False) -> str:
    """One line per panel (``verbose``) or per panel without data, skipped or with a note; then a summary."""
    rows = []
    for r in results:
        for err in r.errors:
            rows.append((r.uid, "(variables)", ERROR, err))
        for p in r.panels:
            if verbose or p.status != DATA or "note:" in p.detail:
                rows.append((r.uid, p.title or f"panel {p.id}", p.status, p.detail))
    lines = []
    if rows:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(("DASHBOARD", "PANEL", "STATUS"))]
        widths = [min(w, 48) for w in widths]
        header = ("DASHBOARD", "PANEL", "STATUS", "DETAIL")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  " + header[3])
        for row in rows:
            cells = [_cut(c, w).ljust(w) for c, w in zip(row, widths)]
            lines.append("  ".join(cells) + "  " + _cut(row[3], 160))
        lines.append("")
    for r in results:
        counts = {s: sum(1 for p in r.panels if p.status == s) for s in STATUSES}
        parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        lines.append(f"{r.uid}: {len(r.panels)} panels ({parts or 'none'}) from {_iso(r.start)} to {_iso(r.end)}")
    s = summary(results)
    lines.append(
        f"{s['dashboards']} dashboards, {s['panels']} panels: {s['data']} with data, "
        f"{s['partial']} partial, {s['no_data']} without data, {s['error']} errors, {s['skipped']} skipped"
        + (f", {s['variable_errors']} variable errors" if s["variable_errors"] else "")
    )
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
