"""The canonical form (dashgen.canonical): each rule on its own, then the whole on real dashboards."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus_data
from dashgen.canonical import DEFAULTS, SCHEMA_VERSION, canonical, canonicalise, known_datasources
from dashgen.errors import DashgenError
from dashgen.migrate import TARGET_SCHEMA_VERSION, MigrationError, angular_panels

PROMETHEUS = known_datasources([{"name": "Prometheus", "type": "prometheus", "uid": "prometheus"}])
REAL, ABSENT = corpus_data.real_dashboards()


def board(*panels, **top):
    return {"title": "T", "uid": "t", "schemaVersion": SCHEMA_VERSION, "panels": list(panels), **top}


def stat(pid=1, x=0, y=0, **extra):
    return {"id": pid, "type": "stat", "title": f"P{pid}", "gridPos": {"h": 4, "w": 6, "x": x, "y": y},
            "targets": [{"expr": "up", "refId": "A"}], **extra}


def test_one_schema_version_means_current():
    assert SCHEMA_VERSION == TARGET_SCHEMA_VERSION == 42


# ------------------------------------------------------------------ 1. inputs


def _export(*inputs, variables=(), ds="${DS_PROMETHEUS}"):
    panel = stat(datasource={"type": "prometheus", "uid": ds})
    panel["targets"][0]["datasource"] = {"type": "prometheus", "uid": ds}
    return board(panel, __inputs=list(inputs), templating={"list": list(variables)})


DS_INPUT = {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}


def test_a_datasource_input_becomes_the_dashboards_datasource_variable():
    variable = {"name": "datasource", "type": "datasource", "query": "prometheus",
                "current": {"text": "Prometheus", "value": "${DS_PROMETHEUS}"}}
    out = canonical(_export(DS_INPUT, variables=[variable]), PROMETHEUS)
    assert "__inputs" not in out
    assert out["panels"][0]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert out["panels"][0]["targets"][0]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    # The variable itself never selects itself: there the input is the sources' datasource.
    assert out["templating"]["list"][0]["current"]["value"] == "prometheus"


def test_the_variable_named_like_the_input_wins():
    variables = [{"name": "other", "type": "datasource", "query": "prometheus"},
                 {"name": "DS_PROMETHEUS", "type": "datasource", "query": "prometheus"}]
    out = canonical(_export(DS_INPUT, variables=variables))
    assert out["panels"][0]["datasource"]["uid"] == "${DS_PROMETHEUS}"


def test_without_a_variable_the_input_becomes_the_sources_datasource():
    out = canonical(_export(DS_INPUT), PROMETHEUS)
    assert out["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}


def test_an_old_string_reference_resolves_through_the_input_and_the_schema_steps():
    model = {"title": "Old", "schemaVersion": 14, "__inputs": [DS_INPUT],
             "rows": [{"panels": [{"id": 1, "type": "singlestat", "span": 12, "datasource": "${DS_PROMETHEUS}",
                                   "targets": [{"expr": "up"}]}]}]}
    out = canonical(model, PROMETHEUS)
    assert out["schemaVersion"] == SCHEMA_VERSION and "rows" not in out
    assert out["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert out["panels"][0]["targets"][0]["refId"] == "A"


def test_an_input_nothing_resolves_is_one_error_naming_it():
    with pytest.raises(DashgenError, match=r"input 'DS_LOKI' \(__inputs\) needs a datasource of type 'loki'.*"
                                           r"replace \$\{DS_LOKI\}"):
        canonical(_export({"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}, ds="${DS_LOKI}"), PROMETHEUS)


def test_several_datasources_of_the_type_need_a_default():
    two = known_datasources([{"name": "A", "type": "prometheus", "uid": "a"},
                             {"name": "B", "type": "prometheus", "uid": "b"}])
    with pytest.raises(DashgenError, match="several"):
        canonical(_export(DS_INPUT), two)
    with_default = known_datasources([{"name": "A", "type": "prometheus", "uid": "a"},
                                      {"name": "B", "type": "prometheus", "uid": "b", "isDefault": True}])
    assert canonical(_export(DS_INPUT), with_default)["panels"][0]["datasource"]["uid"] == "b"


def test_constant_and_expression_inputs_are_substituted_like_grafanas_import():
    model = _export(DS_INPUT, {"name": "VAR_JOB", "type": "constant", "value": "node"},
                    {"name": "DS_EXPR", "type": "datasource", "pluginId": "__expr__"})
    model["panels"][0]["targets"][0]["expr"] = 'up{job="${VAR_JOB}"} and ${VAR_OTHER}'
    model["panels"][0]["targets"].append({"refId": "B", "datasource": {"uid": "${DS_EXPR}"}, "type": "math"})
    out = canonical(model, PROMETHEUS)
    assert out["panels"][0]["targets"][0]["expr"] == 'up{job="node"} and ${VAR_OTHER}'  # not an input: kept
    assert out["panels"][0]["targets"][1]["datasource"] == {"uid": "__expr__"}


@pytest.mark.parametrize("entry,message", [
    ({"name": "X", "type": "constant"}, "constant input 'X'"),
    ({"name": "X", "type": "secret"}, "has type 'secret'"),
    ({"type": "datasource"}, "without a name"),
])
def test_inputs_dashgen_cannot_resolve_are_errors(entry, message):
    with pytest.raises(DashgenError, match=message):
        canonical(_export(entry))


# ------------------------------------------------------------------ 2. schema steps, Angular panels


def test_schema_steps_run_to_the_current_version():
    model = board(stat(), schemaVersion=39, timepicker={"time_options": ["5m"], "nowDelay": "1m"})
    out = canonical(model)
    assert out["schemaVersion"] == 42 and out["timepicker"] == {"nowDelay": "1m"}  # step 41


def test_angular_panels_are_converted_only_when_asked():
    graph = {"id": 1, "type": "graph", "title": "CPU", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
             "targets": [{"expr": "up", "refId": "A"}]}
    kept = canonicalise(board(graph, stat(2, x=12)))
    assert kept.model["panels"][0]["type"] == "graph" and not kept.migrated
    done = canonicalise(board(graph, stat(2, x=12)), migrate=True)
    assert done.model["panels"][0]["type"] == "timeseries" and angular_panels(done.model) == []
    assert done.migration_summary() == "1 panel (graph → timeseries ×1)"


def test_a_panel_dashgen_cannot_migrate_is_an_error_naming_it():
    panel = {"id": 7, "type": "flant-statusmap-panel", "title": "Pods", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 0}}
    with pytest.raises(MigrationError, match="panel 'Pods' \\(id 7\\).*status-history"):
        canonical(board(panel), migrate=True)
    assert canonical(board(panel))["panels"][0]["type"] == "flant-statusmap-panel"  # without migrate: left to lint


# ------------------------------------------------------------------ 3, 4. managed keys, nulls, refIds


def test_what_grafana_manages_or_adds_on_export_is_dropped():
    model = board(stat(), id=3, version=9, iteration=123, gnetId=1860, __requires=[{"type": "panel"}],
                  __elements={"x": {"uid": "x", "model": {}}})
    out = canonical(model)
    assert not {"id", "version", "iteration", "gnetId", "__requires", "__elements"} & set(out)
    library = {"id": 2, "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}, "libraryPanel": {"uid": "x", "name": "X"}}
    assert "__elements" in canonical(board(stat(), library, __elements={"x": {"uid": "x", "model": stat(9)}}))


def test_nulls_go_from_objects_and_stay_in_lists():
    panel = stat(description=None, fieldConfig={"defaults": {"thresholds": {"mode": "absolute", "steps": [
        {"color": "green", "value": None}, {"color": "red", "value": 80}]}}, "overrides": []},
        options={"values": [None, 1]})
    out = canonical(board(panel, description=None))["panels"][0]
    assert "description" not in out
    assert out["fieldConfig"]["defaults"]["thresholds"]["steps"][0] == {"color": "green"}
    assert out["options"]["values"] == [None, 1]


def test_missing_refids_are_filled_as_grafana_names_them():
    panel = stat(targets=[{"expr": "a"}, {"expr": "b", "refId": "A"}, {"expr": "c", "refId": ""}, {"expr": "d"}])
    assert [t["refId"] for t in canonical(board(panel))["panels"][0]["targets"]] == ["B", "A", "C", "D"]


def test_the_input_is_not_modified():
    model = _export(DS_INPUT)
    before = copy.deepcopy(model)
    canonical(model, PROMETHEUS, migrate=True)
    assert model == before


# ------------------------------------------------------------------ 5. datasource names


def test_bare_datasource_names_become_references_when_known():
    panel = stat(datasource="Prometheus")
    panel["targets"][0]["datasource"] = "prometheus"
    variables = [{"name": "v", "type": "query", "datasource": "Prometheus", "query": "label_values(up, job)"},
                 {"name": "w", "type": "query", "datasource": "$ds"}, {"name": "z", "type": "query", "datasource": "Other"}]
    out = canonical(board(panel, templating={"list": variables}), PROMETHEUS)
    ref = {"type": "prometheus", "uid": "prometheus"}
    assert out["panels"][0]["datasource"] == ref and out["panels"][0]["targets"][0]["datasource"] == ref
    assert [v["datasource"] for v in out["templating"]["list"]] == [ref, "$ds", "Other"]


# ------------------------------------------------------------------ 6. defaults


def _with_default(place, key, value):
    panel = stat(targets=[{"expr": "up", "refId": "A"}, {"refId": "B", "rawSql": "select 1"}])
    model = board(panel, templating={"list": [{"name": "i", "type": "interval", "query": "1m,5m"}]}, timepicker={})
    holder = {"panel": panel, "target": panel["targets"][1], "query": panel["targets"][0],
              "variable": model["templating"]["list"][0], "timepicker": model["timepicker"]}[place]
    holder[key] = value
    return model, holder


@pytest.mark.parametrize("place,key,default", DEFAULTS, ids=[f"{p}.{k}" for p, k, _ in DEFAULTS])
def test_each_default_is_elided_and_only_the_default(place, key, default):
    model, _ = _with_default(place, key, copy.deepcopy(default))
    result = canonicalise(model)
    assert result.elided == {f"{place}.{key}": 1} and key not in json.dumps(_place(result.model, place))
    other = {False: True, "": "x", 30: 31, "10s": "1m"}.get(default, ["1m"]) if not isinstance(default, list) \
        else ["1m"]
    model, _ = _with_default(place, key, other)
    assert _place(canonical(model), place)[key] == other


def _place(model, place):
    panel = model["panels"][0]
    return {"panel": panel, "target": panel["targets"][1], "query": panel["targets"][0],
            "variable": model["templating"]["list"][0], "timepicker": model["timepicker"]}[place]


def test_defaults_tell_booleans_from_numbers_and_queries_from_other_targets():
    panel = stat(targets=[{"refId": "A", "expr": "up", "hide": 0}, {"refId": "B", "rawSql": "x", "instant": False}])
    out = canonical(board(panel))["panels"][0]["targets"]
    assert out[0]["hide"] == 0 and out[1]["instant"] is False  # 0 is not false; instant is Prometheus's


# ------------------------------------------------------------------ 7. panel order


def test_panels_in_grafanas_order_rows_keeping_their_panels():
    row = {"id": 10, "type": "row", "title": "Detail", "collapsed": False, "panels": [],
           "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4}}
    collapsed = {"id": 11, "type": "row", "title": "More", "collapsed": True,
                 "gridPos": {"h": 1, "w": 24, "x": 0, "y": 9}, "panels": [stat(21, y=20), stat(20, y=10)]}
    model = board(stat(3, x=6, y=5), collapsed, stat(2, x=12, y=0), row, stat(1, x=0, y=0), {"id": 4, "type": "text"})
    out = canonical(model)
    # y then x; the text panel without gridPos reads as y 0, x 0, after panel 1 (a stable sort)
    assert [p["id"] for p in out["panels"]] == [1, 4, 2, 10, 3, 11]
    assert [p["id"] for p in out["panels"][-1]["panels"]] == [21, 20]  # a collapsed row's own order is kept


# ------------------------------------------------------------------ the whole, on real dashboards


def _models(dashboard):
    return corpus_data._shape_and_dashboards(corpus_data.load(dashboard.path))[1]


KNOWN = known_datasources([{"name": "Prometheus", "type": "prometheus", "uid": "prometheus"},
                           {"name": "InfluxDB", "type": "influxdb", "uid": "influxdb"}])


@pytest.mark.parametrize("dashboard", REAL, ids=[d.id for d in REAL])
def test_canonical_is_idempotent_on_every_real_dashboard(dashboard):
    for model in _models(dashboard):
        for migrate in (False, True):
            once = canonical(model, KNOWN, migrate=migrate)
            assert canonical(once, KNOWN, migrate=migrate) == once
            assert json.loads(json.dumps(once, allow_nan=False)) == once
            assert once["schemaVersion"] >= SCHEMA_VERSION
        # fmt, then fmt --migrate, is fmt --migrate.
        assert canonical(canonical(model, KNOWN), KNOWN, migrate=True) == canonical(model, KNOWN, migrate=True)


def test_the_real_dashboards_are_here():
    if corpus_data.in_ci():
        # CI always has Debian's packaged dashboards; the manifest's files are never committed
        assert len([r for r in REAL if r.id.startswith("debian-")]) >= 18, ABSENT
    assert len(REAL) >= 18 or ABSENT


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 50) | st.sampled_from(["", "A", "${DS_PROMETHEUS}", "$datasource",
                                                                        "row", "graph", "prometheus", "10s"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(
        ["id", "type", "panels", "gridPos", "x", "y", "targets", "refId", "expr", "datasource", "hide", "links",
         "uid", "templating", "list", "schemaVersion", "libraryPanel", "__elements", "__inputs", "name"]),
        children, max_size=4),
    max_leaves=8,
)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _set(model, path, new):
    if not path:
        return new
    holder = model
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return model


def _boards():
    """Two real dashboards to mutate: one with grafana.com inputs, the one of the oldest schema."""
    models = [m for d in REAL for m in _models(d)]
    with_inputs = next((m for m in models if m.get("__inputs")), None)
    oldest = min(models, key=lambda m: m.get("schemaVersion") if isinstance(m.get("schemaVersion"), int) else 99,
                 default=None)
    return [m for m in (with_inputs, oldest) if m is not None]


@pytest.fixture(scope="module", params=[0, 1], ids=["with-inputs", "oldest-schema"])
def real_board(request):
    boards = _boards()
    if not boards:
        pytest.skip(f"no real dashboard on this machine: {'; '.join(ABSENT)}")
    return boards[min(request.param, len(boards) - 1)]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_mutations_of_a_real_dashboard_are_refused_or_canonical(real_board, data):
    model = copy.deepcopy(real_board)
    paths = list(_paths(model))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths))
        model = _set(model, path, data.draw(_JSON))
        paths = list(_paths(model)) if isinstance(model, dict) else [()]
    if not isinstance(model, dict):
        return
    try:
        once = canonical(model, KNOWN, migrate=data.draw(st.booleans()))
    except DashgenError:
        return  # an input it cannot resolve or a panel it cannot migrate: named, never a crash
    assert canonical(once, KNOWN) == once
    assert json.loads(json.dumps(once, allow_nan=False)) == once


_STEP_KEYS = ["refresh", "timepicker", "time_options", "fieldConfig", "overrides", "properties", "value", "viz",
              "tooltip", "id", "panels", "rows", "templating", "list", "current", "options", "datasource", "type",
              "targets", "pluginVersion", "gridPos", "links"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_dropping_nulls_before_the_null_blind_steps_changes_nothing(real_board, data):
    """canonicalise drops nulls while copying a dashboard at schemaVersion NULL_BLIND_AFTER or later;
    the general route (copy, migrate, then drop nulls) must give the same on any such dashboard."""
    import dashgen.canonical as canonical_module

    model = copy.deepcopy(real_board)
    model["schemaVersion"] = data.draw(st.integers(canonical_module.NULL_BLIND_AFTER, SCHEMA_VERSION))
    for _ in range(data.draw(st.integers(1, 8))):
        path = data.draw(st.sampled_from(list(_paths(model))))
        holder = model
        for step in path:
            holder = holder[step]
        if isinstance(holder, dict):
            holder[data.draw(st.sampled_from(_STEP_KEYS))] = data.draw(st.none() | _JSON)
        elif path:
            model = _set(model, path, None)
    migrate = data.draw(st.booleans())

    def both():
        try:
            return canonicalise(model, KNOWN, migrate=migrate)
        except DashgenError as exc:
            return str(exc)

    fast = both()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(canonical_module, "NULL_BLIND_AFTER", 10**9)
        general = both()
    assert fast == general


@pytest.mark.parametrize("dashboard", REAL, ids=[d.id for d in REAL])
def test_an_owned_model_used_up_in_place_gives_the_same_canonical_form(dashboard):
    """The build hands canonicalise parsed JSON of its own (owned): no copy, nulls dropped in place."""
    for model in _models(dashboard):
        for migrate in (False, True):
            try:
                expected = canonicalise(model, KNOWN, migrate=migrate)
            except (DashgenError, MigrationError) as exc:
                with pytest.raises(type(exc)):
                    canonicalise(json.loads(json.dumps(model)), KNOWN, migrate=migrate, owned=True)
                continue
            text = json.dumps(model)
            owned = canonicalise(json.loads(text), KNOWN, migrate=migrate, owned=True, nulls="null" in text)
            assert json.dumps(owned.model) == json.dumps(expected.model)
            assert (owned.migrated, owned.elided) == (expected.migrated, expected.elided)


def test_nulls_go_from_an_owned_model_in_place_as_from_a_copy():
    model = board(stat(1, description=None, options={"a": None, "b": [None, {"c": None}]}), refresh=None)
    expected = canonical(model)
    assert "refresh" not in expected and expected["panels"][0]["options"] == {"b": [None, {}]}
    assert canonicalise(copy.deepcopy(model), owned=True).model == expected
    assert canonicalise(copy.deepcopy(model), owned=True, nulls=False).model != expected  # told wrong: kept


def test_the_canonical_form_says_whether_other_datasources_could_change_it():
    """The build makes dashboards before every datasource is known; those that say False stand."""
    by_ref = stat(1, datasource={"type": "prometheus", "uid": "${datasource}"})
    assert not canonicalise(board(by_ref)).reads_datasources
    assert not canonicalise(board(stat(1, datasource="$datasource"))).reads_datasources
    assert canonicalise(board(stat(1, datasource="Prometheus"))).reads_datasources
    assert canonicalise(board(stat(1, datasource="Elsewhere")), PROMETHEUS).reads_datasources  # none matched, now
    assert canonicalise(board(by_ref, __inputs=[])).reads_datasources
    assert canonicalise({**board(by_ref), "schemaVersion": 16}).reads_datasources  # migrated: steps read them
    # grafanalib writes schemaVersion 12, counted as 39: the steps after it resolve no datasource
    assert not canonicalise({**board(by_ref), "schemaVersion": 39}).reads_datasources
    assert canonicalise({**board(stat(1, targets=[{"expr": "up"}])), "schemaVersion": 35}).reads_datasources  # 36: default


OTHER_KNOWN = known_datasources([{"name": "Mimir", "type": "prometheus", "uid": "mimir", "isDefault": True},
                                 {"name": "Prometheus", "type": "loki", "uid": "not-prometheus"}])


@pytest.mark.parametrize("dashboard", REAL, ids=[d.id for d in REAL])
def test_a_canonical_form_that_reads_no_datasource_is_the_same_with_any(dashboard):
    """What the build's workers rely on: a dashboard made before every datasource is known
    stands when its canonical form says it read none."""
    for model in _models(dashboard):
        for migrate in (False, True):
            try:
                alone = canonicalise(model, migrate=migrate)
            except (DashgenError, MigrationError):
                continue
            if alone.reads_datasources:
                continue
            for known in (KNOWN, OTHER_KNOWN):
                assert json.dumps(canonicalise(model, known, migrate=migrate).model) == json.dumps(alone.model)
