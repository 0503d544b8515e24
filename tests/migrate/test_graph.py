"""graph -> timeseries (and histogram, bar gauge, bar chart), field by field, on real exported
graph panels. Each test checks that the real panel has the field, then what Grafana's rule
(``graphToTimeseriesOptions``) makes of it.

Debian's packaged dashboards (ceph, redis exporter) hold most fields, so CI runs those tests.
The ``*_corpus`` tests cover fields no Debian dashboard has (axis decimals, bars, points, stepped
lines, dashes, fill below, thresholds, legend width, hidden time axis...); they need the
manifest corpus and skip without it.
"""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import (
    CEPH_CLUSTER,
    CEPHFS,
    HOST_DETAILS,
    OSD_DEVICE,
    OSDS,
    RADOSGW,
    REDIS,
    REDIS_OLD,
    find,
    load,
    panel_pair,
)

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"
MYSQL = "mysqld_exporter/mysql-overview.json"
REDIS_OVERVIEW = "redis_exporter/redis-overview.json"
OVERVIEW = "monitoring-mixins/overview.json"


def _rule(panel, options):
    """The override a series override became (the last rule for that series: alias colours come first)."""
    rules = [o for o in panel["fieldConfig"]["overrides"] if o["matcher"].get("options") == options]
    assert rules, options
    return rules[-1]


def _props(panel, options):
    return {p["id"]: p["value"] for p in _rule(panel, options)["properties"]}


def test_type_title_queries_grid():
    old, new = panel_pair(CEPH_CLUSTER, 45)  # schemaVersion 16: on the grid already
    assert (old["type"], new["type"]) == ("graph", "timeseries")
    assert (new["title"], new["targets"], new["gridPos"]) == (old["title"], old["targets"], old["gridPos"])


def test_datasource_variable_and_import_placeholder():
    old, new = panel_pair(CEPH_CLUSTER, 45)
    assert old["datasource"] == "$datasource"
    assert new["datasource"] == {"type": "prometheus", "uid": "$datasource"}  # typed by the datasource variable
    old, new = panel_pair(REDIS_OLD, 5)
    assert old["datasource"] == "${DS_PROMETHEUS}"
    assert new["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}  # typed by __inputs


def test_axis_unit_min_and_label():
    old, new = panel_pair(CEPH_CLUSTER, 53)
    y1 = old["yaxes"][0]
    assert (y1["format"], y1["min"], y1["max"]) == ("short", "0", None)
    d = new["fieldConfig"]["defaults"]
    assert (d["unit"], d["min"]) == ("short", 0)  # a numeric string becomes a number
    assert "max" not in d
    assert d["custom"]["axisPlacement"] == "auto"
    old, new = panel_pair(CEPH_CLUSTER, 45)
    assert old["yaxes"][0]["label"] == "Read (-) / Write (+)"
    assert new["fieldConfig"]["defaults"]["custom"]["axisLabel"] == "Read (-) / Write (+)"


def test_axis_max_from_a_numeric_string_corpus():
    old, new = panel_pair(NODE_OLD, 77)
    assert old["yaxes"][0]["max"] == "100"
    assert new["fieldConfig"]["defaults"]["max"] == 100


def test_axis_decimals_corpus():
    old, new = panel_pair("apisix/apisix-grafana-dashboard.json", 6)
    assert old["yaxes"][0]["decimals"] == 0
    assert new["fieldConfig"]["defaults"]["decimals"] == 0


def test_lines_fill_width_and_stacking():
    old, new = panel_pair(REDIS_OLD, 5)
    assert (old["lines"], old["fill"], old["linewidth"], old["stack"], old["points"]) == (True, 7, 2, True, False)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["fillOpacity"], custom["lineWidth"]) == ("line", 70, 2)
    assert custom["stacking"] == {"mode": "normal", "group": "A"}
    assert custom["showPoints"] == "never"


def test_bars_corpus():
    old, new = panel_pair(MYSQL, 49)
    assert (old["bars"], old["lines"]) == (True, False)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["fillOpacity"]) == ("bars", 100)


def test_points_only_corpus():
    old, new = panel_pair("kubernetes-app/k8s-container.json", 4)
    assert (old["lines"], old["points"], old["pointradius"]) == (False, True, 2)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["showPoints"], custom["pointSize"]) == ("points", "always", 6)


def test_stepped_line_corpus():
    old, new = panel_pair("unpoller-dashboards/unifi-poller-uap-insights-prometheus_rev6.json", 46)
    assert old["steppedLine"] is True
    assert new["fieldConfig"]["defaults"]["custom"]["lineInterpolation"] == "stepAfter"


def test_null_point_mode():
    old, new = panel_pair(REDIS_OLD, 1)
    assert old["nullPointMode"] == "connected"
    d = new["fieldConfig"]["defaults"]
    assert (d["custom"]["spanNulls"], d["nullValueMode"]) == (True, "connected")
    old, new = panel_pair(OSD_DEVICE, 3)
    assert old["nullPointMode"] == "null as zero"
    d = new["fieldConfig"]["defaults"]
    assert (d["custom"]["spanNulls"], d["nullValueMode"]) == (False, "null as zero")


def test_alias_colors():
    old, new = panel_pair(HOST_DETAILS, 5)
    assert len(old["aliasColors"]) == 6
    colours = [o for o in new["fieldConfig"]["overrides"] if o["properties"][0]["id"] == "color"]
    assert [(o["matcher"], o["properties"]) for o in colours][:len(old["aliasColors"])] == [
        ({"id": "byName", "options": alias}, [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}])
        for alias, color in old["aliasColors"].items()]


def test_series_overrides_colour_fill_width_stack():
    old, new = panel_pair(HOST_DETAILS, 5)
    assert old["seriesOverrides"] == [{"alias": "total", "color": "#bf1b00", "fill": 0, "linewidth": 2,
                                       "stack": False}]
    assert _props(new, "total") == {"color": {"fixedColor": "#bf1b00", "mode": "fixed"}, "custom.fillOpacity": 0,
                                    "custom.lineWidth": 2, "custom.stacking": {"mode": "none", "group": "A"}}
    assert _rule(new, "total")["matcher"]["id"] == "byName"
    old, new = panel_pair(CEPH_CLUSTER, 53)
    inactive = next(s for s in old["seriesOverrides"] if s["alias"] == "Inactive")
    assert (inactive["fill"], inactive["linewidth"], inactive["stack"]) == (4, 0, "A")
    props = _props(new, "Inactive")
    assert (props["custom.fillOpacity"], props["custom.lineWidth"]) == (40, 0)  # fill 0..10 -> opacity 0..100
    assert props["custom.stacking"] == {"mode": "normal", "group": "A"}  # a stack named "A": its group


def test_series_overrides_points_and_lines_corpus():
    old, new = panel_pair(MYSQL, 10)
    so = next(s for s in old["seriesOverrides"] if "points" in s)
    assert (so["lines"], so["points"], so["pointradius"]) == (False, True, 1)
    props = _props(new, so["alias"])
    assert props == {"color": {"fixedColor": so["color"], "mode": "fixed"}, "custom.lineWidth": 0,
                     "custom.pointSize": 4, "custom.showPoints": "always"}


def test_series_overrides_regex_and_negative_y():
    old, new = panel_pair(CEPHFS, 3)
    assert old["seriesOverrides"] == [{"alias": "/.*Reads/", "transform": "negative-Y"}]
    rule = _rule(new, "/.*Reads/")
    assert rule["matcher"]["id"] == "byRegexp"
    assert rule["properties"] == [{"id": "custom.transform", "value": "negative-Y"}]
    old, new = panel_pair(CEPH_CLUSTER, 45)
    assert old["seriesOverrides"] == [{"alias": "Reads", "transform": "negative-Y"}]
    assert _rule(new, "Reads")["matcher"]["id"] == "byName"


def test_series_overrides_without_an_alias_are_skipped():
    old, new = panel_pair(RADOSGW, 10)
    assert isinstance(old["seriesOverrides"][0], list)  # as exported: a list inside the list
    assert new["fieldConfig"]["overrides"] == []


def test_series_overrides_dashes_width_tooltip_corpus():
    old, new = panel_pair(REDIS_OVERVIEW, 1)
    so = old["seriesOverrides"][0]
    assert (so["alias"], so["dashes"], so["linewidth"], so["hideTooltip"]) == ("/Target/", True, 1, True)
    props = _props(new, "/Target/")
    assert props["custom.lineStyle"] == {"fill": "dash", "dash": [10, 10]}
    assert (props["custom.lineWidth"], props["custom.fillOpacity"]) == (1, 0)
    assert props["color"] == {"fixedColor": "#56A64B", "mode": "fixed"}
    assert "hideTooltip" not in str(props)  # Grafana ignores keys it has no rule for


def test_series_overrides_fill_below_to_corpus():
    old, new = panel_pair("dockprom/monitor_services.json", 34)
    so = next(s for s in old["seriesOverrides"] if "fillBelowTo" in s)
    assert _props(new, so["alias"])["custom.fillBelowTo"] == so["fillBelowTo"]
    assert new["fieldConfig"]["defaults"]["custom"]["fillOpacity"] == 35  # flot's fixed band opacity


def test_series_override_on_a_right_axis_like_the_left():
    old, new = panel_pair(REDIS_OLD, 8)
    assert old["seriesOverrides"] == [{"alias": "reclaims", "yaxis": 2}]
    assert [a["format"] for a in old["yaxes"]] == ["short", "short"]
    # the right axis is the left one again: nothing differs, so no override at all
    assert [p["id"] for o in new["fieldConfig"]["overrides"] if o["matcher"]["options"] == "reclaims"
            for p in o["properties"]] == ["color"]  # its alias colour only


def test_series_override_on_a_right_axis_with_its_own_unit_corpus():
    old, new = panel_pair(MYSQL, 44)
    assert old["seriesOverrides"] == [{"alias": "Table Open Cache Hit Ratio", "yaxis": 2}]
    assert [a["format"] for a in old["yaxes"]] == ["short", "percentunit"]
    assert _props(new, "Table Open Cache Hit Ratio") == {"unit": "percentunit"}  # only what differs from y1
    old, new = panel_pair("dockprom/docker_host.json", 7)
    so = next(s for s in old["seriesOverrides"] if s.get("yaxis") == 2)
    assert [(a["format"], a["min"]) for a in old["yaxes"]] == [("Bps", 0), ("ms", None)]
    assert _props(new, so["alias"])["unit"] == "ms"


def test_thresholds_corpus():
    old, new = panel_pair(OVERVIEW, 3)
    assert [(t["op"], t["value"], t["colorMode"], t["fill"], t["line"]) for t in old["thresholds"]] == [
        ("gt", 0.5, "warning", True, True), ("gt", 1, "critical", True, True)]
    d = new["fieldConfig"]["defaults"]
    assert d["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "transparent", "value": None}, {"value": 0.5, "color": "orange"}, {"value": 1, "color": "red"}]}
    assert d["custom"]["thresholdsStyle"] == {"mode": "line+area"}
    assert "thresholds" not in new


def test_legend():
    old, new = panel_pair(REDIS_OLD, 5)
    lg = old["legend"]
    assert (lg["alignAsTable"], lg["rightSide"], lg["current"], lg["values"]) == (True, True, True, True)
    assert new["options"]["legend"] == {"displayMode": "table", "showLegend": True, "placement": "right",
                                        "calcs": ["lastNotNull"]}
    old, new = panel_pair(RADOSGW, 10)
    assert [k for k in ("min", "max", "avg", "current", "total") if old["legend"].get(k)] == \
        ["min", "max", "avg", "current"]
    assert sorted(new["options"]["legend"]["calcs"]) == sorted(["min", "max", "mean", "lastNotNull"])
    assert (new["options"]["legend"]["displayMode"], new["options"]["legend"]["placement"]) == ("table", "bottom")


def test_legend_width_corpus():
    old, new = panel_pair(NODE_OLD, 77)
    assert old["legend"]["sideWidth"] == 250
    assert new["options"]["legend"]["width"] == 250


def test_legend_hidden_and_hide_zero():
    old, new = panel_pair(REDIS_OLD, 2)
    assert old["legend"]["show"] is False
    assert new["options"]["legend"]["showLegend"] is False
    old, new = panel_pair(REDIS, 5)
    assert old["legend"]["hideZero"] is True
    assert {"matcher": {"id": "byValue", "options": {"reducer": "allIsZero", "op": "gte", "value": 0}},
            "properties": [{"id": "custom.hideFrom", "value": {"tooltip": True, "viz": False, "legend": True}}]} \
        in new["fieldConfig"]["overrides"]


def test_legend_hide_empty_corpus():
    old, new = panel_pair("kubernetes-app/k8s-container.json", 4)
    assert old["legend"]["hideEmpty"] is True
    assert any(o["matcher"]["id"] == "byValue" and o["matcher"]["options"]["reducer"] == "allIsNull"
               for o in new["fieldConfig"]["overrides"])


def test_tooltip():
    old, new = panel_pair(REDIS, 18)
    assert (old["tooltip"]["shared"], old["tooltip"]["sort"]) == (True, 2)
    assert new["options"]["tooltip"] == {"mode": "multi", "sort": "desc"}
    old, new = panel_pair(CEPH_CLUSTER, 45)
    assert (old["tooltip"]["shared"], old["tooltip"]["sort"]) == (True, 0)
    assert new["options"]["tooltip"] == {"mode": "multi", "sort": "none"}


def test_tooltip_not_shared_corpus():
    old, new = panel_pair(OVERVIEW, 3)
    assert old["tooltip"]["shared"] is False
    assert new["options"]["tooltip"] == {"mode": "single", "sort": "none"}


def test_hidden_time_axis_corpus():
    old, new = panel_pair(NODE_OLD, 42)
    assert old["xaxis"]["show"] is False and old["xaxis"]["mode"] == "time"
    assert {"matcher": {"id": "byType", "options": "time"},
            "properties": [{"id": "custom.axisPlacement", "value": "hidden"}]} in new["fieldConfig"]["overrides"]


def test_angular_keys_are_gone():
    old, new = panel_pair(HOST_DETAILS, 5)
    for key in ("yaxes", "xaxis", "lines", "linewidth", "fill", "seriesOverrides", "legend", "tooltip",
                "nullPointMode", "aliasColors"):
        assert key in old and key not in new


def test_fill_gradient():
    model = load(HOST_DETAILS)
    find(model, 5)["fillGradient"] = 4  # the real panel with the gradient slider set
    custom = find(migrate_dashboard(model).model, 5)["fieldConfig"]["defaults"]["custom"]
    assert (custom["gradientMode"], custom["fillOpacity"]) == ("opacity", 40)


def test_graph_in_histogram_mode_becomes_a_histogram():
    old, new = panel_pair(OSDS, 9)
    assert old["xaxis"]["mode"] == "histogram"
    assert (new["type"], new["options"]) == ("histogram", {"combine": True})


def test_graph_in_series_mode_becomes_a_bar_gauge_or_bar_chart():
    model = load(RADOSGW)
    panel = find(model, 10)
    assert panel["legend"]["values"] is True
    panel["xaxis"] = {"mode": "series", "show": True, "values": ["current"]}
    new = find(migrate_dashboard(model).model, 10)
    assert new["type"] == "bargauge"  # legend values shown: one bar per series
    assert new["options"]["reduceOptions"] == {"values": False, "calcs": ["lastNotNull"]}
    panel["legend"]["values"] = False
    new = find(migrate_dashboard(model).model, 10)
    assert new["type"] == "barchart"
    assert new["transformations"][-1] == {"id": "reduce", "options": {"reducers": ["lastNotNull"]}}
