"""singlestat -> stat, field by field, on real exported singlestat panels.

Debian's ceph, redis and squid dashboards hold most fields; the ``*_corpus`` tests cover what no
Debian panel has (the min/max value names, a real postfix) and skip without the manifest corpus.
"""

from __future__ import annotations

from dashgen.migrate import migrate_dashboard

from .real import CEPH_CLUSTER, HOST_DETAILS, OSDS, POOL_DETAIL, POOL_OVERVIEW, REDIS_OLD, find, load, panel_pair

NODE_OLD = "rfmoz-grafana-dashboards/node-exporter-full-old.json"


def _migrate_edited(dashboard_id, panel_id, **changes):
    """The real panel with a few fields set as the singlestat editor saves them, migrated."""
    model = load(dashboard_id)
    find(model, panel_id).update(changes)
    return find(migrate_dashboard(model).model, panel_id)


def test_type_and_kept_fields():
    old, new = panel_pair(CEPH_CLUSTER, 47)
    assert (old["type"], new["type"]) == ("singlestat", "stat")
    assert (new["title"], new["targets"], new["gridPos"]) == (old["title"], old["targets"], old["gridPos"])
    assert new["options"]["orientation"] == "horizontal"


def test_value_name_to_reducer():
    for dashboard_id, panel_id, value_name, calc in ((CEPH_CLUSTER, 47, "current", "lastNotNull"),
                                                     (POOL_OVERVIEW, 2, "avg", "mean")):
        old, new = panel_pair(dashboard_id, panel_id)
        assert old["valueName"] == value_name
        assert new["options"]["reduceOptions"]["calcs"] == [calc]
    new = _migrate_edited(CEPH_CLUSTER, 47, valueName="name")
    assert (new["options"]["reduceOptions"]["calcs"], new["options"]["textMode"]) == (["mean"], "name")


def test_value_name_min_max_corpus():
    for path, panel_id, value_name in (("monitoring-mixins/coredns.json", 2, "min"),
                                       ("swarmprom/swarmprom-prometheus-dash.json", 37, "max")):
        old, new = panel_pair(path, panel_id)
        assert old["valueName"] == value_name
        assert new["options"]["reduceOptions"]["calcs"] == [value_name]


def test_unit_decimals_null_mode():
    old, new = panel_pair(CEPH_CLUSTER, 47)
    d = new["fieldConfig"]["defaults"]
    assert (old["format"], old["decimals"], old["nullPointMode"]) == ("percentunit", 2, "connected")
    assert (d["unit"], d["decimals"], d["nullValueMode"]) == ("percentunit", 2, "connected")


def test_thresholds_and_colours():
    old, new = panel_pair(REDIS_OLD, 11)
    assert (old["thresholds"], old["colors"]) == ("80,95", ["rgba(50, 172, 45, 0.97)", "rgba(237, 129, 40, 0.89)",
                                                            "rgba(245, 54, 54, 0.9)"])
    assert new["fieldConfig"]["defaults"]["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "rgba(50, 172, 45, 0.97)", "value": None}, {"color": "rgba(237, 129, 40, 0.89)", "value": 80},
        {"color": "rgba(245, 54, 54, 0.9)", "value": 95}]}
    old, new = panel_pair(CEPH_CLUSTER, 47)
    assert old["thresholds"] == "0.7,0.8"
    assert [s["value"] for s in new["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 0.7, 0.8]
    old, new = panel_pair(HOST_DETAILS, 3)
    assert old["thresholds"] == ""
    assert "thresholds" not in new["fieldConfig"]["defaults"]  # the stat panel's defaults apply


def test_colour_mode():
    for dashboard_id, panel_id, mode in ((OSDS, 10, "value"), (CEPH_CLUSTER, 21, "background"),
                                         (HOST_DETAILS, 3, "none")):
        old, new = panel_pair(dashboard_id, panel_id)
        assert (bool(old["colorValue"]), bool(old["colorBackground"])) == (mode == "value", mode == "background")
        assert new["options"]["colorMode"] == mode


def test_sparkline():
    old, new = panel_pair(POOL_DETAIL, 2)
    assert old["sparkline"]["show"] is True and old["colorValue"] is True
    assert new["options"]["graphMode"] == "area"
    assert "color" not in new["fieldConfig"]["defaults"]  # coloured by value: the line colour is not used
    old, new = panel_pair(CEPH_CLUSTER, 47)
    assert old["sparkline"]["show"] is True and old["colorValue"] is False
    assert new["fieldConfig"]["defaults"]["color"] == {"mode": "fixed", "fixedColor": old["sparkline"]["lineColor"]}
    old, new = panel_pair(HOST_DETAILS, 3)
    assert (old["sparkline"]["show"], new["options"]["graphMode"]) == (False, "none")


def test_gauge_becomes_stat_with_min_max():
    old, new = panel_pair(CEPH_CLUSTER, 47)
    assert (old["gauge"]["show"], old["gauge"]["minValue"], old["gauge"]["maxValue"]) == (True, 0, 1)
    assert new["type"] == "stat"  # Grafana 12 makes every singlestat a stat panel
    d = new["fieldConfig"]["defaults"]
    assert (d["min"], d["max"]) == (0, 1)
    old, new = panel_pair(HOST_DETAILS, 3)
    assert old["gauge"]["show"] is False and "min" not in new["fieldConfig"]["defaults"]


def test_value_maps():
    old, new = panel_pair(CEPH_CLUSTER, 21)
    assert old["valueMaps"] == [{"op": "=", "text": "OK", "value": "0"}, {"op": "=", "text": "WARN", "value": "1"},
                                {"op": "=", "text": "ERR", "value": "2"}]
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"0": {"text": "OK"}}}, {"type": "value", "options": {"1": {"text": "WARN"}}},
        {"type": "value", "options": {"2": {"text": "ERR"}}}]
    old, new = panel_pair(CEPH_CLUSTER, 47)
    assert old["valueMaps"] == [{"op": "=", "text": "N/A", "value": "null"}]
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]


def test_range_maps_coloured_by_thresholds():
    new = _migrate_edited(REDIS_OLD, 11, mappingType=2, rangeMaps=[{"from": "90", "to": "100", "text": "90"}])
    # the text read as a number falls in the 80..95 band: that band's colour
    assert new["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "range", "options": {"from": 90, "to": 100,
                                      "result": {"text": "90", "color": "rgba(237, 129, 40, 0.89)"}}}]


def test_prefix_postfix_become_a_unit_only_without_one():
    old = find(load(CEPH_CLUSTER), 21)
    assert (old["format"], old["prefix"], old["postfix"]) == ("none", "", "")
    new = _migrate_edited(CEPH_CLUSTER, 21, postfix="s")
    assert new["fieldConfig"]["defaults"]["unit"] == "suffix:s"
    new = _migrate_edited(CEPH_CLUSTER, 21, prefix="$")
    assert new["fieldConfig"]["defaults"]["unit"] == "prefix:$"
    model = load(CEPH_CLUSTER)
    find(model, 47)["postfix"] = " used"
    result = migrate_dashboard(model)
    assert find(result.model, 47)["fieldConfig"]["defaults"]["unit"] == "percentunit"  # a unit already: dropped
    assert any("'Capacity used' (id 47): singlestat prefix/postfix" in n for n in result.notes)  # and said


def test_real_postfix_corpus():
    old, new = panel_pair(NODE_OLD, 15)
    assert (old["format"], old["postfix"]) == ("s", "s")
    assert new["fieldConfig"]["defaults"]["unit"] == "s"
    assert any("'Uptime' (id 15): singlestat prefix/postfix" in n for n in migrate_dashboard(load(NODE_OLD)).notes)


def test_table_column_and_null_text():
    new = _migrate_edited(CEPH_CLUSTER, 47, tableColumn="cpu", nullText="n/a")
    assert new["options"]["reduceOptions"]["fields"] == "/^cpu$/"
    assert new["fieldConfig"]["defaults"]["noValue"] == "n/a"


def test_angular_keys_are_gone():
    old, new = panel_pair(CEPH_CLUSTER, 47)
    for key in ("valueName", "format", "thresholds", "colors", "gauge", "sparkline", "valueMaps", "rangeMaps",
                "colorValue", "prefix", "postfix"):
        assert key in old and key not in new
