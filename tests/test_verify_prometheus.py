"""``dashgen verify`` against a real Prometheus full of the modelled cluster's data.

The three dashboards of this repository must show data in every panel (``--strict``), the
values they show must be the scenario's, and the checker must be able to fail: misspelled
metrics and labels are no data, malformed queries are errors. The HTTP presets and the Flux
Operator switch are verified against scenarios whose exporters emit those metrics.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from dashgen.cli import main
from prom.cluster import RECONCILER_KINDS, SOURCE_KINDS, Container, Workload, default_cluster

REPO = Path(__file__).resolve().parents[1]
UIDS = {"flux-gitops", "kubernetes-cluster", "empulse-music"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


def window(prom) -> list[str]:
    return ["--prometheus-url", prom.url, "--from", str(int(prom.start)), "--to", str(int(prom.end))]


def config(tmp_path: Path, **values) -> str:
    """dashgen.yaml of this repository with ``values`` (``a__b: v`` -> values.a.b) and a scratch output."""
    cfg = yaml.safe_load((REPO / "dashgen.yaml").read_text())
    cfg["sources"] = str(REPO / "dashboards")
    cfg["output"] = str(tmp_path / "provisioning")
    for key, value in values.items():
        node = cfg.setdefault("values", {})
        *parents, leaf = key.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    path = tmp_path / "dashgen.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def verify_json(capsys, prom, *args: str, cfg: str = str(REPO / "dashgen.yaml")) -> tuple[int, dict]:
    code, out, err = run(capsys, "-c", cfg, "verify", *window(prom), "-o", "json", *args)
    return code, json.loads(out)


def panel(doc: dict, uid: str, title: str, kind: str | None = None) -> dict:
    board = next(d for d in doc["dashboards"] if d["uid"] == uid)
    return next(p for p in board["panels"] if p["title"] == title and (kind is None or p["type"] == kind))


def value(doc: dict, uid: str, title: str, ref: str = "A") -> float:
    target = next(t for t in panel(doc, uid, title, "stat")["targets"] if t["refId"] == ref)
    assert len(target["samples"]) == 1, target
    return float(target["samples"][0]["value"])


# --------------------------------------------------------------------------- the product
@pytest.fixture(scope="module")
def report(prometheus, capsys_module):
    return verify_json(capsys_module, prometheus, "--strict")


@pytest.fixture(scope="module")
def capsys_module(request):
    """Module-scoped stand-in for capsys: run() only needs readouterr()."""
    import io
    import sys

    class Capture:
        def readouterr(self):
            out, err = sys.stdout.getvalue(), sys.stderr.getvalue()
            sys.stdout.seek(0), sys.stdout.truncate(0), sys.stderr.seek(0), sys.stderr.truncate(0)
            return type("R", (), {"out": out, "err": err})

    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        yield Capture()
    finally:
        sys.stdout, sys.stderr = old


def test_all_three_dashboards_pass_strict(report):
    code, doc = report
    assert code == 0, [(d["uid"], p["title"], p["status"], p["detail"]) for d in doc["dashboards"]
                       for p in d["panels"] if p["status"] != "data"]
    assert {d["uid"] for d in doc["dashboards"]} == UIDS
    assert doc["ok"] and doc["summary"]["panels"] == doc["summary"]["data"] > 60
    for d in doc["dashboards"]:
        assert d["errors"] == []
        for p in d["panels"]:
            assert all(t["status"] == "data" and not t.get("problems") for t in p["targets"]), (d["uid"], p["title"])


def test_text_report_through_the_cli(prometheus, capsys):
    code, out, err = run(capsys, "-c", str(REPO / "dashgen.yaml"), "verify", *window(prometheus), "--strict")
    assert code == 0, out
    assert "3 dashboards" in out and "0 without data, 0 errors" in out
    assert "\r[" not in err  # no progress bar when stderr is not a terminal


def test_builtins_follow_the_datasources_scrape_interval(report, prometheus, capsys):
    _, doc = report
    targets = [t for d in doc["dashboards"] for p in d["panels"] for t in p["targets"]]
    assert not any("$__" in t["expr"] for t in targets)
    # Prometheus datasource timeInterval 30s; a timeseries asks 500 points: 2h / 500 = 14.4s -> 15s, raised to
    # 30s: step 30s and $__rate_interval = max(30s + 30s, 4 x 30s) = 2m. Heatmaps ask 100: 2h / 100 = 72s -> 1m
    # step; stats the same 1m: max(1m + 30s, 2m) = 2m again.
    steps = {(p["type"], t["step"]) for d in doc["dashboards"] for p in d["panels"] for t in p["targets"]
             if t["kind"] == "range"}
    assert steps == {("timeseries", 30.0), ("state-timeline", 30.0), ("heatmap", 60.0)}
    assert all("[2m0s]" in t["expr"] for t in targets if "rate(" in t["expr"] and "$__range" not in t["expr"]
               and "[$__range]" not in t["expr"] and "[7200s]" not in t["expr"])
    # --scrape-interval 1m: max(30s + 1m, 4 x 1m) = 4m, and the step is at least 1m
    code, doc = verify_json(capsys, prometheus, "-d", "kubernetes-cluster", "--scrape-interval", "1m")
    targets = [t for p in doc["dashboards"][0]["panels"] for t in p["targets"]]
    rates = [t["expr"] for t in targets if "rate(" in t["expr"]]
    assert rates and all("[4m0s]" in e for e in rates) and not any("[2m0s]" in e for e in rates)
    assert {t["step"] for t in targets if t["kind"] == "range"} == {60.0}


def test_variables_resolve_to_the_clusters_values(report, prometheus):
    _, doc = report
    c = prometheus.cluster
    variables = {d["uid"]: d["variables"] for d in doc["dashboards"]}
    assert variables["flux-gitops"]["namespace"] == sorted({o.namespace for o in c.flux_objects})
    assert variables["flux-gitops"]["flux_namespace"] == ["flux-system"]
    assert variables["kubernetes-cluster"]["namespace"] == sorted(c.namespaces)
    deployments = sorted(w.name for w in c.workloads if w.kind == "Deployment")
    assert variables["kubernetes-cluster"]["deployment"] == deployments
    assert variables["empulse-music"]["namespace"] == [c.empulse.namespace]
    assert variables["empulse-music"]["job"] == [c.empulse.service]
    assert sorted(variables["empulse-music"]["handler"]) == sorted(r.handler for r in c.empulse.routes)


def test_flux_panels_show_the_scenarios_objects(report, prometheus):
    _, doc = report
    c = prometheus.cluster
    uid = "flux-gitops"
    assert value(doc, uid, "Reconcilers") == len(c.flux_of_kind(*RECONCILER_KINDS))
    assert value(doc, uid, "Failing reconcilers") == len(c.failing_reconcilers()) > 0
    assert value(doc, uid, "Sources") == len(c.flux_of_kind(*SOURCE_KINDS))
    assert value(doc, uid, "Failing sources") == len(c.failing_sources()) > 0
    assert value(doc, uid, "Suspended") == len(c.suspended_objects()) > 0
    assert value(doc, uid, "Ready unknown") == sum(o.ready == "Unknown" for o in c.flux_objects)
    rows = panel(doc, uid, "Sources", "table")["targets"][0]["samples"]
    got = {(r["labels"]["name"], r["labels"].get("url")) for r in rows}
    assert got == {(o.name, o.url or o.endpoint) for o in c.flux_of_kind(*SOURCE_KINDS)}
    rows = panel(doc, uid, "Reconcilers", "table")["targets"][0]["samples"]
    got = {(r["labels"]["name"], r["labels"]["ready"], r["labels"].get("revision")) for r in rows}
    assert got == {(o.name, o.ready, o.final_revision(c.seed)) for o in c.flux_of_kind(*RECONCILER_KINDS)}


def test_kubernetes_panels_show_the_scenarios_state(report, prometheus):
    _, doc = report
    c = prometheus.cluster
    uid = "kubernetes-cluster"
    assert value(doc, uid, "Nodes ready") == len(c.ready_nodes)
    assert value(doc, uid, "Nodes not ready") == len(c.nodes) - len(c.ready_nodes) > 0
    short = [w for w in c.workloads if w.kind == "Deployment"
             and sum(p.ready for p in c.pods_of(w.name, w.namespace)) < w.replicas]
    assert value(doc, uid, "Deployments not ready") == len(short) > 0
    restarts = sum(pc.spec.restarts for p in c.pods() for pc in p.containers)
    assert abs(value(doc, uid, "Container restarts") - restarts) <= 1
    ready = c.ready_nodes  # node-exporter on NotReady nodes is down
    busy = sum(n.cpu * n.cpu_busy for n in ready) / sum(n.cpu for n in ready)
    assert value(doc, uid, "CPU utilisation") == pytest.approx(busy, rel=0.05)
    phases = {s["labels"]["phase"]: float(s["value"])
              for s in panel(doc, uid, "Pods by phase")["targets"][0]["samples"]}
    assert phases["Running"] == len(c.pods()) and phases["Pending"] == 0
    services = panel(doc, uid, "Services and LoadBalancer ingress")["targets"][0]["samples"]
    lbs = {(s["labels"]["service"], s["labels"].get("ip") or s["labels"].get("hostname"))
           for s in services if s["labels"]["type"] == "LoadBalancer"}
    assert lbs == {(s.name, s.lb_ingress_ip or s.lb_ingress_hostname) for s in c.services if s.type == "LoadBalancer"}


def test_empulse_panels_show_the_apps_traffic(report, prometheus):
    _, doc = report
    app = prometheus.cluster.empulse
    uid = "empulse-music"
    assert value(doc, uid, "Requests") == pytest.approx(sum(r.rps for r in app.routes), rel=0.1)
    expected_errors = sum(r.rps * r.status_mix.get("5xx", 0) for r in app.routes) / sum(r.rps for r in app.routes)
    assert value(doc, uid, "5xx error ratio") == pytest.approx(expected_errors, rel=0.35)
    assert value(doc, uid, "Replicas ready", "A") == value(doc, uid, "Replicas ready", "B") == \
        prometheus.cluster.workload(app.deployment, app.namespace).replicas
    active = sum(rate * app.average_stream_seconds for rate in app.streams.values())
    assert value(doc, uid, "Active streams") == pytest.approx(active, rel=0.25)


@pytest.fixture(scope="module")
def healthy_prometheus(prometheus_factory):
    """A quiet cluster: nothing failing or suspended, no LoadBalancer, no limits, no restarts, all nodes Ready."""
    c = default_cluster()
    c.window = 3600
    for o in c.flux_objects:
        o.ready, o.suspended, o.history = "True", False, []
    for n in c.nodes:
        n.ready, n.unschedulable, n.pressure = True, False, set()
    for w in c.workloads:
        w.unready_replicas = w.crashlooping_replicas = 0
        for ct in w.containers:
            ct.restarts = ct.restarts_before = 0
    c.services = [s for s in c.services if s.type != "LoadBalancer"]
    for route in c.empulse.routes:
        route.status_mix = {"2xx": 1.0}
    # the EmPulse contract: counters exist from start (0) for every known label value
    c.empulse.playback_errors = {key: 0.0 for key in c.empulse.playback_errors}
    c.empulse.searches = {"hit": 12.0, "empty": 0.0, "error": 0.0}
    return prometheus_factory(c)


def test_a_healthy_cluster_shows_zeros_not_no_data(healthy_prometheus, capsys):
    code, doc = verify_json(capsys, healthy_prometheus, "--strict")
    assert code == 0, [(d["uid"], p["title"], p["detail"]) for d in doc["dashboards"] for p in d["panels"]
                       if p["status"] != "data"]
    for uid, title in (("flux-gitops", "Failing reconcilers"), ("flux-gitops", "Failing sources"),
                       ("flux-gitops", "Suspended"), ("flux-gitops", "Ready unknown"),
                       ("kubernetes-cluster", "Nodes not ready"), ("kubernetes-cluster", "Nodes under pressure"),
                       ("kubernetes-cluster", "Deployments not ready"), ("kubernetes-cluster", "Container restarts"),
                       ("kubernetes-cluster", "LoadBalancers pending"), ("empulse-music", "5xx error ratio")):
        assert value(doc, uid, title) == 0, (uid, title)
    # without any LoadBalancer the ingress metric does not exist: not a typo, the table still lists Services
    services = panel(doc, "kubernetes-cluster", "Services and LoadBalancer ingress")
    assert services["status"] == "data" and "kube_service_status_load_balancer_ingress does not exist" in \
        services["detail"]


# --------------------------------------------------------------------------- the checker can fail
PROM = {"type": "prometheus", "uid": "${datasource}"}
BROKEN = '''
PROM = {"type": "prometheus", "uid": "${datasource}"}


def panel(i, title, *exprs, kind="timeseries", ds=PROM, instant=False):
    return {"id": i, "type": kind, "title": title, "datasource": ds, "gridPos": {"h": 4, "w": 6, "x": 0, "y": i},
            "targets": [{"refId": chr(65 + n), "expr": e, "instant": instant, "range": not instant, "datasource": ds}
                        for n, e in enumerate(exprs)]}


VARIABLES = {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "namespace", "type": "query", "datasource": PROM, "query": "label_values(kube_pod_info, namespace)",
     "multi": True, "includeAll": True, "current": {"value": ["$__all"]}},
]}

dashboards = [
    {"uid": "no-data", "title": "No data", "templating": VARIABLES, "panels": [
        panel(1, "Good", 'sum by (namespace) (kube_deployment_spec_replicas{namespace=~"$namespace"})'),
        panel(2, "Misspelled metric", "sum(kube_deployment_spec_replica)"),
        panel(3, "Misspelled label", 'sum(kube_deployment_spec_replicas{namepsace="empulse"})'),
        panel(4, "Typo hidden by or vector(0)", 'count(gotk_resource_inf{ready="False"}) or vector(0)',
              kind="stat", instant=True),
        panel(5, "Half right", "sum(kube_node_info)", "sum(kube_node_infoo)"),
        panel(6, "Notes", kind="text"),
        panel(7, "Alerts", 'ALERTS{alertstate="firing"}', ds={"type": "alertmanager", "uid": "alertmanager"}),
    ]},
    {"uid": "malformed", "title": "Malformed", "templating": VARIABLES, "panels": [
        panel(1, "Good", "sum(kube_node_info)"),
        panel(2, "Unbalanced", "sum(rate(kube_pod_container_status_restarts_total[$__rate_interval])"),
    ]},
]
'''


@pytest.fixture
def broken(project):
    project.write("dashboards/checks/broken.py", BROKEN)
    project.write("dashboards/checks/texts.py", "")
    return project


def test_misspelled_metrics_and_labels_are_no_data(broken, prometheus):
    result = broken.run("verify", *window(prometheus), "-d", "no-data", "-o", "json")
    assert result.code == 0, result.err  # without --strict, missing data is reported, not fatal
    doc = json.loads(result.out)
    status = {p["title"]: p for p in doc["dashboards"][0]["panels"]}
    assert status["Good"]["status"] == "data"
    assert status["Misspelled metric"]["status"] == "no data"
    assert "kube_deployment_spec_replica does not exist" in status["Misspelled metric"]["detail"]
    assert status["Misspelled label"]["status"] == "no data"
    assert "no label namepsace" in status["Misspelled label"]["detail"]
    # or vector(0) returns 0, but a panel built on a metric that does not exist shows nothing real
    assert status["Typo hidden by or vector(0)"]["status"] == "no data"
    assert status["Half right"]["status"] == "partial" and "B:" in status["Half right"]["detail"]
    assert status["Notes"]["status"] == "skipped" and status["Alerts"]["status"] == "skipped"
    assert "alertmanager" in status["Alerts"]["detail"]
    strict = broken.run("verify", *window(prometheus), "-d", "no-data", "--strict")
    assert strict.code == 1
    assert "Misspelled metric" in strict.out and "no data" in strict.out


def test_malformed_query_is_an_error(broken, prometheus):
    result = broken.run("verify", *window(prometheus), "-d", "malformed", "-o", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    bad = next(p for p in doc["dashboards"][0]["panels"] if p["title"] == "Unbalanced")
    assert bad["status"] == "error" and "parse error" in bad["detail"]
    good = next(p for p in doc["dashboards"][0]["panels"] if p["title"] == "Good")
    assert good["status"] == "data"
    # sent with $__rate_interval substituted as Grafana would: no maxDataPoints, so the width of 6 columns
    # (360 px) -> 2h / 360 = 20s; no datasource timeInterval -> 15s scrape; max(20s + 15s, 4 x 15s) = 1m
    assert "[1m0s]" in bad["targets"][0]["expr"]


def test_misspelling_in_a_real_dashboard_fails_strict(prometheus, project):
    """Take the built Flux dashboard, misspell one metric in one panel: that panel, and only it, fails."""
    model = json.loads((REPO / "provisioning/dashboards/GitOps/flux-gitops.json").read_text())
    target = next(p for p in model["panels"] if p["title"] == "Work queue depth")
    target["targets"][0]["expr"] = target["targets"][0]["expr"].replace("workqueue_depth", "workqueue_dept")
    model["uid"] = "flux-copy"
    project.write("dashboards/gitops/flux-copy.json", json.dumps(model))
    result = project.run("verify", *window(prometheus), "--strict")
    assert result.code == 1
    assert [line.split()[1:5] for line in result.out.splitlines() if line.startswith("flux-copy ")] == \
        [["Work", "queue", "depth", "no"]]


def test_unreachable_prometheus_and_unknown_dashboard(project, prometheus):
    project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "panels": []}))
    result = project.run("verify", "--prometheus-url", "http://127.0.0.1:9", "--from", "now-1h")
    assert result.code == 1 and "cannot reach Prometheus" in result.err
    result = project.run("verify", *window(prometheus), "-d", "nope")
    assert result.code == 1 and "no dashboard with uid nope" in result.err


def test_credentials_in_the_url_are_refused_without_repeating_them(project, monkeypatch):
    project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "panels": []}))
    url = "http://admin:s3cretpw@127.0.0.1:9"
    for args in (["--prometheus-url", url], ["-o", "json"]):
        monkeypatch.setenv("DASHGEN_PROMETHEUS_URL", url)
        result = project.run("verify", *args, "--from", "now-1h")
        assert result.code == 1
        if "json" in args:  # the error as a document on stdout too (tests/test_machine_output.py)
            assert json.loads(result.out)["errors"][0]["text"] == result.err[len("error: ") :].strip()
        else:
            assert result.out == ""
        assert "s3cretpw" not in result.out
        (line,) = result.err.splitlines()
        assert "must not contain credentials" in line and "$DASHGEN_PROMETHEUS_TOKEN" in line
        assert "$DASHGEN_PROMETHEUS_USER" in line and "$DASHGEN_PROMETHEUS_PASSWORD" in line
        assert "s3cretpw" not in line and "admin" not in line
    from dashgen.verify.client import PrometheusClient

    with pytest.raises(ValueError) as exc:
        PrometheusClient("https://admin:s3cretpw@prometheus.example.com")
    assert "s3cretpw" not in str(exc.value)


def test_basic_auth_settings_are_checked(project, monkeypatch):
    project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "panels": []}))
    monkeypatch.setenv("DASHGEN_PROMETHEUS_USER", "grafana")
    result = project.run("verify", "--prometheus-url", "http://127.0.0.1:9", "--from", "now-1h")
    assert result.code == 1 and "DASHGEN_PROMETHEUS_PASSWORD is not set" in result.err
    monkeypatch.setenv("DASHGEN_PROMETHEUS_PASSWORD", "pw-Secret-123")
    monkeypatch.setenv("DASHGEN_PROMETHEUS_TOKEN", "tok-Secret-456")
    result = project.run("verify", "--prometheus-url", "http://127.0.0.1:9", "--from", "now-1h")
    assert result.code == 1 and "unset one" in result.err
    assert "pw-Secret-123" not in result.err and "tok-Secret-456" not in result.err


def test_bearer_token_comes_from_the_environment(prometheus, project, monkeypatch):
    seen: list[str | None] = []

    class Proxy(BaseHTTPRequestHandler):
        def _forward(self):
            seen.append(self.headers.get("Authorization"))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            req = urllib.request.Request(prometheus.url + self.path, data=body, method=self.command,
                                         headers={"Content-Type": self.headers.get("Content-Type") or ""})
            try:
                with urllib.request.urlopen(req) as r:
                    status, payload = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, payload = e.code, e.read()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "panels": [
            {"id": 1, "type": "stat", "title": "Nodes", "targets": [{"refId": "A", "expr": "sum(kube_node_info)",
                                                                       "instant": True}]}]}))
        monkeypatch.setenv("PROM_TOKEN", "s3cret")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = project.run("verify", "--prometheus-url", url, "--from", str(int(prometheus.start)),
                             "--to", str(int(prometheus.end)), "--token-env", "PROM_TOKEN", "--strict")
        assert result.code == 0, result.out + result.err
        assert seen and set(seen) == {"Bearer s3cret"}
        # or a user and password, sent with HTTP basic auth
        seen.clear()
        monkeypatch.setenv("DASHGEN_PROMETHEUS_USER", "grafana")
        monkeypatch.setenv("DASHGEN_PROMETHEUS_PASSWORD", "pa:ss")
        result = project.run("verify", "--prometheus-url", url, "--from", str(int(prometheus.start)),
                             "--to", str(int(prometheus.end)), "--strict")
        assert result.code == 0, result.out + result.err
        assert seen and set(seen) == {"Basic " + base64.b64encode(b"grafana:pa:ss").decode()}
    finally:
        server.shutdown()


# --------------------------------------------------------------------------- switches against matching data
def _add_flux_operator(c):
    c.flux_resource_exporter = "flux-operator"
    c.workloads.append(Workload("flux-operator", "flux-system", [Container(
        "manager", "ghcr.io/controlplaneio-fluxcd/flux-operator:v0.14.0", 0.1, 2.0, 64 * 1024 ** 2, 1024 ** 3,
        cpu_usage=0.01, memory_usage=80 * 1024 ** 2)]))


@pytest.fixture(scope="module")
def promhttp_operator_prometheus(prometheus_factory):
    """EmPulse as a Go service (promhttp) and Flux state from the Flux Operator."""
    c = default_cluster()
    c.window = 3600
    c.empulse.http_instrumentation = "promhttp"
    _add_flux_operator(c)
    return prometheus_factory(c)


@pytest.fixture(scope="module")
def otel_prometheus(prometheus_factory):
    c = default_cluster()
    c.window = 3600
    c.empulse.http_instrumentation = "otel"
    return prometheus_factory(c)


def test_promhttp_preset_and_flux_operator_switch_verify_strict(promhttp_operator_prometheus, tmp_path, capsys):
    prom = promhttp_operator_prometheus
    cfg = config(tmp_path, empulse__http_preset="promhttp", flux__resource_metric="flux_resource_info")
    code, doc = verify_json(capsys, prom, "--strict", cfg=cfg)
    assert code == 0, [(d["uid"], p["title"], p["detail"]) for d in doc["dashboards"] for p in d["panels"]
                       if p["status"] != "data"]
    c = prom.cluster
    assert value(doc, "flux-gitops", "Suspended") == len(c.suspended_objects())
    assert value(doc, "flux-gitops", "Failing reconcilers") == len(c.failing_reconcilers())
    assert value(doc, "empulse-music", "Requests") == pytest.approx(sum(r.rps for r in c.empulse.routes), rel=0.1)


def test_defaults_do_not_fit_promhttp_and_flux_operator_data(promhttp_operator_prometheus, capsys):
    """The switches matter: the default build finds no data on that cluster."""
    code, doc = verify_json(capsys, promhttp_operator_prometheus, "--strict")
    assert code == 1
    failing = {(d["uid"], p["title"], p["type"]) for d in doc["dashboards"] for p in d["panels"]
               if p["status"] != "data"}
    assert ("flux-gitops", "Reconcilers", "table") in failing  # gotk_resource_info does not exist there
    assert ("empulse-music", "Latency p50 / p95 / p99", "timeseries") in failing  # no highr histogram in Go
    assert not any(uid == "kubernetes-cluster" for uid, _, _ in failing)
    # a count falls back to 0 (or vector(0)), and the report says why
    stat = panel(doc, "flux-gitops", "Failing reconcilers", "stat")
    assert stat["status"] == "data" and "gotk_resource_info does not exist" in stat["detail"]


def test_otel_preset_verifies_strict(otel_prometheus, tmp_path, capsys):
    prom = otel_prometheus
    code, doc = verify_json(capsys, prom, "--strict", "-d", "empulse-music",
                            cfg=config(tmp_path, empulse__http_preset="otel"))
    assert code == 0, [(p["title"], p["detail"]) for p in doc["dashboards"][0]["panels"] if p["status"] != "data"]
    app = prom.cluster.empulse
    assert value(doc, "empulse-music", "Requests") == pytest.approx(sum(r.rps for r in app.routes), rel=0.1)
    handlers = doc["dashboards"][0]["variables"]["handler"]
    assert sorted(handlers) == sorted(r.handler for r in app.routes if r.handler != "none")
    code, doc = verify_json(capsys, prom, "--strict", "-d", "empulse-music")
    assert code == 1  # the fastapi default finds no http_requests_total there


def test_progress_bar_only_on_a_terminal(prometheus, project, monkeypatch):
    import sys

    project.write("dashboards/x.json", json.dumps({"uid": "x", "title": "X", "panels": [
        {"id": i, "type": "stat", "title": f"P{i}", "targets": [{"refId": "A", "expr": "sum(up)", "instant": True}]}
        for i in range(1, 4)]}))
    quiet = project.run("verify", *window(prometheus))
    assert quiet.code == 0 and "querying" not in quiet.err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    shown = project.run("verify", *window(prometheus))
    assert shown.code == 0
    assert "querying" in shown.err and "100%" in shown.err


def test_repeated_panels_collapsed_rows_and_mixed_datasources(prometheus, project):
    prom_ds = {"type": "prometheus", "uid": "${datasource}"}
    board = {"uid": "shapes", "title": "Shapes", "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus"},
        {"name": "ns", "type": "query", "datasource": prom_ds, "multi": True, "includeAll": True,
         "query": 'label_values(kube_pod_info{namespace=~"empulse|podinfo"}, namespace)',
         "current": {"value": ["$__all"]}},
    ]}, "panels": [
        {"id": 1, "type": "stat", "title": "Pods in $ns", "repeat": "ns", "datasource": prom_ds,
         "targets": [{"refId": "A", "expr": 'count(kube_pod_info{namespace="$ns"})', "instant": True}]},
        {"id": 2, "type": "row", "title": "Collapsed", "collapsed": True, "panels": [
            {"id": 3, "type": "timeseries", "title": "Inside", "datasource": prom_ds,
             "targets": [{"refId": "A", "expr": "sum(kube_node_info)"}]}]},
        {"id": 4, "type": "timeseries", "title": "Mixed", "datasource": {"type": "datasource", "uid": "-- Mixed --"},
         "targets": [{"refId": "A", "expr": "sum(up)", "datasource": prom_ds},
                     {"refId": "B", "expr": "x", "datasource": {"type": "loki", "uid": "logs"}}]},
    ]}
    project.write("dashboards/x.json", json.dumps(board))
    result = project.run("verify", *window(prometheus), "--strict", "-o", "json")
    assert result.code == 0, result.out
    panels = {p["title"]: p for p in json.loads(result.out)["dashboards"][0]["panels"]}
    c = prometheus.cluster
    for ns in ("empulse", "podinfo"):  # one panel per value, each with the one value
        p = panels[f"Pods in {ns} (ns={ns})"]
        assert p["targets"][0]["expr"] == f'count(kube_pod_info{{namespace="{ns}"}})'
        assert float(p["targets"][0]["samples"][0]["value"]) == sum(pod.namespace == ns for pod in c.pods())
    assert panels["Inside"]["status"] == "data"
    assert panels["Mixed"]["status"] == "data" and [t["refId"] for t in panels["Mixed"]["targets"]] == ["A"]


def test_legacy_rows_layout_is_verified(prometheus, project):
    """Schema 14 and older keep panels in rows[].panels; each is checked, and sized by its span."""
    board = {"uid": "legacy", "title": "Legacy", "schemaVersion": 14, "rows": [
        {"title": "Cluster", "panels": [
            {"id": 1, "type": "graph", "title": "Nodes", "span": 1,
             "targets": [{"refId": "A", "expr": "sum(rate(kube_node_info[$__rate_interval]))"}]},
        ]},
        {"title": "More", "collapse": True, "panels": [
            {"id": 2, "type": "singlestat", "title": "Missing", "span": 12,
             "targets": [{"refId": "A", "expr": "sum(no_such_metric_anywhere)"}]},
        ]},
    ]}
    project.write("dashboards/legacy.json", json.dumps(board))
    result = project.run("verify", *window(prometheus), "--strict", "-o", "json")
    assert result.code == 1, result.out + result.err
    panels = {p["title"]: p for p in json.loads(result.out)["dashboards"][0]["panels"]}
    assert panels["Nodes"]["status"] == "data" and panels["Missing"]["status"] == "no data"
    # span 1 of 12 is 2 grid columns, 120 px: 2h / 120 = 1m; 15s scrape -> max(1m + 15s, 4 x 15s) = 1m15s
    assert "[1m15s]" in panels["Nodes"]["targets"][0]["expr"]
    text = project.run("verify", *window(prometheus), "--strict")
    assert text.code == 1 and "legacy: 2 panels (1 data, 1 no data)" in text.out


def test_datasource_types_and_special_names_ignore_case(prometheus, project):
    """As the lint engine reads them: a reference typed "Prometheus" is Prometheus (Grafana finds datasources
    by uid), "-- grafana --" is the built-in datasource, and a uid "grafana" typed prometheus is not."""
    query = [{"refId": "A", "expr": "sum(kube_node_info)", "instant": True}]
    board = {"uid": "cases", "title": "Cases", "panels": [
        {"id": 1, "type": "stat", "title": "Typed in capitals", "datasource": {"type": "Prometheus", "uid": "prom"},
         "targets": query},
        {"id": 2, "type": "stat", "title": "Built-in", "datasource": {"uid": "-- grafana --"}, "targets": query},
        {"id": 3, "type": "stat", "title": "Uid grafana", "datasource": {"type": "prometheus", "uid": "grafana"},
         "targets": query},
    ]}
    project.write("dashboards/cases.json", json.dumps(board))
    result = project.run("verify", *window(prometheus), "-o", "json")
    assert result.code == 0, result.out + result.err
    panels = {p["title"]: p for p in json.loads(result.out)["dashboards"][0]["panels"]}
    assert panels["Typed in capitals"]["status"] == "data"
    assert panels["Built-in"]["status"] == "skipped" and "built-in Grafana" in panels["Built-in"]["detail"]
    assert panels["Uid grafana"]["status"] == "data"
