"""grafana-piechart-panel -> piechart and natel-discrete-panel -> state-timeline, on real panels
from the corpus (it has no grafana-worldmap-panel under a permissive licence: the worldmap
test takes a real singlestat-era panel's fields as the worldmap editor saves them)."""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import find, load, panel_pair

PIE = "unpoller-dashboards/unifi-poller-client-insights-prometheus_rev6.json"
DISCRETE = "unpoller-dashboards/UniFi-Poller_ Client Insights - InfluxDB.json"


def test_piechart():
    old, new = panel_pair(PIE, 9)
    assert (old["type"], old["legendType"], old["pieType"], old["valueName"], old["format"], old["decimals"]) == (
        "grafana-piechart-panel", "Right side", "pie", "current", "short", 0)
    assert (old["legend"]["show"], old["legend"]["percentage"], old["legend"]["values"]) == (True, True, False)
    assert new["type"] == "piechart"
    assert new["options"] == {"legend": {"placement": "right", "values": ["percent"], "displayMode": "table",
                                         "showLegend": True, "calcs": []},
                              "reduceOptions": {"calcs": ["lastNotNull"]}, "pieType": "pie"}
    assert new["fieldConfig"] == {"defaults": {"decimals": 0, "unit": "short"}, "overrides": []}
    assert (new["title"], new["targets"], new["gridPos"]) == (old["title"], old["targets"], old["gridPos"])


def test_piechart_on_graph_labels_and_alias_colours():
    model = load(PIE)
    find(model, 9).update(legendType="On graph", pieType="donut", aliasColors={"2.4 GHz": "green"})
    new = find(migrate_dashboard(model).model, 9)
    assert new["options"]["legend"]["showLegend"] is False
    assert new["options"]["displayLabels"] == ["name", "percent"]
    assert new["options"]["pieType"] == "donut"
    assert new["fieldConfig"]["overrides"] == [{"matcher": {"id": "byName", "options": "2.4 GHz"}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": "green"}}]}]


def test_discrete_to_state_timeline():
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
    model = load(PIE)
    panel = find(model, 9)
    panel.update(type="grafana-worldmap-panel", mapCenter="Europe", mapCenterLatitude=46, mapCenterLongitude=14,
                 initialZoom="4", mouseWheelZoom=True, thresholds="10,100", colors=["green", "orange", "red"],
                 decimals=1, locationData="countries")
    result = migrate_dashboard(model)
    new = find(result.model, 9)
    assert new["type"] == "geomap"
    assert new["options"]["view"] == {"zoom": 4, "id": "europe", "lat": 46, "lon": 14}
    assert new["options"]["controls"] == {"showZoom": True, "mouseWheelZoom": True}
    assert new["options"]["layers"] == []  # Grafana migrates the view only
    assert new["fieldConfig"]["defaults"] == {"decimals": 1, "thresholds": {"mode": "absolute", "steps": [
        {"color": "green", "value": None}, {"color": "orange", "value": 10}, {"color": "red", "value": 100}]}}
    assert any("no data layer" in n for n in result.notes)
