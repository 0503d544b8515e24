"""The harness's alternative exporters, checked on the generated series (no Prometheus needed).

* EmPulse's HTTP metrics as a Go service with promhttp and with OpenTelemetry instead of
  prometheus-fastapi-instrumentator (``EmPulseApp.http_instrumentation``);
* the Flux Operator's ``flux_resource_info`` instead of kube-state-metrics' ``gotk_resource_info``
  (``Cluster.flux_resource_exporter``).

Expectations come from the scenario objects and the exporters' documented label sets.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from prom.cluster import default_cluster
from prom.generate import (
    OTEL_HTTP_DURATION_BUCKETS,
    PROMHTTP_DEFAULT_BUCKETS,
    STATUS_CODES,
    generate,
)
from prom.openmetrics import go_float, py_float

FIXED_END = 1_767_225_600.0


def scenario(**changes):
    c = default_cluster()
    c.window = 20 * 60
    c.end = FIXED_END
    for o in c.flux_objects:
        for tr in o.history:
            tr.ago = min(tr.ago, c.window / 2)
    for key, value in changes.items():
        obj, attr = (c.empulse, key[len("empulse_"):]) if key.startswith("empulse_") else (c, key)
        setattr(obj, attr, value)
    return c


def api_pods(c):
    return [p for p in c.pods() if p.workload.name == c.empulse.deployment]


def test_fastapi_is_still_the_default():
    ds = generate(scenario())
    assert ds.series("http_requests_total") and ds.series("http_request_duration_highr_seconds_count")
    assert {s.labels["status"] for s in ds.series("http_requests_total")} <= {"2xx", "3xx", "4xx", "5xx"}


def test_promhttp_labels_buckets_and_counts():
    c = scenario(empulse_http_instrumentation="promhttp")
    ds = generate(c)
    assert not ds.series("http_request_duration_highr_seconds_count") and not ds.series("http_requests_inprogress")
    requests = ds.series("http_requests_total")
    assert requests
    for s in requests:
        assert {"code", "method", "handler", "job", "namespace", "pod"} <= set(s.labels) and "status" not in s.labels
        assert s.labels["method"] == s.labels["method"].lower()  # promhttp sanitizeMethod
        assert len(s.labels["code"]) == 3 and s.labels["code"].isdigit()
    routes = {r.handler: r for r in c.empulse.routes}
    codes = defaultdict(set)
    for s in requests:
        codes[s.labels["handler"]].add(s.labels["code"])
    for handler, route in routes.items():
        assert codes[handler] == {STATUS_CODES[cls][route.method] for cls in route.status_mix}
    les = {s.labels["le"] for s in ds.series("http_request_duration_seconds_bucket")}
    assert les == {go_float(b) for b in PROMHTTP_DEFAULT_BUCKETS} | {"+Inf"}
    # the histogram counts the same requests as the counter, per handler
    for handler in routes:
        total = sum(s.values[-1] for s in requests if s.labels["handler"] == handler)
        hist = sum(s.values[-1] for s in ds.series("http_request_duration_seconds_count") if s.labels["handler"] == handler)
        assert hist == total
    inflight = ds.series("http_requests_in_flight")
    assert len(inflight) == len(api_pods(c)) and all("handler" not in s.labels for s in inflight)


def test_otel_semantic_conventions():
    c = scenario(empulse_http_instrumentation="otel")
    ds = generate(c)
    assert not ds.series("http_requests_total")
    counts = ds.series("http_server_request_duration_seconds_count")
    assert counts
    for s in counts:
        assert {"http_request_method", "http_response_status_code", "url_scheme"} <= set(s.labels)
        assert s.labels["http_request_method"] == s.labels["http_request_method"].upper()
    routes = {s.labels.get("http_route") for s in counts}
    matched = {r.handler for r in c.empulse.routes if r.handler != "none"}
    assert routes == matched | {None}  # unmatched requests carry no http_route
    les = {s.labels["le"] for s in ds.series("http_server_request_duration_seconds_bucket")}
    assert les == {py_float(b) for b in OTEL_HTTP_DURATION_BUCKETS} | {"+Inf"}
    # request rate per route follows the scenario: counts grow by rps * window
    grid_s = c.window
    for route in c.empulse.routes:
        if route.handler == "none":
            continue
        rows = [s for s in counts if s.labels.get("http_route") == route.handler]
        grown = sum(s.values[-1] - s.values[0] for s in rows)
        assert grown == pytest.approx(route.rps * grid_s, rel=0.15)
    errors = [s for s in counts if s.labels["http_response_status_code"].startswith("5")]
    assert {s.labels["http_route"] for s in errors} == {r.handler for r in c.empulse.routes if "5xx" in r.status_mix}
    active = ds.series("http_server_active_requests")
    assert active and all(set(s.labels) >= {"http_request_method", "url_scheme"} and "http_route" not in s.labels
                          for s in active)


def test_flux_operator_resource_info():
    c = scenario(flux_resource_exporter="flux-operator")
    ds = generate(c)
    assert not ds.series("gotk_resource_info")
    # the series alive at the end of the window (a transition starts a new series)
    alive = [s for s in ds.series("flux_resource_info") if s.i0 + len(s.values) == ds.grid.n]
    latest = {(s.labels["kind"], s.labels["exported_namespace"], s.labels["name"]): s.labels for s in alive}
    assert len(latest) == len(alive)
    assert set(latest) == {(o.kind, o.namespace, o.name) for o in c.flux_objects}
    for o in c.flux_objects:
        lb = latest[(o.kind, o.namespace, o.name)]
        assert lb["job"] == "flux-operator" and lb["namespace"] == "flux-system"
        assert lb["ready"] == o.ready
        assert lb["suspended"] == ("True" if o.suspended else "False")  # capitalised, unlike KSM's
        assert "customresource_kind" not in lb and lb["uid"]
        if o.kind == "Kustomization":
            assert lb["source_name"] == o.source_name and lb["path"]
        if o.kind == "Bucket":
            assert lb["url"] == o.endpoint
        if o.ready == "False":
            assert lb["reason"].endswith("Failed")
    # a Transition is a new series, like gotk_resource_info
    flipped = next(o for o in c.flux_objects if any("ready" in tr.before for tr in o.history))
    states = {s.labels["ready"] for s in ds.series("flux_resource_info") if s.labels["name"] == flipped.name
              and s.labels["kind"] == flipped.kind}
    assert states == {flipped.ready, next(tr.before["ready"] for tr in flipped.history if "ready" in tr.before)}
