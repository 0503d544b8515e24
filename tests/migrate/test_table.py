"""The Angular table (``styles``, or ``table-old``) -> table, on real exported tables from the corpus."""

from __future__ import annotations

from .real import panel_pair

MEMCACHED = "monitoring-mixins/memcached-overview.json"
UNPOLLER = "unpoller-dashboards/UniFi-Poller_ Client Insights - InfluxDB.json"


def _props(panel, pattern):
    rules = [o for o in panel["fieldConfig"]["overrides"] if o["matcher"]["options"] == pattern]
    assert len(rules) == 1
    return rules[0]["matcher"]["id"], {p["id"]: p["value"] for p in rules[0]["properties"]}


def test_styles_become_field_defaults_and_overrides():
    old, new = panel_pair(MEMCACHED, 13)
    assert (old["type"], new["type"]) == ("table", "table")
    styles = {s["pattern"]: s for s in old["styles"]}
    default = styles["/.*/"]
    d = new["fieldConfig"]["defaults"]
    assert d.get("unit") == (default.get("unit") or None)
    assert d.get("decimals") == default.get("decimals")
    assert len(new["fieldConfig"]["overrides"]) == len(old["styles"]) - 1
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
    assert "styles" not in new and "transform" not in new


def test_transform_becomes_a_transformation():
    old, new = panel_pair(MEMCACHED, 13)
    assert old["transform"] == "table"
    assert new["transformations"][-1] == {"id": "merge", "options": {"reducers": []}}
    old, new = panel_pair("kubernetes-app/k8s-cluster.json", 16)
    assert old["transform"] == "timeseries_to_rows"
    assert new["transformations"][-1]["id"] == "seriesToRows"


def test_table_old_with_colours_thresholds_links():
    old, new = panel_pair(UNPOLLER, 21)
    assert (old["type"], new["type"]) == ("table-old", "table")
    for style in old["styles"]:
        if style["pattern"] == "/.*/":
            continue
        _, props = _props(new, style["pattern"])
        if style.get("colorMode") in ("cell", "row", "value"):
            kind = "color-text" if style["colorMode"] == "value" else "color-background"
            assert props["custom.cellOptions"] == {"type": kind}
        if style.get("thresholds") and style.get("colors"):
            steps = props["thresholds"]["steps"]
            assert [s["color"] for s in steps] == style["colors"][:len(style["thresholds"]) + 1]
            assert [s["value"] for s in steps[1:]] == [float(t) for t in style["thresholds"]]
        if style.get("link"):
            assert props["links"][0]["url"] == style["linkUrl"]
