"""singlestat -> stat, field by field, on real exported singlestat panels from the corpus."""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import find, load, panel_pair

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"
K8S = "kubernetes-app/k8s-cluster.json"
LOAD = "vegasbrianc-prometheus/System_Monitoring.json"


def _migrate_edited(path, panel_id, **changes):
    """The real panel with a few fields set as the singlestat editor saves them, migrated."""
    model = load(path)
    find(model, panel_id).update(changes)
    return find(migrate_dashboard(model).model, panel_id)


def test_type_and_kept_fields():
    old, new = panel_pair(NODE_OLD, 20)
    assert (old["type"], new["type"]) == ("singlestat", "stat")
    assert (new["title"], new["targets"]) == (old["title"], old["targets"])
    assert new["options"]["orientation"] == "horizontal"


def test_value_name_to_reducer():
    for path, panel_id, value_name, calc in ((NODE_OLD, 20, "current", "lastNotNull"), (K8S, 18, "avg", "mean"),
                                             ("monitoring-mixins/coredns.json", 2, "min", "min"),
                                             ("swarmprom/swarmprom-prometheus-dash.json", 37, "max", "max")):
        old, new = panel_pair(path, panel_id)
        assert old["valueName"] == value_name
        assert new["options"]["reduceOptions"]["calcs"] == [calc]
    new = _migrate_edited(NODE_OLD, 20, valueName="name")
    assert (new["options"]["reduceOptions"]["calcs"], new["options"]["textMode"]) == (["mean"], "name")


def test_unit_decimals_null_mode():
    old, new = panel_pair(NODE_OLD, 75)
    d = new["fieldConfig"]["defaults"]
    assert (old["format"], old["decimals"], old["nullPointMode"]) == ("bytes", 2, "null")
    assert (d["unit"], d["decimals"], d["nullValueMode"]) == ("bytes", 2, "null")


def test_thresholds_and_colours():
    old, new = panel_pair(NODE_OLD, 20)
    assert (old["thresholds"], old["colors"]) == ("85,95", ["rgba(50, 172, 45, 0.97)", "rgba(237, 129, 40, 0.89)",
                                                            "rgba(245, 54, 54, 0.9)"])
    assert new["fieldConfig"]["defaults"]["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "rgba(50, 172, 45, 0.97)", "value": None}, {"color": "rgba(237, 129, 40, 0.89)", "value": 85},
        {"color": "rgba(245, 54, 54, 0.9)", "value": 95}]}
    old, new = panel_pair(NODE_OLD, 75)
    assert old["thresholds"] == ""
    assert "thresholds" not in new["fieldConfig"]["defaults"]  # the stat panel's defaults apply


def test_colour_mode():
    for path, panel_id, mode in ((NODE_OLD, 20, "value"), (K8S, 25, "background"), (NODE_OLD, 75, "none")):
        old, new = panel_pair(path, panel_id)
        assert (bool(old["colorValue"]), bool(old["colorBackground"])) == (mode == "value", mode == "background")
        assert new["options"]["colorMode"] == mode


def test_sparkline():
    old, new = panel_pair(NODE_OLD, 20)
    assert old["sparkline"]["show"] is True and old["colorValue"] is True
    assert new["options"]["graphMode"] == "area"
    assert "color" not in new["fieldConfig"]["defaults"]  # coloured by value: the line colour is not used
    new = _migrate_edited(NODE_OLD, 20, colorValue=False)
    assert new["fieldConfig"]["defaults"]["color"] == {"mode": "fixed", "fixedColor": "rgb(31, 120, 193)"}
    old, new = panel_pair(NODE_OLD, 75)
    assert (old["sparkline"]["show"], new["options"]["graphMode"]) == (False, "none")


def test_gauge_becomes_stat_with_min_max():
    old, new = panel_pair(NODE_OLD, 20)
    assert (old["gauge"]["show"], old["gauge"]["minValue"], old["gauge"]["maxValue"]) == (True, 0, 100)
    assert new["type"] == "stat"  # Grafana 12 makes every singlestat a stat panel
    d = new["fieldConfig"]["defaults"]
    assert (d["min"], d["max"]) == (0, 100)
    old, new = panel_pair(NODE_OLD, 75)
    assert old["gauge"]["show"] is False and "min" not in new["fieldConfig"]["defaults"]


def test_value_maps():
    old, new = panel_pair(LOAD, 7)
    assert old["valueMaps"] == [{"op": "=", "text": "HIGH", "value": "1"}, {"op": "=", "text": "OK", "value": "0"}]
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"1": {"text": "HIGH"}}}, {"type": "value", "options": {"0": {"text": "OK"}}}]
    old, new = panel_pair(NODE_OLD, 20)
    assert old["valueMaps"] == [{"op": "=", "text": "N/A", "value": "null"}]
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]


def test_range_maps_coloured_by_thresholds():
    new = _migrate_edited(NODE_OLD, 20, mappingType=2, rangeMaps=[{"from": "90", "to": "100", "text": "90"}])
    # the text read as a number falls in the 85..95 band: that band's colour
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "range", "options": {"from": 90, "to": 100,
                                      "result": {"text": "90", "color": "rgba(237, 129, 40, 0.89)"}}}]


def test_prefix_postfix():
    old, new = panel_pair(NODE_OLD, 15)
    assert (old["format"], old["postfix"]) == ("s", "s")
    assert new["fieldConfig"]["defaults"]["unit"] == "s"  # a unit already: the postfix is dropped, and said
    model = load(NODE_OLD)
    assert any("'Uptime' (id 15): singlestat prefix/postfix" in n for n in migrate_dashboard(model).notes)
    new = _migrate_edited(NODE_OLD, 15, format="none")
    assert new["fieldConfig"]["defaults"]["unit"] == "suffix:s"
    new = _migrate_edited(NODE_OLD, 15, format="none", postfix="", prefix="$")
    assert new["fieldConfig"]["defaults"]["unit"] == "prefix:$"


def test_table_column_and_null_text():
    new = _migrate_edited(NODE_OLD, 20, tableColumn="cpu", nullText="n/a")
    assert new["options"]["reduceOptions"]["fields"] == "/^cpu$/"
    assert new["fieldConfig"]["defaults"]["noValue"] == "n/a"


def test_angular_keys_are_gone():
    old, new = panel_pair(NODE_OLD, 20)
    for key in ("valueName", "format", "thresholds", "colors", "gauge", "sparkline", "valueMaps", "rangeMaps",
                "colorValue", "prefix", "postfix"):
        assert key in old and key not in new
