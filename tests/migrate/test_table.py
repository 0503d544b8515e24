"""The Angular table (``styles``, or ``table-old``) -> table, on real exported tables.

Debian's ceph dashboards (schemaVersion 16 and 22) hold old tables with styles: aliases, units,
decimals, hidden columns, a colour mode with thresholds, ``transform: table``. The ``*_corpus``
tests cover ``table-old`` itself, links, dates and ``timeseries_to_rows``, which no Debian
panel has.
"""

from __future__ import annotations

import pytest

from .real import HOST_DETAILS, OSDS, POOL_OVERVIEW, panel_pair

MEMCACHED = "monitoring-mixins/memcached-overview.json"
UNPOLLER = "unpoller-dashboards/UniFi-Poller_ Client Insights - InfluxDB.json"


def _props(panel, pattern):
    rules = [o for o in panel["fieldConfig"]["overrides"] if o["matcher"]["options"] == pattern]
    assert len(rules) == 1
    return rules[0]["matcher"]["id"], {p["id"]: p["value"] for p in rules[0]["properties"]}


def _check_styles(old, new):
    """Each style as Grafana's table migration makes it: ``/.*/`` the field defaults, every other
    one an override (by regexp or by name) with its alias, unit, date format, hidden flag, colour
    mode and thresholds."""
    styles = {s["pattern"]: s for s in old["styles"]}
    default = styles.get("/.*/", {})
    d = new["fieldConfig"]["defaults"]
    assert d.get("unit") == (default.get("unit") or None)
    assert d.get("decimals") == default.get("decimals")
    assert len(new["fieldConfig"]["overrides"]) == len(old["styles"]) - ("/.*/" in styles)
    for pattern, style in styles.items():
        if pattern == "/.*/":
            continue
        matcher, props = _props(new, pattern)
        assert matcher == ("byRegexp" if pattern.startswith("/") and pattern.endswith("/") else "byName")
        if style.get("alias"):
            assert props["displayName"] == style["alias"]
        if style.get("type") == "hidden":
            assert props["custom.hideFrom.viz"] is True
        if style.get("type") == "date":
            assert props["unit"] == f"time: {style['dateFormat']}"
        if style.get("unit") and style.get("type") not in ("date", "hidden", "string"):
            assert props["unit"] == style["unit"]
        if style.get("colorMode") in ("cell", "row", "value"):
            kind = "color-text" if style["colorMode"] == "value" else "color-background"
            assert props["custom.cellOptions"] == {"type": kind}
        if style.get("thresholds") and style.get("colors"):
            steps = props["thresholds"]["steps"]
            assert [s["color"] for s in steps] == style["colors"][:len(style["thresholds"]) + 1]
            assert [s["value"] for s in steps[1:]] == [float(t) for t in style["thresholds"]]
        if style.get("link"):
            assert props["links"][0]["url"] == style["linkUrl"]
    assert "styles" not in new and "transform" not in new


@pytest.mark.parametrize("dashboard_id,panel_id", [(HOST_DETAILS, 15), (OSDS, 3), (POOL_OVERVIEW, 10)])
def test_styles_become_field_defaults_and_overrides(dashboard_id, panel_id):
    old, new = panel_pair(dashboard_id, panel_id)
    assert (old["type"], new["type"]) == ("table", "table")
    _check_styles(old, new)


def test_hidden_default_style_and_aliases():
    old, new = panel_pair(HOST_DETAILS, 15)
    assert [(s["pattern"], s["type"], s["alias"]) for s in old["styles"]] == [
        ("instance", "string", "Instance"), ("Value", "number", "Slow Ops"), ("/.*/", "hidden", "")]
    assert [(o["matcher"]["options"], o["properties"][0]) for o in new["fieldConfig"]["overrides"]] == [
        ("instance", {"id": "displayName", "value": "Instance"}), ("Value", {"id": "displayName", "value": "Slow Ops"})]


def test_colour_mode_and_thresholds():
    old, new = panel_pair(POOL_OVERVIEW, 10)
    style = next(s for s in old["styles"] if s.get("colorMode"))
    assert (style["pattern"], style["colorMode"], style["thresholds"]) == ("Value #D", "value", ["70", "85"])
    _, props = _props(new, "Value #D")
    assert props["custom.cellOptions"] == {"type": "color-text"}
    assert props["thresholds"] == {"mode": "absolute", "steps": [
        {"color": style["colors"][0], "value": None}, {"color": style["colors"][1], "value": 70},
        {"color": style["colors"][2], "value": 85}]}


def test_transform_becomes_a_transformation():
    old, new = panel_pair(HOST_DETAILS, 15)
    assert old["transform"] == "table"
    assert new["transformations"][-1] == {"id": "merge", "options": {"reducers": []}}


def test_styles_and_transforms_corpus():
    old, new = panel_pair(MEMCACHED, 13)
    _check_styles(old, new)
    old, new = panel_pair("kubernetes-app/k8s-cluster.json", 16)
    assert old["transform"] == "timeseries_to_rows"
    assert new["transformations"][-1]["id"] == "seriesToRows"


def test_table_old_with_colours_thresholds_links_corpus():
    old, new = panel_pair(UNPOLLER, 21)
    assert (old["type"], new["type"]) == ("table-old", "table")
    _check_styles(old, new)
