"""Angular panel migrations, one module per Angular panel, and the registry choosing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import discrete, graph, piechart, singlestat, table, worldmap
from .common import Converted

CONVERTERS: dict[str, Callable[[dict[str, Any]], Converted]] = {
    "graph": graph.convert,
    "graphite": graph.convert,
    "singlestat": singlestat.convert,
    "grafana-singlestat-panel": singlestat.convert,
    "table-old": table.convert,
    "table": table.convert,  # with styles, in a dashboard older than schemaVersion 24
    "grafana-piechart-panel": piechart.convert,
    "grafana-worldmap-panel": worldmap.convert,
    "natel-discrete-panel": discrete.convert,
}

__all__ = ["CONVERTERS", "Converted"]
