"""dashgen push and dashgen diff, through the real CLI, over real HTTP.

Tests taking the ``grafana`` fixture run against the test double and, when
DASHGEN_TEST_GRAFANA_URL and DASHGEN_TEST_GRAFANA_TOKEN are set, against that real Grafana
too (see tests/grafana_target.py and the README). Tests taking ``double`` need the double's
switches (fault injection, request log, provisioning) and run against it alone.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from conftest import grafanalib_dashboard
from grafana_double import GrafanaDouble
from grafana_target import DEFAULT_MARKER, GrafanaHandle, real_handle, real_settings

LOKI_SECRET = "loki-Secret-Value-42"


pytestmark = pytest.mark.usefixtures("fast_backoff")  # retries wait milliseconds


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD", "DASHGEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOKI_PASSWORD", LOKI_SECRET)


@pytest.fixture(params=["double", "real"])
def grafana(request, monkeypatch):
    """A Grafana the CLI is pointed at through GRAFANA_URL and GRAFANA_TOKEN."""
    if request.param == "real":
        settings = real_settings()
        if settings is None:
            pytest.skip("real Grafana: set DASHGEN_TEST_GRAFANA_URL and DASHGEN_TEST_GRAFANA_TOKEN (README, "
                        "'Testing against a real Grafana')")
        handle = real_handle(*settings)
    else:
        double = GrafanaDouble().start()
        handle = GrafanaHandle(double.url, double.token, double=double)
    monkeypatch.setenv("GRAFANA_URL", handle.url)
    monkeypatch.setenv("GRAFANA_TOKEN", handle.token)
    try:
        yield handle
    finally:
        handle.cleanup()
        if handle.double:
            handle.double.stop()


def write_sources(project, g: GrafanaHandle | None = None, *, datasources: bool = True) -> dict[str, str]:
    """Three dashboards in two folders and General, and two datasources; returns the uids."""
    sfx = g.sfx if g else ""
    ids = {"flux": f"flux{sfx}", "cluster": f"cluster{sfx}", "home": f"home{sfx}", "prom": f"prom{sfx}",
           "loki": f"loki{sfx}", "gitops": f"gitops{sfx}", "k8s": f"kubernetes{sfx}"}
    project.write(f"dashboards/{ids['gitops']}/flux.py", grafanalib_dashboard(f"Flux{sfx}", ids["flux"], panels=2))
    project.write(f"dashboards/{ids['k8s']}/cluster.py", grafanalib_dashboard(f"Cluster{sfx}", ids["cluster"]))
    project.write("dashboards/home.json", json.dumps({"title": f"Home{sfx}", "uid": ids["home"], "panels": [],
                                                      "tags": ["home"], "schemaVersion": 39}))
    if datasources:
        write_datasources(project, ids, sfx)
    config = f"folders:\n  {ids['gitops']}: GitOps{sfx}\n"
    if g is not None and g.marker != DEFAULT_MARKER:
        config += f"push:\n  marker_tag: {g.marker}\n"
    project.write("dashgen.yaml", config)
    if g is not None:
        g.made(folders=[f"dashgen-{ids['gitops']}", f"dashgen-{ids['k8s']}"],
               datasources=[ids["prom"], ids["loki"]] if datasources else [])
    return ids


def write_datasources(project, ids: dict[str, str], sfx: str = "", *,
                      prom_url: str = "http://prometheus:9090") -> None:
    """A Prometheus and a Loki datasource, Loki with a secret from the environment."""
    project.write("dashboards/datasources.py", f"""
        datasources = [
            {{"name": "Prometheus{sfx}", "type": "prometheus", "uid": "{ids['prom']}",
              "url": "{prom_url}", "access": "proxy"}},
            {{"name": "Loki{sfx}", "type": "loki", "uid": "{ids['loki']}", "url": "http://loki:3100",
              "basicAuth": True, "basicAuthUser": "grafana",
              "secureJsonData": {{"basicAuthPassword": "${{LOKI_PASSWORD}}"}}}},
        ]
    """)


def run_json(project, *args):
    result = project.run(*args, "-o", "json")
    try:
        return result, json.loads(result.out)
    except ValueError:
        raise AssertionError(f"not JSON (exit {result.code}): {result.out!r} {result.err!r}") from None


def actions(doc, target=0):
    return {(a["kind"], a["uid"]): a for a in doc["targets"][target]["actions"]}


# ====================================================================== create, update, unchanged


def test_first_push_creates_folders_datasources_and_dashboards(project, grafana):
    ids = write_sources(project, grafana)
    result = project.run("push")
    assert result.code == 0, result.out + result.err
    # 2 folders + 2 datasources + 3 dashboards
    assert "7 created, 0 updated, 0 deleted, 0 unchanged, 0 skipped, 0 failed" in result.out
    gitops = grafana.folder(f"dashgen-{ids['gitops']}")
    assert gitops["title"] == f"GitOps{grafana.sfx}"
    assert grafana.folder(f"dashgen-{ids['k8s']}")["title"] == ids["k8s"].replace("-", " ").title()
    flux = grafana.dashboard(ids["flux"])
    assert flux["meta"]["folderUid"] == f"dashgen-{ids['gitops']}"
    assert grafana.marker in flux["dashboard"]["tags"]
    assert len(flux["dashboard"]["panels"]) == 2
    home = grafana.dashboard(ids["home"])
    assert home["meta"]["folderUid"] == "" and home["dashboard"]["tags"] == ["home", grafana.marker]
    assert grafana.dashboard(ids["cluster"])["meta"]["folderUid"] == f"dashgen-{ids['k8s']}"
    message = grafana.latest_message(ids["flux"])
    assert re.fullmatch(rf"dashgen \S+ push from dashboards/{ids['gitops']}/flux\.py \[dashgen:[0-9a-f]{{12}}\]",
                        message)
    loki = grafana.datasource(ids["loki"])
    assert loki["url"] == "http://loki:3100" and loki["basicAuthUser"] == "grafana"
    assert loki["secureJsonFields"] == {"basicAuthPassword": True}
    if grafana.double:
        stored = grafana.double.datasource(1, ids["loki"])
        assert stored["secureJsonData"] == {"basicAuthPassword": LOKI_SECRET}  # expanded from the environment
    assert LOKI_SECRET not in result.out + result.err


def test_second_push_of_unchanged_sources_writes_nothing(project, grafana):
    ids = write_sources(project, grafana)
    assert project.run("push").code == 0
    versions = {k: grafana.version(ids[k]) for k in ("flux", "cluster", "home")}
    if grafana.double:
        grafana.double.reset_log()
    result, doc = run_json(project, "push")
    assert result.code == 0
    target = doc["targets"][0]
    assert target["writes"] == 0
    assert target["summary"]["unchanged"] == 7 and target["summary"]["create"] == 0
    assert {k: grafana.version(ids[k]) for k in versions} == versions
    if grafana.double:
        assert grafana.double.writes() == 0
        assert {r.method for r in grafana.double.requests} == {"GET"}
        # no version history is read for dashboards that match
        assert not any("/versions" in r.path for r in grafana.double.requests)
    text = project.run("push")
    assert "0 created, 0 updated, 0 deleted, 7 unchanged" in text.out and "(0 writes)" in text.out


def test_push_updates_a_dashboard_changed_in_the_sources(project, grafana):
    ids = write_sources(project, grafana)
    assert project.run("push").code == 0
    before = grafana.version(ids["cluster"])
    project.write(f"dashboards/{ids['k8s']}/cluster.py", grafanalib_dashboard(f"Cluster{grafana.sfx}", ids["cluster"],
                                                                               panels=3))
    result = project.run("push")
    assert result.code == 0, result.err
    assert f'~ dashboard "Cluster{grafana.sfx}" ({ids["cluster"]})' in result.out
    assert "updated (changed in the sources)" in result.out
    assert "drift" not in (result.out + result.err).lower()
    assert "0 created, 1 updated, 0 deleted, 6 unchanged" in result.out
    live = grafana.dashboard(ids["cluster"])
    assert live["meta"]["version"] == before + 1 and len(live["dashboard"]["panels"]) == 3


def test_push_updates_a_changed_datasource_and_resends_its_secret(project, double):
    ids = write_sources(project)
    assert project.run("push").code == 0
    write_datasources(project, ids, prom_url="http://prometheus-operated:9090")
    double.reset_log()
    result = project.run("push")
    assert result.code == 0, result.err
    assert "update" in result.out and "url" in result.out
    assert double.datasource(1, ids["prom"])["url"] == "http://prometheus-operated:9090"
    assert [(r.method, r.path) for r in double.requests if r.method != "GET"] == [
        ("PUT", f"/api/datasources/uid/{ids['prom']}")]


def test_folder_title_and_dashboard_moves_follow_the_sources(project, grafana):
    ids = write_sources(project, grafana, datasources=False)
    assert project.run("push").code == 0
    project.write("dashgen.yaml", project.root.joinpath("dashgen.yaml").read_text().replace(
        f"GitOps{grafana.sfx}", f"Delivery{grafana.sfx}"))
    flux = (project.root / f"dashboards/{ids['gitops']}/flux.py").read_text()
    (project.root / f"dashboards/{ids['gitops']}/flux.py").unlink()
    project.write(f"dashboards/{ids['k8s']}/flux.py", flux)
    project.write(f"dashboards/{ids['gitops']}/other.py", grafanalib_dashboard(f"Other{grafana.sfx}",
                                                                                 f"other{grafana.sfx}"))
    result = project.run("push")
    assert result.code == 0, result.err
    assert grafana.folder(f"dashgen-{ids['gitops']}")["title"] == f"Delivery{grafana.sfx}"
    assert grafana.dashboard(ids["flux"])["meta"]["folderUid"] == f"dashgen-{ids['k8s']}"
    assert "moved in the sources" in result.out
    assert project.run("diff").code == 0


# ==================================================================================== diff


def test_diff_exit_codes_follow_the_sources(project, grafana):
    ids = write_sources(project, grafana)
    before = project.run("diff")
    assert before.code == 2, before.err
    assert "differs from the sources" in before.out and "7 to create" in before.out
    assert project.run("push").code == 0
    same = project.run("diff")
    assert same.code == 0, same.out + same.err
    assert "matches the sources" in same.out
    project.write(f"dashboards/{ids['gitops']}/flux.py", grafanalib_dashboard(
        f"Flux{grafana.sfx}", ids["flux"], panels=2, extra="").replace("Panel {i}", "Renamed panel {i}"))
    changed = project.run("diff")
    assert changed.code == 2
    assert f'~ dashboard "Flux{grafana.sfx}" ({ids["flux"]})' in changed.out
    assert f"--- grafana/dashboard/{ids['flux']}" in changed.out
    assert f"+++ dashboards/{ids['gitops']}/flux.py" in changed.out
    assert '-      "title": "Panel 0",' in changed.out and '+      "title": "Renamed panel 0",' in changed.out
    result, doc = run_json(project, "diff")
    assert result.code == 2 and doc["differs"] is True
    assert "Renamed panel 0" in actions(doc)[("dashboard", ids["flux"])]["diff"]
    assert project.run("push").code == 0
    assert project.run("diff").code == 0


def test_diff_error_exits_1(project, double):
    write_sources(project)
    double.stop()
    result = project.run("diff")
    assert result.code == 1
    assert "cannot reach Grafana" in result.err


def test_dry_run_prints_the_plan_and_writes_nothing(project, grafana):
    ids = write_sources(project, grafana)
    result = project.run("push", "--dry-run")
    assert result.code == 0, result.err
    assert f'+ folder "GitOps{grafana.sfx}" (dashgen-{ids["gitops"]}): create' in result.out
    assert f'+ dashboard "Home{grafana.sfx}" ({ids["home"]}) in General: create' in result.out
    assert "dry run, nothing written (7 to create" in result.out
    assert grafana.dashboard(ids["flux"]) is None and grafana.folder(f"dashgen-{ids['gitops']}") is None
    assert grafana.datasource(ids["prom"]) is None
    if grafana.double:
        assert grafana.double.writes() == 0


# ============================================================================= drift, prune


def test_drift_is_reported_before_it_is_overwritten(project, grafana):
    ids = write_sources(project, grafana)
    assert project.run("push").code == 0
    grafana.edit_as_user(ids["cluster"], lambda d: d["panels"][0].update(title="Edited in the UI"))
    diff = project.run("diff")
    assert diff.code == 2
    assert f'dashboard "Cluster{grafana.sfx}" ({ids["cluster"]})' in diff.out
    assert "DRIFT: changed in Grafana" in diff.out and "since dashgen pushed it" in diff.out
    assert '-      "title": "Edited in the UI",' in diff.out
    dry = project.run("push", "--dry-run")
    assert "DRIFT" in dry.out
    result = project.run("push")
    assert result.code == 0
    assert re.search(r"warning: dashboard .*\(" + ids["cluster"] + r"\) was changed in Grafana .* overwriting it",
                     result.err)
    assert grafana.dashboard(ids["cluster"])["dashboard"]["panels"][0]["title"] == "Panel 0"
    assert project.run("diff").code == 0


def test_source_change_is_not_drift_but_both_together_are(project, grafana):
    ids = write_sources(project, grafana)
    assert project.run("push").code == 0
    project.write(f"dashboards/{ids['k8s']}/cluster.py", grafanalib_dashboard(f"Cluster{grafana.sfx}", ids["cluster"],
                                                                               panels=2))
    _, doc = run_json(project, "diff")
    a = actions(doc)[("dashboard", ids["cluster"])]
    assert a["op"] == "update" and a["drift"] is None and a["reason"] == "changed in the sources"
    grafana.edit_as_user(ids["cluster"], lambda d: d.update(description="hand edit"))
    _, doc = run_json(project, "diff")
    a = actions(doc)[("dashboard", ids["cluster"])]
    assert a["op"] == "update" and "changed in Grafana" in a["drift"]
    # a dashboard that is not dashgen's (no tag) is not drift: it is someone else's, taken over only with --adopt
    grafana.save_as_user({"uid": ids["home"], "title": f"Home{grafana.sfx}", "panels": [], "tags": ["mine"]})
    _, doc = run_json(project, "diff")
    a = actions(doc)[("dashboard", ids["home"])]
    assert a["drift"] is None and a["op"] == "conflict" and "without the" in a["reason"]
    _, doc = run_json(project, "diff", "--adopt")
    a = actions(doc)[("dashboard", ids["home"])]
    assert a["drift"] is None and a["op"] == "update" and "without the" in a["takeover"]


def test_push_leaves_a_dashboard_it_does_not_own_unless_adopted(project, grafana):
    ids = write_sources(project, grafana, datasources=False)
    marker = grafana.marker
    # someone else's dashboard happens to have the uid of a source, without dashgen's tag
    grafana.save_as_user({"uid": ids["home"], "title": f"Someone else's board{grafana.sfx}", "panels": [],
                          "tags": ["team-a"]})
    before = grafana.dashboard(ids["home"])
    result = project.run("push")
    assert result.code == 1
    assert re.search(r"x dashboard .*\(" + ids["home"] + r"\).*without the '" + re.escape(marker) + "' tag", result.out)
    assert "hint: pass --adopt to take it over" in result.out
    after = grafana.dashboard(ids["home"])
    assert after["meta"]["version"] == before["meta"]["version"]
    assert after["dashboard"]["title"] == f"Someone else's board{grafana.sfx}"
    assert marker not in after["dashboard"]["tags"]
    assert grafana.dashboard(ids["flux"]) is not None and grafana.dashboard(ids["cluster"]) is not None  # the rest
    result, doc = run_json(project, "diff")
    assert result.code == 2
    a = actions(doc)[("dashboard", ids["home"])]
    assert a["op"] == "conflict" and "--adopt" in a["hint"]
    # a dry run shows it; a diff with --adopt shows the takeover
    result = project.run("push", "--dry-run")
    assert re.search(r"x dashboard .*\(" + ids["home"] + r"\).*cannot push", result.out)
    result = project.run("diff", "--adopt")
    assert result.code == 2 and "TAKEOVER (--adopt)" in result.out
    assert marker not in grafana.dashboard(ids["home"])["dashboard"]["tags"]
    # --adopt: taken over, announced on stderr, and tagged as dashgen's from then on
    result = project.run("push", "--adopt")
    assert result.code == 0, result.out + result.err
    assert re.search(r"warning: dashboard .*\(" + ids["home"] + r"\) exists in Grafana without the .* taking it over",
                     result.err)
    after = grafana.dashboard(ids["home"])
    assert after["dashboard"]["title"] == f"Home{grafana.sfx}" and marker in after["dashboard"]["tags"]
    assert project.run("diff").code == 0


def test_unowned_dashboard_names_who_saved_it(project, double):
    ids = write_sources(project, datasources=False)
    double.add_dashboard(1, {"uid": ids["flux"], "title": "Someone else's board", "panels": []}, user="alice")
    result, doc = run_json(project, "push")
    assert result.code == 1
    a = actions(doc)[("dashboard", ids["flux"])]
    assert a["op"] == "conflict" and a["status"] == "failed" and "saved by alice" in a["reason"]
    stored = double.dashboard(1, ids["flux"])
    assert stored["title"] == "Someone else's board" and "managed-by:dashgen" not in (stored.get("tags") or [])
    # --prune never sees it as dashgen's
    assert project.run("push", "--prune").code == 1 and double.dashboard(1, ids["flux"]) is not None


def test_prune_deletes_only_owned_dashboards(project, grafana):
    ids = write_sources(project, grafana, datasources=False)
    project.write("dashboards/old.py", grafanalib_dashboard(f"Old{grafana.sfx}", f"old{grafana.sfx}"))
    assert project.run("push").code == 0
    foreign = f"foreign{grafana.sfx}"
    grafana.save_as_user({"uid": foreign, "title": f"Foreign{grafana.sfx}", "panels": [], "tags": ["team-a"]})
    (project.root / "dashboards/old.py").unlink()

    kept = project.run("push")
    assert kept.code == 0
    assert f'? dashboard "Old{grafana.sfx}" (old{grafana.sfx}) in General: not in the sources' in kept.out
    assert "push --prune would delete it" in kept.out
    assert grafana.dashboard(f"old{grafana.sfx}") is not None

    if grafana.double:
        grafana.double.reset_log()
    dry = project.run("push", "--prune", "--dry-run")
    assert f'- dashboard "Old{grafana.sfx}" (old{grafana.sfx}) in General: delete' in dry.out
    assert foreign not in dry.out
    assert grafana.dashboard(f"old{grafana.sfx}") is not None
    if grafana.double:
        assert grafana.double.writes() == 0
    diff = project.run("diff", "--prune")
    assert diff.code == 2 and "1 to delete" in diff.out

    result = project.run("push", "--prune")
    assert result.code == 0, result.err
    assert f'- dashboard "Old{grafana.sfx}" (old{grafana.sfx}) in General: deleted' in result.out
    assert grafana.dashboard(f"old{grafana.sfx}") is None
    assert grafana.dashboard(foreign) is not None  # no marker: never touched
    for key in ("flux", "cluster", "home"):
        assert grafana.dashboard(ids[key]) is not None
    assert project.run("diff", "--prune").code == 0


def test_prune_respects_the_folder_selection(project, double):
    ids = write_sources(project, datasources=False)
    project.write(f"dashboards/{ids['gitops']}/old.py", grafanalib_dashboard("Old GitOps", "old-gitops"))
    project.write("dashboards/old.py", grafanalib_dashboard("Old top", "old-top"))
    assert project.run("push").code == 0
    (project.root / f"dashboards/{ids['gitops']}/old.py").unlink()
    (project.root / "dashboards/old.py").unlink()
    result = project.run("push", "--prune", "--folder", "GitOps")
    assert result.code == 0, result.err
    assert double.dashboard(1, "old-gitops") is None
    assert double.dashboard(1, "old-top") is not None  # outside the selection
    assert project.run("push", "--prune", "--path", "dashboards/home.json").code == 1


def test_marker_tag_is_configurable(project, double):
    ids = write_sources(project, datasources=False)
    project.write("dashgen.yaml", "push:\n  marker_tag: owner:team-gitops\n")
    assert project.run("push").code == 0
    assert double.dashboard(1, ids["flux"])["tags"] == ["owner:team-gitops"]
    project.write("dashgen.yaml", "push:\n  marker_tag: 'bad,tag'\n")
    result = project.run("push")
    assert result.code == 1 and "push.marker_tag" in result.err


# ================================================================================== faults


def test_retries_transient_5xx_429_and_dropped_connections(project, double):
    ids = write_sources(project)
    double.fail_next(2, status=503, paths="/api/dashboards/db")
    double.fail_next(1, status=429, paths="/api/folders", retry_after=0)
    double.drop_next(1, paths="/api/datasources")
    double.fail_next(1, status=502, paths="/api/search")
    result, doc = run_json(project, "push")
    assert result.code == 0, result.out + result.err
    target = doc["targets"][0]
    assert target["retries"] == 5 and target["failed"] == 0
    assert all(double.dashboard(1, ids[k]) for k in ("flux", "cluster", "home"))
    statuses = [r.status for r in double.requests]
    assert statuses.count(503) == 2 and statuses.count(429) == 1 and statuses.count(None) == 1
    assert statuses.count(502) == 1
    # each dashboard was saved once: the retried POSTs never reached a handler
    assert all(double.dashboard_record(1, ids[k])["version"] == 1 for k in ("flux", "cluster", "home"))


def test_retry_after_is_honoured_within_bounds(project, double, monkeypatch):
    from dashgen import http

    write_sources(project, datasources=False)
    double.fail_next(1, status=429, paths="/api/search", retry_after=1)
    start = time.monotonic()
    assert project.run("push").code == 0
    assert time.monotonic() - start >= 1.0
    # asked to wait longer than dashgen ever waits: it gives up at once and says so
    monkeypatch.setattr(http, "MAX_RETRY_AFTER", 0.5)
    double.fail_next(1, status=429, paths="/api/search", retry_after=30)
    start = time.monotonic()
    result = project.run("push")
    assert result.code == 1 and "429 Too Many Requests" in result.err
    assert time.monotonic() - start < 5


def test_retries_are_bounded_then_reported(project, double):
    ids = write_sources(project, datasources=False)
    double.fail_next(50, status=500, paths="/api/dashboards/db")
    result = project.run("push", "--retries", "2")
    assert result.code == 1
    saves = [r for r in double.requests if r.path == "/api/dashboards/db"]
    assert len(saves) == 3 * 3  # three dashboards, 1 try + 2 retries each
    assert "x dashboard" in result.out and "FAILED: 500 Internal Server Error" in result.out
    assert "hint: Grafana failed internally, even after retries" in result.out
    assert double.folder(1, f"dashgen-{ids['gitops']}") is not None  # the rest went on
    double.clear_faults()


def test_client_errors_are_not_retried(project, double, monkeypatch):
    ids = write_sources(project)
    double.provision_dashboard(1, {"uid": ids["home"], "title": "Home from files", "panels": []})
    editor = "glsa_EditorEditorEditorEditorEditorEd_22222222"
    double.tokens[editor] = {"org_id": 1, "role": "Editor", "login": "sa-editor"}
    result = project.run("push", "--adopt")  # untagged: without --adopt it would not even be tried
    assert result.code == 1
    saves = [d for d in double.request_details if d["path"] == "/api/dashboards/db"
             and d["body"]["dashboard"]["uid"] == ids["home"]]
    assert len(saves) == 1 and saves[0]["status"] == 400
    double.reset_log()
    monkeypatch.setenv("GRAFANA_TOKEN", editor)
    project.write("dashboards/datasources.py", """
        datasources = [{"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://tempo", "access": "proxy"}]
    """)
    result = project.run("push")
    assert result.code == 1
    creates = [r for r in double.requests if r.method == "POST" and r.path == "/api/datasources"]
    assert [r.status for r in creates] == [403]
    assert "writing datasources needs the Admin role" in result.out


def test_partial_failure_names_each_failure_and_exits_1(project, double):
    ids = write_sources(project)
    double.provision_dashboard(1, {"uid": ids["home"], "title": "Home from files", "panels": []})
    result = project.run("push")  # not dashgen's (no tag), and provisioned: refused before any save
    assert result.code == 1 and "1 failed" in result.out and "6 created" in result.out
    block = result.out.split("failed:\n", 1)[1]
    assert "without the 'managed-by:dashgen' tag" in block and "hint: it is provisioned from files" in block
    assert not [d for d in double.request_details if d["path"] == "/api/dashboards/db"
                and d["body"]["dashboard"]["uid"] == ids["home"]]
    double.reset()
    double.provision_dashboard(1, {"uid": ids["home"], "title": "Home from files", "panels": []})
    result = project.run("push", "--adopt")  # tried, and Grafana's own refusal is reported
    assert result.code == 1
    assert "1 failed" in result.out and "6 created" in result.out
    assert double.dashboard(1, ids["flux"]) is not None and double.dashboard(1, ids["cluster"]) is not None
    block = result.out.split("failed:\n", 1)[1]
    assert f'dashboard "Home" ({ids["home"]}) from dashboards/home.json: 400 Cannot save provisioned dashboard' in block
    assert "hint: the dashboard is provisioned from files" in block and "sidecar" in block
    assert "error:" in result.err and "1 of the changes failed" in result.err
    _, doc = run_json(project, "push", "--adopt")
    home = actions(doc)[("dashboard", ids["home"])]
    assert home["status"] == "failed" and home["http_status"] == 400
    assert "provisioned" in " ".join(home["notes"])


def test_read_only_datasource_is_reported_and_left_alone(project, double):
    ids = write_sources(project)
    double.add_datasource(1, name="Prometheus", uid=ids["prom"], url="http://provisioned:9090", read_only=True)
    result = project.run("push")
    assert result.code == 0, result.out + result.err
    assert f'! datasource "Prometheus" ({ids["prom"]}): skipped: read-only in Grafana' in result.out
    assert double.datasource(1, ids["prom"])["url"] == "http://provisioned:9090"
    assert not any(r.path == f"/api/datasources/uid/{ids['prom']}" and r.method == "PUT" for r in double.requests)
    assert project.run("diff").code == 2  # it still differs, and says so


def test_folders_are_created_before_their_dashboards(project, double):
    for i in range(12):
        project.write(f"dashboards/team{i}/board.py", grafanalib_dashboard(f"Board {i}", f"board-{i}"))
    assert project.run("push", "--concurrency", "8").code == 0
    writes = [r.path for r in double.requests if r.method == "POST"]
    last_folder = max(i for i, p in enumerate(writes) if p == "/api/folders")
    first_dashboard = min(i for i, p in enumerate(writes) if p == "/api/dashboards/db")
    assert last_folder < first_dashboard
    assert double.dashboard_record(1, "board-7")["folder_uid"] == "dashgen-team7"


def test_missing_secret_variable_is_an_error_before_any_write(project, double, monkeypatch):
    write_sources(project)
    monkeypatch.delenv("LOKI_PASSWORD")
    result = project.run("push")
    assert result.code == 1
    assert "secureJsonData.basicAuthPassword refers to $LOKI_PASSWORD, which is not set" in result.err
    assert double.writes() == 0
    assert project.run("diff").code == 2  # diff needs no secret


# ================================================================================ auth, orgs


def test_health_check_messages(project, double, monkeypatch):
    write_sources(project, datasources=False)
    double.health_failing = True
    result = project.run("push", "--retries", "0")
    assert result.code == 1 and "database failing" in result.err
    double.health_failing = False
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_wrongwrongwrongwrongwrongwrongwr_00000000")
    result = project.run("push")
    assert result.code == 1
    assert "rejected the credentials from GRAFANA_TOKEN (401)" in result.err and "Invalid API key" in result.err
    monkeypatch.delenv("GRAFANA_TOKEN")
    monkeypatch.setenv("GRAFANA_USER", "admin")
    monkeypatch.setenv("GRAFANA_PASSWORD", "admin")
    result = project.run("push", "--org-id", "7")
    assert result.code == 1
    assert "accepted the credentials from GRAFANA_USER/GRAFANA_PASSWORD but refused access to organisation 7 (403)" \
        in result.err
    monkeypatch.delenv("GRAFANA_USER")
    monkeypatch.delenv("GRAFANA_PASSWORD")
    result = project.run("push")
    assert result.code == 1 and "no credentials for" in result.err and "GRAFANA_TOKEN" in result.err


def test_unreachable_grafana(project, double):
    write_sources(project, datasources=False)
    url = double.url
    double.stop()
    result = project.run("push", "--grafana-url", url)
    assert result.code == 1
    assert f"cannot reach Grafana at {url}: connection refused (tried 5 times)" in result.err


def test_org_header_selects_the_organisation(project, monkeypatch):
    tokens = {"glsa_OrgTwoOrgTwoOrgTwoOrgTwoOrgTwoOr_44444444": {"org_id": 2, "role": "Admin"}}
    users = {"admin": {"password": "pw-Admin-7", "role": "Admin", "orgs": [1, 2]}}
    with GrafanaDouble(tokens=tokens, users=users) as d:
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_USER", "admin")
        monkeypatch.setenv("GRAFANA_PASSWORD", "pw-Admin-7")
        ids = write_sources(project)
        result = project.run("push", "--org-id", "2")
        assert result.code == 0, result.err
        assert d.dashboard(2, ids["flux"]) is not None and d.dashboard(1, ids["flux"]) is None
        assert {r.org_id for r in d.requests if r.path != "/api/health"} == {2}
        assert "org 2" in result.out


def test_title_rule_before_11_3_refuses_to_replace_a_same_titled_dashboard(project, monkeypatch):
    with GrafanaDouble(title_rule="pre-11.3") as d:
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_TOKEN", d.token)
        ids = write_sources(project, datasources=False)
        d.add_folder(1, "GitOps", uid=f"dashgen-{ids['gitops']}")
        d.add_dashboard(1, {"uid": "hand-made", "title": "Flux", "panels": []}, folder_uid=f"dashgen-{ids['gitops']}")
        result = project.run("push")
        assert result.code == 1
        assert "requires unique titles in a folder" in result.out and "hand-made" in result.out
        assert "Grafana 11.2.0" in result.out
        assert d.dashboard(1, "hand-made")["title"] == "Flux"  # not taken over
        assert d.dashboard(1, ids["flux"]) is None
        assert d.dashboard(1, ids["cluster"]) is not None  # the others went on
        assert project.run("diff").code == 2
    with GrafanaDouble() as d:  # 11.3+: duplicates are fine
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_TOKEN", d.token)
        d.add_folder(1, "GitOps", uid=f"dashgen-{ids['gitops']}")
        d.add_dashboard(1, {"uid": "hand-made", "title": "Flux", "panels": []}, folder_uid=f"dashgen-{ids['gitops']}")
        assert project.run("push").code == 0
        assert d.dashboard(1, ids["flux"])["title"] == "Flux" and d.dashboard(1, "hand-made") is not None


def test_folder_title_clash_before_11_3_names_the_existing_uid(project, monkeypatch):
    with GrafanaDouble(title_rule="pre-11.3") as d:
        monkeypatch.setenv("GRAFANA_URL", d.url)
        monkeypatch.setenv("GRAFANA_TOKEN", d.token)
        ids = write_sources(project, datasources=False)
        d.add_folder(1, "GitOps", uid="handmade-folder")
        result = project.run("push")
        assert result.code == 1
        assert f"set folders.{ids['gitops']}.uid: handmade-folder in dashgen.yaml" in result.out
        assert "not sent: its folder 'GitOps' could not be created" in result.out
        assert d.dashboard(1, ids["cluster"]) is not None


def test_ctrl_c_during_push_starts_nothing_more(project, double, monkeypatch):
    from dashgen.grafana import apply

    write_sources(project, datasources=False)
    for i in range(10):
        project.write(f"dashboards/extra-{i}.json", json.dumps({"title": f"Extra {i}", "uid": f"extra-{i}",
                                                               "panels": [], "schemaVersion": 39}))
    started = []
    save = apply._dashboard

    def dashboard(grafana, action):
        started.append(action.uid)
        if len(started) == 1:
            raise KeyboardInterrupt  # as if Ctrl-C arrived during the first save
        time.sleep(0.1)  # the worker is not stopped by Ctrl-C: give the main thread time to cancel the queue
        save(grafana, action)

    monkeypatch.setattr(apply, "_dashboard", dashboard)
    result = project.run("push", "--concurrency", "1")
    assert result.code == 130 and result.err.strip().endswith("interrupted")
    # the one worker may have taken the next save before Ctrl-C reached the main thread; nothing after that
    assert len(started) <= 2 and len(double.dashboards(1)) <= 1


# ================================================================================= secrets


def test_secrets_never_appear_in_any_output(project, monkeypatch, tmp_path):
    token = "glsa_SuperSecretTokenValue0123456789ab_deadbeef"
    password = "Pa55-word-that-is-secret"
    with GrafanaDouble(tokens={token: {"org_id": 1, "role": "Admin"}},
                       users={"admin": {"password": password, "role": "Admin", "orgs": [1]}}) as d:
        write_sources(project)
        secrets = [token, password, LOKI_SECRET]
        outputs = []

        def run(*args, **env):
            for k in ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD"):
                monkeypatch.delenv(k, raising=False)
            for k, v in env.items():
                monkeypatch.setenv(k, v)
            r = project.run(*args)
            outputs.append(r.out + r.err)
            return r

        assert run("push", GRAFANA_URL=d.url, GRAFANA_TOKEN=token).code == 0
        assert run("push", "-o", "json", GRAFANA_URL=d.url, GRAFANA_TOKEN=token).code == 0
        project.write("dashboards/datasources.py", """
            datasources = [{"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3101",
                            "secureJsonData": {"basicAuthPassword": "${LOKI_PASSWORD}"}}]
        """)
        assert run("diff", "-o", "json", GRAFANA_URL=d.url, GRAFANA_USER="admin", GRAFANA_PASSWORD=password).code == 2
        assert run("push", GRAFANA_URL=d.url, GRAFANA_USER="admin", GRAFANA_PASSWORD=password).code == 0
        assert run("push", GRAFANA_URL=d.url, GRAFANA_TOKEN=token + "x").code == 1  # 401 names no secret
        assert run("push", GRAFANA_URL=d.url, GRAFANA_USER="admin", GRAFANA_PASSWORD=password + "x").code == 1
        url_with_creds = d.url.replace("http://", f"http://admin:{password}@")
        refused = run("push", "--grafana-url", url_with_creds)  # credentials never come from the command line
        assert refused.code == 1 and "--grafana-url must not contain credentials" in refused.err
        assert "GRAFANA_USER" in refused.err and "admin:" not in refused.err
        assert run("diff", "-o", "json", GRAFANA_URL=url_with_creds, GRAFANA_TOKEN=token).code == 1
        token_file = tmp_path / "token"
        token_file.write_text(token + "\n")
        assert run("diff", "--token-file", str(token_file), GRAFANA_URL=d.url).code == 0
        port = d.port
    dead = f"http://127.0.0.1:{port}"
    result = run("push", "--grafana-url", dead, "--retries", "0", GRAFANA_USER="admin", GRAFANA_PASSWORD=password)
    assert result.code == 1 and f"cannot reach Grafana at http://127.0.0.1:{port}:" in result.err
    assert "admin:" not in result.err
    assert run("push", "--grafana-url", dead, "-o", "json", "--retries", "0", GRAFANA_TOKEN=token).code == 1
    # the exceptions behind those messages, and everything they were raised from, are clean too
    from dashgen import config as config_module
    from dashgen.errors import DashgenError
    from dashgen.grafana import health, targets
    from dashgen.grafana.client import Grafana

    with pytest.raises(DashgenError) as exc:
        targets.resolve(config_module.Config(), targets.ConnectionFlags(grafana_url=f"http://admin:{password}@h"), {})
    outputs.append(repr(exc.value) + str(exc.value))
    for env in ({"GRAFANA_TOKEN": token}, {"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": password}):
        (conn,) = targets.resolve(config_module.Config(), targets.ConnectionFlags(grafana_url=dead, retries=0), env)
        assert password not in repr(conn) and token not in repr(conn)
        with pytest.raises(DashgenError) as exc:
            health.check(Grafana(conn))
        e = exc.value
        while e is not None:
            outputs.append(repr(e) + str(e) + repr(getattr(e, "args", "")))
            e = e.__cause__ or e.__context__
    import base64

    basic = base64.b64encode(f"admin:{password}".encode()).decode()
    for text in outputs:
        for secret in secrets + [basic]:
            assert secret not in text


def test_no_token_flag_secrets_only_from_env_or_file(project):
    result = project.run("push", "--token", "x")
    assert result.code == 1 and "No such option '--token'" in result.err


# =============================================================================== selection


def test_selection_by_uid_folder_and_path(project, double):
    ids = write_sources(project)
    result, doc = run_json(project, "push", "--uid", ids["home"])
    assert result.code == 0
    assert set(actions(doc)) == {("dashboard", ids["home"])}
    assert double.dashboard(1, ids["flux"]) is None and double.datasource(1, ids["prom"]) is None

    result, doc = run_json(project, "push", "--folder", "GitOps")
    assert set(actions(doc)) == {("folder", f"dashgen-{ids['gitops']}"), ("dashboard", ids["flux"])}
    assert double.dashboard(1, ids["cluster"]) is None

    result, doc = run_json(project, "push", "--path", "dashboards/datasources.py")
    assert set(actions(doc)) == {("datasource", ids["prom"]), ("datasource", ids["loki"])}

    result, doc = run_json(project, "push", "--path", f"dashboards/{ids['k8s']}")
    assert set(actions(doc)) == {("folder", f"dashgen-{ids['k8s']}"), ("dashboard", ids["cluster"])}

    result, doc = run_json(project, "diff", "--folder", "general", "--uid", ids["home"], "--uid", ids["flux"])
    assert result.code == 0 and set(actions(doc)) == {("dashboard", ids["home"])}

    assert "no such folder" in project.run("push", "--folder", "nope").err
    assert "no dashboard or datasource with that uid" in project.run("push", "--uid", "nope").err
    assert "matches no source file" in project.run("push", "--path", "dashboards/nope.py").err


def test_targets_from_dashgen_yaml(project, monkeypatch):
    tokens = {"glsa_OrgOneOrgOneOrgOneOrgOneOrgOneOr_11111111": {"org_id": 1, "role": "Admin"},
              "glsa_OrgTwoOrgTwoOrgTwoOrgTwoOrgTwoOr_44444444": {"org_id": 2, "role": "Admin"}}
    with GrafanaDouble(tokens=tokens) as d:
        ids = write_sources(project, datasources=False)
        project.write("dashgen.yaml", f"""
            targets:
              dev:
                url: {d.url}/
                org_id: 1
                token_env: DEV_GRAFANA_TOKEN
              staging:
                url: {d.url}
                org_id: 2
                token_env: STAGING_GRAFANA_TOKEN
        """)
        monkeypatch.setenv("DEV_GRAFANA_TOKEN", "glsa_OrgOneOrgOneOrgOneOrgOneOrgOneOr_11111111")
        several = project.run("push")
        assert several.code == 1 and "several targets (dev, staging)" in several.err
        missing = project.run("push", "--target", "staging")
        assert missing.code == 1
        assert "no credentials for target 'staging': set STAGING_GRAFANA_TOKEN" in missing.err
        monkeypatch.setenv("STAGING_GRAFANA_TOKEN", "glsa_OrgTwoOrgTwoOrgTwoOrgTwoOrgTwoOr_44444444")
        result = project.run("push", "--target", "staging")
        assert result.code == 0, result.err
        assert d.dashboard(2, ids["flux"]) is not None and d.dashboard(1, ids["flux"]) is None
        result, doc = run_json(project, "push", "--all-targets")
        assert result.code == 0
        assert [(t["target"], t["org_id"], t["summary"]["create"]) for t in doc["targets"]] == [
            ("dev", 1, 5), ("staging", 2, 0)]
        assert d.dashboard(1, ids["flux"]) is not None
        assert project.run("diff", "--all-targets").code == 0
        unknown = project.run("push", "--target", "prod")
        assert unknown.code == 1 and "no target 'prod' in dashgen.yaml (targets: dev, staging)" in unknown.err


def test_one_unreachable_target_does_not_stop_the_others(project, monkeypatch):
    with GrafanaDouble() as up, GrafanaDouble() as down:
        ids = write_sources(project, datasources=False)
        down_url = down.url
        down.stop()
        project.write("dashgen.yaml", f"""
            targets:
              a: {{url: "{down_url}"}}
              b: {{url: "{up.url}"}}
        """)
        monkeypatch.setenv("GRAFANA_TOKEN", up.token)
        result = project.run("push", "--all-targets", "--retries", "0")
        assert result.code == 1
        assert "error: target 'a': cannot reach Grafana" in result.err
        assert up.dashboard(1, ids["flux"]) is not None


def test_target_config_is_validated(project):
    project.write("dashgen.yaml", "targets:\n  prod:\n    url: https://admin:pw@grafana.example.com\n")
    assert "must not hold credentials" in project.run("push").err
    project.write("dashgen.yaml", "targets:\n  prod:\n    url: https://grafana.example.com\n    tokn_env: X\n")
    assert "unknown key 'targets.prod.tokn_env'" in project.run("push").err


# ============================================================================ TLS, progress


def test_tls_verified_by_default_with_ca_cert_and_insecure(project, monkeypatch, tmp_path):
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    d = GrafanaDouble().start()
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        d._server.socket = ctx.wrap_socket(d._server.socket, server_side=True)
        url = d.url.replace("http://", "https://")
        monkeypatch.setenv("GRAFANA_URL", url)
        monkeypatch.setenv("GRAFANA_TOKEN", d.token)
        write_sources(project, datasources=False)
        refused = project.run("diff")
        assert refused.code == 1
        assert "certificate verify failed" in refused.err and "--ca-cert" in refused.err
        assert project.run("diff", "--ca-cert", str(cert)).code == 2
        insecure = project.run("push", "--insecure")
        assert insecure.code == 0, insecure.err
        assert "TLS certificate verification is off" in insecure.err
    finally:
        d.stop()


def test_progress_bar_on_a_terminal(project, double, monkeypatch):
    from dashgen.grafana import report

    write_sources(project, datasources=False)
    monkeypatch.setattr(report, "_isatty", lambda stream: True)
    result = project.run("push")
    assert result.code == 0
    assert "pushing to" in result.err  # the bar, on stderr
    assert '+ dashboard "Flux"' in result.out  # the lines, after it


def test_build_does_not_need_grafana_settings(project):
    write_sources(project)
    project.write("dashgen.yaml", "targets:\n  prod:\n    url: https://grafana.example.com\n")
    assert project.run("build").code == 0
