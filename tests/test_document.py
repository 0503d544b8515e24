"""dashboard/document.py: every shape a saved dashboard comes in, read and written back the same way."""

from __future__ import annotations

import json

import pytest
import yaml

from dashgen.dashboard.document import document_of, read_document, unwrap
from dashgen.errors import DashgenError
from dashgen.formats import dump_json

MODEL = {"uid": "flux", "title": "Flux", "panels": [{"id": 1, "type": "stat"}], "schemaVersion": 39}
OTHER = {"uid": "flux", "title": "Flux (migrated)", "panels": [], "schemaVersion": 41}


def test_ui_export_is_the_model_itself():
    doc = read_document(json.dumps(MODEL), "flux.json")
    assert (doc.kind, doc.dashboards, doc.wrapped, doc.format) == ("dashboard", (MODEL,), False, "json")
    assert doc.with_dashboards([OTHER]) == OTHER
    assert json.loads(doc.dump([OTHER])) == OTHER


@pytest.mark.parametrize("body", [
    {"dashboard": MODEL, "meta": {"folderUid": "f", "version": 3}},  # GET /api/dashboards/uid/<uid>
    {"dashboard": MODEL},  # without meta
    {"dashboard": MODEL, "folderUid": "f", "overwrite": True, "message": "m"},  # POST /api/dashboards/db
])
def test_api_bodies_with_and_without_meta(body):
    doc = read_document(json.dumps(body), "api.json")
    assert doc.kind == "api" and doc.dashboards == (MODEL,) and doc.wrapped
    back = doc.with_dashboards([OTHER])
    assert back == {**body, "dashboard": OTHER}
    assert unwrap(body) == MODEL


def test_a_dashboard_with_a_panels_key_is_never_taken_for_a_wrapper():
    odd = {**MODEL, "dashboard": {"x": 1}}
    assert document_of(odd).kind == "dashboard" and unwrap(odd) is odd


@pytest.mark.parametrize("api_version", ["dashboard.grafana.app/v1beta1", "grizzly.grafana.com/v1alpha1"])
def test_kind_dashboard_resources(api_version):
    resource = {"apiVersion": api_version, "kind": "Dashboard", "metadata": {"name": "flux", "folder": "gitops"},
                "spec": MODEL}
    text = yaml.safe_dump(resource)
    doc = read_document(text, "flux.yaml")
    assert (doc.kind, doc.dashboards, doc.format) == ("resource", (MODEL,), "yaml")
    assert yaml.safe_load(doc.dump([OTHER])) == {**resource, "spec": OTHER}
    assert read_document(json.dumps(resource), "flux.json").kind == "resource"


def _configmap(data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "grafana-dashboard-flux",
                                                                  "labels": {"grafana_dashboard": "1"}},
            "data": data}


@pytest.mark.parametrize("suffix, dump", [(".yaml", yaml.safe_dump), (".json", json.dumps)])
def test_configmaps_hold_one_or_more_dashboards_in_key_order(suffix, dump):
    second = {**MODEL, "uid": "b", "title": "B"}
    configmap = _configmap({"z.json": json.dumps(MODEL), "b.json": json.dumps(second), "README": "not a dashboard"})
    doc = read_document(dump(configmap), "cm" + suffix)
    assert doc.kind == "configmap" and doc.keys == ("b.json", "z.json") and doc.dashboards == (second, MODEL)
    back = doc.with_dashboards([OTHER, second])
    assert back["data"] == {"b.json": dump_json(OTHER), "z.json": dump_json(second), "README": "not a dashboard"}
    assert back["metadata"] == configmap["metadata"]
    assert configmap["data"]["b.json"] == json.dumps(second)  # the original is not changed
    text = doc.dump([OTHER, second])
    assert (yaml.safe_load(text) if suffix == ".yaml" else json.loads(text)) == back


def test_a_configmap_key_that_is_not_json_is_reported_not_raised():
    doc = document_of(_configmap({"a.json": "{not json", "b.json": json.dumps(MODEL)}))
    assert doc.keys == ("b.json",) and doc.errors[0][0] == "a.json"
    assert doc.errors[0][1].startswith("invalid JSON in ConfigMap key a.json:")
    assert doc.with_dashboards([OTHER])["data"]["a.json"] == "{not json"


def test_a_configmap_without_dashboards_is_no_dashboard_document():
    assert document_of(_configmap({"prometheus.yaml": "x: 1"})).kind == "dashboard"


def test_the_number_of_dashboards_must_match():
    with pytest.raises(ValueError, match="expected 1 dashboards, got 2"):
        document_of(MODEL).with_dashboards([MODEL, OTHER])


@pytest.mark.parametrize("text, path, message, line", [
    ('{"uid": NaN}', "a.json", "invalid JSON: NaN is not a JSON number", None),
    ('{\n  "uid": }', "a.json", "invalid JSON: Expecting value (column 10)", 2),
    ("a: [\n", "a.yaml", "invalid YAML", 2),
    ("a: 1\n---\nb: 2\n", "a.yml", "expected one YAML document, found 2", None),
])
def test_unreadable_text_is_an_error_naming_the_file(text, path, message, line):
    with pytest.raises(DashgenError) as exc:
        read_document(text, path)
    assert exc.value.path == path and exc.value.message.startswith(message) and exc.value.line == line
