"""migrate_dashboard never raises anything but MigrationError, whatever JSON it gets."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashgen.migrate import MigrationError, migrate_dashboard

from .real import OSDS, load

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from(["", "null", "default", "graph", "singlestat", "table", "row", "$ds", "${DS_X}",
                                     "-- Mixed --", "/.*/", "connected", "gt", "lt", "10,20", "current", "250px",
                                     "grafana-piechart-panel", "grafana-worldmap-panel", "natel-discrete-panel",
                                     "table-old", "graphite", "text2", "series", "histogram"]),
                    st.text(max_size=8))
KEYS = st.sampled_from(["type", "panels", "rows", "targets", "datasource", "yaxes", "seriesOverrides", "legend",
                        "thresholds", "colors", "valueMaps", "rangeMaps", "styles", "fieldConfig", "options",
                        "defaults", "overrides", "properties", "templating", "list", "annotations", "schemaVersion",
                        "grid", "span", "height", "collapse", "links", "xaxis", "tooltip", "gauge", "sparkline",
                        "mappingType", "transformations", "id", "title", "current", "multi", "refresh", "value",
                        "alias", "pattern", "timeRegions", "aliasColors", "__inputs", "__elements", "model", "minSpan",
                        "options-gauge", "nav", "pulldowns", "services", "filter", "timepicker", "colorMaps"])
JSON = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4),
                                                         st.dictionaries(KEYS, children, max_size=6)), max_leaves=40)


def _check(model):
    try:
        result = migrate_dashboard(model)
    except MigrationError:
        return
    json.dumps(result.model, allow_nan=False)  # still plain JSON
    assert migrate_dashboard(result.model).model == result.model


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json(model):
    _check(model)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=5), st.integers(0, 30))
def test_real_dashboard_with_random_parts(extra, where):
    model = load(OSDS)  # graph, singlestat, old tables with styles, the Angular pie chart
    panels = model["panels"]
    panels[where % len(panels)].update(extra)
    model.update({k: v for k, v in extra.items() if k in ("templating", "annotations", "rows", "schemaVersion")})
    _check(model)
