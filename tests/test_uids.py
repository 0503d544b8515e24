"""Any uid Grafana accepts is kept (issue 11): object names are derived from it, collision-free,
and a dashboard without a uid gets a stable one from its path."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import grafanalib_dashboard
from dashgen import names
from dashgen.render import operator

GRAFANA_UID = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1,
                      max_size=names.UID_MAX)
PREFIXES = ["grafana-dashboard-", "dashgen-", ""]


def _sha8(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


# ------------------------------------------------------------------------ the mapping


@pytest.mark.parametrize("uid", ["flux-gitops", "kubernetes-cluster", "0abc", "a", "-lead", "x" * 40])
def test_a_uid_that_makes_a_valid_name_keeps_todays_name(uid):
    assert names.dashboard_configmap_name(uid) == f"grafana-dashboard-{uid}"


@pytest.mark.parametrize("uid,slug", [
    ("k8s_views_pods", "k8s-views-pods"),
    ("rYdddlPWk", "rydddlpwk"),
    ("ABC", "abc"),
    ("trailing-", "trailing"),
    ("a__b", "a-b"),
    ("___", "x"),
])
def test_other_uids_are_cleaned_and_get_the_hash_of_the_uid(uid, slug):
    name = names.dashboard_configmap_name(uid)
    assert name == f"grafana-dashboard-{slug}-{_sha8(uid)}"
    assert names.is_dns_subdomain(name)


def test_abc_and_abc_never_share_a_name():
    assert len({names.dashboard_configmap_name(u) for u in ("abc", "ABC", "Abc", "abc_", "a-b-c", "a_b_c")}) == 6


@settings(max_examples=500, deadline=None)
@given(uid=GRAFANA_UID, prefix=st.sampled_from(PREFIXES))
def test_every_grafana_uid_maps_to_a_valid_stable_name(uid, prefix):
    name = names.kubernetes_name(uid, prefix)
    assert names.is_dns_subdomain(name) and len(name) <= names.DNS_SUBDOMAIN_MAX
    assert name == names.kubernetes_name(uid, prefix)
    if names.is_dns_subdomain(prefix + uid):
        assert name == prefix + uid
    else:
        assert name.startswith(prefix) and name.endswith("-" + _sha8(uid))


@settings(max_examples=300, deadline=None)
@given(uids=st.sets(GRAFANA_UID, min_size=2, max_size=40), prefix=st.sampled_from(PREFIXES))
def test_the_mapping_is_injective_on_grafana_uids(uids, prefix):
    assert len({names.kubernetes_name(u, prefix) for u in uids}) == len(uids)


@settings(max_examples=300, deadline=None)
@given(uids=st.sets(GRAFANA_UID.map(str.lower), min_size=1, max_size=10))
def test_uids_differing_only_in_case_or_separators_stay_apart(uids):
    variants = {v for u in uids for v in (u, u.upper(), u.replace("-", "_"), u.replace("_", "-"))}
    assert len({names.dashboard_configmap_name(v) for v in variants}) == len(variants)


def test_long_values_respect_the_name_limit():
    name = names.kubernetes_name("A" * 400, "grafana-dashboard-")
    assert len(name) == names.DNS_SUBDOMAIN_MAX and names.is_dns_subdomain(name)


def test_every_grafana_uid_is_a_valid_configmap_key():
    assert names.is_configmap_key(names.dashboard_file_name("aZ09_-" * 6 + "abcd"))


def test_operator_names_use_the_same_mapping():
    assert operator.dashboard_name("k8s_views_pods") == names.kubernetes_name("k8s_views_pods", "dashgen-")
    assert operator.kubernetes_name is names.kubernetes_name


# ------------------------------------------------------------------------ uid from a path


@pytest.mark.parametrize("path,slug", [
    ("node-exporter.json", "node-exporter"),
    ("apps/Node Exporter (full).json", "node-exporter-full"),
    ("apps/svc.dashboard.py", "svc-dashboard"),
    ("apps/" + "x" * 60 + ".json", "x" * 31),
    ("apps/___.json", "dashboard"),
])
def test_uid_from_path(path, slug):
    uid = names.uid_from_path(path)
    stem = path.rsplit(".", 1)[0]
    assert uid == f"{slug}-{_sha8(stem)}"
    assert names.is_uid(uid) and names.dashboard_configmap_name(uid) == f"grafana-dashboard-{uid}"


def test_uid_from_path_is_the_same_for_json_and_the_module_imported_from_it():
    assert names.uid_from_path("apps/node.json") == names.uid_from_path("apps/node.py")
    assert names.uid_from_path("apps/node.json") != names.uid_from_path("other/node.json")
    assert names.uid_from_path("apps/node.py#1") != names.uid_from_path("apps/node.py")


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "#" not in s),
                      min_size=1, max_size=3))
def test_uid_from_any_path_is_valid_for_grafana_and_kubernetes(parts):
    uid = names.uid_from_path("/".join(parts) + ".json")
    assert names.is_uid(uid)
    assert names.is_dns_subdomain(f"grafana-dashboard-{uid}")


# ------------------------------------------------------------------------ build


def _exported(uid: str | None, title: str) -> dict:
    d = {"title": title, "editable": False, "schemaVersion": 39, "panels": [
        {"id": 1, "type": "text", "title": "Notes", "gridPos": {"h": 4, "w": 24, "x": 0, "y": 0},
         "options": {"content": "hi"}}]}
    if uid is not None:
        d["uid"] = uid
    return d


def test_uids_kubernetes_rejects_as_names_build_and_stay_in_the_dashboard(project):
    project.write("dashgen.yaml", "output: {kinds: [sidecar, operator], operator: {instance_selector: "
                                  "{matchLabels: {dashboards: grafana}}}}\n")
    for uid in ("k8s_views_pods", "rYdddlPWk", "flux"):
        project.write(f"dashboards/apps/{uid}.json", json.dumps(_exported(uid, uid.title())))
    result = project.run("build")
    assert result.code == 0, result.err
    out = project.root / "provisioning"
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())["resources"]
    for uid in ("k8s_views_pods", "rYdddlPWk", "flux"):
        name = names.dashboard_configmap_name(uid)
        assert (name == f"grafana-dashboard-{uid}") is (uid == "flux")
        cm = yaml.safe_load((out / f"kubernetes/dashboards/{name}.yaml").read_text())
        assert cm["metadata"]["name"] == name and re.fullmatch(r"[a-z0-9-]+", name)
        assert list(cm["data"]) == [f"{uid}.json"]
        assert json.loads(cm["data"][f"{uid}.json"])["uid"] == uid
        assert json.loads((out / f"dashboards/Apps/{uid}.json").read_text())["uid"] == uid
        assert f"kubernetes/dashboards/{name}.yaml" in kustomization
        grafana_dashboard = yaml.safe_load(
            (out / f"kubernetes/grafana-operator/grafanadashboard-{operator.dashboard_name(uid)}.yaml").read_text())
        assert grafana_dashboard["spec"]["uid"] == uid
        assert grafana_dashboard["spec"]["configMapRef"] == {"name": name, "key": f"{uid}.json"}
    assert project.run("build", "--check").code == 0


def test_a_dashboard_without_uid_builds_with_one_from_its_path(project):
    source = project.write("dashboards/apps/Node Exporter.json", json.dumps(_exported(None, "Node")))
    before = source.read_bytes()
    result = project.run("build")
    assert result.code == 0, result.err
    uid = names.uid_from_path("apps/Node Exporter.json")
    assert uid == f"node-exporter-{_sha8('apps/Node Exporter')}"
    assert (f"warning: dashboards/apps/Node Exporter.json: dashboard 'Node' has no uid; built with uid '{uid}', "
            "derived from its path") in result.err
    assert "set 'uid' in the source" in result.err
    built = json.loads((project.root / f"provisioning/dashboards/Apps/{uid}.json").read_text())
    assert built["uid"] == uid
    assert source.read_bytes() == before  # the source is never changed
    assert project.run("build", "--check").code == 0  # stable


def test_each_dashboard_of_a_list_without_uid_gets_its_own(project):
    project.write("dashboards/apps/many.py", """
        from grafanalib.core import Dashboard
        dashboards = [Dashboard(title="One", editable=False), Dashboard(title="Two", editable=False)]
    """)
    result = project.run("build", "-o", "json")
    assert result.code == 0, result.err
    uids = [names.uid_from_path("apps/many.py"), names.uid_from_path("apps/many.py#1")]
    assert uids[0] != uids[1]
    for uid in uids:
        assert (project.root / f"provisioning/dashboards/Apps/{uid}.json").is_file()
    assert sum("has no uid" in w for w in json.loads(result.out)["warnings"]) == 2


def test_a_name_collision_is_an_error_naming_both_sources(project, monkeypatch):
    # Two distinct uids whose names collide need 32 bits of sha256 to agree: force it.
    monkeypatch.setattr(names, "short_hash", lambda value: "0" * names.HASH_CHARS)
    project.write("dashboards/apps/a.py", grafanalib_dashboard("A", "Team_A"))
    project.write("dashboards/other/b.py", grafanalib_dashboard("B", "team-a_"))
    result = project.run("build")
    assert result.code == 1
    assert ("error: dashboards/other/b.py: uid 'team-a_' and uid 'Team_A' of dashboards/apps/a.py give the "
            "ConfigMap name 'grafana-dashboard-team-a-00000000'; change one of the uids") in result.err
    assert not (project.root / "provisioning").exists()

