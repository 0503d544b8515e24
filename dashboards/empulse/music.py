"""EmPulse Music: the API's RED metrics per handler, its saturation, and the streaming metrics it exports.

The HTTP metrics depend on the instrumentation (``values.empulse.http_preset``: fastapi,
promhttp or otel, see dashboards/lib/http.py); the ``empulse_*`` metrics are the service's
own contract (README). Saturation comes from cAdvisor and kube-state-metrics for the
``empulse-api`` Deployment (``values.empulse.deployment``).
"""

import dashgen

from dashboards.lib import board, variables
from dashboards.lib.http import HTTP
from dashboards.lib.panels import (
    GREEN, MERGE, ORANGE, RED, bargauge, field_unit, heatmap, heatmap_query, instant, organize, query, stat, table,
    thresholds, timeseries,
)
from dashboards.lib.selectors import cadvisor, ksm

NAMESPACE = dashgen.setting("empulse.namespace", "empulse")
DEPLOYMENT = dashgen.setting("empulse.deployment", "empulse-api")

APP = 'namespace=~"$namespace", job=~"$job"'
ROUTE = f'{HTTP.route}=~"$handler"'
REQUESTS = f"{HTTP.requests}{{{APP}, {ROUTE}}}"
ERRORS = f"{HTTP.requests}{{{APP}, {ROUTE}, {HTTP.server_error}}}"
# Pods of the Deployment: <deployment>-<replicaset hash>-<suffix>
PODS = f'namespace=~"$namespace", pod=~"{DEPLOYMENT}-[a-z0-9]+-[a-z0-9]+"'
DEPLOYMENT_SEL = f'namespace=~"$namespace", deployment="{DEPLOYMENT}"'
RATE = "[$__rate_interval]"

# The histogram with the finest buckets; fastapi's has no handler label, so it covers all handlers.
OVERALL_SEL = f"{{{APP}, {ROUTE}}}" if HTTP.overall_duration == HTTP.duration else f"{{{APP}}}"
OVERALL_NOTE = "" if HTTP.overall_duration == HTTP.duration else (
    f" From {HTTP.overall_duration}, which has fine buckets but no handler label: it covers all handlers.")


WHOLE_RANGE = "[$__range]"


def _per_window(rng: str) -> str:
    """rate() over the rate window; increase() over the whole range (tables summarising the range)."""
    return "increase" if rng == WHOLE_RANGE else "rate"


def quantile(q: float, by: str = "", rng: str = RATE, overall: bool = False) -> str:
    metric, sel = (HTTP.overall_duration, OVERALL_SEL) if overall else (HTTP.duration, f"{{{APP}, {ROUTE}}}")
    group = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) ({_per_window(rng)}({metric}_bucket{sel}{rng})))"


def error_ratio(by: str = "", rng: str = RATE) -> str:
    """5xx share of requests; groups without any 5xx series read 0 instead of disappearing."""
    fn = _per_window(rng)
    grp = f" by ({by})" if by else ""
    total = f"sum{grp} ({fn}({REQUESTS}{rng}))"
    fallback = f"0 * {total}" if by else "vector(0)"
    return f"(sum{grp} ({fn}({ERRORS}{rng})) or {fallback}) / {total}"


def app(metric: str, *extra: str) -> str:
    return f"{metric}{{{', '.join((APP, *extra))}}}"


ERROR_STEPS = thresholds(GREEN, (0.01, ORANGE), (0.05, RED))
LATENCY_STEPS = thresholds(GREEN, (0.5, ORANGE), (1, RED))

overview = [
    stat("Requests", description=f"Requests per second to the selected handlers ({HTTP.requests}).",
         unit="reqps", color_mode="none", targets=[instant(f"sum(rate({REQUESTS}{RATE}))")]),
    stat("5xx error ratio", description="Share of requests answered with a server error (5xx).",
         unit="percentunit", decimals=2, steps=ERROR_STEPS, color_mode="background",
         targets=[instant(error_ratio())]),
    stat("p95 latency", description="95th percentile request duration." + OVERALL_NOTE,
         unit="s", steps=LATENCY_STEPS, color_mode="background",
         targets=[instant(quantile(0.95, overall=True))]),
    stat("Active streams", description="Audio streams playing now (empulse_active_streams), all tiers and clients.",
         unit="none", color_mode="none", targets=[instant(f"sum({app('empulse_active_streams')})")]),
    stat("Streams started", description="Audio streams started per second (empulse_streams_started_total).",
         unit="short", color_mode="none",
         targets=[instant(f"sum(rate({app('empulse_streams_started_total')}{RATE}))")]),
    stat("Replicas ready", description=(
        f"Ready and desired replicas of the {DEPLOYMENT} Deployment (kube-state-metrics)."),
        unit="none", color_mode="none", text_mode="value_and_name",
        targets=[instant(f"sum(kube_deployment_status_replicas_ready{ksm(DEPLOYMENT_SEL)})", "ready"),
                 instant(f"sum(kube_deployment_spec_replicas{ksm(DEPLOYMENT_SEL)})", "desired")]),
]

R = HTTP.route
red = [
    timeseries("Request rate by handler", description=f"Requests per second per handler ({HTTP.requests}).",
               unit="reqps", w=12, h=8,
               targets=[query(f"sum by ({R}) (rate({REQUESTS}{RATE}))", f"{{{{{R}}}}}")]),
    timeseries("Requests by status", description=(
        f"Requests per second by response status ({HTTP.status} label), all selected handlers."),
        unit="reqps", w=12, h=8, stack=True, fill=40,
        targets=[query(f"sum by ({HTTP.status}) (rate({REQUESTS}{RATE}))", f"{{{{{HTTP.status}}}}}")]),
    timeseries("5xx error ratio by handler", description=(
        "Share of each handler's requests answered with a server error (5xx). Handlers without errors read 0."),
        unit="percentunit", w=12, h=8, min=0, thresholds_=ERROR_STEPS,
        targets=[query(error_ratio(R), f"{{{{{R}}}}}")]),
    timeseries("Latency p50 / p95 / p99", description=(
        "Median, 95th and 99th percentile request duration, estimated from the histogram buckets." + OVERALL_NOTE),
        unit="s", w=12, h=8,
        targets=[query(quantile(0.5, overall=True), "p50"), query(quantile(0.95, overall=True), "p95"),
                 query(quantile(0.99, overall=True), "p99")]),
    timeseries("p95 latency by handler", description=(
        f"95th percentile request duration per handler ({HTTP.duration}; estimated from its buckets)."),
        unit="s", w=12, h=8, thresholds_=LATENCY_STEPS,
        targets=[query(quantile(0.95, R), f"{{{{{R}}}}}")]),
    timeseries("In-flight requests", description=(
        f"Requests being processed right now ({HTTP.inflight})."
        + (" Per handler." if HTTP.inflight_by_route else " All handlers.")),
        unit="none", w=12, h=8,
        targets=[query(f"sum by ({R}) ({app(HTTP.inflight, ROUTE)})", f"{{{{{R}}}}}") if HTTP.inflight_by_route
                 else query(f"sum({app(HTTP.inflight)})", "in flight")]),
    table("Handlers", description=(
        "Per handler over the whole time range: average request rate, 5xx error ratio and the 50th, 95th and 99th "
        "percentile duration. Busiest first."),
        unit="none", w=24, h=9, sort_by="Requests/s", desc=True,
        targets=[instant(f"sum by ({R}) (increase({REQUESTS}{WHOLE_RANGE})) / $__range_s", table=True),
                 instant(error_ratio(R, WHOLE_RANGE), table=True),
                 instant(quantile(0.5, R, WHOLE_RANGE), table=True),
                 instant(quantile(0.95, R, WHOLE_RANGE), table=True),
                 instant(quantile(0.99, R, WHOLE_RANGE), table=True)],
        transformations=[MERGE, organize({R: "Handler", "Value #A": "Requests/s", "Value #B": "5xx ratio",
                                          "Value #C": "p50", "Value #D": "p95", "Value #E": "p99"},
                                         exclude=("Time",))],
        overrides=[field_unit("Requests/s", "reqps"),
                   field_unit("5xx ratio", "percentunit", ("custom.cellOptions", {"type": "color-text"}),
                              ("thresholds", ERROR_STEPS), ("color", {"mode": "thresholds"})),
                   *(field_unit(c, "s") for c in ("p50", "p95", "p99"))]),
]

CONTAINERS = cadvisor(PODS, 'container!=""', 'image!=""')
saturation = [
    timeseries("CPU by pod", description=(
        f"CPU used by each {DEPLOYMENT} pod, in cores (cAdvisor). Compare with the container's CPU limit: "
        "near it, requests queue up and latency grows."),
        unit="short", w=8, h=8,
        targets=[query(f"sum by (pod) (rate(container_cpu_usage_seconds_total{CONTAINERS}{RATE}))", "{{pod}}")]),
    timeseries("Memory by pod", description=(
        f"Working-set memory of each {DEPLOYMENT} pod (cAdvisor); the kernel OOM-kills a container at its limit."),
        unit="bytes", w=8, h=8,
        targets=[query(f"sum by (pod) (container_memory_working_set_bytes{CONTAINERS})", "{{pod}}")]),
    timeseries("Replicas", description=(
        f"Desired, ready and available replicas of the {DEPLOYMENT} Deployment (kube-state-metrics)."),
        unit="none", w=8, h=8, decimals=0,
        targets=[query(f"sum(kube_deployment_spec_replicas{ksm(DEPLOYMENT_SEL)})", "desired"),
                 query(f"sum(kube_deployment_status_replicas_ready{ksm(DEPLOYMENT_SEL)})", "ready"),
                 query(f"sum(kube_deployment_status_replicas_available{ksm(DEPLOYMENT_SEL)})", "available")]),
]

STARTS = app("empulse_streams_started_total")
PLAYBACK_ERRORS = app("empulse_playback_errors_total")
SEARCHES = app("empulse_catalog_search_requests_total")
EMPTY_SEARCHES = app("empulse_catalog_search_requests_total", 'result="empty"')
FAILED_SEARCHES = app("empulse_catalog_search_requests_total", 'result="error"')
streaming = [
    timeseries("Streams started by tier and client", description=(
        "Audio streams started per second (empulse_streams_started_total) by subscription tier and client app."),
        unit="short", w=12, h=8,
        targets=[query(f"sum by (tier, client) (rate({STARTS}{RATE}))", "{{tier}} {{client}}")]),
    timeseries("Active streams", description=(
        "Audio streams playing (empulse_active_streams) by tier and client: concurrent listeners."),
        unit="none", w=12, h=8, stack=True, fill=40,
        targets=[query(f"sum by (tier, client) ({app('empulse_active_streams')})", "{{tier}} {{client}}")]),
    timeseries("Playback errors by reason", description=(
        "Playback errors per second (empulse_playback_errors_total) by reason: decode, cdn_timeout, drm, not_found."),
        unit="short", w=12, h=8,
        targets=[query(f"sum by (reason) (rate({PLAYBACK_ERRORS}{RATE}))", "{{reason}}")]),
    timeseries("Playback error ratio by client", description=(
        "Playback errors per stream started, by client app. Clients without errors read 0."),
        unit="percentunit", w=12, h=8, min=0, thresholds_=ERROR_STEPS,
        targets=[query(f"(sum by (client) (rate({PLAYBACK_ERRORS}{RATE})) or 0 * sum by (client) (rate({STARTS}{RATE}))) "
                       f"/ sum by (client) (rate({STARTS}{RATE}))", "{{client}}")]),
    timeseries("Time to first audio (p95)", description=(
        "95th percentile time from a stream request to its first audio byte, by client "
        "(empulse_stream_start_seconds)."),
        unit="s", w=12, h=8, thresholds_=LATENCY_STEPS,
        targets=[query("histogram_quantile(0.95, sum by (client, le) "
                       f"(rate({app('empulse_stream_start_seconds_bucket')}{RATE})))", "{{client}}")]),
    heatmap("Time to first audio", description=(
        "Streams started per second by time to first audio, over time (empulse_stream_start_seconds buckets, "
        "all clients): each cell is one bucket of the histogram; darker cells hold more streams."),
        unit="s", w=12, h=8,
        targets=[heatmap_query(f"sum by (le) (rate({app('empulse_stream_start_seconds_bucket')}{RATE}))")]),
    timeseries("Catalog searches by result", description=(
        "Catalog searches per second (empulse_catalog_search_requests_total) by result: hit, empty (nothing "
        "found) or error."),
        unit="reqps", w=12, h=8, stack=True, fill=40,
        targets=[query(f"sum by (result) (rate({SEARCHES}{RATE}))", "{{result}}")]),
    timeseries("Search zero-result and error ratio", description=(
        "Share of catalog searches that found nothing (empty) and that failed (error)."),
        unit="percentunit", w=12, h=8, min=0,
        targets=[query(f"(sum(rate({EMPTY_SEARCHES}{RATE})) "
                       f"or vector(0)) / sum(rate({SEARCHES}{RATE}))", "empty"),
                 query(f"(sum(rate({FAILED_SEARCHES}{RATE})) "
                       f"or vector(0)) / sum(rate({SEARCHES}{RATE}))", "error")]),
    timeseries("Audio egress", description=(
        "Audio bytes served per second (empulse_audio_bytes_served_total) by codec."),
        unit="Bps", w=12, h=8, stack=True, fill=40,
        targets=[query(f"sum by (codec) (rate({app('empulse_audio_bytes_served_total')}{RATE}))", "{{codec}}")]),
    bargauge("Audio egress by codec and bitrate", description=(
        "Audio bytes served per second now, by codec and bitrate (kbit/s)."),
        unit="Bps", w=12, h=8,
        targets=[instant(f"sum by (codec, bitrate) (rate({app('empulse_audio_bytes_served_total')}{RATE}))",
                         "{{codec}} {{bitrate}}k")]),
]

dashboard = board.make(
    board.EMPULSE_UID,
    description="EmPulse Music API: requests, errors and latency per handler, saturation, and streaming metrics.",
    variables_=[
        variables.label_values("namespace", "Namespace", f"label_values({HTTP.requests}, namespace)",
                               multi=False, include_all=False, default=NAMESPACE),
        variables.label_values("job", "Job", f'label_values({HTTP.requests}{{namespace=~"$namespace"}}, job)'),
        variables.label_values("handler", "Handler",
                               f'label_values({HTTP.requests}{{namespace=~"$namespace", job=~"$job"}}, {R})'),
    ],
    panels=board.layout(
        (None, overview),
        ("Requests, errors and latency", red),
        (f"Saturation ({DEPLOYMENT})", saturation),
        ("Streaming", streaming),
    ),
)
