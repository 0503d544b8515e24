"""Community dashboards from grafana.com: dashgen import --grafana-com and dashgen community,
through the real CLI against a local double of grafana.com's API (tests/grafana_com_double.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from grafana_com_double import GrafanaComDouble

DATASOURCES = '''
datasources = [
    {"name": "Prometheus", "type": "prometheus", "uid": "prometheus", "access": "proxy",
     "url": "http://prometheus:9090"},
    {"name": "Alertmanager", "type": "alertmanager", "uid": "alertmanager", "access": "proxy",
     "url": "http://alertmanager:9093"},
]
'''


def exported(revision: int = 1) -> dict:
    """A dashboard as grafana.com serves an old export: __inputs, __requires, Angular panels, legacy rows."""
    cpu = (
        'sum(rate(container_cpu_usage_seconds_total{container!="", image!="", namespace=~"$namespace"}'
        "[$__rate_interval])) by (namespace)"
    )
    return {
        "__inputs": [
            {"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "", "type": "datasource",
             "pluginId": "prometheus", "pluginName": "Prometheus"},
            {"name": "VAR_CLUSTER", "type": "constant", "label": "cluster", "value": "production",
             "description": ""},
        ],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "5.0.0"},
            {"type": "panel", "id": "graph", "name": "Graph", "version": ""},
            {"type": "panel", "id": "singlestat", "name": "Singlestat", "version": ""},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        ],
        "annotations": {"list": []},
        "editable": True,
        "gnetId": 7249,
        "graphTooltip": 0,
        "id": None,
        "links": [],
        "rows": [
            {
                "collapse": False,
                "height": "250px",
                "title": "Cluster",
                "panels": [
                    {
                        "id": 1,
                        "type": "singlestat",
                        "title": "Pods",
                        "datasource": "${DS_PROMETHEUS}",
                        "span": 4,
                        "format": "none",
                        "valueName": "current",
                        "targets": [{"expr": "count(kube_pod_info)", "refId": "A"}],
                    },
                    {
                        "id": 2,
                        "type": "graph",
                        "title": "CPU by namespace" + (" (revision 2)" if revision > 1 else ""),
                        "datasource": "${DS_PROMETHEUS}",
                        "span": 8,
                        "lines": True,
                        "fill": 1,
                        "linewidth": 1,
                        "yaxes": [{"format": "short", "show": True}, {"format": "short", "show": True}],
                        "targets": [{"expr": cpu, "legendFormat": "{{namespace}}", "refId": "A"}],
                    },
                ],
            }
        ],
        "schemaVersion": 14,
        "style": "dark",
        "tags": ["kubernetes", "${VAR_CLUSTER}"],
        "templating": {
            "list": [
                {
                    "name": "namespace",
                    "type": "query",
                    "datasource": "${DS_PROMETHEUS}",
                    "query": "label_values(kube_pod_info, namespace)",
                    "refresh": 1,
                    "includeAll": True,
                    "multi": True,
                    "current": {},
                }
            ]
        },
        "time": {"from": "now-1h", "to": "now"},
        "timezone": "browser",
        "title": "Kubernetes Cluster (Prometheus)",
        "uid": "4XuMd2Iiz",
        "version": revision,
    }


pytestmark = pytest.mark.usefixtures("fast_backoff")  # retries wait milliseconds


@pytest.fixture
def gcom(monkeypatch):
    with GrafanaComDouble() as double:
        monkeypatch.setenv("DASHGEN_GRAFANA_COM_URL", double.url)
        yield double


@pytest.fixture
def kube(project):
    project.write("dashboards/datasources.py", DATASOURCES)
    return project


def files(project) -> dict[str, bytes]:
    base = project.root / "dashboards"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def today() -> str:
    return datetime.now(UTC).date().isoformat()


JSON_PATH = "kubernetes/kubernetes-cluster-prometheus.json"
RECORD_PATH = "kubernetes/kubernetes-cluster-prometheus.grafana-com.yaml"


def record(project, rel: str = RECORD_PATH) -> dict:
    return yaml.safe_load((project.root / "dashboards" / rel).read_text())


def panels(model: dict) -> list[dict]:
    out = []
    for panel in model.get("panels", []):
        out.append(panel)
        out += panel.get("panels", [])
    return out


# ------------------------------------------------------------------ import by id


def test_import_by_id_vendors_the_latest_revision_resolved_migrated_and_recorded(kube, gcom):
    gcom.publish(7249, exported(1), name="Kubernetes Cluster (Prometheus)")
    gcom.publish(7249, exported(2))
    result = kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes")
    assert result.code == 0, result.err
    assert f"dashboards/{JSON_PATH}: Kubernetes Cluster (Prometheus) (grafana.com 7249 revision 2" in result.out
    assert "input DS_PROMETHEUS = prometheus" in result.out
    assert gcom.downloads() == ["/api/dashboards/7249/revisions/2/download"]

    text = (kube.root / "dashboards" / JSON_PATH).read_text()
    model = json.loads(text)
    # __inputs resolved against the sources' datasources, as Grafana's import would
    assert "${DS_PROMETHEUS}" not in text and "${VAR_CLUSTER}" not in text
    assert "__inputs" not in model and "__requires" not in model
    assert model["tags"] == ["kubernetes", "production"]
    assert {json.dumps(p["datasource"], sort_keys=True) for p in panels(model) if "datasource" in p} == {
        '{"type": "prometheus", "uid": "prometheus"}'}
    assert model["templating"]["list"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    # Angular panels migrated, legacy rows turned into row panels
    assert "rows" not in model and model["schemaVersion"] >= 39
    assert sorted(p["type"] for p in panels(model)) == ["stat", "timeseries"]  # one untitled row: no row panel
    assert next(p for p in panels(model) if p["type"] == "timeseries")["title"] == "CPU by namespace (revision 2)"
    # a uid Kubernetes accepts: the revision's own (4XuMd2Iiz) makes no valid ConfigMap name
    assert model["uid"] == "kubernetes-cluster-prometheus"
    assert "uid '4XuMd2Iiz'" in result.out

    # the origin: id, revision, sha256 of the downloaded bytes, date
    rec = record(kube)
    content = gcom.dashboards[7249]["revisions"][1]["content"]
    assert rec == {
        "dashboard": "kubernetes-cluster-prometheus.json",
        "id": 7249,
        "revision": 2,
        "name": "Kubernetes Cluster (Prometheus)",
        "downloaded": today(),
        "sha256": hashlib.sha256(content).hexdigest(),
        "inputs": {"DS_PROMETHEUS": "prometheus", "VAR_CLUSTER": "production"},
        "fingerprint": rec["fingerprint"],
    }
    assert (kube.root / "dashboards" / RECORD_PATH).read_text().startswith("# Vendored from grafana.com")

    # build takes it: one more dashboard in the Kubernetes folder, the record is no source
    built = kube.run("build")
    assert built.code == 0, built.err
    assert "not a source" not in built.err  # the record is known beside its dashboard
    out = json.loads((kube.root / "provisioning/dashboards/Kubernetes/kubernetes-cluster-prometheus.json").read_text())
    assert out == json.loads(text)
    assert "grafana-com" not in " ".join(kube.tree())


def test_import_by_id_at_revision_pins_that_revision(kube, gcom):
    gcom.publish(7249, exported(1))
    gcom.publish(7249, exported(2))
    result = kube.run("import", "--grafana-com", "7249@1")
    assert result.code == 0, result.err
    model = json.loads((kube.root / "dashboards/kubernetes-cluster-prometheus.json").read_text())
    assert "CPU by namespace" in [p["title"] for p in panels(model)]
    rec = record(kube, "kubernetes-cluster-prometheus.grafana-com.yaml")
    assert rec["revision"] == 1
    assert rec["sha256"] == hashlib.sha256(gcom.dashboards[7249]["revisions"][0]["content"]).hexdigest()
    assert gcom.downloads() == ["/api/dashboards/7249/revisions/1/download"]
    assert kube.run("build").code == 0


def test_the_record_survives_a_rebuild_and_ties_build_to_the_origin(kube, gcom):
    from dashgen import config as config_mod
    from dashgen import sources

    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes").code == 0
    loaded = sources.load(config_mod.load(root=kube.root))
    board = next(d for d in loaded.dashboards if d.origin is not None)
    assert (board.origin.id, board.origin.revision) == (7249, 1)
    from dashgen.normalise import fingerprint

    assert board.origin.fingerprint == fingerprint(board.model)  # what import wrote is what build reads


# ------------------------------------------------------------------ community --check and upgrades


def test_community_check_finds_a_newer_revision_and_the_upgrade_is_a_reviewable_diff(kube, gcom):
    gcom.publish(7249, exported(1), name="Kubernetes Cluster (Prometheus)")
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes").code == 0
    before = json.loads((kube.root / "dashboards" / JSON_PATH).read_text())

    listed = kube.run("community", "--check")
    assert listed.code == 0, listed.err
    assert f"dashboards/{JSON_PATH}: grafana.com 7249 (Kubernetes Cluster (Prometheus)), pinned 1, latest 1: up to date" in listed.out

    gcom.publish(7249, exported(2))
    checked = kube.run("community", "--check")
    assert checked.code == 2
    assert "pinned 1, latest 2: newer revision: dashgen import --grafana-com 7249@2 --force" in checked.out
    assert kube.run("community").code == 0  # listing alone never fails on a newer revision
    doc = json.loads(kube.run("community", "-o", "json").out)
    assert doc["newer"] == 1
    assert doc["dashboards"][0] | {"sha256": None} == {
        "dashboard": f"dashboards/{JSON_PATH}", "record": f"dashboards/{RECORD_PATH}", "folder": "kubernetes",
        "id": 7249, "name": "Kubernetes Cluster (Prometheus)", "pinned": 1, "latest": 2, "newer": True,
        "downloaded": today(), "sha256": None, "missing": False,
        "upgrade": "dashgen import --grafana-com 7249@2 --force"}

    # without --force a vendored dashboard is never replaced
    snapshot = files(kube)
    refused = kube.run("import", "--grafana-com", "7249@2")
    assert refused.code == 1
    assert refused.err.strip() == (
        f"error: grafana.com dashboard 7249 is vendored at dashboards/{JSON_PATH} (revision 1); "
        "--force replaces it with revision 2")
    assert files(kube) == snapshot

    upgraded = kube.run("import", "--grafana-com", "7249@2", "--force")  # no --folder: upgraded in place
    assert upgraded.code == 0, upgraded.err
    assert "upgraded from revision 1" in upgraded.out
    after = json.loads((kube.root / "dashboards" / JSON_PATH).read_text())
    assert after["uid"] == before["uid"]
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"panels"}  # the diff a reviewer sees is the revision's change
    assert record(kube)["revision"] == 2
    assert sorted(files(kube)) == sorted(snapshot)  # the same two files, rewritten

    assert kube.run("community", "--check").code == 0
    assert kube.run("build").code == 0


def test_importing_the_pinned_revision_again_writes_nothing(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249").code == 0
    snapshot = files(kube)
    again = kube.run("import", "--grafana-com", "7249")
    assert again.code == 0
    assert "is vendored already: unchanged" in again.out
    assert files(kube) == snapshot


def test_a_revision_whose_bytes_changed_is_refused(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249").code == 0
    snapshot = files(kube)
    tampered = dict(exported(1), description="tampered")
    gcom.dashboards[7249]["revisions"][0]["content"] = json.dumps(tampered).encode()
    result = kube.run("import", "--grafana-com", "7249@1")
    assert result.code == 1
    assert "is not what dashboards/kubernetes-cluster-prometheus.json was vendored from: sha256" in result.err
    assert files(kube) == snapshot


def test_community_without_vendored_dashboards_says_so(kube, gcom):
    result = kube.run("community", "--check")
    assert (result.code, result.out.strip()) == (
        0, "no dashboards vendored from grafana.com (dashgen import --grafana-com ID vendors one)")
    assert gcom.requests == []


# ------------------------------------------------------------------ failures: one line, nothing written


@pytest.fixture
def short_timeout(monkeypatch):
    from dashgen.community import client

    monkeypatch.setattr(client, "TIMEOUT", 0.3)


def _one_line_and_nothing_written(project, result, before, expected: str) -> None:
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert expected in lines[0]
    assert "Traceback" not in result.err
    assert files(project) == before


def test_an_unknown_id_is_one_line_and_writes_nothing(kube, gcom):
    before = files(kube)
    result = kube.run("import", "--grafana-com", "999999")
    _one_line_and_nothing_written(kube, result, before, f"{gcom.url} has no dashboard 999999 (404 from ")


def test_an_unknown_revision_is_one_line_and_writes_nothing(kube, gcom):
    gcom.publish(7249, exported(1))
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249@5")
    _one_line_and_nothing_written(kube, result, before, "dashboard 7249 has no revision 5 (the latest is 1) (404")


def test_a_burst_of_500s_is_retried(kube, gcom):
    gcom.publish(7249, exported(1))
    gcom.fail_next(3, status=500)
    result = kube.run("import", "--grafana-com", "7249")
    assert result.code == 0, result.err
    assert [s for _, _, s in gcom.requests] == [500, 500, 500, 200, 200]


def test_retries_back_off_exponentially(kube, gcom, monkeypatch):
    from dashgen import http

    monkeypatch.setattr(http, "BACKOFF_BASE", 0.2)  # retry n waits d/2..d, d = 0.2 * 2**(n-1)
    monkeypatch.setattr(http, "BACKOFF_CAP", 5.0)
    gcom.publish(7249, exported(1))
    gcom.fail_next(3, status=503, paths="/download")
    assert kube.run("import", "--grafana-com", "7249").code == 0
    times = [t for (_, path, _), t in zip(gcom.requests, gcom.times) if path.endswith("/download")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 3
    assert [gap >= 0.2 * 2 ** n / 2 for n, gap in enumerate(gaps)] == [True] * 3, gaps
    assert gaps[0] < 0.4 <= gaps[2], gaps  # the third wait is at least twice the first could be


def test_a_429_is_retried_after_the_wait_grafana_com_asks_for(kube, gcom):
    gcom.publish(7249, exported(1))
    gcom.fail_next(1, status=429, paths=r"/api/dashboards/7249\Z", retry_after="1")
    assert kube.run("import", "--grafana-com", "7249").code == 0
    assert [s for _, _, s in gcom.requests] == [429, 200, 200]
    assert gcom.times[1] - gcom.times[0] >= 1.0


def test_500s_that_outlast_the_retries_are_one_line_and_write_nothing(kube, gcom):
    gcom.publish(7249, exported(1))
    gcom.fail_next(100, status=500, paths="/download")
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249")
    _one_line_and_nothing_written(
        kube, result, before, "answered 500 Internal Server Error for /api/dashboards/7249/revisions/1/download "
        "after 4 retries: Internal server error; try again later")
    assert len(gcom.requests) == 1 + 5


def test_timeouts_are_one_line_and_write_nothing(kube, gcom, short_timeout):
    gcom.publish(7249, exported(1))
    gcom.stall_next(100, seconds=1.0)
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249")
    _one_line_and_nothing_written(kube, result, before, "is unreachable: timed out after 0.3s (tried 5 times)")
    checked = kube.run("community", "--check")
    assert checked.code == 0  # nothing vendored: nothing to ask


def test_community_check_when_grafana_com_times_out_is_an_error_not_a_difference(kube, gcom, short_timeout):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249").code == 0
    gcom.stall_next(100, seconds=1.0)
    result = kube.run("community", "--check")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "timed out after 0.3s" in result.err


def test_an_unreachable_grafana_com_is_one_line_and_writes_nothing(kube, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249", "--grafana-com-url", f"http://127.0.0.1:{port}")
    _one_line_and_nothing_written(kube, result, before, f"http://127.0.0.1:{port} is unreachable: connection refused")


def test_an_input_no_datasource_can_fill_is_one_line_naming_it(kube, gcom):
    logs = exported(1)
    logs["__inputs"].append({"name": "DS_LOKI", "type": "datasource", "pluginId": "loki", "label": "Loki"})
    gcom.publish(7249, logs)
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249")
    _one_line_and_nothing_written(
        kube, result, before,
        "grafana.com dashboard 7249 revision 1: input 'DS_LOKI' (__inputs) needs a datasource of type 'loki'")


def test_one_failing_id_writes_none_of_them(kube, gcom):
    gcom.publish(7249, exported(1))
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249", "--grafana-com", "424242")
    _one_line_and_nothing_written(kube, result, before, "has no dashboard 424242")


def test_an_answer_that_is_not_grafana_com_is_one_line(kube, gcom):
    gcom.publish(7249, b"<html>a captive portal</html>", name="Portal")
    before = files(kube)
    result = kube.run("import", "--grafana-com", "7249")
    _one_line_and_nothing_written(kube, result, before, "grafana.com dashboard 7249 revision 1:")


@pytest.mark.parametrize("url, message", [
    ("ftp://mirror.example", "expected an http:// or https:// URL"),
    ("https://user:secret@mirror.example", "must not contain credentials"),
])
def test_a_bad_mirror_url_is_one_line(kube, url, message):
    result = kube.run("import", "--grafana-com", "7249", "--grafana-com-url", url)
    assert result.code == 1 and message in result.err and "secret" not in result.err


@pytest.mark.parametrize("ref", ["abc", "7249@", "7249@0", "0", "72 49"])
def test_a_bad_id_is_one_line(kube, ref):
    result = kube.run("import", "--grafana-com", ref)
    assert result.code == 1
    assert "expected a grafana.com dashboard id, optionally with a revision: 7249 or 7249@3" in result.err


def test_a_mirror_under_a_path_is_used_from_the_environment(kube, gcom, monkeypatch):
    gcom.publish(7249, exported(1))
    monkeypatch.setenv("DASHGEN_GRAFANA_COM_URL", gcom.url + "/")  # a trailing slash is fine
    assert kube.run("import", "--grafana-com", "7249").code == 0
    assert gcom.requests[0][1] == "/api/dashboards/7249"


def test_the_flag_wins_over_the_environment(kube, gcom):
    with GrafanaComDouble() as mirror:
        mirror.publish(7249, exported(2), name="From the mirror")
        result = kube.run("import", "--grafana-com", "7249", "--grafana-com-url", mirror.url)
        assert result.code == 0, result.err
        assert gcom.requests == [] and len(mirror.requests) == 2
        listed = kube.run("community", "--grafana-com-url", mirror.url)
        assert "pinned 1, latest 1: up to date" in listed.out and gcom.requests == []
    assert record(kube, "from-the-mirror.grafana-com.yaml")["name"] == "From the mirror"


# ------------------------------------------------------------------ --python, lint, operator


def test_import_as_python_writes_a_module_that_builds_and_keeps_its_record(kube, gcom):
    gcom.publish(7249, exported(1))
    result = kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes", "--python")
    assert result.code == 0, result.err
    module = kube.root / "dashboards/kubernetes/kubernetes_cluster_prometheus.py"
    assert "grafana.com dashboard 7249 revision 1" in module.read_text()
    assert record(kube, "kubernetes/kubernetes_cluster_prometheus.grafana-com.yaml")["dashboard"] == (
        "kubernetes_cluster_prometheus.py")
    assert kube.run("build").code == 0
    assert (kube.root / "provisioning/dashboards/Kubernetes/kubernetes-cluster-prometheus.json").is_file()

    gcom.publish(7249, exported(2))
    upgraded = kube.run("import", "--grafana-com", "7249@2", "--force")  # stays Python
    assert upgraded.code == 0, upgraded.err
    assert "CPU by namespace (revision 2)" in module.read_text()
    assert not (kube.root / "dashboards/kubernetes/kubernetes-cluster-prometheus.json").exists()


def test_a_vendored_dashboard_reports_its_authors_style_as_warnings_and_breakage_as_errors(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes").code == 0
    built = kube.run("build")
    assert built.code == 0
    assert "warning: dashboards/kubernetes/kubernetes-cluster-prometheus.json" in built.err
    assert "panel-title-description-rule" in built.err
    linted = kube.run("lint")  # lint sees what build sees
    assert linted.code == 0 and "panel-title-description-rule" in linted.out + linted.err

    # the same JSON without its record is the project's own: style findings follow the project's
    # lint policy (warnings by default, issue 11), so the build still passes
    (kube.root / "dashboards" / RECORD_PATH).unlink()
    assert kube.run("build").code == 0

    # and a vendored dashboard whose query does not parse still fails the build
    (kube.root / "dashboards" / RECORD_PATH).parent.mkdir(exist_ok=True)
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes", "--force").code == 0
    path = kube.root / "dashboards" / JSON_PATH
    path.write_text(path.read_text().replace("count(kube_pod_info)", "count(kube_pod_info"))
    broken = kube.run("build")
    assert broken.code == 1 and "target-promql-rule" in broken.err


def test_a_broken_record_fails_the_build_naming_it(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249").code == 0
    path = kube.root / "dashboards/kubernetes-cluster-prometheus.grafana-com.yaml"
    path.write_text(path.read_text().replace("revision: 1", "revision: latest"))
    result = kube.run("build")
    assert result.code == 1
    assert ("dashboards/kubernetes-cluster-prometheus.grafana-com.yaml: key 'revision': expected a positive "
            "integer, got 'latest'") in result.err


OPERATOR = """
output:
  kinds: [operator]
  operator:
    instance_selector: {matchLabels: {dashboards: grafana}}
    grafana_com: reference
folders:
  kubernetes: Kubernetes
"""


def test_operator_output_can_reference_grafana_com_instead_of_inlining(kube, gcom):
    from crds import validator_for

    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes").code == 0
    kube.write("dashgen.yaml", OPERATOR)
    built = kube.run("build")
    assert built.code == 0, built.err
    path = "kubernetes/grafana-operator/grafanadashboard-dashgen-kubernetes-cluster-prometheus.yaml"
    obj = yaml.safe_load(kube.tree()[path])
    assert obj["spec"] == {
        "uid": "kubernetes-cluster-prometheus",
        "folderRef": "dashgen-kubernetes",
        "grafanaCom": {"id": 7249, "revision": 1},
        "datasources": [{"inputName": "DS_PROMETHEUS", "datasourceName": "prometheus"},
                        {"inputName": "VAR_CLUSTER", "datasourceName": "production"}],
        "instanceSelector": {"matchLabels": {"dashboards": "grafana"}},
    }
    assert validator_for(Path(__file__).resolve().parent.parent).errors(obj) == []
    assert "edited since" not in built.err

    # an edit to the vendored file would not reach Grafana: build says so
    json_path = kube.root / "dashboards" / JSON_PATH
    json_path.write_text(json_path.read_text().replace('"Pods"', '"Running pods"'))
    edited = kube.run("build")
    assert edited.code == 0
    assert ("edited since it was vendored from grafana.com (7249 revision 1), but output.operator.grafana_com: "
            "reference has the operator fetch the revision as published") in edited.err

    # inline (the default) ships the vendored file itself
    kube.write("dashgen.yaml", OPERATOR.replace("grafana_com: reference", "grafana_com: inline"))
    assert kube.run("build").code == 0
    obj = yaml.safe_load(kube.tree()[path])
    assert "grafanaCom" not in obj["spec"] and "Running pods" in obj["spec"]["json"]


def test_import_json_output_names_what_was_vendored(kube, gcom):
    gcom.publish(7249, exported(1))
    result = kube.run("import", "--grafana-com", "7249", "-o", "json")
    assert result.code == 0, result.err
    [item] = json.loads(result.out)["imported"]
    assert item | {"sha256": None} == {
        "id": 7249, "revision": 1, "latest": 1, "previous_revision": None, "name": "Kubernetes Cluster (Prometheus)",
        "dashboard": "dashboards/kubernetes-cluster-prometheus.json",
        "record": "dashboards/kubernetes-cluster-prometheus.grafana-com.yaml", "sha256": None,
        "uid": "kubernetes-cluster-prometheus", "inputs": {"DS_PROMETHEUS": "prometheus", "VAR_CLUSTER": "production"},
        "migrated": item["migrated"], "written": True}
    assert item["migrated"] == "2 panels (graph → timeseries ×1, singlestat → stat ×1)"


@pytest.mark.parametrize("args, message", [
    ((), "give PATHS to import, or --grafana-com ID"),
    (("exports/", "--grafana-com", "7249"), "give PATHS or --grafana-com, not both"),
    (("exports/", "--python"), "--python goes with --grafana-com"),
])
def test_import_usage_errors(kube, args, message):
    result = kube.run("import", *args)
    assert result.code == 1 and message in result.err


def test_json_output_on_failure_is_one_error_document(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249").code == 0
    gcom.fail_next(100, status=503)
    result = kube.run("community", "--check", "-o", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["ok"] is False and doc["exit_code"] == 1
    [error] = doc["errors"]
    assert "answered 503" in error["message"] and "after 4 retries" in error["message"]


# ------------------------------------------------------------------ the README's walkthrough, as written


def _readme_block(marker: str) -> list[str]:
    import re

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.findall(rf"<!-- {marker} -->\n```\n(.+?)\n```\n<!-- /{marker} -->", text, re.S)
    assert len(found) == 1, f"README.md needs exactly one {marker} block"
    return found[0].splitlines()


def _run_readme_line(line: str, root: Path) -> None:
    """Run one README line with bash; a comment ``# exit N: TEXT`` is its exit code and output
    (``<slug>``, ``<name>`` and ``...`` stand for any text)."""
    import os
    import re
    import subprocess
    import sys

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    done = subprocess.run(["bash", "-c", line], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    said = re.search(r"# exit (\d+): (.+)$", line)
    code = int(said.group(1)) if said else 0
    assert done.returncode == code, f"{line}\n{done.stdout}{done.stderr}"
    assert "Traceback" not in done.stderr
    if said:
        pattern = ".*?".join(re.escape(part) for part in re.split(r"<slug>|<name>|\.\.\.", said.group(2)))
        assert re.search(pattern, done.stdout), f"{line}\n{done.stdout}"


def test_the_readme_walkthrough_runs_as_written(kube, gcom):
    """The guide's 'Import dashboard ID 7249', the dashgen way: every command of the README's two
    blocks, run with bash in a git repository against the double, says and does what it claims."""
    import subprocess

    kube.write("dashgen.yaml", "folders:\n  kubernetes: Kubernetes\n")
    subprocess.run(["git", "init", "-q"], cwd=kube.root, check=True)
    subprocess.run(["git", "add", "."], cwd=kube.root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start"],
                   cwd=kube.root, check=True)
    gcom.publish(7249, exported(1), name="Kubernetes Cluster (Prometheus)")
    for line in _readme_block("community-vendor"):
        _run_readme_line(line, kube.root)
    committed = subprocess.run(["git", "show", "--name-only", "--format=%s", "HEAD"], cwd=kube.root,
                               capture_output=True, text=True, check=True).stdout
    assert committed.startswith("Vendor grafana.com dashboard 7249")
    assert f"dashboards/{JSON_PATH}" in committed and f"dashboards/{RECORD_PATH}" in committed
    assert "provisioning/dashboards/Kubernetes/kubernetes-cluster-prometheus.json" in committed

    gcom.publish(7249, exported(2))
    for line in _readme_block("community-upgrade"):
        _run_readme_line(line, kube.root)
    upgrade = subprocess.run(["git", "show", "--format=%s", "HEAD"], cwd=kube.root,
                             capture_output=True, text=True, check=True).stdout
    assert upgrade.startswith("grafana.com dashboard 7249: revision 2")
    assert "-revision: 1\n+revision: 2" in upgrade and '+          "title": "CPU by namespace (revision 2)"' in upgrade
    assert subprocess.run(["git", "status", "--porcelain"], cwd=kube.root, capture_output=True, text=True,
                          check=True).stdout == ""


# ------------------------------------------------------------------ the one canonical form


def test_the_vendored_file_is_what_fmt_migrate_writes_and_fmt_keeps_the_record(kube, gcom):
    gcom.publish(7249, exported(1))
    assert kube.run("import", "--grafana-com", "7249", "--folder", "kubernetes").code == 0
    snapshot = files(kube)
    checked = kube.run("fmt", "--check")
    assert checked.code == 0, checked.out + checked.err
    assert kube.run("fmt", "--check", "--migrate", "dashboards/kubernetes").code == 0
    assert kube.run("fmt", "--migrate", "dashboards").code == 0
    assert files(kube) == snapshot  # fmt rewrote nothing: not the dashboard, not its record

    # the raw revision, formatted by fmt --migrate, is byte for byte the vendored file
    raw = kube.root / "raw" / "kubernetes-cluster-prometheus.json"
    raw.parent.mkdir()
    raw.write_bytes(gcom.dashboards[7249]["revisions"][0]["content"])
    assert kube.run("fmt", "--migrate", str(raw)).code == 0
    formatted = json.loads(raw.read_text())
    vendored = json.loads((kube.root / "dashboards" / JSON_PATH).read_text())
    assert formatted | {"uid": vendored["uid"]} == vendored  # import only gives it a uid Kubernetes accepts
    assert raw.read_text().replace('"4XuMd2Iiz"', '"kubernetes-cluster-prometheus"') == (
        kube.root / "dashboards" / JSON_PATH).read_text()

    # the record survives fmt of a hand-edited dashboard, and build still ties it to its origin
    path = kube.root / "dashboards" / JSON_PATH
    path.write_text(json.dumps(json.loads(path.read_text()), indent=4))
    assert kube.run("fmt", "--check").code == 2
    assert kube.run("fmt").code == 0
    assert files(kube) == snapshot
    assert kube.run("community", "--check").code == 0
    assert kube.run("build").code == 0
