"""Template variables: the datasource first, then cascading ``label_values`` queries.

Query variables refresh on time-range change (so their values match the data shown),
are sorted, and multi-select ones start on "All". Without an ``all_value`` Grafana sends
All as the alternation of every value (``(a|b|c)``), so series without the label are
never matched by accident.
"""

from __future__ import annotations

import attr
from grafanalib import core

from .panels import DATASOURCE

DATASOURCE_UID = "prometheus"  # kube-prometheus-stack's and dashgen's Prometheus datasource
DATASOURCE_NAME = "Prometheus"


@attr.s
class Variable(core.Template):
    """A grafanalib Template without the keys of other variable types (auto_*, tags...)."""

    current_value = attr.ib(default=None)
    current_text = attr.ib(default=None)

    def to_json_data(self):
        data = super().to_json_data()
        for key in ("auto", "auto_count", "auto_min", "useTags", "tagsQuery", "tagValuesQuery"):
            data.pop(key, None)
        data["options"] = []
        if self.type == "query":
            data["definition"] = self.query
        if self.current_value is not None:
            data["current"] = {"selected": True, "text": self.current_text, "value": self.current_value}
        else:
            data.pop("current", None)
        return data


def datasource() -> Variable:
    """The Prometheus datasource picker (dashboard-linter: named ``datasource``)."""
    return Variable(
        name="datasource", label="Data source", type="datasource", query="prometheus",
        current_value=DATASOURCE_UID, current_text=DATASOURCE_NAME, refresh=1, hide=0,
    )


def label_values(name: str, label: str, query: str, *, multi: bool = True, include_all: bool = True,
                 default: str | None = None, all_value: str | None = None, regex: str | None = None,
                 hide: int = 0) -> Variable:
    """A ``label_values()`` query variable; ``default`` picks a value instead of All."""
    if default is not None:
        current = ([default], [default]) if multi else (default, default)
    elif include_all:
        current = (["$__all"], ["All"]) if multi else ("$__all", "All")
    else:
        current = (None, None)
    return Variable(
        name=name, label=label, type="query", query=query, dataSource=DATASOURCE,
        multi=multi, includeAll=include_all, allValue=all_value, regex=regex,
        refresh=core.REFRESH_ON_TIME_RANGE_CHANGE, sort=core.SORT_ALPHA_IGNORE_CASE_ASC, hide=hide,
        current_value=current[0], current_text=current[1],
    )
