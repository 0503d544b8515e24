"""dashgen import's converter: JSON in, grafanalib module out, built back to the same JSON."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from dashgen.formats import dump_json
from dashgen.pycode.code import split, string
from dashgen.pycode.module import build, canonical, convert, reachable, ruff_binary

DS = {"type": "prometheus", "uid": "${datasource}"}


def dashboard(*panels, **top):
    return {"title": "Test board", "uid": "test-board", "schemaVersion": 39, "panels": list(panels), **top}


def target(expr="sum(rate(http_requests_total[5m]))", ref="A", **extra):
    return {"datasource": DS, "expr": expr, "refId": ref, **extra}


def grid(x=0, y=0, w=12, h=8):
    return {"h": h, "w": w, "x": x, "y": y}


def roundtrip(model, **kw):
    """Convert, check the module builds byte for byte to the target, and return the conversion."""
    conversion = convert(copy.deepcopy(model), origin="test.json", **kw)
    assert dump_json(build(conversion.text)) == dump_json(reachable(canonical(model)))
    return conversion


def whole_objects(conversion):
    return [n for n in conversion.notes if n.field.startswith("the whole")]


TIMESERIES = {
    "datasource": DS, "id": 2, "gridPos": grid(), "title": "Requests", "type": "timeseries",
    "description": "Requests per second.",
    "fieldConfig": {"defaults": {"unit": "reqps", "custom": {"lineWidth": 2, "fillOpacity": 10}}, "overrides": []},
    "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["max"], "showLegend": True}},
    "targets": [target(legendFormat="{{job}}")],
    "pluginVersion": "10.4.1",
}
STAT = {"datasource": DS, "id": 3, "gridPos": grid(12, 0, 6, 4), "title": "Up", "type": "stat",
        "fieldConfig": {"defaults": {"unit": "none", "thresholds": {"mode": "absolute", "steps": [
            {"color": "green", "value": None}, {"color": "red", "value": 1}]}}, "overrides": []},
        "options": {"colorMode": "background", "graphMode": "none", "reduceOptions": {
            "calcs": ["lastNotNull"], "fields": "", "values": False}, "textMode": "auto"},
        "targets": [target("up", instant=True)]}
GAUGE = {"datasource": DS, "id": 4, "gridPos": grid(18, 0, 6, 4), "title": "CPU", "type": "gauge",
         "fieldConfig": {"defaults": {"unit": "percentunit", "min": 0, "max": 1}, "overrides": []},
         "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "showThresholdMarkers": True},
         "targets": [target("avg(rate(node_cpu_seconds_total[5m]))")]}
BARGAUGE = {"datasource": DS, "id": 5, "gridPos": grid(0, 8), "title": "Disks", "type": "bargauge",
            "options": {"displayMode": "gradient", "orientation": "horizontal"},
            "targets": [target("node_filesystem_avail_bytes")]}
TABLE = {"datasource": DS, "id": 6, "gridPos": grid(12, 8), "title": "Pods", "type": "table",
         "fieldConfig": {"defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}}, "overrides": []},
         "options": {"showHeader": True, "cellHeight": "sm"}, "transformations": [{"id": "merge", "options": {}}],
         "targets": [target("kube_pod_info", format="table", instant=True)]}
TEXT = {"id": 7, "gridPos": grid(0, 16, 24, 3), "title": "", "type": "text",
        "options": {"content": "# Notes\n\nRead *this* first.\n", "mode": "markdown"}}
HEATMAP = {"datasource": DS, "id": 8, "gridPos": grid(0, 19), "title": "Latency", "type": "heatmap",
           "options": {"calculate": False, "yAxis": {"unit": "s"}},
           "targets": [target("sum by (le) (rate(http_request_duration_seconds_bucket[5m]))", format="heatmap",
                              legendFormat="{{le}}")]}
PIE = {"datasource": DS, "id": 9, "gridPos": grid(12, 19), "title": "Share", "type": "piechart",
       "options": {"pieType": "donut", "legend": {"displayMode": "table", "placement": "right"}},
       "targets": [target("sum by (job) (up)")]}
ROW = {"collapsed": True, "id": 10, "gridPos": grid(0, 27, 24, 1), "title": "More", "type": "row",
       "panels": [dict(TIMESERIES, id=11, gridPos=grid(0, 28))]}

CLASSES = [(TIMESERIES, "TimeSeries("), (STAT, "Stat("), (GAUGE, "GaugePanel("), (BARGAUGE, "BarGauge("),
           (TABLE, "Table("), (TEXT, "Text("), (HEATMAP, "Heatmap("), (PIE, "PieChartv2("), (ROW, "RowPanel(")]


@pytest.mark.parametrize("panel,call", CLASSES, ids=[c for _, c in CLASSES])
def test_each_panel_type_is_its_grafanalib_class_and_builds_back_exactly(panel, call):
    conversion = roundtrip(dashboard(panel))
    assert call in conversion.text
    assert whole_objects(conversion) == []
    assert conversion.exact or conversion.lost  # anything not exact is named


def test_a_whole_dashboard_of_every_type_builds_back_byte_for_byte():
    model = dashboard(*(p for p, _ in CLASSES), templating={"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "hide": 0},
        {"name": "job", "type": "query", "datasource": DS, "query": "label_values(up, job)", "refresh": 2,
         "multi": True, "includeAll": True, "definition": "label_values(up, job)"},
    ]}, time={"from": "now-6h", "to": "now"}, refresh="1m", tags=["test"])
    conversion = roundtrip(model)
    assert "Template(" in conversion.text and "Templating(" in conversion.text
    assert 'time=Time(start="now-6h", end="now")' in conversion.text


def test_keyword_arguments_only_where_they_differ_from_grafanalib_defaults():
    text = roundtrip(dashboard(TIMESERIES)).text
    assert 'unit="reqps"' in text and "lineWidth=2" in text and "fillOpacity=10" in text
    assert 'legendDisplayMode="table"' in text and 'legendPlacement="right"' in text
    assert "drawStyle=" not in text  # grafanalib writes "line" by default; the JSON has none: removed
    assert 'colorMode="palette-classic"' not in text


def test_keys_the_json_lacks_are_removed_and_reported_per_panel():
    conversion = roundtrip(dashboard(TIMESERIES))
    fields = {(n.where, n.field, n.how) for n in conversion.notes}
    assert ("panel 'Requests' (id 2)", "fieldConfig.defaults.custom.drawStyle", "removed via extraJson") in fields
    assert "maxDataPoints=None" in conversion.text  # a field that takes None needs no extraJson


def test_keys_grafanalib_has_no_field_for_go_to_extra_json_without_a_note():
    conversion = roundtrip(dashboard(TIMESERIES))
    assert '"pluginVersion": "10.4.1"' in conversion.text
    assert not [n for n in conversion.notes if "pluginVersion" in n.field]


def test_a_panel_type_grafanalib_does_not_know_is_a_dict_and_named():
    plugin = {"id": 2, "gridPos": grid(), "title": "Map", "type": "grafana-clock-panel", "options": {"mode": "time"}}
    conversion = roundtrip(dashboard(plugin))
    assert '"type": "grafana-clock-panel"' in conversion.text
    assert [str(n) for n in whole_objects(conversion)] == [
        "panel 'Map' (id 2): the whole panel (written as a dict: grafanalib has no class for type "
        "'grafana-clock-panel')"]


def test_targets_are_grafanalib_targets_with_extra_json_for_what_grafana_11_saves():
    panel = dict(TIMESERIES, targets=[target(editorMode="code", range=True, legendFormat="__auto")])
    conversion = roundtrip(dashboard(panel))
    assert "Target(" in conversion.text and "from dashgen.extrajson import" in conversion.text
    assert '"editorMode": "code"' in conversion.text


def test_graphite_targets_keep_their_query():
    panel = dict(TIMESERIES, targets=[{"refId": "A", "target": "aliasByNode(servers.*.cpu, 1)"}])
    conversion = roundtrip(dashboard(panel))
    assert "aliasByNode(servers.*.cpu, 1)" in json.dumps(build(conversion.text))


def test_long_promql_is_split_over_lines_and_joins_back_to_the_same_string():
    expr = ('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace", '
            'container!="", image!=""}[$__rate_interval])) / sum by (namespace, pod) '
            '(kube_pod_container_resource_requests{resource="cpu", namespace=~"$namespace"})')
    conversion = roundtrip(dashboard(dict(TIMESERIES, targets=[target(expr)])))
    assert "expr=(" in conversion.text
    assert build(conversion.text)["panels"][0]["targets"][0]["expr"] == expr
    assert '{namespace=~"$namespace",\n' not in conversion.text  # selectors are not cut


@pytest.mark.parametrize("text", [
    "a" * 200, "x " * 100, "line one\nline two\n\nline four", "   leading and trailing   " * 5, "\n\n", "",
    "no_spaces_" * 20 + " then words " * 10, 'quotes " and \\ backslashes ' * 6, "ünïcödé — " * 20,
])
def test_string_pieces_join_back_exactly(text):
    assert "".join(split(text)) == text
    assert eval(string(text)) == text  # noqa: S307 - our own literal


def test_multi_line_strings_are_written_line_by_line():
    text = "# Notes\n\n" + "Read this first, it says what each panel shows and where the data comes from.\n" * 3
    conversion = roundtrip(dashboard(dict(TEXT, options={"content": text, "mode": "markdown"})))
    assert '"# Notes\\n"\n' in conversion.text


def test_repeated_datasource_references_become_one_constant():
    conversion = roundtrip(dashboard(TIMESERIES, STAT))
    assert 'PROMETHEUS = {"type": "prometheus", "uid": "${datasource}"}' not in conversion.text
    assert 'DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}' in conversion.text
    assert "dataSource=DATASOURCE" in conversion.text


def test_the_projects_datasource_helper_is_imported_where_it_fits_exactly(tmp_path):
    from dashgen import sources
    from dashgen.pycode import helpers

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "panels.py").write_text(f"DATASOURCE = {DS!r}\n")
    with sources._package(tmp_path):
        found = helpers.discover(tmp_path)
        text = roundtrip(dashboard(TIMESERIES, STAT), helpers=found).text
    assert "from dashboards.lib.panels import DATASOURCE" in text
    assert "\nDATASOURCE = " not in text


def test_panels_come_out_in_reading_order_as_the_canonical_form_has_them():
    first, second = dict(TIMESERIES, gridPos=grid(0, 8)), dict(STAT, gridPos=grid(0, 0))
    built = build(roundtrip(dashboard(first, second)).text)
    assert [p["type"] for p in built["panels"]] == [STAT["type"], TIMESERIES["type"]]


def test_nulls_are_dropped_on_both_sides_by_the_canonical_form():
    conversion = roundtrip(dashboard(STAT))
    assert not any("null dropped" in lost for lost in conversion.lost)
    assert conversion.exact


def test_a_dashboard_without_nulls_at_schema_39_is_byte_exact_against_the_json_source():
    stat = copy.deepcopy(STAT)
    del stat["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["value"]
    conversion = roundtrip(dashboard(TIMESERIES, stat))
    assert conversion.exact and conversion.lost == []


def test_unwrapped_api_responses_convert_like_exports():
    conversion = roundtrip({"dashboard": dashboard(TIMESERIES), "meta": {"slug": "x"}})
    assert "Test board" in conversion.text


def test_generated_modules_pass_ruff_check():
    text = roundtrip(dashboard(*(p for p, _ in CLASSES))).text
    result = subprocess.run([ruff_binary(), "check", "--isolated", "--select", "E,F,W", "--line-length", "200",
                             "--stdin-filename", "board.py", "-"], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert subprocess.run([ruff_binary(), "format", "--check", "--stdin-filename", "board.py", "-"],
                          input=text, capture_output=True, text=True).returncode == 0


def test_the_docstring_names_the_origin_and_survives_quotes():
    conversion = roundtrip(dashboard(TIMESERIES, title='Quotes """ and \\ backslash'), )
    assert conversion.text.startswith('"""Quotes')
    assert "Imported by ``dashgen import`` from test.json." in conversion.text


def test_keys_grafanalib_writes_for_old_grafanas_round_trip_when_the_json_has_them():
    # What JSON of Grafana 5-8 keeps: the build of a Python source used to drop these whatever it said.
    legacy_target = target(step=10, metric="", intervalFactor=2)
    panel = dict(TIMESERIES, span=6, editable=True, error=False, targets=[legacy_target, target("up", "B", step=60)])
    model = dashboard(panel, style="dark", hideControls=False, sharedCrosshair=False, rows=[])
    conversion = roundtrip(model)
    assert conversion.exact and conversion.lost == []
    built = build(conversion.text)
    assert {k: built[k] for k in ("style", "hideControls", "sharedCrosshair", "rows")} == {
        "style": "dark", "hideControls": False, "sharedCrosshair": False, "rows": []}
    assert [t.get("step") for t in built["panels"][0]["targets"]] == [10, 60]
    # a value other than grafanalib's default is its keyword; grafanalib's default is not written as one
    assert "step=60" in conversion.text and "step=10" not in conversion.text and 'style="dark"' not in conversion.text
    assert '"step": 10' in conversion.text and '"style": "dark"' in conversion.text


def test_a_dashboard_grafanalib_would_write_imports_without_its_legacy_keys():
    # grafanalib's values, absent from the JSON: nothing to keep, and nothing written for them
    conversion = roundtrip(dashboard(TIMESERIES))
    for word in ("style", "hideControls", "sharedCrosshair", "rows", "step", "metric", "span", "minSpan"):
        assert f'"{word}"' not in conversion.text and f"{word}=" not in conversion.text


def test_defaults_the_canonical_form_elides_need_no_extra_json():
    panel = dict(TIMESERIES, transparent=False, hideTimeOverride=False, links=[],
                 targets=[target(hide=False, instant=False, interval="", legendFormat="")])
    conversion = roundtrip(dashboard(panel))
    assert conversion.exact
    assert not [n for n in conversion.notes if n.field in ("hide", "instant", "interval", "transparent",
                                                           "hideTimeOverride", "links", "legendFormat")]
    assert "None" not in conversion.text.split("targets=")[1].split("]")[0]  # the target removes nothing


def test_a_field_the_python_build_cannot_keep_is_named_with_its_panel():
    # A JSON panel without an id: a Python build numbers it, as grafanalib's auto_panel_ids does.
    panel = {k: v for k, v in TIMESERIES.items() if k != "id"}
    conversion = roundtrip(dashboard(panel))
    assert not conversion.exact
    assert conversion.lost == ["panel 'Requests': id (added by dashgen's Python build)"]
    nested = dict(ROW, panels=[{k: v for k, v in TIMESERIES.items() if k != "targets"}, panel])
    conversion = roundtrip(dashboard(nested))
    assert conversion.lost == ["panel 'Requests': id (added by dashgen's Python build)"]
