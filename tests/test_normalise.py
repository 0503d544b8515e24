"""normalise.from_grafanalib: grafanalib's keys for old Grafanas go, unless the source set them."""

from __future__ import annotations

from grafanalib import core

from dashgen import extrajson
from dashgen.normalise import from_grafanalib

LEGACY_DASHBOARD = ("style", "hideControls", "sharedCrosshair", "rows")
LEGACY_PANEL = ("span", "height", "minSpan", "error", "editable")
LEGACY_TARGET = ("step", "metric", "target", "query")


def _board(panels, cls=core.Dashboard, **kw):
    return cls(title="T", uid="t", panels=panels, **kw)


def _grid():
    return core.GridPos(h=8, w=12, x=0, y=0)


def test_what_grafanalib_writes_by_default_is_dropped():
    model = from_grafanalib(_board([core.TimeSeries(title="A", gridPos=_grid(), targets=[core.Target(expr="up")])]))
    assert not set(LEGACY_DASHBOARD) & set(model)
    panel = model["panels"][0]
    assert not set(LEGACY_PANEL) & set(panel)
    assert not set(LEGACY_TARGET) & set(panel["targets"][0])


def test_values_other_than_grafanalib_defaults_are_kept():
    target = core.Target(expr="up", step=60, metric="up", target="a.b")
    panel = core.TimeSeries(title="A", gridPos=_grid(), span=6, height=200, minSpan=3, editable=False, error=True,
                            targets=[target])
    model = from_grafanalib(_board([panel], style="light", hideControls=True, sharedCrosshair=True))
    assert (model["style"], model["hideControls"], model["sharedCrosshair"]) == ("light", True, True)
    built = model["panels"][0]
    assert {k: built[k] for k in LEGACY_PANEL} == {"span": 6, "height": 200, "minSpan": 3, "editable": False,
                                                   "error": True}
    assert {k: built["targets"][0][k] for k in ("step", "metric", "target")} == {"step": 60, "metric": "up",
                                                                                "target": "a.b"}


def test_keys_set_in_extra_json_are_kept_even_at_grafanalib_defaults():
    target = extrajson.Target(expr="up", extraJson={"step": 10, "metric": "", "query": "up"})
    panel = core.TimeSeries(title="A", gridPos=_grid(), targets=[target], extraJson={"editable": True, "error": False})
    board = _board([panel], cls=extrajson.Dashboard, extraJson={"style": "dark", "hideControls": False, "rows": []})
    model = from_grafanalib(board)
    assert (model["style"], model["hideControls"], model["rows"]) == ("dark", False, [])
    assert "sharedCrosshair" not in model  # not set: grafanalib's
    assert (model["panels"][0]["editable"], model["panels"][0]["error"]) == (True, False)
    assert {k: model["panels"][0]["targets"][0].get(k) for k in LEGACY_TARGET} == {
        "step": 10, "metric": "", "target": None, "query": "up"}


def test_panels_and_targets_written_as_dicts_keep_every_key():
    dict_target = {"refId": "B", "expr": "up", "query": "up", "step": 10, "metric": ""}
    row = core.RowPanel(title="R", gridPos=_grid(), collapsed=True, panels=[
        {"type": "timeseries", "title": "In row", "id": 5, "editable": True, "span": 12, "targets": [dict_target]}])
    mixed = core.TimeSeries(title="A", gridPos=_grid(), targets=[core.Target(expr="up"), dict_target])
    model = from_grafanalib(_board([row, mixed]))
    nested = model["panels"][0]["panels"][0]
    assert (nested["editable"], nested["span"]) == (True, 12)
    assert nested["targets"][0] == dict_target
    first, second = model["panels"][1]["targets"]
    assert "step" not in first and "query" not in first  # grafanalib's Target
    assert second == dict_target


def test_panels_of_legacy_rows_keep_their_layout():
    row = core.Row(panels=[core.Graph(title="G", dataSource="p", targets=[], span=4)])
    model = from_grafanalib(_board([], rows=[row]))
    assert model["rows"][0]["panels"][0]["span"] == 4
