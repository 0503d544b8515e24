"""grafana-operator objects: valid for the operator's CRDs (schema and CEL rules), the same
dashboard as the sidecar's JSON, and no secret value anywhere."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crds import Validator, validator_for
from dashgen import config as config_mod
from dashgen import sources
from dashgen.config import LabelRequirement, LabelSelector, OperatorOutput
from dashgen.errors import DashgenError
from dashgen.formats import dump_json
from dashgen.names import object_bytes
from dashgen.render import operator
from dashgen.render.kubernetes import dashboard_configmap
from dashgen.resources import Dashboard, Datasource, Folder

REPO = Path(__file__).resolve().parent.parent
SETTINGS = OperatorOutput(instance_selector=LabelSelector(match_labels={"dashboards": "grafana"}),
                          resync_period="10m")


@pytest.fixture(scope="module")
def validator() -> Validator:
    return validator_for(REPO)


@pytest.fixture(scope="module")
def shipped():
    """The repository's own sources, loaded as build loads them."""
    config = config_mod.load(root=REPO)
    return config, sources.load(config)


def _folder(key="gitops", title="GitOps", uid="dashgen-gitops") -> Folder:
    return Folder(key=key, title=title, uid=uid)


def _dashboard(uid="flux", folder=None, panels=1) -> Dashboard:
    model = {"title": f"Board {uid}", "uid": uid, "schemaVersion": 39,
             "panels": [{"id": i + 1, "type": "text", "title": f"Panel {i}",
                         "gridPos": {"h": 4, "w": 24, "x": 0, "y": 4 * i},
                         "options": {"content": f"panel {i} " + "x" * 200}} for i in range(panels)]}
    return Dashboard(model, folder or _folder(), f"dashboards/gitops/{uid}.py")


def _secret_datasource() -> Datasource:
    return Datasource({
        "name": "Loki", "type": "loki", "uid": "loki", "access": "proxy", "url": "http://loki:3100",
        "basicAuth": True, "basicAuthUser": "grafana", "orgId": 1,
        "jsonData": {"httpHeaderName1": "X-Scope-OrgID"},
        "secureJsonData": {"basicAuthPassword": "${LOKI_PASSWORD}", "httpHeaderValue1": "$LOKI_TENANT"},
    }, "dashboards/datasources.py")


# ------------------------------------------------------------------ the validator itself


def test_the_validator_refuses_what_the_api_server_refuses(validator):
    """Each check can fail: schema, unknown fields, formats, patterns, ObjectMeta and CEL rules."""
    config = config_mod.Config()
    good = operator.dashboard_object(_dashboard(), dump_json(_dashboard().model), config, SETTINGS)
    assert validator.errors(good) == []

    def broken(change):
        obj = copy.deepcopy(good)
        change(obj)
        return " | ".join(validator.errors(obj))

    assert "instanceSelector" in broken(lambda o: o["spec"].pop("instanceSelector"))
    assert "Additional properties" in broken(lambda o: o["spec"].update(jsonModel="{}"))
    assert "Additional properties" in broken(lambda o: o.update(data={}))
    assert "does not match" in broken(lambda o: o["spec"].update(uid="has space"))
    assert "does not match" in broken(lambda o: o["spec"].update(uid="flux\n"))  # Go's $ is the very end
    assert "is too long" in broken(lambda o: o["spec"].update(uid="a" * 41))
    assert "does not match" in broken(lambda o: o["spec"].update(resyncPeriod="10 minutes"))
    assert "is not a 'byte'" in broken(lambda o: o["spec"].update(gzipJson="not base64!"))
    assert "metadata.name" in broken(lambda o: o["metadata"].update(name="Flux_Board"))
    assert "metadata.labels" in broken(lambda o: o["metadata"]["labels"].update({"team": "a b"}))
    assert "Only one of folderUID or folderRef" in broken(lambda o: o["spec"].update(folderUID="x"))
    assert "folder field cannot be set" in broken(lambda o: o["spec"].update(folder="GitOps"))
    assert "must be a valid uuid" in broken(lambda o: o["spec"].update(publicSharing={"accessToken": "x" * 36}))
    assert broken(lambda o: o["spec"].update(
        publicSharing={"accessToken": "0b3b6a2c-1f0e-4c5a-9d1e-2f3a4b5c6d7e"})) == ""
    ds = operator.datasource_object(_secret_datasource(), config, SETTINGS)
    assert validator.errors(ds) == []
    both = copy.deepcopy(ds)
    both["spec"]["valuesFrom"][0]["valueFrom"]["configMapKeyRef"] = {"name": "x", "key": "y"}
    assert "Either configMapKeyRef or secretKeyRef" in " ".join(validator.errors(both))


def test_transition_rules_are_checked_against_the_old_object(validator):
    config = config_mod.Config()
    old = operator.dashboard_object(_dashboard(), dump_json(_dashboard().model), config, SETTINGS)
    new = copy.deepcopy(old)
    new["spec"]["uid"] = "other"
    assert "spec.uid is immutable" in " ".join(validator.errors(new, old))
    assert validator.errors(new) == []  # a create: transition rules do not apply
    moved = copy.deepcopy(old)
    moved["spec"]["instanceSelector"] = {"matchLabels": {"dashboards": "other"}}
    assert "spec.instanceSelector is immutable" in " ".join(validator.errors(moved, old))
    crossing = copy.deepcopy(old)
    crossing["spec"]["allowCrossNamespaceImport"] = True
    assert validator.errors(crossing, old) == []
    assert "requires a recreate" in " ".join(validator.errors(old, crossing))


# ------------------------------------------------------------------- the shipped sources


def test_objects_of_the_shipped_sources_validate(validator, shipped):
    config, resources = shipped
    settings = OperatorOutput(
        instance_selector=LabelSelector(match_labels={"dashboards": "grafana"}, match_expressions=[
            LabelRequirement("environment", "In", ["prod", "staging"]), LabelRequirement("retired", "DoesNotExist")]),
        resync_period="1h30m", allow_cross_namespace_import=True)
    objects = operator.shared_objects(resources, config, settings)
    for d in resources.dashboards:
        text = dump_json(d.model)
        objects.append(operator.dashboard_object(d, text, config, settings))
        objects.append(operator.dashboard_object(d, text, config, settings, configmap_ref=True))
    kinds = [o["kind"] for o in objects]
    assert kinds.count("GrafanaFolder") == len(resources.folders) == 3
    assert kinds.count("GrafanaDatasource") == len(resources.datasources) == 2
    assert kinds.count("GrafanaDashboard") == 2 * len(resources.dashboards)
    for obj in objects:
        assert validator.errors(obj) == [], obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "dashgen"
        assert obj["metadata"]["namespace"] == "monitoring"
        # Flux must leave ${VAR} and ${datasource} alone; the operator or Grafana expands them.
        assert obj["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/substitute"] == "disabled"
        spec = obj["spec"]
        assert spec["instanceSelector"] == {
            "matchLabels": {"dashboards": "grafana"},
            "matchExpressions": [{"key": "environment", "operator": "In", "values": ["prod", "staging"]},
                                 {"key": "retired", "operator": "DoesNotExist"}]}
        assert spec["resyncPeriod"] == "1h30m" and spec["allowCrossNamespaceImport"] is True
    names = [(o["kind"], o["metadata"]["name"]) for o in objects if "configMapRef" not in o["spec"]]
    assert len(names) == len(set(names))


def test_dashboards_reference_their_folder_and_keep_their_uid(shipped):
    config, resources = shipped
    folders = {o["spec"]["uid"]: o for o in operator.shared_objects(resources, config, SETTINGS)
               if o["kind"] == "GrafanaFolder"}
    assert {f["spec"]["title"] for f in folders.values()} == {"GitOps", "Kubernetes", "EmPulse"}
    for d in resources.dashboards:
        obj = operator.dashboard_object(d, dump_json(d.model), config, SETTINGS)
        assert obj["spec"]["uid"] == d.uid
        assert obj["spec"]["folderRef"] == folders[d.folder.uid]["metadata"]["name"]
        assert "folderUID" not in obj["spec"] and "allowCrossNamespaceImport" not in obj["spec"]


def test_general_dashboards_have_no_folder(validator):
    d = _dashboard(folder=Folder(key="", title="General", uid=""))
    obj = operator.dashboard_object(d, dump_json(d.model), config_mod.Config(), SETTINGS)
    assert "folderRef" not in obj["spec"] and "folderUID" not in obj["spec"]
    assert validator.errors(obj) == []


# ----------------------------------------------------------------------------- content


def test_inline_json_is_the_sidecar_json(shipped):
    config, resources = shipped
    for d in resources.dashboards:
        text = dump_json(d.model)
        obj = operator.dashboard_object(d, text, config, SETTINGS)
        assert obj["spec"]["json"] == text
        # ... and reads back so from the YAML written
        back = yaml.safe_load(operator.render_file(obj)[1])
        assert back["spec"]["json"] == dashboard_configmap(d, config, text)["data"][f"{d.uid}.json"]


def test_large_dashboards_switch_to_gzip_json_that_decodes_to_the_sidecar_json(validator):
    config = config_mod.Config()
    small, large = _dashboard(panels=10), _dashboard(uid="big", panels=1200)
    small_obj = operator.dashboard_object(small, dump_json(small.model), config, SETTINGS)
    assert "json" in small_obj["spec"] and "gzipJson" not in small_obj["spec"]
    text = dump_json(large.model)
    assert len(text.encode()) > operator.GZIP_ABOVE_BYTES
    obj = operator.dashboard_object(large, text, config, SETTINGS)
    assert "json" not in obj["spec"]
    assert object_bytes(obj) < operator.GZIP_ABOVE_BYTES
    assert validator.errors(obj) == []
    written = yaml.safe_load(operator.render_file(obj)[1])["spec"]["gzipJson"]
    # What the operator does: a []byte field is base64 in JSON/YAML; then gzip.NewReader.
    assert gzip.decompress(base64.b64decode(written, validate=True)).decode("utf-8") == text
    assert json.loads(gzip.decompress(base64.b64decode(written))) == large.model
    # Reproducible: no timestamp in the gzip header.
    assert operator.dashboard_object(large, text, config, SETTINGS) == obj


def test_the_switch_happens_at_the_threshold():
    config = config_mod.Config()
    d = _dashboard()
    filler = {**d.model, "description": ""}
    empty = object_bytes(operator.dashboard_object(d, dump_json(filler), config, SETTINGS))
    pad = operator.GZIP_ABOVE_BYTES - empty
    at = Dashboard({**d.model, "description": "d" * pad}, d.folder, d.source)
    over = Dashboard({**d.model, "description": "d" * (pad + 1)}, d.folder, d.source)
    assert "json" in operator.dashboard_object(at, dump_json(at.model), config, SETTINGS)["spec"]
    assert "gzipJson" in operator.dashboard_object(over, dump_json(over.model), config, SETTINGS)["spec"]


def test_config_map_ref_names_the_sidecar_configmap(validator, shipped):
    config, resources = shipped
    d = resources.dashboards[0]
    text = dump_json(d.model)
    obj = operator.dashboard_object(d, text, config, SETTINGS, configmap_ref=True)
    cm = dashboard_configmap(d, config, text)
    ref = obj["spec"]["configMapRef"]
    assert ref["name"] == cm["metadata"]["name"] and cm["data"][ref["key"]] == text
    assert "json" not in obj["spec"] and "gzipJson" not in obj["spec"]


# ---------------------------------------------------------------------------- secrets


def test_datasource_secrets_are_secret_references(validator):
    obj = operator.datasource_object(_secret_datasource(), config_mod.Config(namespace="grafana"),
                                     OperatorOutput(instance_selector=LabelSelector(match_labels={"a": "b"}),
                                                    datasource_secret="loki-credentials"))
    spec = obj["spec"]
    assert spec["uid"] == "loki" and "uid" not in spec["datasource"] and "orgId" not in spec["datasource"]
    # The operator replaces ${<secret key>} (and $<secret key>) in the target field with the value.
    assert spec["datasource"]["secureJsonData"] == {"basicAuthPassword": "${LOKI_PASSWORD}",
                                                    "httpHeaderValue1": "$LOKI_TENANT"}
    assert spec["valuesFrom"] == [
        {"targetPath": "secureJsonData.basicAuthPassword",
         "valueFrom": {"secretKeyRef": {"name": "loki-credentials", "key": "LOKI_PASSWORD"}}},
        {"targetPath": "secureJsonData.httpHeaderValue1",
         "valueFrom": {"secretKeyRef": {"name": "loki-credentials", "key": "LOKI_TENANT"}}},
    ]
    assert validator.errors(obj) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=st.text(alphabet=string.ascii_letters + string.digits + "+/=_-!@#", min_size=12, max_size=40))
def test_no_secret_value_reaches_the_objects(monkeypatch, secret):
    """With the secrets set in the environment (as for push), the objects are what they are
    without them: references only."""
    monkeypatch.delenv("LOKI_PASSWORD", raising=False)
    monkeypatch.delenv("LOKI_TENANT", raising=False)
    without = operator.render_file(operator.datasource_object(_secret_datasource(), config_mod.Config(), SETTINGS))
    monkeypatch.setenv("LOKI_PASSWORD", secret)
    monkeypatch.setenv("LOKI_TENANT", secret[::-1])
    text = operator.render_file(operator.datasource_object(_secret_datasource(), config_mod.Config(), SETTINGS))
    assert text == without
    if secret not in without[1] and secret[::-1] not in without[1]:
        assert secret not in text[1] and secret[::-1] not in text[1]


def test_a_plain_secret_value_is_refused_without_repeating_it():
    ds = _secret_datasource()
    ds.model["secureJsonData"] = {"password": "hunter2-plain"}
    with pytest.raises(DashgenError) as exc:
        operator.datasource_object(ds, config_mod.Config(), SETTINGS)
    assert "hunter2" not in str(exc.value) and str(exc.value).startswith("dashboards/datasources.py: ")


def test_a_datasource_field_the_crd_lacks_is_an_error_naming_the_source():
    ds = _secret_datasource()
    ds.model["withCredentials"] = True
    with pytest.raises(DashgenError) as exc:
        operator.datasource_object(ds, config_mod.Config(), SETTINGS)
    message = str(exc.value)
    assert message.startswith("dashboards/datasources.py: datasource 'Loki': withCredentials cannot be written")
    assert "\n" not in message


# ------------------------------------------------------------------------------ names


def test_names_are_valid_and_distinct():
    assert operator.kubernetes_name("dashgen-gitops") == "dashgen-gitops"
    a, b = operator.kubernetes_name("Team_A"), operator.kubernetes_name("team-a")
    assert a != b and a.startswith("team-a-") and b == "team-a"
    assert operator.datasource_name(Datasource({"name": "Prometheus (prod)"}, "x")).startswith(
        "dashgen-datasource-name-prometheus-prod-")
    assert operator.datasource_name(Datasource({"name": "P", "uid": "prom"}, "x")) == "dashgen-datasource-prom"
