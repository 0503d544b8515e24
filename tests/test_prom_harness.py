"""Tests of the Prometheus test harness (tests/prom): generated data, backfill, server, skip rule.

Expectations are computed from the scenario objects, never copied from the generator.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import stat
import subprocess
from collections import defaultdict

import pytest

from prom.binaries import promtool_path, require_prometheus_binaries
from prom.cluster import (
    RECONCILER_KINDS,
    SOURCE_KINDS,
    Cluster,
    CustomSeries,
    default_cluster,
)
from prom.generate import (
    FORBIDDEN_METRICS,
    GOTK_RECONCILE_BUCKETS,
    WORKQUEUE_BUCKETS,
    exponential_buckets_range_approx,
    generate,
)
from prom.openmetrics import go_float

FIXED_END = 1_767_225_600.0  # 2026-01-01T00:00:00Z, for deterministic small datasets


def small_cluster(minutes: int = 20) -> Cluster:
    c = default_cluster()
    c.window = minutes * 60
    c.end = FIXED_END
    for o in c.flux_objects:  # keep transitions inside the short window
        for tr in o.history:
            tr.ago = min(tr.ago, c.window / 2)
    return c


def rel_close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * abs(b)


# --------------------------------------------------------------------------- server basics
def test_server_ready_and_window(prometheus):
    import urllib.request

    with urllib.request.urlopen(prometheus.url + "/-/ready", timeout=5) as r:
        assert r.status == 200
    c = prometheus.cluster
    assert prometheus.end - prometheus.start == pytest.approx(c.window)
    assert prometheus.step == c.scrape_interval
    api_pods = [p for p in c.pods() if p.workload.name == c.empulse.deployment]
    expected_targets = 1 + 2 * len(c.nodes) + len(c.flux_controllers) + len(api_pods)
    assert prometheus.value("count(up)") == expected_targets
    down_nodes = [n for n in c.nodes if not n.ready]
    assert prometheus.value("count(up == 0) or vector(0)") == 2 * len(down_nodes)
    assert set(prometheus.label_values("job")) == {
        "kube-state-metrics",
        "kubelet",
        "node-exporter",
        "flux-system/flux-system",
        c.empulse.service,
    }


def test_instant_queries_at_end_see_last_samples(prometheus):
    # data ends exactly at .end; the last sample must be visible there ...
    assert prometheus.value("count(up)", time=prometheus.end) > 0
    assert prometheus.value(f"count(timestamp(up) == {int(prometheus.end)})") == prometheus.value("count(up)")
    # ... and there are no staleness markers: it vanishes only after the 5m lookback
    assert prometheus.query("count(up)", time=prometheus.end + 6 * 60) == []
    # ... and the first samples are at .start
    assert prometheus.value("count(up)", time=prometheus.start) > 0
    assert prometheus.query("count(up)", time=prometheus.start - 1) == []


# --------------------------------------------------------------------------- Flux
def test_failing_reconcilers_and_sources(prometheus):
    c = prometheus.cluster
    failing = c.failing_reconcilers()
    assert failing, "default scenario must have failing reconcilers"
    q = 'count(gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease",ready="False"})'
    assert prometheus.value(q) == len(failing)
    q = 'count(gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease"})'
    assert prometheus.value(q) == len(c.flux_of_kind(*RECONCILER_KINDS))
    q = 'count(gotk_resource_info{customresource_kind=~"GitRepository|HelmRepository|Bucket|OCIRepository",ready="False"})'
    assert prometheus.value(q) == len(c.failing_sources())
    unknown = [o for o in c.flux_objects if o.ready == "Unknown"]
    assert unknown and prometheus.value('count(gotk_resource_info{ready="Unknown"})') == len(unknown)
    suspended = c.suspended_objects()
    assert suspended and prometheus.value('count(gotk_resource_info{suspended="true"})') == len(suspended)
    got = {(m["customresource_kind"], m["exported_namespace"], m["name"]) for m, _ in prometheus.vector('gotk_resource_info{ready="False"}')}
    assert got == {(o.kind, o.namespace, o.name) for o in c.flux_objects if o.ready == "False"}


def test_resource_info_labels_match_ksm_config(prometheus):
    c = prometheus.cluster
    series = prometheus.vector("gotk_resource_info")
    assert len(series) == len(c.flux_objects)
    for m, v in series:
        assert v == 1
        assert m["job"] == "kube-state-metrics"
        assert m["namespace"] == c.ksm_namespace  # KSM's own target namespace
        obj = c.flux(m["customresource_kind"], m["name"])
        assert m["exported_namespace"] == obj.namespace
        assert m["ready"] in ("True", "False", "Unknown")
        assert m.get("suspended") in ("true", "false", None)
        expected = {k: v for k, v in obj.info_labels(c.seed).items() if v}
        assert {k: m.get(k) for k in expected} == expected
    # spec.suspend unset -> KSM emits no suspended label at all
    unset = [o for o in c.flux_objects if o.suspended is None]
    assert unset
    assert prometheus.value('count(gotk_resource_info{suspended=""})') == len(unset)
    kinds = set(prometheus.label_values("customresource_kind"))
    assert set(RECONCILER_KINDS) | set(SOURCE_KINDS) <= kinds


def test_label_changes_over_the_window(prometheus):
    c = prometheus.cluster
    rev = [(o, tr) for o in c.flux_objects for tr in o.history if "revision" in tr.before]
    flips = [(o, tr) for o in c.flux_objects for tr in o.history if "ready" in tr.before]
    assert rev and flips
    for o, tr in rev + flips:
        sel = f'gotk_resource_info{{customresource_kind="{o.kind}",name="{o.name}",exported_namespace="{o.namespace}"}}'
        now = prometheus.vector(sel)
        assert len(now) == 1
        final = o.info_labels(c.seed)
        key = next(iter(tr.before))
        assert now[0][0][key] == final[key]
        before = prometheus.vector(sel, time=prometheus.end - tr.ago - 60)
        assert len(before) == 1 and before[0][0][key] == tr.before[key]
        # both label sets exist as separate series over the window
        assert prometheus.value(f"count(count_over_time({sel}[{int(c.window)}s]))") == 2


def test_flux_controller_metrics_namespace_split(prometheus):
    c = prometheus.cluster
    series = prometheus.series("gotk_reconcile_duration_seconds_count")
    assert series
    for s in series:
        assert s["namespace"] == "flux-system"  # PodMonitor target namespace
        assert s["job"] == "flux-system/flux-system"
        assert s["container"] == "manager" and s["endpoint"] == "http-prom"
        assert s["pod"].startswith(("source-controller-", "kustomize-controller-", "helm-controller-"))
        assert s["instance"].startswith("10.") and s["instance"].endswith(":8080")
    got = {(s["kind"], s["exported_namespace"], s["name"]) for s in series}
    assert got == {(o.kind, o.namespace, o.name) for o in c.flux_objects}
    # label_values(gotk_resource_info, exported_namespace), as the Flux dashboard does
    assert sorted(prometheus.label_values("exported_namespace", "gotk_resource_info")) == sorted({o.namespace for o in c.flux_objects})
    assert prometheus.label_values("namespace", "gotk_reconcile_duration_seconds_sum") == ["flux-system"]
    ctrl = {s["controller"] for s in prometheus.series("controller_runtime_reconcile_total")}
    assert ctrl == {x for fc in c.flux_controllers for x in fc.controllers}
    assert prometheus.value('sum(go_info{namespace="flux-system",pod=~".*-controller-.*"})') == len(c.flux_controllers)
    for name in ("workqueue_depth", "workqueue_adds_total", "workqueue_retries_total", "workqueue_longest_running_processor_seconds", "rest_client_requests_total", "process_cpu_seconds_total", "go_memstats_alloc_bytes", "controller_runtime_max_concurrent_reconciles", "controller_runtime_active_workers"):
        assert prometheus.query(f'{name}{{namespace="flux-system"}}'), name


def test_gotk_histogram_buckets_and_quantiles(prometheus):
    c = prometheus.cluster
    les = prometheus.label_values("le", "gotk_reconcile_duration_seconds_bucket")
    assert set(les) == {go_float(b) for b in GOTK_RECONCILE_BUCKETS} | {"+Inf"}
    # cumulative histogram of one object: the median falls in the bucket holding its configured median
    obj = max((o for o in c.flux_objects if not o.suspended), key=lambda o: o.duration)
    q = f'histogram_quantile(0.5, sum by (le) (gotk_reconcile_duration_seconds_bucket{{kind="{obj.kind}",name="{obj.name}"}}))'
    est = prometheus.value(q)
    bounds = [0.0, *GOTK_RECONCILE_BUCKETS]
    j = next(i for i in range(1, len(bounds)) if obj.duration <= bounds[i])
    assert bounds[j - 1] <= est <= bounds[j], (obj.name, obj.duration, est)
    # per-kind p95 over rates, as the dashboards do
    q = 'histogram_quantile(0.95, sum by (le, kind) (rate(gotk_reconcile_duration_seconds_bucket{namespace="flux-system"}[30m])))'
    res = {m["kind"]: v for m, v in prometheus.vector(q)}
    assert set(res) == {o.kind for o in c.flux_objects}
    assert 0 < res["Kustomization"] <= GOTK_RECONCILE_BUCKETS[-1]
    # avg duration per kind = rate(sum)/rate(count)
    q = 'sum by (kind) (rate(gotk_reconcile_duration_seconds_sum{kind="GitRepository"}[30m])) / sum by (kind) (rate(gotk_reconcile_duration_seconds_count{kind="GitRepository"}[30m]))'
    gits = [o for o in c.flux_of_kind("GitRepository") if not o.suspended]
    lo = min(o.duration for o in gits) * 0.5
    hi = max(o.duration for o in gits) * 2
    assert lo <= prometheus.value(q) <= hi
    q = 'histogram_quantile(0.9, sum(rate(controller_runtime_reconcile_time_seconds_bucket{controller="helmrelease"}[30m])) by (le))'
    assert 0 < prometheus.value(q) <= 60


# --------------------------------------------------------------------------- Kubernetes
def test_nodes(prometheus):
    c = prometheus.cluster
    assert prometheus.value('sum(kube_node_status_condition{condition="Ready",status="true"})') == len(c.ready_nodes)
    assert prometheus.value("count(kube_node_info)") == len(c.nodes)
    assert prometheus.value("sum(kube_node_spec_unschedulable)") == sum(n.unschedulable for n in c.nodes)
    assert prometheus.value('sum(kube_node_status_allocatable{resource="cpu"})') == sum(n.cpu for n in c.nodes)
    statuses = set(prometheus.label_values("status", "kube_node_status_condition"))
    assert statuses == {"true", "false", "unknown"}
    for m, _ in prometheus.vector("kube_node_info"):  # honor_labels: target labels of KSM stay
        assert m["namespace"] == c.ksm_namespace and m["pod"].startswith(f"{c.release}-kube-state-metrics-")
    # node-exporter: CPU busy fraction as configured
    for node in c.ready_nodes:
        q = f'1 - avg(rate(node_cpu_seconds_total{{job="node-exporter",mode="idle",instance="{node.ip}:9100"}}[5m]))'
        assert rel_close(prometheus.value(q), node.cpu_busy, 0.1), node.name
        q = f'1 - node_memory_MemAvailable_bytes{{instance="{node.ip}:9100"}} / node_memory_MemTotal_bytes{{instance="{node.ip}:9100"}}'
        assert abs(prometheus.value(q) - node.memory_used) < 0.1
    assert prometheus.value('count(node_filesystem_avail_bytes{mountpoint="/"})') == len(c.ready_nodes)
    assert prometheus.value("count(node_load1)") == len(c.ready_nodes)


def test_pods_deployments_services(prometheus):
    c = prometheus.cluster
    pods = c.pods()
    assert prometheus.value("count(kube_pod_info)") == len(pods)
    assert set(prometheus.label_values("namespace", "kube_pod_info")) == {p.namespace for p in pods}
    assert prometheus.value('sum(kube_pod_status_phase{phase="Running"})') == sum(p.phase == "Running" for p in pods)
    assert prometheus.value('sum(kube_pod_status_ready{condition="true"})') == sum(p.ready for p in pods)
    crash = [(p, pc) for p in pods for pc in p.containers if pc.waiting_reason == "CrashLoopBackOff"]
    assert crash
    q = 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1'
    assert {(m["pod"], m["container"]) for m, _ in prometheus.vector(q)} == {(p.name, pc.spec.name) for p, pc in crash}
    p, pc = crash[0]
    per_hour = pc.spec.restarts / c.window * 3600
    inc = prometheus.value(f'increase(kube_pod_container_status_restarts_total{{pod="{p.name}",container="{pc.spec.name}"}}[1h])')
    assert rel_close(inc, per_hour, 0.25)
    short = {(w.namespace, w.name) for w in c.workloads if w.kind == "Deployment" and (w.unready_replicas or w.crashlooping_replicas)}
    assert short
    got = {(m["namespace"], m["deployment"]) for m, _ in prometheus.vector("kube_deployment_spec_replicas > kube_deployment_status_replicas_ready")}
    assert got == short
    deployments = [w for w in c.workloads if w.kind == "Deployment"]
    assert prometheus.value('count(kube_deployment_status_condition{condition="Available"} == 1)') == len(deployments)
    # containers without limits have no limit series
    with_mem_limit = sum(1 for p in pods for pc in p.containers if pc.spec.memory_limit is not None)
    without = sum(1 for p in pods for pc in p.containers if pc.spec.memory_limit is None)
    assert without > 0
    assert prometheus.value('count(kube_pod_container_resource_limits{resource="memory",unit="byte"})') == with_mem_limit
    assert prometheus.value('sum(kube_pod_container_resource_requests{resource="cpu",unit="core"})') == pytest.approx(
        sum(pc.spec.cpu_request or 0 for p in pods for pc in p.containers)
    )
    lbs = {(m["namespace"], m["service"], m.get("ip", ""), m.get("hostname", "")) for m, _ in prometheus.vector("kube_service_status_load_balancer_ingress")}
    assert lbs == {(s.namespace, s.name, s.lb_ingress_ip, s.lb_ingress_hostname) for s in c.services if s.type == "LoadBalancer"}
    assert prometheus.value('count(kube_service_spec_type{type="LoadBalancer"})') == len(lbs)


def test_cadvisor_series(prometheus):
    c = prometheus.cluster
    sel = 'job="kubelet",metrics_path="/metrics/cadvisor"'
    running = [p for p in c.pods() if c.node(p.node).ready and p.phase == "Running"]
    # pod-level cgroup series: container="" and image="" (what container!="" filters out)
    q = f'count(container_memory_working_set_bytes{{{sel},container="",image="",pod!=""}})'
    assert prometheus.value(q) == len(running)
    q = f'count(container_memory_working_set_bytes{{{sel},container!="",image!=""}})'
    assert prometheus.value(q) == sum(len(p.containers) for p in running)
    # root cgroup: honor_labels + empty namespace hides the target's namespace
    roots = prometheus.vector(f'container_memory_working_set_bytes{{{sel},id="/"}}')
    assert len(roots) == len(c.ready_nodes) and all("namespace" not in m for m, _ in roots)
    for m, _ in prometheus.vector(f'container_cpu_usage_seconds_total{{{sel},container!=""}}'):
        assert m["service"] == f"{c.release}-kubelet" and m["endpoint"] == "https-metrics"
        assert m["instance"] == f"{c.node(m['node']).ip}:10250"
    # CPU rate as configured
    api = [(p, pc) for p in running for pc in p.containers if p.workload.name == c.empulse.deployment]
    for p, pc in api:
        q = f'rate(container_cpu_usage_seconds_total{{{sel},pod="{p.name}",container="{pc.spec.name}"}}[5m])'
        assert rel_close(prometheus.value(q), pc.spec.cpu_usage, 0.2)
    net = prometheus.series(f'container_network_receive_bytes_total{{{sel}}}')
    assert net and all(s.get("interface") == "eth0" and "container" not in s for s in net)
    for name in ("container_network_transmit_bytes_total", "container_network_receive_packets_total", "container_network_transmit_packets_dropped_total", "container_memory_rss", "container_spec_memory_limit_bytes", "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total"):
        assert prometheus.query(f"{name}{{{sel}}}"), name
    q = 'sum by (namespace, pod, container) (container_memory_working_set_bytes{container!="", image!=""}) / on (namespace, pod, container) sum by (namespace, pod, container) (kube_pod_container_resource_limits{resource="memory"})'
    ratios = prometheus.vector(q)
    assert ratios and all(0 < v < 1.5 for _, v in ratios)


# --------------------------------------------------------------------------- EmPulse
def test_empulse_rates(prometheus):
    c = prometheus.cluster
    app = c.empulse
    assert set(prometheus.label_values("status", 'http_requests_total{job="empulse-api"}')) == {"2xx", "4xx", "5xx"}
    got = {(m["handler"], m["method"], m["status"]): v for m, v in prometheus.vector('sum by (handler, method, status) (rate(http_requests_total{job="empulse-api",namespace="empulse"}[5m]))')}
    for r in app.routes:
        for status, frac in r.status_mix.items():
            want = r.rps * frac
            if want >= 1:
                assert rel_close(got[(r.handler, r.method, status)], want, 0.25), (r.handler, status)
    total = sum(r.rps for r in app.routes)
    assert rel_close(prometheus.value('sum(rate(http_requests_total{job="empulse-api"}[30m]))'), total, 0.1)
    err = sum(r.rps * r.status_mix.get("5xx", 0) for r in app.routes) / total
    q = 'sum(rate(http_requests_total{status="5xx",job="empulse-api"}[30m])) / sum(rate(http_requests_total{job="empulse-api"}[30m]))'
    assert rel_close(prometheus.value(q), err, 0.25)
    streams = {(m["tier"], m["client"]): v for m, v in prometheus.vector("sum by (tier, client) (rate(empulse_streams_started_total[5m]))")}
    assert set(streams) == set(app.streams)
    for k, want in app.streams.items():
        assert rel_close(streams[k], want, 0.25), k
    active = prometheus.value("sum(empulse_active_streams)")
    assert rel_close(active, sum(app.streams.values()) * app.average_stream_seconds, 0.3)
    assert set(prometheus.label_values("reason", "empulse_playback_errors_total")) == {r for r, _ in app.playback_errors}
    assert set(prometheus.label_values("result", "empulse_catalog_search_requests_total")) == set(app.searches)
    assert rel_close(prometheus.value("sum(rate(empulse_audio_bytes_served_total[30m]))"), sum(app.audio_bytes.values()), 0.1)


def test_empulse_histograms(prometheus):
    app = prometheus.cluster.empulse
    # instrumentator default low-resolution buckets, Python formatting
    assert set(prometheus.label_values("le", "http_request_duration_seconds_bucket")) == {"0.1", "0.5", "1.0", "+Inf"}
    assert prometheus.value('count(http_request_duration_highr_seconds_bucket{job="empulse-api"})') == 22 * len(
        [p for p in prometheus.cluster.pods() if p.workload.name == app.deployment]
    )
    for client, med in app.stream_start_latency.items():
        q = f'histogram_quantile(0.5, sum by (le) (rate(empulse_stream_start_seconds_bucket{{client="{client}"}}[30m])))'
        assert rel_close(prometheus.value(q), med, 0.35), client
    q = 'sum by (handler, method) (rate(http_request_duration_seconds_count[30m])) - on (handler, method) sum by (handler, method) (rate(http_requests_total[30m]))'
    assert all(abs(v) < 1e-9 for _, v in prometheus.vector(q))
    assert prometheus.query('http_requests_inprogress{job="empulse-api",handler!="",method!=""}')


# --------------------------------------------------------------------------- consistency
def test_no_forbidden_metric_names(prometheus):
    names = set(prometheus.label_values("__name__"))
    assert "gotk_resource_info" in names
    assert not names & set(FORBIDDEN_METRICS)
    assert not prometheus.dataset.metric_names() & set(FORBIDDEN_METRICS)
    assert not any(n.startswith("flux_") for n in names)
    for bad in FORBIDDEN_METRICS:
        assert prometheus.query(bad) == []


def test_counters_monotonic_and_histograms_consistent_in_prometheus(prometheus):
    w = int(prometheus.cluster.window)
    names = [n for n in prometheus.label_values("__name__") if n.endswith(("_total", "_bucket", "_count", "_sum"))]
    assert len(names) > 30
    for name in names:  # resets() drops __name__, so one metric at a time
        assert prometheus.query(f"count(resets({name}[{w}s]) > 0)") == [], name
    for h in ("gotk_reconcile_duration_seconds", "controller_runtime_reconcile_time_seconds", "http_request_duration_seconds", "empulse_stream_start_seconds", "workqueue_work_duration_seconds"):
        q = f'{h}_bucket{{le="+Inf"}} != ignoring (le) {h}_count'
        assert prometheus.query(q) == [], h
        assert prometheus.query(f"{h}_count"), h


def test_dataset_counters_monotonic_and_histograms_cumulative(prometheus):
    ds = prometheus.dataset
    checked = 0
    for fam in ds.metrics.families.values():
        if fam.type not in ("counter", "histogram", "summary"):
            continue
        groups = defaultdict(dict)
        for s in fam.series:
            vals = s.values
            assert all(vals[i] <= vals[i + 1] for i in range(len(vals) - 1)), (s.name, s.labels)
            assert all(v >= 0 for v in vals)
            checked += 1
            if fam.type == "histogram":
                base = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                groups[base][s.labels.get("le", s.name)] = vals
        for base, g in groups.items():
            les = sorted((float(k), v) for k, v in g.items() if not k.endswith(("_count", "_sum")))
            for (_, lo), (_, hi) in zip(les, les[1:]):
                assert all(a <= b for a, b in zip(lo, hi)), (fam.name, base)
            assert les[-1][0] == math.inf and les[-1][1] == g[fam.name + "_count"], (fam.name, base)
    assert checked > 1000


# --------------------------------------------------------------------------- OpenMetrics / promtool
def _check_openmetrics_structure(text: str) -> int:
    lines = text.splitlines()
    assert lines[-1] == "# EOF"
    seen, cur, ctype, samples = set(), None, None, 0
    for line in lines[:-1]:
        if line.startswith("# TYPE "):
            _, _, name, ctype = line.split(" ")
            assert name not in seen, f"family {name} not grouped"
            seen.add(name)
            cur = name
            if ctype == "counter":
                assert not name.endswith("_total")
            continue
        if line.startswith("# HELP "):
            assert line.split(" ")[2] == cur
            continue
        assert not line.startswith("#"), line
        name = line.split("{")[0].split(" ")[0]
        suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}[ctype]
        assert any(name == cur + s for s in suffixes), (cur, ctype, name)
        ts = line.rsplit(" ", 1)[1]
        assert float(ts) > 1e9  # seconds, not milliseconds
        assert float(ts) < 1e11
        samples += 1
    return samples


def test_openmetrics_passes_promtool(tmp_path):
    promtool = promtool_path()
    ds = generate(small_cluster(15))
    om = tmp_path / "all.om.txt"
    written = ds.write_openmetrics(om)
    assert written == ds.metrics.sample_count()
    assert _check_openmetrics_structure(om.read_text()) == written
    out = tmp_path / "blocks"
    res = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr + res.stdout
    metas = [json.loads((d / "meta.json").read_text()) for d in out.iterdir() if (d / "meta.json").exists()]
    assert metas
    assert sum(m["stats"]["numSamples"] for m in metas) == written
    assert max(m["stats"]["numSeries"] for m in metas) <= ds.metrics.series_count()
    # the split files used for the fast backfill carry exactly the same samples
    parts = ds.write_block_files(tmp_path / "parts", max_samples=20_000)
    assert len(parts) > 1 and sum(n for _, n in parts) == written
    for path, n in parts:
        with open(path) as fh:
            assert _check_openmetrics_structure(fh.read()) == n


def test_generation_is_deterministic(tmp_path):
    a, b = generate(small_cluster(10)), generate(small_cluster(10))
    a.write_openmetrics(tmp_path / "a")
    b.write_openmetrics(tmp_path / "b")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    c = small_cluster(10)
    c.seed = 7
    generate(c).write_openmetrics(tmp_path / "c")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_bucket_constants():
    approx = exponential_buckets_range_approx(10e-3, 1800, 10)
    assert len(GOTK_RECONCILE_BUCKETS) == 10 and GOTK_RECONCILE_BUCKETS[0] == 0.01
    assert all(rel_close(a, b, 1e-12) for a, b in zip(GOTK_RECONCILE_BUCKETS, approx))
    assert [go_float(b) for b in WORKQUEUE_BUCKETS] == ["1e-08", "1e-07", "1e-06", "9.999999999999999e-06", "9.999999999999999e-05", "0.001", "0.01", "0.1", "1", "10", "100", "1000"]
    assert [go_float(v) for v in (1.0, 0.5, 1e6, 123456789.0, 1.5e-05, 0.0001, 1800.0)] == ["1", "0.5", "1e+06", "1.23456789e+08", "1.5e-05", "0.0001", "1800"]


# --------------------------------------------------------------------------- modified scenarios
def test_modified_scenario_without_failures(prometheus_factory):
    c = small_cluster(15)
    for o in c.flux_objects:
        o.ready = "True"
        o.history = []
    c.custom_series.append(CustomSeries("dashgen_test_gauge", {"job": "custom", "team": "sre"}, value=3.0))
    c.custom_series.append(CustomSeries("dashgen_test_events_total", {"job": "custom"}, type="counter", value=10, rate=2.0))
    p = prometheus_factory(c)
    assert p.end == FIXED_END
    assert p.value('count(gotk_resource_info{ready="False"}) or vector(0)') == 0
    assert p.value('count(gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease"})') == len(c.flux_of_kind(*RECONCILER_KINDS))
    assert p.value('dashgen_test_gauge{team="sre"}') == 3.0
    assert rel_close(p.value("rate(dashgen_test_events_total[5m])"), 2.0, 0.25)


def test_scenario_copy_does_not_leak():
    a = default_cluster()
    b = copy.deepcopy(a)
    b.flux_objects.clear()
    assert a.flux_objects and not b.flux_objects
    assert len(default_cluster().flux_objects) == len(a.flux_objects)


# --------------------------------------------------------------------------- skip / fail rule
def _fake_bin_dir(tmp_path, names):
    d = tmp_path / "bin"
    d.mkdir()
    for n in names:
        f = d / n
        f.write_text("#!/bin/sh\nexit 0\n")
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    return d


def test_missing_binaries_skip_locally(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_bin_dir(tmp_path, [])))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as e:
        require_prometheus_binaries()
    assert "sudo apt-get install prometheus" in str(e.value)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        promtool_path()


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_missing_binaries_fail_in_ci(tmp_path, monkeypatch, ci):
    monkeypatch.setenv("PATH", str(_fake_bin_dir(tmp_path, ["prometheus"])))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as e:
        require_prometheus_binaries()
    assert "promtool" in str(e.value) and "sudo apt-get install prometheus" in str(e.value)
    with pytest.raises(pytest.fail.Exception):
        promtool_path()


def test_present_binaries_are_returned(tmp_path, monkeypatch):
    d = _fake_bin_dir(tmp_path, ["prometheus", "promtool"])
    monkeypatch.setenv("PATH", str(d))
    monkeypatch.setenv("CI", "true")
    found = require_prometheus_binaries()
    assert found == {"prometheus": os.path.join(d, "prometheus"), "promtool": os.path.join(d, "promtool")}
    assert promtool_path() == os.path.join(d, "promtool")
