"""Flux GitOps: the state of every Flux object, how long reconciliations take, and the controllers.

Needs kube-state-metrics with the Flux custom-resource-state config (``gotk_resource_info``)
or the Flux Operator (``flux_resource_info``, ``values.flux.resource_metric``), the Flux
controllers scraped through the flux-system PodMonitor (``gotk_reconcile_duration_seconds``,
``controller_runtime_*``, ``workqueue_*``) and cAdvisor for their CPU and memory.
"""

from dashboards.lib import board, variables
from dashboards.lib.flux import NAMESPACE, RECONCILER_KINDS, RESOURCE, SOURCE_KINDS, kinds
from dashboards.lib.panels import (
    MERGE, ORANGE, RED, YELLOW, GREEN, bargauge, color_cells, instant, organize, query, stat,
    table, thresholds, timeseries,
)
from dashboards.lib.selectors import cadvisor

M = RESOURCE.name
K = RESOURCE.kind_label
OBJECTS = f'{K}=~"$kind", exported_namespace=~"$namespace"'
BY_OBJECT = f"{K}, exported_namespace, name"
# gotk_reconcile_duration_seconds: namespace is the controller's, exported_namespace the object's
DURATION = 'namespace=~"$flux_namespace", exported_namespace=~"$namespace", kind=~"$kind"'
CONTROLLERS = 'namespace=~"$flux_namespace"'
RECONCILERS = kinds(RECONCILER_KINDS)
SOURCES = kinds(SOURCE_KINDS)


def objects(kind_regex: str, *extra: str) -> str:
    matchers = ", ".join((f'{K}=~"{kind_regex}"', OBJECTS, *extra))
    return f"{M}{{{matchers}}}"


def count(kind_regex: str, *extra: str) -> str:
    """Distinct objects (one series each, even with two kube-state-metrics replicas); 0, not "No data"."""
    return f"count(max by ({BY_OBJECT}) ({objects(kind_regex, *extra)})) or vector(0)"


def with_label(expr: str, target: str, *sources: str) -> str:
    """Copy the first non-empty of ``sources`` into ``target`` (label_replace keeps it otherwise)."""
    for source in sources:
        expr = f'label_replace({expr}, "{target}", "$1", "{source}", "(.+)")'
    return expr


ALL_KINDS = ".+"

overview = [
    stat("Reconcilers", description=(
        "Kustomizations and HelmReleases in the selected namespaces (from the Flux object state metric "
        f"{M}). These apply what the sources fetch."),
        unit="none", color_mode="none", targets=[instant(count(RECONCILERS))]),
    stat("Failing reconcilers", description=(
        "Kustomizations and HelmReleases whose Ready condition is False: their last reconciliation failed. "
        "The readiness table below names them."),
        unit="none", color_mode="background", steps=thresholds(GREEN, (1, RED)),
        targets=[instant(count(RECONCILERS, 'ready="False"'))]),
    stat("Sources", description=(
        "GitRepositories, OCIRepositories, HelmRepositories and Buckets in the selected namespaces: "
        "where Flux fetches manifests and charts from."),
        unit="none", color_mode="none", targets=[instant(count(SOURCES))]),
    stat("Failing sources", description=(
        "Sources whose Ready condition is False: Flux cannot fetch their latest artifact (authentication, "
        "network, missing ref), so the reconcilers using them stay on the previous revision."),
        unit="none", color_mode="background", steps=thresholds(GREEN, (1, RED)),
        targets=[instant(count(SOURCES, 'ready="False"'))]),
    stat("Suspended", description=(
        "Flux objects of any kind with spec.suspend: true. Flux does not reconcile them until they are resumed "
        "(flux resume ...), so changes in Git do not reach the cluster."),
        unit="none", color_mode="background", steps=thresholds(GREEN, (1, ORANGE)),
        targets=[instant(count(ALL_KINDS, f'suspended="{RESOURCE.suspended_true}"'))]),
    stat("Ready unknown", description=(
        "Flux objects whose Ready condition is Unknown: a reconciliation is in progress (for example a "
        "Kustomization waiting for health checks). Normal for short periods; long periods mean a stuck reconciliation."),
        unit="none", color_mode="background", steps=thresholds(GREEN, (1, YELLOW)),
        targets=[instant(count(ALL_KINDS, 'ready="Unknown"'))]),
]

READY_COLOURS = {"True": ("Ready", GREEN), "False": ("Failing", RED), "Unknown": ("Unknown", YELLOW)}
SUSPENDED_COLOURS = {
    RESOURCE.suspended_true: ("Suspended", ORANGE),
    "false" if RESOURCE.suspended_true == "true" else "False": ("no", "transparent"),
}
COLUMNS = {K: "Kind", "exported_namespace": "Namespace", "name": "Name", "ready": "Ready",
           "suspended": "Suspended", "revision": "Revision"}

reconciler_rows = with_label(objects(RECONCILERS), "source_name", "chart_source_name", "chart_ref_name") \
    if K == "customresource_kind" else objects(RECONCILERS)
if K == "customresource_kind":
    # kube-state-metrics' Flux config labels a Bucket's address "endpoint" (not "url"); every other series
    # carries the scrape target's own endpoint label (the port name), so copy it for Buckets only.
    source_rows = (f"({objects(kinds(k for k in SOURCE_KINDS if k != 'Bucket'))} "
                   f"or {with_label(objects('Bucket'), 'url', 'endpoint')})")
else:
    source_rows = objects(SOURCES)

readiness = [
    table("Reconcilers", description=(
        "Every Kustomization and HelmRelease with its Ready condition, whether it is suspended, the revision it "
        "last applied (a Git commit, an OCI digest or a chart version) and its source. Failing ones sort first."),
        unit="none", w=24, h=9, sort_by="Ready",
        targets=[instant(f"max by ({BY_OBJECT}, ready, suspended, revision, source_name) ({reconciler_rows})",
                         table=True)],
        transformations=[organize({**COLUMNS, "source_name": "Source"})],
        overrides=[color_cells("Ready", READY_COLOURS), color_cells("Suspended", SUSPENDED_COLOURS)]),
    table("Sources", description=(
        "Every GitRepository, OCIRepository, HelmRepository and Bucket with its Ready condition, whether it is "
        "suspended, the revision of its latest artifact and where it fetches from. Failing ones sort first."),
        unit="none", w=24, h=9, sort_by="Ready",
        targets=[instant(f"max by ({BY_OBJECT}, ready, suspended, revision, url) ({source_rows})", table=True)],
        transformations=[organize({**COLUMNS, "url": "URL"})],
        overrides=[color_cells("Ready", READY_COLOURS), color_cells("Suspended", SUSPENDED_COLOURS)]),
]

avg_by = "sum by ({by}) (rate(gotk_reconcile_duration_seconds_sum{{{sel}}}[{rng}])) " \
         "/ sum by ({by}) (rate(gotk_reconcile_duration_seconds_count{{{sel}}}[{rng}]))"
p95_by = "histogram_quantile(0.95, sum by ({by}, le) (rate(gotk_reconcile_duration_seconds_bucket{{{sel}}}[{rng}])))"
avg_range = "sum by ({by}) (increase(gotk_reconcile_duration_seconds_sum{{{sel}}}[$__range])) " \
            "/ sum by ({by}) (increase(gotk_reconcile_duration_seconds_count{{{sel}}}[$__range])) > 0"
p95_range = "histogram_quantile(0.95, sum by ({by}, le) " \
            "(increase(gotk_reconcile_duration_seconds_bucket{{{sel}}}[$__range]))) > 0"
OBJECT = "kind, exported_namespace, name"

durations = [
    bargauge("Average reconcile duration by kind", description=(
        "Mean time one reconciliation took, per kind, over the whole time range "
        "(gotk_reconcile_duration_seconds from the Flux controllers). Kinds without a reconciliation in the range "
        "are left out."),
        unit="s", w=8, h=8, steps=thresholds(GREEN, (60, ORANGE), (300, RED)),
        targets=[instant(avg_range.format(by="kind", sel=DURATION), "{{kind}}")]),
    timeseries("Average reconcile duration", description=(
        "Mean reconciliation time per kind over time. Objects reconcile at their interval (minutes), so a point "
        "appears only where a reconciliation finished within the rate window."),
        unit="s", w=8, h=8, points="always", span_nulls=True,
        targets=[query(avg_by.format(by="kind", sel=DURATION, rng="$__rate_interval"), "{{kind}}")]),
    timeseries("p95 reconcile duration", description=(
        "95th percentile of reconciliation time per kind, from the histogram buckets (10 exponential buckets "
        "from 10 ms to 30 min, so the estimate is coarse; compare with the average)."),
        unit="s", w=8, h=8, points="always", span_nulls=True,
        targets=[query(p95_by.format(by="kind", sel=DURATION, rng="$__rate_interval"), "{{kind}}")]),
    table("Reconcile duration by object", description=(
        "Average and 95th percentile reconciliation time of each object over the time range, slowest first. "
        "A long duration usually means slow health checks, a large Helm chart or a slow source."),
        unit="s", w=24, h=9, sort_by="Average", desc=True,
        targets=[instant(avg_range.format(by=OBJECT, sel=DURATION), table=True),
                 instant(p95_range.format(by=OBJECT, sel=DURATION), table=True)],
        transformations=[MERGE, organize(
            {"kind": "Kind", "exported_namespace": "Namespace", "name": "Name", "Value #A": "Average",
             "Value #B": "p95"}, exclude=("Time",))]),
]

controllers = [
    timeseries("Reconciliations", description=(
        "Reconciliations per second by controller (controller_runtime_reconcile_total), all results: "
        "success, error, requeue and requeue_after."),
        unit="ops", w=12, h=8,
        targets=[query(f"sum by (controller) (rate(controller_runtime_reconcile_total{{{CONTROLLERS}}}"
                       "[$__rate_interval]))", "{{controller}}")]),
    timeseries("Reconcile errors", description=(
        "Failed reconciliations per second by controller (controller_runtime_reconcile_errors_total). "
        "Anything above zero for long is a failing object: see the readiness tables."),
        unit="ops", w=12, h=8, thresholds_=thresholds(GREEN, (0.001, RED)),
        targets=[query(f"sum by (controller) (rate(controller_runtime_reconcile_errors_total{{{CONTROLLERS}}}"
                       "[$__rate_interval]))", "{{controller}}")]),
    timeseries("Work queue depth", description=(
        "Objects waiting to be reconciled, per controller work queue (workqueue_depth). A queue that stays above "
        "zero means the controller cannot keep up: raise its --concurrent or find the slow objects."),
        unit="short", w=8, h=8, decimals=0,
        targets=[query(f"sum by (name) (workqueue_depth{{{CONTROLLERS}}})", "{{name}}")]),
    timeseries("p95 reconcile time by controller", description=(
        "95th percentile of the time one reconciliation takes, per controller "
        "(controller_runtime_reconcile_time_seconds)."),
        unit="s", w=8, h=8, points="always", span_nulls=True,
        targets=[query("histogram_quantile(0.95, sum by (controller, le) "
                       f"(rate(controller_runtime_reconcile_time_seconds_bucket{{{CONTROLLERS}}}[$__rate_interval])))",
                       "{{controller}}")]),
    timeseries("Longest running reconcile", description=(
        "How long the longest reconciliation in progress has been running, per work queue "
        "(workqueue_longest_running_processor_seconds). A steady climb is a stuck reconciliation."),
        unit="s", w=8, h=8,
        targets=[query(f"max by (name) (workqueue_longest_running_processor_seconds{{{CONTROLLERS}}})", "{{name}}")]),
]

containers = cadvisor(CONTROLLERS, 'container!=""', 'image!=""')
resources = [
    timeseries("Controller CPU", description=(
        "CPU used by each Flux controller pod, in cores (cAdvisor container_cpu_usage_seconds_total)."),
        unit="short", w=12, h=8,
        targets=[query(f"sum by (pod) (rate(container_cpu_usage_seconds_total{containers}[$__rate_interval]))",
                       "{{pod}}")]),
    timeseries("Controller memory", description=(
        "Working-set memory of each Flux controller pod (cAdvisor container_memory_working_set_bytes): "
        "what the kernel counts against the memory limit."),
        unit="bytes", w=12, h=8,
        targets=[query(f"sum by (pod) (container_memory_working_set_bytes{containers})", "{{pod}}")]),
]

dashboard = board.make(
    board.FLUX_UID,
    description="Flux objects' readiness and revisions, reconciliation durations and the Flux controllers.",
    variables_=[
        variables.label_values("namespace", "Namespace", f"label_values({M}, exported_namespace)"),
        variables.label_values("kind", "Kind", f'label_values({M}{{exported_namespace=~"$namespace"}}, {K})'),
        variables.label_values("flux_namespace", "Flux namespace",
                               "label_values(gotk_reconcile_duration_seconds_count, namespace)",
                               multi=False, include_all=False, default=NAMESPACE),
    ],
    panels=board.layout(
        (None, overview),
        ("Readiness", readiness),
        ("Reconciliation duration", durations),
        ("Controllers", controllers),
        ("Control plane resources", resources),
    ),
)
