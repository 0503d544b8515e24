"""Timing of a 30-panel dashboard (printed, never asserted)."""

from __future__ import annotations

import time

from dashgen.dashboard import promql
from dashgen.lint import lint_dashboard

from .builders import dashboard, panel, target


def thirty_panels() -> dict:
    panels = []
    for i in range(30):
        panels.append(panel(i + 1, f"Panel {i}", x=(i % 2) * 12, y=(i // 2) * 8, targets=[
            target(f'sum by (pod) (rate(container_cpu_usage_seconds_total{{namespace=~"$namespace", n="{i}"}}[$__rate_interval]))'),
        ]))
    return dashboard(panels)


def test_thirty_panel_dashboard_timing(capsys):
    d = thirty_panels()
    promql.cache_clear()
    t0 = time.perf_counter()
    first = lint_dashboard(d, name="perf")
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(20):
        t0 = time.perf_counter()
        again = lint_dashboard(d, name="perf")
        runs.append(time.perf_counter() - t0)
    assert first == again == []
    runs.sort()
    with capsys.disabled():
        print(f"\n30-panel dashboard: first lint {cold * 1e3:.2f} ms (30 distinct queries parsed), "
              f"cached median {runs[len(runs) // 2] * 1e3:.2f} ms")
