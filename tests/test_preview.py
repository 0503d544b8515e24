"""dashgen preview without a browser: Grafana's value formats, data shaping, the page layout, --serve."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from dashgen.preview import units
from dashgen.preview.frames import Series, heatmap_of, legend_name, tables_of
from dashgen.verify.runner import QueryResult

FORMAT = units.format_value


@pytest.mark.parametrize("value, unit, decimals, text", [
    # Grafana's valueFormats: automatic decimals keep two significant digits (three above 2.25)
    (0.0123, "percentunit", None, "1.23%"), (0.5, "percentunit", 1, "50.0%"), (99.5, "percent", None, "99.5%"),
    (1536, "bytes", None, "1.50 KiB"), (2.5 * 2**30, "bytes", None, "2.50 GiB"), (1500, "decbytes", None, "1.50 kB"),
    (1234567, "Bps", None, "1.23 MB/s"), (0.5, "Bps", None, "500 mB/s"), (2_000_000, "bps", None, "2 Mbps"),
    (12.5, "reqps", None, "12.5 reqps"), (12345, "reqps", None, "12.3K reqps"), (5, "ops", None, "5 ops"),
    (1234, "short", None, "1.23 K"), (3, "none", None, "3"), (0.25, "none", None, "0.250"),
    (0.5, "s", None, "500 ms"), (0.00012, "s", None, "120 µs"), (75, "s", None, "1.25 min"), (7200, "s", None, "2 hour"),
    (1500, "ms", None, "1.50 s"), (3, "s", 2, "3.00 s"), (0, "s", None, "0 s"), (42, "prefix:$", None, "$42"),
    (42, "suffix:apples", None, "42 apples"), (7, "widgets", None, "7 widgets"),
])
def test_value_formats_follow_grafana(value, unit, decimals, text):
    assert FORMAT(value, unit, decimals) == text


def test_axis_ticks_use_the_fewest_exact_decimals():
    assert units.tick_labels([0, 0.5, 1, 1.5], "short") == ["0", "0.5", "1", "1.5"]
    assert units.tick_labels([0, 2**29, 2**30, 1.5 * 2**30], "bytes") == ["0 B", "512 MiB", "1 GiB", "1.5 GiB"]


def test_legend_names_as_grafana_names_series():
    same = lambda s: s  # noqa: E731
    assert legend_name("{{handler}} {{ code }}", {"handler": "/api", "code": "200"}, "x", same) == "/api 200"
    assert legend_name("{{missing}}!", {}, "x", same) == "!"
    assert legend_name("", {"__name__": "up", "job": "a"}, "x", same) == 'up{job="a"}'
    assert legend_name("__auto", {}, "sum(up)", same) == "sum(up)"


def test_tables_merge_and_organize_like_grafana():
    def answer(ref, rows):
        t = QueryResult(ref, "q", "instant")
        t.data = {"resultType": "vector", "result": [{"metric": m, "value": [1, v]} for m, v in rows]}
        return ({"refId": ref}, t)

    panel = {"transformations": [{"id": "merge"}, {"id": "organize", "options": {
        "excludeByName": {"Time": True}, "indexByName": {"ns": 0, "Value #B": 1, "Value #A": 2},
        "renameByName": {"Value #A": "Desired", "Value #B": "Ready"}}}]}
    table = tables_of(panel, [answer("A", [({"ns": "a"}, "3"), ({"ns": "b"}, "1")]), answer("B", [({"ns": "a"}, "2")])])
    assert table.columns == ["ns", "Ready", "Desired"]
    assert table.rows == [{"ns": "a", "Ready": 2.0, "Desired": 3.0}, {"ns": "b", "Ready": None, "Desired": 1.0}]


def test_heatmap_buckets_are_de_accumulated():
    series = [Series("", {"le": le}, "A", [1.0, 2.0], values) for le, values in
              (("+Inf", [10.0, 12.0]), ("0.5", [6.0, 7.0]), ("0.1", [1.0, 3.0]))]
    hm = heatmap_of(series)
    assert hm.buckets == ["0.1", "0.5", "+Inf"]
    assert hm.counts == [[1.0, 3.0], [5.0, 4.0], [4.0, 5.0]]


# --------------------------------------------------------------------------- --serve
def _legacy(model, collapse_second=True):
    """A grid dashboard laid out again as the legacy rows[] of schemaVersion < 16: a row per grid
    line of panels, ``span`` (of 12) from the width, the height in pixels."""
    rows = {}
    for p in model["panels"]:
        if p.get("type") == "row":
            continue
        legacy = {k: v for k, v in p.items() if k != "gridPos"}
        legacy["span"] = max(1, p["gridPos"]["w"] // 2)
        rows.setdefault(p["gridPos"]["y"], []).append(legacy)
    out = {k: v for k, v in model.items() if k != "panels"}
    out["schemaVersion"] = 14
    out["rows"] = [{"title": f"Row {i}", "showTitle": True, "height": "250px", "panels": panels,
                    "collapse": collapse_second and i == 1} for i, (_, panels) in enumerate(sorted(rows.items()))]
    return out


def test_legacy_rows_are_placed_as_grafana_migrates_them():
    """preview lays out a rows[] dashboard with the migration's grid (schemaVersion 16), returning
    the dashboard's own panel objects (verify's answers are found by them) and changing nothing."""
    import copy

    import corpus_data
    from dashgen.dashboard.walk import panel_dicts
    from dashgen.migrate import migrate_dashboard
    from dashgen.preview import page

    found, absent = corpus_data.real_dashboards()
    debian = [d for d in found if d.id.startswith("debian-prometheus-redis-exporter/")]
    if not debian:
        if corpus_data.in_ci():
            pytest.fail(f"CI=true and Debian's packaged dashboards are missing: {absent}", pytrace=False)
        pytest.skip("; ".join(absent))
    models = [_legacy(json.loads(d.path.read_text())) for d in debian]
    models += [m for d in found if not d.id.startswith("debian-") and d.path.suffix == ".json"
               for m in [json.loads(d.path.read_text())] if isinstance(m, dict) and m.get("rows")]
    for model in models:
        before = copy.deepcopy(model)
        placed = page.placed(model)
        assert model == before
        migrated = {p["id"]: p for p in panel_dicts(migrate_dashboard(model).model) if p.get("type") != "row"}
        own = {id(p) for p in panel_dicts(model)}
        seen = []
        for panel, (x, y, w, h), children in placed:
            for p, pos in ([] if panel.get("type") == "row" else [(panel, (x, y, w, h))]) + children:
                assert id(p) in own  # the dashboard's own object
                grid = migrated[p["id"]]["gridPos"]
                assert pos == (grid["x"], grid["y"], grid["w"], grid["h"]), p.get("title")
                seen.append(p["id"])
        assert sorted(seen) == sorted(migrated)
        assert any(children for _, _, children in placed) == any(r.get("collapse") for r in model["rows"])


def test_serve_rebuilds_when_a_source_changes(project, prometheus):
    from dashgen import config as config_module
    from dashgen.preview import PreviewOptions
    from dashgen.preview.serve import PreviewServer

    def board(title: str) -> str:
        return json.dumps({"title": title, "uid": "live", "schemaVersion": 39, "panels": [
            {"id": 1, "type": "stat", "title": "Up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
             "targets": [{"refId": "A", "expr": "count(up)", "instant": True}]}]})

    source = project.write("dashboards/team/live.json", board("Before the edit"))
    options = PreviewOptions(prometheus_url=prometheus.url, out=project.root / "site", start=prometheus.start,
                             end=prometheus.end)
    logs: list[str] = []
    server = PreviewServer(config_module.load, options, port=0, interval=0.05, log=logs.append)
    try:
        assert server.build() is not None
        server.start()
        assert server.url.startswith("http://127.0.0.1:")

        def page() -> str:
            with urllib.request.urlopen(server.url + "live.html", timeout=5) as response:
                return response.read().decode()

        first = page()
        assert "Before the edit" in first and "/__dashgen/build" in first  # served pages reload themselves
        assert "/__dashgen/build" not in (project.root / "site" / "live.html").read_text()  # files stay script-free
        source.write_text(board("After the edit"))
        deadline = time.monotonic() + 20
        while "After the edit" not in page():
            assert time.monotonic() < deadline, logs
            time.sleep(0.05)
        assert server.build_id >= 2
        source.write_text("{ not json")  # a broken source: reported, the last good pages stay up
        deadline = time.monotonic() + 20
        while server.last_error is None:
            assert time.monotonic() < deadline, logs
            time.sleep(0.05)
        assert "After the edit" in page() and any("live.json" in line for line in logs)
    finally:
        server.stop()
