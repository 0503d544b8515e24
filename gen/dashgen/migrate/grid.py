"""schemaVersion 16: legacy ``rows`` to row panels and ``gridPos``.

Before 16 a dashboard was a list of rows, each with a pixel ``height`` and panels sized by
``span`` (12 columns). Grafana's ``upgradeToGridLayout`` (``DashboardMigrator.ts``) places
each row's panels left to right on the 24-column grid, wrapping when a row is full, and adds a
``row`` panel per row when any row is collapsed, repeated or shows its title. Panels of a
collapsed row go inside its row panel. This follows that algorithm step for step.
"""

from __future__ import annotations

import math
from typing import Any

from ..dashboard.walk import dicts
from .numbers import number, parse_float, to_number

COLUMNS = 24
DEFAULT_SPAN = 4
DEFAULT_ROW_HEIGHT = 250
CELL_HEIGHT = 30
CELL_VMARGIN = 8
MIN_PANEL_HEIGHT = CELL_HEIGHT * 3


def grid_height(height: Any) -> int:
    """Pixels (number or ``"250px"``) to grid rows, at least the minimum panel height."""
    value: float | None = None
    if isinstance(height, str):
        parsed = parse_float(height.replace("px", ""))  # parseInt: the leading integer
        # parseInt of garbage is NaN, which Grafana then carries on with; we take the default
        value = math.trunc(parsed) if parsed is not None and math.isfinite(parsed) else None
    elif isinstance(height, (int, float)) and not isinstance(height, bool):
        value = to_number(height)
    pixels = max(float(DEFAULT_ROW_HEIGHT if value is None else value), MIN_PANEL_HEIGHT)
    if not math.isfinite(pixels):
        pixels = DEFAULT_ROW_HEIGHT
    return min(int(math.ceil(pixels / (CELL_HEIGHT + CELL_VMARGIN))), 10_000)


class _RowArea:
    """Filled height per column of the row being laid out (``RowArea`` in Grafana)."""

    def __init__(self, height: int, y: int):
        self.area = [0] * COLUMNS
        self.y = y
        self.height = height

    def add(self, pos: dict[str, int]) -> None:
        for i in range(pos["x"], min(pos["x"] + pos["w"], COLUMNS)):
            filled = pos["y"] + pos["h"] - self.y
            if filled > self.area[i]:
                self.area[i] = filled

    def place(self, width: int) -> tuple[int, int]:
        """(x, y offset) for a panel of ``width``; wraps to a new line when the row is full."""
        for attempt in range(2):
            start = end = None
            for i in range(COLUMNS - 1, -1, -1):
                if self.height - self.area[i] <= 0:
                    break
                if end is None:
                    end = i
                elif self.area[i] <= self.area[i + 1]:
                    start = i
                else:
                    break
            if start is not None and end is not None and end - start >= width - 1:
                return start, max(self.area[start:])
            if attempt == 0:
                self.y += self.height
                self.area = [0] * COLUMNS
        # Wider than the grid (span > 12): Grafana fails here; we start it on a fresh line.
        return 0, 0


def _max_panel_id(rows: list[dict[str, Any]]) -> int:
    ids = [
        p["id"]
        for r in rows
        for p in dicts(r.get("panels"))
        if isinstance(p.get("id"), (int, float)) and not isinstance(p.get("id"), bool)
    ]
    return int(max(ids)) if ids else 0


def upgrade_to_grid(model: dict[str, Any]) -> None:
    """Replace ``model["rows"]`` by panels with ``gridPos`` (and row panels where needed)."""
    rows = dicts(model.get("rows"))
    if "rows" not in model:
        return
    del model["rows"]
    if not rows:
        return
    panels = dicts(model.get("panels"))
    next_id = _max_panel_id(rows) + 1
    show_rows = any(r.get("collapse") or r.get("showTitle") or r.get("repeat") for r in rows)
    y = 0
    for row in rows:
        if row.get("repeatIteration"):
            continue
        height = grid_height(row.get("height", DEFAULT_ROW_HEIGHT))
        collapsed = bool(row.get("collapse"))
        row_panel: dict[str, Any] | None = None
        row_panels = dicts(row.get("panels"))
        for panel in row_panels:  # Grafana's schemaVersion 3 step numbers panels that have no id
            if not isinstance(panel.get("id"), (int, float)) or isinstance(panel.get("id"), bool) or not panel["id"]:
                panel["id"] = next_id
                next_id += 1
        if show_rows:
            row_panel = {
                "id": next_id,
                "type": "row",
                "title": row.get("title") if isinstance(row.get("title"), str) else "",
                "gridPos": {"x": 0, "y": y, "w": COLUMNS, "h": height},
                "panels": [],
            }
            if "collapse" in row:
                row_panel["collapsed"] = collapsed
            if row.get("repeat"):
                row_panel["repeat"] = row["repeat"]
            next_id += 1
            y += 1
        area = _RowArea(height, y)
        for panel in row_panels:
            span = to_number(panel.get("span")) if panel.get("span") is not None else None
            span = DEFAULT_SPAN if not span or span < 0 else min(span, 10_000)
            min_span = to_number(panel.get("minSpan")) if "minSpan" in panel else None
            if min_span:
                panel["minSpan"] = number(float(min(COLUMNS, (COLUMNS / 12) * min_span)))
            width = int(math.floor(span)) * COLUMNS // 12
            panel_height = grid_height(panel["height"]) if panel.get("height") else height
            x, dy = area.place(width)
            y = area.y
            pos = {"x": x, "y": y + dy, "w": width, "h": panel_height}
            panel["gridPos"] = pos
            area.add(pos)
            panel.pop("span", None)
            if row_panel is not None and collapsed:
                row_panel["panels"].append(panel)
            else:
                panels.append(panel)
        if row_panel is not None:
            panels.append(row_panel)
        if not (row_panel is not None and collapsed):
            y += height
    model["panels"] = panels
