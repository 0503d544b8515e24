"""graph -> timeseries (and barchart), field by field, on real exported graph panels from
the corpus. Each test checks that the real panel has the field, then what Grafana's rule
(``graphToTimeseriesOptions``) makes of it."""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import find, load, panel_pair

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"
MYSQL = "mysqld_exporter/mysql-overview.json"
REDIS = "redis_exporter/redis-overview.json"
OVERVIEW = "monitoring-mixins/overview.json"
COREDNS = "monitoring-mixins/coredns.json"


def _rule(panel, options):
    """The override a series override became (the last rule for that series: alias colours come first)."""
    rules = [o for o in panel["fieldConfig"]["overrides"] if o["matcher"].get("options") == options]
    assert rules, options
    return rules[-1]


def _props(panel, options):
    return {p["id"]: p["value"] for p in _rule(panel, options)["properties"]}


def test_type_title_queries_grid():
    old, new = panel_pair(MYSQL, 10)  # schemaVersion 25: on the grid already
    assert (old["type"], new["type"]) == ("graph", "timeseries")
    assert (new["title"], new["targets"], new["gridPos"]) == (old["title"], old["targets"], old["gridPos"])


def test_datasource_variable_and_import_placeholder():
    old, new = panel_pair(MYSQL, 10)
    assert old["datasource"] == "$datasource"
    assert new["datasource"] == {"type": "prometheus", "uid": "$datasource"}  # typed by the datasource variable
    old, new = panel_pair(NODE_OLD, 77)
    assert old["datasource"] == "${DS_LOCALHOST}"
    assert new["datasource"] == {"type": "prometheus", "uid": "${DS_LOCALHOST}"}  # typed by __inputs


def test_axis_unit_min_max_label_and_hidden_right_axis():
    old, new = panel_pair(NODE_OLD, 77)
    y1 = old["yaxes"][0]
    assert (y1["format"], y1["min"], y1["max"]) == ("short", "0", "100")
    d = new["fieldConfig"]["defaults"]
    assert (d["unit"], d["min"], d["max"]) == ("short", 0, 100)  # numeric strings become numbers
    assert d["custom"]["axisPlacement"] == "auto"
    old, new = panel_pair(MYSQL, 10)
    assert old["yaxes"][0]["label"] == "Threads"
    assert new["fieldConfig"]["defaults"]["custom"]["axisLabel"] == "Threads"


def test_axis_decimals():
    old, new = panel_pair("apisix/apisix-grafana-dashboard.json", 6)
    assert old["yaxes"][0]["decimals"] == 0
    assert new["fieldConfig"]["defaults"]["decimals"] == 0


def test_lines_fill_width_and_stacking():
    old, new = panel_pair(NODE_OLD, 77)
    assert (old["lines"], old["fill"], old["linewidth"], old["stack"], old["points"]) == (True, 4, 1, True, False)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["fillOpacity"], custom["lineWidth"]) == ("line", 40, 1)
    assert custom["stacking"] == {"mode": "normal", "group": "A"}
    assert custom["showPoints"] == "never"


def test_bars():
    old, new = panel_pair(MYSQL, 49)
    assert (old["bars"], old["lines"]) == (True, False)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["fillOpacity"]) == ("bars", 100)


def test_points_only():
    old, new = panel_pair("kubernetes-app/k8s-container.json", 4)
    assert (old["lines"], old["points"], old["pointradius"]) == (False, True, 2)
    custom = new["fieldConfig"]["defaults"]["custom"]
    assert (custom["drawStyle"], custom["showPoints"], custom["pointSize"]) == ("points", "always", 6)


def test_stepped_line():
    old, new = panel_pair("unpoller-dashboards/unifi-poller-uap-insights-prometheus_rev6.json", 46)
    assert old["steppedLine"] is True
    assert new["fieldConfig"]["defaults"]["custom"]["lineInterpolation"] == "stepAfter"


def test_null_point_mode():
    old, new = panel_pair(REDIS, 1)
    assert old["nullPointMode"] == "connected"
    d = new["fieldConfig"]["defaults"]
    assert (d["custom"]["spanNulls"], d["nullValueMode"]) == (True, "connected")
    old, new = panel_pair(OVERVIEW, 3)
    assert old["nullPointMode"] == "null as zero"
    d = new["fieldConfig"]["defaults"]
    assert (d["custom"]["spanNulls"], d["nullValueMode"]) == (False, "null as zero")


def test_alias_colors():
    old, new = panel_pair(NODE_OLD, 77)
    assert old["aliasColors"]
    colours = [o for o in new["fieldConfig"]["overrides"] if o["properties"][0]["id"] == "color"]
    assert [(o["matcher"], o["properties"]) for o in colours][:len(old["aliasColors"])] == [
        ({"id": "byName", "options": alias}, [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}])
        for alias, color in old["aliasColors"].items()]


def test_series_overrides_colour_points_lines():
    old, new = panel_pair(MYSQL, 10)
    so = next(s for s in old["seriesOverrides"] if "points" in s)
    assert (so["lines"], so["points"], so["pointradius"]) == (False, True, 1)
    props = _props(new, so["alias"])
    assert props == {"color": {"fixedColor": so["color"], "mode": "fixed"}, "custom.lineWidth": 0,
                     "custom.pointSize": 4, "custom.showPoints": "always"}
    assert _rule(new, so["alias"])["matcher"]["id"] == "byName"


def test_series_overrides_regex_dashes_width_tooltip():
    old, new = panel_pair(REDIS, 1)
    so = old["seriesOverrides"][0]
    assert (so["alias"], so["dashes"], so["linewidth"], so["hideTooltip"]) == ("/Target/", True, 1, True)
    rule = _rule(new, "/Target/")
    assert rule["matcher"]["id"] == "byRegexp"
    props = {p["id"]: p["value"] for p in rule["properties"]}
    assert props["custom.lineStyle"] == {"fill": "dash", "dash": [10, 10]}
    assert (props["custom.lineWidth"], props["custom.fillOpacity"]) == (1, 0)
    assert props["color"] == {"fixedColor": "#56A64B", "mode": "fixed"}
    assert "hideTooltip" not in str(props)  # Grafana ignores keys it has no rule for


def test_series_overrides_fill_below_to():
    old, new = panel_pair("dockprom/monitor_services.json", 34)
    so = next(s for s in old["seriesOverrides"] if "fillBelowTo" in s)
    assert _props(new, so["alias"])["custom.fillBelowTo"] == so["fillBelowTo"]
    assert new["fieldConfig"]["defaults"]["custom"]["fillOpacity"] == 35  # flot's fixed band opacity


def test_series_overrides_negative_y_and_stack_group():
    old, new = panel_pair(NODE_OLD, 74)
    so = next(s for s in old["seriesOverrides"] if "transform" in s)
    assert so["transform"] == "negative-Y"
    assert _props(new, so["alias"])["custom.transform"] == "negative-Y"
    old, new = panel_pair(NODE_OLD, 78)
    so = next(s for s in old["seriesOverrides"] if "stack" in s)
    expected = {"mode": "normal" if so["stack"] else "none", "group": so["stack"] if isinstance(so["stack"], str)
                else "A"}
    assert _props(new, so["alias"])["custom.stacking"] == expected


def test_series_override_on_the_right_axis():
    old, new = panel_pair(MYSQL, 44)
    assert old["seriesOverrides"] == [{"alias": "Table Open Cache Hit Ratio", "yaxis": 2}]
    assert [a["format"] for a in old["yaxes"]] == ["short", "percentunit"]
    assert _props(new, "Table Open Cache Hit Ratio") == {"unit": "percentunit"}  # only what differs from y1
    old, new = panel_pair("dockprom/docker_host.json", 7)
    so = next(s for s in old["seriesOverrides"] if s.get("yaxis") == 2)
    assert [(a["format"], a["min"]) for a in old["yaxes"]] == [("Bps", 0), ("ms", None)]
    assert _props(new, so["alias"])["unit"] == "ms"
    old, new = panel_pair(REDIS, 8)
    assert old["seriesOverrides"] == [{"alias": "reclaims", "yaxis": 2}]
    assert [a["format"] for a in old["yaxes"]] == ["short", "short"]
    # the right axis is the left one again: nothing differs, so no override at all
    assert [p["id"] for o in new["fieldConfig"]["overrides"] if o["matcher"]["options"] == "reclaims"
            for p in o["properties"]] == ["color"]  # its alias colour only


def test_thresholds():
    old, new = panel_pair(OVERVIEW, 3)
    assert [(t["op"], t["value"], t["colorMode"], t["fill"], t["line"]) for t in old["thresholds"]] == [
        ("gt", 0.5, "warning", True, True), ("gt", 1, "critical", True, True)]
    d = new["fieldConfig"]["defaults"]
    assert d["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "transparent", "value": None}, {"value": 0.5, "color": "orange"}, {"value": 1, "color": "red"}]}
    assert d["custom"]["thresholdsStyle"] == {"mode": "line+area"}
    assert "thresholds" not in new


def test_legend():
    old, new = panel_pair(COREDNS, 5)
    lg = old["legend"]
    assert (lg["alignAsTable"], lg["rightSide"], lg["current"], lg["values"]) == (True, True, True, True)
    assert new["options"]["legend"] == {"displayMode": "table", "showLegend": True, "placement": "right",
                                        "calcs": ["lastNotNull"]}
    old, new = panel_pair(NODE_OLD, 229)
    assert [k for k in ("min", "max", "avg", "current", "total") if old["legend"].get(k)] == \
        ["min", "max", "avg", "current"]
    assert sorted(new["options"]["legend"]["calcs"]) == sorted(["min", "max", "mean", "lastNotNull"])
    old, new = panel_pair(NODE_OLD, 77)
    assert old["legend"]["sideWidth"] == 250
    assert new["options"]["legend"]["width"] == 250


def test_legend_hidden_hide_zero_hide_empty():
    old, new = panel_pair("redis_exporter/grafana_prometheus_redis_dashboard_exporter_version_0.3x.json", 2)
    assert old["legend"]["show"] is False
    assert new["options"]["legend"]["showLegend"] is False
    old, new = panel_pair(NODE_OLD, 229)
    assert old["legend"]["hideZero"] is True
    assert {"matcher": {"id": "byValue", "options": {"reducer": "allIsZero", "op": "gte", "value": 0}},
            "properties": [{"id": "custom.hideFrom", "value": {"tooltip": True, "viz": False, "legend": True}}]} \
        in new["fieldConfig"]["overrides"]
    old, new = panel_pair("kubernetes-app/k8s-container.json", 4)
    assert old["legend"]["hideEmpty"] is True
    assert any(o["matcher"]["id"] == "byValue" and o["matcher"]["options"]["reducer"] == "allIsNull"
               for o in new["fieldConfig"]["overrides"])


def test_tooltip():
    old, new = panel_pair("unpoller-dashboards/unifi-poller-uap-insights-prometheus_rev6.json", 46)
    assert (old["tooltip"]["shared"], old["tooltip"]["sort"]) == (True, 2)
    assert new["options"]["tooltip"] == {"mode": "multi", "sort": "desc"}
    old, new = panel_pair(OVERVIEW, 3)
    assert old["tooltip"]["shared"] is False
    assert new["options"]["tooltip"] == {"mode": "single", "sort": "none"}


def test_hidden_time_axis():
    old, new = panel_pair(NODE_OLD, 42)
    assert old["xaxis"]["show"] is False and old["xaxis"]["mode"] == "time"
    assert {"matcher": {"id": "byType", "options": "time"},
            "properties": [{"id": "custom.axisPlacement", "value": "hidden"}]} in new["fieldConfig"]["overrides"]


def test_angular_keys_are_gone():
    old, new = panel_pair(MYSQL, 10)
    for key in ("yaxes", "xaxis", "lines", "linewidth", "fill", "seriesOverrides", "legend", "tooltip",
                "nullPointMode", "aliasColors"):
        assert key in old and key not in new


def test_fill_gradient():
    model = load(MYSQL)
    find(model, 10)["fillGradient"] = 4  # the real panel with the gradient slider set
    custom = find(migrate_dashboard(model).model, 10)["fieldConfig"]["defaults"]["custom"]
    assert (custom["gradientMode"], custom["fillOpacity"]) == ("opacity", 40)


def test_graph_in_series_mode_becomes_a_bar_gauge_or_bar_chart():
    model = load(MYSQL)
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
    panel["xaxis"]["mode"] = "histogram"
    new = find(migrate_dashboard(model).model, 10)
    assert (new["type"], new["options"]) == ("histogram", {"combine": True})
