"""Which panels are AngularJS panels: what lint reports, what migrate converts or refuses.

Grafana 12 no longer runs AngularJS: on load it converts the core Angular panels and a few
community ones to their React replacements (``dashgen.migrate.panels`` does the same), and
shows an error in place of every other Angular panel. :data:`ANGULAR_PANELS` lists every
Angular panel plugin (Grafana docs "Plugins using AngularJS", panel plugins only, plus the
core ones) with the panel to use instead; :func:`is_angular` is the one test of a panel.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .walk import panel_dicts, schema_version


class AngularPanel(NamedTuple):
    replacement: str  # what to use instead (goes into Finding.fix)
    react_since: tuple[int, ...] | None = None  # None: every version is Angular


# Panel plugins that need AngularJS (removed in Grafana 12). From Grafana's
# "Plugins using AngularJS" table, plus the core ones (graph, singlestat, table-old).
# Entries with react_since are Angular only before that plugin version; they are
# flagged only when the panel's pluginVersion says it is older.
ANGULAR_PANELS: dict[str, AngularPanel] = {
    "graph": AngularPanel("timeseries (or barchart/histogram)"),
    "graphite": AngularPanel("timeseries (or barchart/histogram)"),  # graph before schemaVersion 2
    "singlestat": AngularPanel("stat (or gauge)"),
    "grafana-singlestat-panel": AngularPanel("stat (or gauge)"),
    "table-old": AngularPanel("table"),
    "grafana-piechart-panel": AngularPanel("piechart"),
    "grafana-worldmap-panel": AngularPanel("geomap"),
    "natel-discrete-panel": AngularPanel("state-timeline"),
    "vonage-status-panel": AngularPanel("stat or grafana-polystat-panel (>= 2.0)"),
    "natel-plotly-panel": AngularPanel("nline-plotlyjs-panel (or xychart)"),
    "agenty-flowcharting-panel": AngularPanel("canvas"),
    "yesoreyeram-boomtable-panel": AngularPanel("table with transformations"),
    "briangann-datatable-panel": AngularPanel("table"),
    "flant-statusmap-panel": AngularPanel("status-history"),
    "michaeldmoore-multistat-panel": AngularPanel("bargauge or stat"),
    "michaeldmoore-annunciator-panel": AngularPanel("stat"),
    "pr0ps-trackmap-panel": AngularPanel("geomap"),
    "alexandra-trackmap-panel": AngularPanel("geomap"),
    "snuids-trafficlights-panel": AngularPanel("heywesty-trafficlight-panel or stat with thresholds"),
    "smartmakers-trafficlight-panel": AngularPanel("heywesty-trafficlight-panel or stat with thresholds"),
    "petrslavotinek-carpetplot-panel": AngularPanel("heatmap"),
    "ryantxu-ajax-panel": AngularPanel("text (HTML) or a table fed by the Infinity datasource"),
    "ryantxu-annolist-panel": AngularPanel("annolist"),
    "novalabs-annotations-panel": AngularPanel("annolist"),
    "marcuscalidus-svg-panel": AngularPanel("canvas"),
    "neocat-cal-heatmap-panel": AngularPanel("heatmap"),
    "blackmirror1-singlestat-math-panel": AngularPanel("stat with transformations"),
    "blackmirror1-statusbygroup-panel": AngularPanel("stat or grafana-polystat-panel (>= 2.0)"),
    "farski-blendstat-panel": AngularPanel("stat with transformations"),
    "savantly-heatmap-panel": AngularPanel("heatmap"),
    "mtanda-heatmap-epoch-panel": AngularPanel("heatmap"),
    "mtanda-histogram-panel": AngularPanel("histogram"),
    "snuids-radar-panel": AngularPanel("barchart (no core radar panel)"),
    "fatcloud-windrose-panel": AngularPanel("operato-windrose-panel"),
    "bessler-pictureit-panel": AngularPanel("larona-epict-panel (>= 2.0)"),
    "pierosavi-imageit-panel": AngularPanel("larona-epict-panel (>= 2.0) or canvas"),
    "corpglory-progresslist-panel": AngularPanel("bargauge"),
    "aidanmountford-html-panel": AngularPanel("text (HTML mode)"),
    "mxswat-separator-panel": AngularPanel("an empty text panel or a row"),
    "natel-influx-admin-panel": AngularPanel("nothing equivalent; remove the panel"),
    "satellogic-3d-globe-panel": AngularPanel("geomap"),
    "zuburqan-parity-report-panel": AngularPanel("table"),
    "citilogics-geoloop-panel": AngularPanel("geomap"),
    "gretamosa-topology-panel": AngularPanel("nodeGraph"),
    # Not in Grafana's table, but its source is an AngularJS MetricsPanelCtrl
    # (addEditorTab/editor.html) in every published version.
    "btplc-status-dot-panel": AngularPanel("grafana-polystat-panel (>= 2.0) or stat"),
    # Angular only before the listed version:
    "grafana-polystat-panel": AngularPanel("grafana-polystat-panel >= 2.0.0", (2, 0, 0)),
    "briangann-gauge-panel": AngularPanel("briangann-gauge-panel >= 2.0.0 or gauge", (2, 0, 0)),
    "digrich-bubblechart-panel": AngularPanel("digrich-bubblechart-panel >= 2.0.1", (2, 0, 1)),
    "grafana-clock-panel": AngularPanel("grafana-clock-panel >= 1.1.0", (1, 1, 0)),
    "jdbranham-diagram-panel": AngularPanel("jdbranham-diagram-panel >= 1.7.1 or canvas", (1, 7, 1)),
    "larona-epict-panel": AngularPanel("larona-epict-panel >= 2.0.0", (2, 0, 0)),
    "novatec-sdg-panel": AngularPanel("novatec-sdg-panel >= 4.0.3", (4, 0, 3)),
    "scadavis-synoptic-panel": AngularPanel("scadavis-synoptic-panel >= 2.0", (2, 0)),
}

_VERSION = re.compile(r"\s*v?(\d+(?:\.\d+)*)")


def plugin_version(text: Any) -> tuple[int, ...] | None:
    """A panel's ``pluginVersion`` ("1.2.11", "v2.0.0-beta") as numbers, None when it has none."""
    match = _VERSION.match(text) if isinstance(text, str) else None
    return tuple(int(x) for x in match.group(1).split(".")) if match else None


def is_angular(panel: Any, schema: int) -> bool:
    """Whether Grafana 12 would treat ``panel`` (a dict in a dashboard at ``schema``) as AngularJS.

    A ``table`` with ``styles`` in a dashboard older than schemaVersion 24 is the Angular
    table (Grafana renames it ``table-old`` when it loads the dashboard). Plugins that became
    React in a later release count only when the panel's ``pluginVersion`` says it is older.
    """
    if not isinstance(panel, dict):
        return False
    kind = panel.get("type")
    if not isinstance(kind, str):
        return False
    if kind == "table":
        return schema < 24 and isinstance(panel.get("styles"), list) and panel.get("table") != "table2"
    info = ANGULAR_PANELS.get(kind)
    if info is None:
        return False
    if info.react_since is None:
        return True
    version = plugin_version(panel.get("pluginVersion"))
    return version is not None and version < info.react_since


def angular_panels(model: Any) -> list[dict[str, Any]]:
    """Every AngularJS panel of a dashboard (rows, collapsed rows and legacy ``rows`` included)."""
    schema = schema_version(model)
    return [p for p in panel_dicts(model) if is_angular(p, schema)]
