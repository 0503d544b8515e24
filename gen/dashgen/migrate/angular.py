"""Which panels are AngularJS panels, which of them dashgen migrates, and finding them.

Grafana 12 no longer runs AngularJS. On load it converts the core Angular panels and a
few community ones to their React replacements (``autoMigrateAngular`` and
``getPanelPluginToMigrateTo`` in ``public/app/features/dashboard/state/``); every other
Angular panel shows an error. :data:`MIGRATED` is that first list, :data:`ANGULAR_PANELS`
all Angular panel plugins (Grafana docs "Plugins using AngularJS", panel plugins only,
plus the core ones). A type in ``ANGULAR_PANELS`` but not in ``MIGRATED`` is refused.

This module imports nothing heavy: lint uses it on every dashboard.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .schema import TARGET_SCHEMA_VERSION
from .walk import all_panels, schema_version


class AngularPanel(NamedTuple):
    replacement: str  # what to use instead (goes into Finding.fix)
    react_since: tuple[int, ...] | None = None  # None: every version is Angular


# Panel plugins that need AngularJS (removed in Grafana 12). From Grafana's
# "Plugins using AngularJS" table, plus the core ones (graph, singlestat, table-old).
# Entries with react_since are Angular only before that plugin version; they are
# flagged only when the panel's pluginVersion says it is older.
ANGULAR_PANELS: dict[str, AngularPanel] = {
    "graph": AngularPanel("timeseries (or barchart/histogram)"),
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

# Angular type -> what Grafana converts it to (``graph`` depends on ``xaxis.mode``, see
# ``panels.graph.target_type``). ``graphite`` is the pre-schema-2 name of ``graph``.
MIGRATED: dict[str, str] = {
    "graph": "timeseries",
    "graphite": "timeseries",
    "singlestat": "stat",
    "grafana-singlestat-panel": "stat",
    "table-old": "table",
    "grafana-piechart-panel": "piechart",
    "grafana-worldmap-panel": "geomap",
    "natel-discrete-panel": "state-timeline",
}


def _version(text: Any) -> tuple[int, ...] | None:
    if not isinstance(text, str):
        return None
    parts = []
    for piece in text.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) or None


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
    if kind in MIGRATED:
        return True
    info = ANGULAR_PANELS.get(kind)
    if info is None:
        return False
    if info.react_since is None:
        return True
    version = _version(panel.get("pluginVersion"))
    return version is not None and version < info.react_since


def angular_panels(model: Any) -> list[dict[str, Any]]:
    """Every AngularJS panel of a dashboard (rows, collapsed rows and legacy ``rows`` included)."""
    schema = schema_version(model)
    return [p for p in all_panels(model) if is_angular(p, schema)]


def needs_migration(model: Any) -> bool:
    """Whether :func:`dashgen.migrate.migrate_dashboard` would change ``model``."""

    if not isinstance(model, dict):
        return False
    return schema_version(model) < TARGET_SCHEMA_VERSION or bool(angular_panels(model))
