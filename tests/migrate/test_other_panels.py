"""grafana-piechart-panel -> piechart, natel-discrete-panel -> state-timeline and
grafana-worldmap-panel -> geomap, on real panels.

Debian's ceph dashboards hold Angular pie charts; the discrete panel is in no Debian dashboard
(``*_corpus``, skipped without the manifest corpus), and no permissively licensed dashboard has a
worldmap panel: that test takes a real pie chart panel with the fields the worldmap editor saves.
"""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import OSDS, find, load, panel_pair

PIE = "unpoller-dashboards/unifi-poller-client-insights-prometheus_rev6.json"
DISCRETE = "unpoller-dashboards/UniFi-Poller_ Client Insights - InfluxDB.json"


def test_piechart():
    old, new = panel_pair(OSDS, 7)
    assert (old["type"], old["legendType"], old["pieType"], old["valueName"]) == (
        "grafana-piechart-panel", "Under graph", "pie", "current")
    assert "format" not in old and "decimals" not in old
    assert (old["legend"]["show"], old["legend"]["percentage"], old["legend"]["values"]) == (True, True, True)
    assert new["type"] == "piechart"
    assert new["options"] == {"legend": {"placement": "bottom", "values": ["value", "percent"], "displayMode": "table",
                                         "showLegend": True, "calcs": []},
                              "reduceOptions": {"calcs": ["lastNotNull"]}, "pieType": "pie"}
    # no unit; the old panel showed 0 decimals by default, the new one would show 1
    assert new["fieldConfig"] == {"defaults": {"decimals": 0}, "overrides": [
        {"matcher": {"id": "byName", "options": "Non-Encrypted"},
         "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "#E5AC0E"}}]}]}
    assert (new["title"], new["targets"], new["gridPos"]) == (old["title"], old["targets"], old["gridPos"])


def test_piechart_right_side_unit_decimals_corpus():
    old, new = panel_pair(PIE, 9)
    assert (old["legendType"], old["format"], old["decimals"], old["legend"]["values"]) == (
        "Right side", "short", 0, False)
    assert new["options"]["legend"]["placement"] == "right"
    assert new["options"]["legend"]["values"] == ["percent"]
    assert new["fieldConfig"] == {"defaults": {"decimals": 0, "unit": "short"}, "overrides": []}


def test_piechart_on_graph_labels_and_donut():
    model = load(OSDS)
    find(model, 7).update(legendType="On graph", pieType="donut")
    new = find(migrate_dashboard(model).model, 7)
    assert new["options"]["legend"]["showLegend"] is False
    assert new["options"]["displayLabels"] == ["name", "value", "percent"]
    assert new["options"]["pieType"] == "donut"


def test_discrete_to_state_timeline_corpus():
    old, new = panel_pair(DISCRETE, 17)
    assert (old["type"], new["type"]) == ("natel-discrete-panel", "state-timeline")
    d = new["fieldConfig"]["defaults"]
    assert d["unit"] == old["units"] == "short"
    assert d["custom"] == {"fillOpacity": 100, "lineWidth": 0}
    assert new["options"] == {"mergeValues": True}
    values = d["mappings"][0]
    assert values["type"] == "value"
    colors = {c["text"]: c["color"] for c in old["colorMaps"]}
    for vm in old["valueMaps"]:
        result = values["options"][vm["value"]]
        assert result["text"] == vm["text"]
        assert result.get("color") == colors.get(vm["text"])  # coloured through its text's colour map
    assert d["mappings"][1] == {"type": "range", "options": {"from": None, "to": None, "result": {"text": "N/A"}}}


def test_worldmap_to_geomap():
    model = load(OSDS)
    panel = find(model, 6)
    panel.update(type="grafana-worldmap-panel", mapCenter="Europe", mapCenterLatitude=46, mapCenterLongitude=14,
                 initialZoom="4", mouseWheelZoom=True, thresholds="10,100", colors=["green", "orange", "red"],
                 decimals=1, locationData="countries")
    result = migrate_dashboard(model)
    new = find(result.model, 6)
    assert new["type"] == "geomap"
    assert new["options"]["view"] == {"zoom": 4, "id": "europe", "lat": 46, "lon": 14}
    assert new["options"]["controls"] == {"showZoom": True, "mouseWheelZoom": True}
    assert new["options"]["layers"] == []  # Grafana migrates the view only
    assert new["fieldConfig"]["defaults"] == {"decimals": 1, "thresholds": {"mode": "absolute", "steps": [
        {"color": "green", "value": None}, {"color": "orange", "value": 10}, {"color": "red", "value": 100}]}}
    assert any("no data layer" in n for n in result.notes)
