"""grafanalib classes that lack ``extraJson``, with it, for dashboard modules.

grafanalib's panels merge an ``extraJson`` dict into their JSON, so a panel can carry what
grafanalib has no field for. ``Dashboard``, ``Target`` and ``Template`` cannot, and their
JSON is fixed to what Grafana 6-8 saved. These subclasses take the same fields plus
``extraJson``, merged key by key into nested dicts, anything else replaced; a ``None``
removes a key (dashgen drops nulls on build).

The panel classes here are grafanalib's with one difference: grafanalib merges into a
nested dict even when ``extraJson`` gives something else for it, so a panel cannot drop a
dict grafanalib always writes (``fieldConfig.defaults.custom`` of a stat, say); here
``{"custom": None}`` removes it. ``dashgen import`` uses them only where that is needed.
"""

from __future__ import annotations

from typing import Any

import attr
from attr.validators import instance_of, optional
from grafanalib import core


def merge(data: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """Merge ``extra`` into ``data`` in place, as grafanalib's panels merge ``extraJson``."""
    for key, value in (extra or {}).items():
        current: Any = data.get(key)
        if hasattr(current, "to_json_data"):
            current = data[key] = current.to_json_data()
        if isinstance(current, dict) and isinstance(value, dict):
            data[key] = merge(dict(current), value)
        else:
            data[key] = value
    return data


_EXTRA = attr.ib(default=None, validator=optional(instance_of(dict)), kw_only=True)


@attr.s
class Dashboard(core.Dashboard):
    extraJson = _EXTRA

    def to_json_data(self):
        return merge(super().to_json_data(), self.extraJson)


@attr.s
class Target(core.Target):
    extraJson = _EXTRA

    def to_json_data(self):
        return merge(super().to_json_data(), self.extraJson)


@attr.s
class Template(core.Template):
    extraJson = _EXTRA

    def to_json_data(self):
        return merge(super().to_json_data(), self.extraJson)


class _Merging:
    """Panels: ``extraJson`` merged by :func:`merge` instead of grafanalib's merge."""

    def panel_json(self, overrides):
        extra, self.extraJson = self.extraJson, None
        try:
            data = super().panel_json(overrides)
        finally:
            self.extraJson = extra
        return merge(data, extra)


def _merging(panel: type) -> type:
    return type(panel.__name__, (_Merging, panel), {"__module__": __name__, "__doc__": panel.__doc__})


BarChart = _merging(core.BarChart)
BarGauge = _merging(core.BarGauge)
DashboardList = _merging(core.DashboardList)
GaugePanel = _merging(core.GaugePanel)
Graph = _merging(core.Graph)
Heatmap = _merging(core.Heatmap)
Histogram = _merging(core.Histogram)
Logs = _merging(core.Logs)
News = _merging(core.News)
PieChartv2 = _merging(core.PieChartv2)
RowPanel = _merging(core.RowPanel)
SingleStat = _merging(core.SingleStat)
Stat = _merging(core.Stat)
StateTimeline = _merging(core.StateTimeline)
Table = _merging(core.Table)
Text = _merging(core.Text)
TimeSeries = _merging(core.TimeSeries)
