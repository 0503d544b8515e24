"""The dashboard model's walk: one order of panels for every reader, JSON of any type tolerated."""

from __future__ import annotations

import pytest

from dashgen.dashboard.walk import iter_panels, library_models, panel_dicts, schema_version, templating_list

LIBRARY = {"type": "timeseries", "title": "From the library", "targets": [{"expr": "up"}]}
MODEL = {
    "panels": [
        {"id": 1, "type": "row", "collapsed": True, "panels": [{"id": 2, "type": "stat"}, "junk"]},
        {"id": 3, "libraryPanel": {"uid": "lib", "name": "L"}, "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8}},
        7,
    ],
    "rows": [{"panels": [{"id": 4, "type": "graph"}]}, None],
    "__elements": {"lib": {"uid": "lib", "model": LIBRARY}, "broken": {"model": []}},
}


def test_panel_dicts_are_the_objects_of_the_json_in_iter_panels_order():
    panels = panel_dicts(MODEL)
    assert [p["id"] for p in panels] == [1, 2, 3, 4]
    assert panels[0] is MODEL["panels"][0] and panels[1] is MODEL["panels"][0]["panels"][0]
    refs = iter_panels(MODEL)
    assert [r.path for r in refs] == ["panels[0]", "panels[0].panels[0]", "panels[1]", "rows[0].panels[0]"]
    assert [r.id for r in refs] == [1, 2, 3, 4]
    assert refs[1].row is refs[0] and refs[3].legacy
    assert refs[2].panel is not panels[2] and refs[2].title == "From the library"  # the library model, merged
    assert panels[2] is MODEL["panels"][1]  # as it stands: for code that edits panels


def test_library_models_are_the_exported_models():
    assert library_models(MODEL) == [LIBRARY] and library_models(MODEL)[0] is LIBRARY
    assert library_models({"__elements": []}) == library_models("x") == []


@pytest.mark.parametrize("value,expected", [(16, 16), ("22", 22), (" 30 ", 30), (27.0, 27), (27.9, 27), (None, 0),
                                            (True, 0), ("x", 0), (float("nan"), 0), ("99999999999", 0)])
def test_schema_version_as_grafana_compares_it(value, expected):
    assert schema_version({"schemaVersion": value}) == expected


def test_any_json_type_is_tolerated():
    for model in (None, [], "x", {"panels": {}, "rows": "r", "templating": []}, {"templating": {"list": [1, {}]}}):
        assert panel_dicts(model) == [] and iter_panels(model) == []
    assert templating_list({"templating": {"list": [1, {"name": "a"}]}}) == [{"name": "a"}]
