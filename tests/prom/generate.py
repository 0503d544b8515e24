"""Turn a :class:`~prom.cluster.Cluster` into the series real exporters would produce.

Each ``_emit_*`` function plays one scrape job, with the target labels that
kube-prometheus-stack's ServiceMonitors / the Flux PodMonitor attach and the
honor_labels rule of that job:

==========================  ===============================================  =============
job                         source                                           honor_labels
==========================  ===============================================  =============
kube-state-metrics          KSM (core collectors + Flux customResourceState)  true
kubelet (/metrics/cadvisor) cAdvisor in the kubelet, one target per node      true
node-exporter               prometheus-node-exporter DaemonSet                false
flux-system/flux-system     Flux controllers, PodMonitor port http-prom       false
empulse-api                 FastAPI app, ServiceMonitor port http             false
==========================  ===============================================  =============

plus ``up`` for every target. The output is deterministic for a given
``Cluster.seed`` and ``Cluster.end``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .cluster import Cluster, FluxObject, MiB, Pod, rng_for
from .openmetrics import MetricSet, go_float, merge_labels, py_float

# ---------------------------------------------------------------------------- buckets
# prometheus.ExponentialBucketsRange(10e-3, 1800, 10) as computed by Go's math.Pow
# (go1.19 linux/amd64; strconv 'g' -1 formatting). Python's pow differs in the last
# digits (e.g. 2.1660908555907006 vs Go's 2.166090855590701), so they are pinned here.
GOTK_RECONCILE_BUCKETS: tuple[float, ...] = (
    0.01,
    0.038363583488692544,
    0.1471764538093883,
    0.5646216173286169,
    2.166090855590701,
    8.309900738254731,
    31.879757075478317,
    122.30217221643493,
    469.19495946736544,
    1799.9999999999986,
)


def exponential_buckets(start: float, factor: float, count: int) -> list[float]:
    """client_golang ExponentialBuckets (repeated multiplication: bit-identical to Go)."""
    out = []
    for _ in range(count):
        out.append(start)
        start *= factor
    return out


def exponential_buckets_range_approx(lo: float, hi: float, count: int) -> list[float]:
    """client_golang ExponentialBucketsRange formula with Python's pow (within 1e-12 of Go)."""
    g = math.pow(hi / lo, 1.0 / (count - 1))
    return [lo * math.pow(g, i) for i in range(count)]


# controller-runtime internal/controller/metrics: controller_runtime_reconcile_time_seconds
CONTROLLER_RUNTIME_RECONCILE_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
    1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
)  # fmt: skip
# controller-runtime pkg/metrics/workqueue.go: ExponentialBuckets(10e-9, 10, 12)
WORKQUEUE_BUCKETS: tuple[float, ...] = tuple(exponential_buckets(10e-9, 10, 12))
# prometheus-fastapi-instrumentator defaults (metrics.default / middleware)
FASTAPI_LATENCY_LOWR_BUCKETS: tuple[float, ...] = (0.1, 0.5, 1)
FASTAPI_LATENCY_HIGHR_BUCKETS: tuple[float, ...] = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60,
)  # fmt: skip
# EmPulse's own time-to-first-audio histogram
EMPULSE_STREAM_START_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0)

# client_golang prometheus.DefBuckets
PROMHTTP_DEFAULT_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# OpenTelemetry semantic conventions: explicit bucket advice for http.server.request.duration
OTEL_HTTP_DURATION_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
# A representative status code of each class, per method (what promhttp/OTel report instead of "2xx")
STATUS_CODES: dict[str, dict[str, str]] = {
    "2xx": {"GET": "200", "POST": "201", "PUT": "200", "DELETE": "204"},
    "3xx": {"GET": "304", "POST": "303", "PUT": "303", "DELETE": "303"},
    "4xx": {"GET": "404", "POST": "422", "PUT": "422", "DELETE": "404"},
    "5xx": {"GET": "500", "POST": "503", "PUT": "500", "DELETE": "500"},
}

BLOCK_SECONDS = 2 * 3600.0  # promtool's default block duration (tsdb.DefaultBlockDuration)

FORBIDDEN_METRICS = (
    "flux_kustomization_condition",
    "flux_gitrepository_condition",
    "flux_helmrelease_condition",
    "flux_kustomization_reconcile_duration_seconds",
)


# ---------------------------------------------------------------------------- grid
@dataclass
class Grid:
    start: float
    step: float
    n: int

    @property
    def end(self) -> float:
        return self.start + (self.n - 1) * self.step

    def t(self, i: int) -> float:
        return self.start + i * self.step

    def ts_strings(self) -> list[str]:
        out = []
        for i in range(self.n):
            t = self.t(i)
            out.append(str(int(t)) if t == int(t) else f"{t:.3f}")
        return out


def make_grid(cluster: Cluster) -> Grid:
    step = float(cluster.scrape_interval)
    end = cluster.end if cluster.end is not None else math.floor(time.time() / step) * step
    n = int(round(cluster.window / step)) + 1
    return Grid(start=end - (n - 1) * step, step=step, n=n)


# ---------------------------------------------------------------------------- value helpers
def gauge_values(rng: random.Random, n: int, base: float, jitter: float = 0.05) -> list[float]:
    """Mean-reverting noise around ``base`` (AR(1)), never negative."""
    if jitter == 0 or base == 0:
        return [base] * n
    out = []
    z = rng.gauss(0, 1)
    for _ in range(n):
        z = 0.85 * z + 0.53 * rng.gauss(0, 1)
        out.append(max(base * (1 + jitter * z), 0.0))
    return out


def int_gauge_values(rng: random.Random, n: int, base: float, jitter: float = 0.05) -> list[int]:
    return [int(round(v)) for v in gauge_values(rng, n, base, jitter)]


def counter_values(
    rng: random.Random, n: int, step: float, rate: float, start: float = 0.0, jitter: float = 0.2, integer: bool = False
) -> list[float]:
    """Monotonic counter growing at ``rate``/s on average (uniform per-step jitter)."""
    out = []
    v = start
    for _ in range(n):
        out.append(int(v) if integer else round(v, 6))
        v += rate * step * (1 + jitter * (2 * rng.random() - 1))
    return out


def increments(values: Sequence[float]) -> list[float]:
    return [values[0]] + [values[i] - values[i - 1] for i in range(1, len(values))]


def lognorm_cdf(x: float, median: float, sigma: float) -> float:
    if x <= 0:
        return 0.0
    if x == math.inf:
        return 1.0
    return 0.5 * (1 + math.erf(math.log(x / median) / (sigma * math.sqrt(2))))


class HistogramAcc:
    """Builds consistent cumulative histogram streams (buckets, count, sum).

    ``observe(k, counts, median)``: ``counts`` observations drawn from a
    log-normal with that median happen in step ``k`` (individually sampled
    when few, split by the CDF when many). Buckets stay cumulative, +Inf ==
    count, and everything is monotonic."""

    def __init__(self, bounds: Sequence[float], n: int, rng: random.Random, sigma: float = 0.5):
        self.bounds = list(bounds)
        self.n = n
        self.rng = rng
        self.sigma = sigma
        self.cum = [0] * (len(self.bounds) + 1)  # last = +Inf = count
        self.total = 0.0
        self.streams = [[0] * n for _ in range(len(self.bounds) + 1)]
        self.sums = [0.0] * n

    def preload(self, count: int, median: float) -> None:
        """State before the window (process uptime), split by the CDF."""
        for j, b in enumerate(self.bounds):
            self.cum[j] += int(count * lognorm_cdf(b, median, self.sigma))
        self.cum[-1] += count
        self.total += count * median * math.exp(self.sigma**2 / 2)

    def observe_values(self, values: Sequence[float]) -> None:
        for v in values:
            for j, b in enumerate(self.bounds):
                if v <= b:
                    self.cum[j] += 1
            self.cum[-1] += 1
            self.total += v

    def observe(self, counts: float, median: float) -> None:
        c = int(counts)
        if c <= 0:
            return
        if c <= 12:
            self.observe_values([median * math.exp(self.rng.gauss(0, self.sigma)) for _ in range(c)])
            return
        for j, b in enumerate(self.bounds):
            self.cum[j] += int(round(c * lognorm_cdf(b, median, self.sigma)))
        self.cum[-1] += c
        self.total += c * median * math.exp(self.sigma**2 / 2) * (1 + 0.05 * (2 * self.rng.random() - 1))

    def snapshot(self, k: int) -> None:
        for j, s in enumerate(self.streams):
            s[k] = self.cum[j]
        self.sums[k] = round(self.total, 6)

    def emit(self, ms: MetricSet, name: str, help: str, labels: Mapping[str, str], le_format=go_float) -> None:
        ms.histogram(name, help, labels, self.bounds, self.streams, self.sums, le_format=le_format)


# ---------------------------------------------------------------------------- dataset
@dataclass
class Dataset:
    cluster: Cluster
    grid: Grid
    metrics: MetricSet

    @property
    def start(self) -> float:
        return self.grid.start

    @property
    def end(self) -> float:
        return self.grid.end

    @property
    def step(self) -> float:
        return self.grid.step

    def write_openmetrics(self, path, lo: int = 0, hi: int | None = None, families=None) -> int:
        """Write one OpenMetrics file (grid indexes ``lo <= i < hi``); returns the sample count."""
        with open(path, "w", encoding="utf-8", buffering=1 << 20) as fh:
            return self.metrics.write(fh, self.grid.ts_strings(), lo, hi, families)

    def block_ranges(self, block_seconds: float = BLOCK_SECONDS) -> list[tuple[int, int]]:
        """Grid index ranges that fall into promtool's epoch-aligned 2h blocks."""
        out: list[tuple[int, int]] = []
        cur = None
        for i in range(self.grid.n):
            b = math.floor(self.grid.t(i) / block_seconds)
            if b != cur:
                out.append((i, i + 1))
                cur = b
            else:
                out[-1] = (out[-1][0], i + 1)
        return out

    def iter_block_files(self, directory, max_samples: int = 250_000):
        """Split the data into OpenMetrics files for a fast, parallel backfill.

        promtool re-reads its whole input once per 2h block it creates, so the
        data is cut at the epoch-aligned 2h block boundaries it uses, and each
        block into groups of families of at most ~``max_samples`` samples (the
        resulting blocks overlap in time, which Prometheus >= 2.39 merges).
        Yields (path, samples) as each file is written."""
        import os

        os.makedirs(directory, exist_ok=True)
        k = 0
        for lo, hi in self.block_ranges():
            groups: list[list[str]] = [[]]
            size = 0
            for name, fam in self.metrics.families.items():
                c = self.metrics.samples_in(fam, lo, hi)
                if c == 0:
                    continue
                if size and size + c > max_samples:
                    groups.append([])
                    size = 0
                groups[-1].append(name)
                size += c
            for fams in groups:
                if not fams:
                    continue
                path = os.path.join(str(directory), f"part-{k:02d}.om.txt")
                n = self.write_openmetrics(path, lo, hi, fams)
                k += 1
                yield path, n

    def write_block_files(self, directory, max_samples: int = 250_000) -> list[tuple[str, int]]:
        return list(self.iter_block_files(directory, max_samples))

    def metric_names(self) -> set[str]:
        return self.metrics.names()

    def series(self, name: str) -> list:
        return [s for f in self.metrics.families.values() for s in f.series if s.name == name]


class _Gen:
    def __init__(self, cluster: Cluster):
        self.c = cluster
        self.grid = make_grid(cluster)
        self.n = self.grid.n
        self.step = self.grid.step
        self.ms = MetricSet()
        self.pods = cluster.pods()
        self.up: list[tuple[dict[str, str], bool]] = []

    def rng(self, *parts: object) -> random.Random:
        return rng_for(self.c.seed, *parts)

    def uptime(self, *parts: object) -> float:
        """Seconds a process had been running at the window start (1-9 days)."""
        return self.rng("uptime", *parts).uniform(1, 9) * 86400

    def pod_of(self, workload: str, namespace: str | None = None, index: int = 0) -> Pod | None:
        ps = [p for p in self.pods if p.workload.name == workload and namespace in (None, p.namespace)]
        return ps[index] if len(ps) > index else None

    def const(self, v: float) -> list[float]:
        return [v] * self.n

    # ------------------------------------------------------------------ kube-state-metrics
    def ksm_target(self) -> dict[str, str]:
        rel = self.c.release
        pod = self.pod_of(f"{rel}-kube-state-metrics")
        return {
            "job": "kube-state-metrics",
            "instance": f"{pod.ip if pod else '10.244.1.2'}:8080",
            "namespace": self.c.ksm_namespace,
            "pod": pod.name if pod else f"{rel}-kube-state-metrics-0",
            "service": f"{rel}-kube-state-metrics",
            "endpoint": "http",
            "container": "kube-state-metrics",
        }

    def emit_ksm(self) -> None:
        c, ms = self.c, self.ms
        tgt = self.ksm_target()
        self.up.append((tgt, True))

        def L(**lb: str) -> dict[str, str]:
            return merge_labels(lb, tgt, honor_labels=True)

        one = self.const(1)
        zero = self.const(0)
        end = self.grid.end

        # namespaces
        for ns in c.namespaces:
            for phase in ("Active", "Terminating"):
                ms.gauge("kube_namespace_status_phase", "kubernetes namespace status phase.", L(namespace=ns, phase=phase), one if phase == "Active" else zero)
            ms.gauge("kube_namespace_created", "Unix creation timestamp", L(namespace=ns), self.const(float(int(end - self.uptime("ns", ns) * 4))))

        # nodes
        for node in c.nodes:
            ms.gauge(
                "kube_node_info",
                "Information about a cluster node.",
                L(
                    node=node.name,
                    kernel_version=node.kernel_version,
                    os_image=node.os_image,
                    container_runtime_version=node.container_runtime_version,
                    kubelet_version=node.kubelet_version,
                    provider_id="",
                    pod_cidr=node.pod_cidr,
                    internal_ip=node.ip,
                    system_uuid=node.system_uuid,
                ),
                one,
            )
            ms.gauge("kube_node_role", "The role of a cluster node.", L(node=node.name, role=node.role), one)
            ms.gauge("kube_node_created", "Unix creation timestamp", L(node=node.name), self.const(float(int(end - self.uptime("node", node.name) * 6))))
            ms.gauge("kube_node_spec_unschedulable", "Whether a node can schedule new pods.", L(node=node.name), one if node.unschedulable else zero)
            for cond in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"):
                if not node.ready:
                    actual = "unknown" if cond != "NetworkUnavailable" else "false"
                elif cond == "Ready":
                    actual = "true"
                else:
                    actual = "true" if cond in node.pressure else "false"
                for status in ("true", "false", "unknown"):
                    ms.gauge(
                        "kube_node_status_condition",
                        "The condition of a cluster node.",
                        L(node=node.name, condition=cond, status=status),
                        one if status == actual else zero,
                    )
            res = [
                ("cpu", "core", node.cpu, node.cpu),
                ("memory", "byte", node.memory, node.memory - 100 * MiB),
                ("pods", "integer", 110, 110),
                ("ephemeral_storage", "byte", node.disk_size, int(node.disk_size * 0.9)),
            ]
            for resource, unit, cap, alloc in res:
                ms.gauge("kube_node_status_capacity", "The capacity for different resources of a node.", L(node=node.name, resource=resource, unit=unit), self.const(cap))
                ms.gauge("kube_node_status_allocatable", "The allocatable for different resources of a node that are available for scheduling.", L(node=node.name, resource=resource, unit=unit), self.const(alloc))

        # pods
        for pod in self.pods:
            base = dict(namespace=pod.namespace, pod=pod.name, uid=pod.uid)
            created = float(int(end - self.uptime("pod", pod.name)))
            ms.gauge(
                "kube_pod_info",
                "Information about pod.",
                L(
                    **base,
                    host_ip=pod.node_ip,
                    pod_ip=pod.ip,
                    node=pod.node,
                    created_by_kind=pod.owner_kind,
                    created_by_name=pod.owner_name,
                    priority_class=pod.workload.priority_class,
                    host_network="true" if pod.workload.host_network else "false",
                ),
                one,
            )
            ms.gauge("kube_pod_owner", "Information about the Pod's owner.", L(**base, owner_kind=pod.owner_kind, owner_name=pod.owner_name, owner_is_controller="true"), one)
            ms.gauge("kube_pod_created", "Unix creation timestamp", L(**base), self.const(created))
            ms.gauge("kube_pod_start_time", "Start time in unix timestamp for a pod.", L(**base), self.const(created + 2))
            for phase in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
                ms.gauge("kube_pod_status_phase", "The pods current phase.", L(**base, phase=phase), one if phase == pod.phase else zero)
            for cond in ("true", "false", "unknown"):
                ms.gauge("kube_pod_status_ready", "Describes whether the pod is ready to serve requests.", L(**base, condition=cond), one if cond == ("true" if pod.ready else "false") else zero)
            for pc in pod.containers:
                cb = dict(base, container=pc.spec.name)
                ms.gauge(
                    "kube_pod_container_info",
                    "Information about a container in a pod.",
                    L(**cb, image_spec=pc.spec.image, image=pc.spec.image, image_id=f"{pc.spec.image.split(':')[0]}@sha256:{pc.id}", container_id=f"containerd://{pc.id}"),
                    one,
                )
                ms.gauge("kube_pod_container_status_ready", "Describes whether the containers readiness check succeeded.", L(**cb), one if pc.ready else zero)
                waiting = pc.waiting_reason is not None
                ms.gauge("kube_pod_container_status_running", "Describes whether the container is currently in running state.", L(**cb), zero if waiting else one)
                ms.gauge("kube_pod_container_status_waiting", "Describes whether the container is currently in waiting state.", L(**cb), one if waiting else zero)
                if waiting:
                    ms.gauge("kube_pod_container_status_waiting_reason", "Describes the reason the container is currently in waiting state.", L(**cb, reason=pc.waiting_reason), one)
                if pc.last_terminated_reason or pc.spec.restarts or pc.spec.restarts_before:
                    ms.gauge(
                        "kube_pod_container_status_last_terminated_reason",
                        "Describes the last reason the container was in terminated state.",
                        L(**cb, reason=pc.last_terminated_reason or "Error"),
                        one,
                    )
                restarts = self.restart_values(pod, pc.spec)
                ms.counter("kube_pod_container_status_restarts_total", "The number of container restarts per container.", L(**cb), restarts)
                for kind, cpu, mem in (("requests", pc.spec.cpu_request, pc.spec.memory_request), ("limits", pc.spec.cpu_limit, pc.spec.memory_limit)):
                    name = f"kube_pod_container_resource_{kind}"
                    help = f"The number of requested {kind[:-1]} resource by a container." if kind == "requests" else "The number of requested limit resource by a container."
                    if cpu is not None:
                        ms.gauge(name, help, L(**cb, node=pod.node, resource="cpu", unit="core"), self.const(cpu))
                    if mem is not None:
                        ms.gauge(name, help, L(**cb, node=pod.node, resource="memory", unit="byte"), self.const(mem))

        # workloads
        pods_by_wl: dict[tuple[str, str], list[Pod]] = {}
        for p in self.pods:
            pods_by_wl.setdefault((p.workload.namespace, p.workload.name), []).append(p)
        for w in c.workloads:
            ps = pods_by_wl.get((w.namespace, w.name), [])
            ready = sum(1 for p in ps if p.ready)
            if w.kind == "Deployment":
                b = dict(namespace=w.namespace, deployment=w.name)
                max_unavail = int(w.replicas * 0.25)
                available_ok = ready >= w.replicas - max_unavail
                gen = w.generation
                obs = w.observed_generation if w.observed_generation is not None else gen
                for mname, val, help in (
                    ("kube_deployment_spec_replicas", w.replicas, "Number of desired pods for a deployment."),
                    ("kube_deployment_status_replicas", len(ps), "The number of replicas per deployment."),
                    ("kube_deployment_status_replicas_ready", ready, "The number of ready replicas per deployment."),
                    ("kube_deployment_status_replicas_available", ready, "The number of available replicas per deployment."),
                    ("kube_deployment_status_replicas_unavailable", w.replicas - ready, "The number of unavailable replicas per deployment."),
                    ("kube_deployment_status_replicas_updated", w.replicas, "The number of updated replicas per deployment."),
                    ("kube_deployment_metadata_generation", gen, "Sequence number representing a specific generation of the desired state."),
                    ("kube_deployment_status_observed_generation", obs, "The generation observed by the deployment controller."),
                ):
                    ms.gauge(mname, help, L(**b), self.const(val))
                conds = [
                    ("Available", "true" if available_ok else "false", "MinimumReplicasAvailable" if available_ok else "MinimumReplicasUnavailable"),
                    ("Progressing", "false" if w.rollout_stuck else "true", "ProgressDeadlineExceeded" if w.rollout_stuck else "NewReplicaSetAvailable"),
                ]
                for cond, actual, reason in conds:
                    for status in ("true", "false", "unknown"):
                        ms.gauge("kube_deployment_status_condition", "The current status conditions of a deployment.", L(**b, condition=cond, status=status, reason=reason), one if status == actual else zero)
            elif w.kind == "DaemonSet":
                b = dict(namespace=w.namespace, daemonset=w.name)
                for mname, val in (
                    ("kube_daemonset_status_desired_number_scheduled", len(ps)),
                    ("kube_daemonset_status_current_number_scheduled", len(ps)),
                    ("kube_daemonset_status_number_ready", ready),
                    ("kube_daemonset_status_number_available", ready),
                    ("kube_daemonset_status_number_unavailable", len(ps) - ready),
                    ("kube_daemonset_status_updated_number_scheduled", len(ps)),
                ):
                    ms.gauge(mname, "DaemonSet status.", L(**b), self.const(val))
            elif w.kind == "StatefulSet":
                b = dict(namespace=w.namespace, statefulset=w.name)
                for mname, val in (
                    ("kube_statefulset_replicas", w.replicas),
                    ("kube_statefulset_status_replicas", len(ps)),
                    ("kube_statefulset_status_replicas_ready", ready),
                    ("kube_statefulset_status_replicas_available", ready),
                ):
                    ms.gauge(mname, "StatefulSet status.", L(**b), self.const(val))

        # services
        for svc in c.services:
            uid = str(self.rng("svc-uid", svc.namespace, svc.name).getrandbits(64))
            b = dict(namespace=svc.namespace, service=svc.name, uid=uid)
            ms.gauge("kube_service_info", "Information about service.", L(**b, cluster_ip=svc.cluster_ip, external_name=svc.external_name, load_balancer_ip=""), one)
            ms.gauge("kube_service_spec_type", "Type about service.", L(**b, type=svc.type), one)
            if svc.type == "LoadBalancer" and (svc.lb_ingress_ip or svc.lb_ingress_hostname):
                ms.gauge("kube_service_status_load_balancer_ingress", "Service load balancer ingress status", L(**b, ip=svc.lb_ingress_ip, hostname=svc.lb_ingress_hostname), one)

        # Flux objects via customResourceState (metricNamePrefix gotk, metric resource_info)
        if c.flux_resource_exporter == "kube-state-metrics":
            for obj in c.flux_objects:
                self.emit_resource_info(obj, L)

    def emit_resource_info(self, obj: FluxObject, L: Callable[..., dict], metric: str = "gotk_resource_info",
                           help: str = "The current state of a Flux resource.", labels_for=None) -> None:
        """One info series per run of identical labels (a Transition starts a new series).
        ``labels_for(before)`` gives the labels with a Transition's ``before`` applied."""
        if labels_for is None:
            final = obj.info_labels(self.c.seed)

            def labels_for(before: dict[str, str]) -> dict[str, str]:
                return {**final, **before}

        hist = sorted(obj.history, key=lambda t: t.ago)
        runs: list[tuple[int, dict[str, str]]] = []  # (first index, labels)
        for i in range(self.n):
            ago = self.grid.end - self.grid.t(i)
            before: dict[str, str] = {}
            for tr in hist:
                if ago >= tr.ago:
                    before.update(tr.before)
                else:
                    break
            cur = labels_for(before)
            if not runs or runs[-1][1] != cur:
                runs.append((i, cur))
        for r, (i0, labels) in enumerate(runs):
            i1 = runs[r + 1][0] if r + 1 < len(runs) else self.n
            self.ms.gauge(metric, help, L(**labels), [1] * (i1 - i0), i0=i0)

    # ------------------------------------------------------------------ Flux Operator
    def emit_flux_operator(self) -> None:
        """flux_resource_info from the ControlPlane Flux Operator (its ServiceMonitor: job flux-operator,
        port http-metrics), when the cluster uses it instead of kube-state-metrics for Flux objects."""
        c = self.c
        if c.flux_resource_exporter != "flux-operator":
            return
        pod = self.pod_of("flux-operator", "flux-system")
        tgt = {
            "job": "flux-operator",
            "namespace": "flux-system",
            "service": "flux-operator",
            "endpoint": "http-metrics",
            "pod": pod.name if pod else "flux-operator-0",
            "container": "manager",
            "instance": f"{pod.ip if pod else '10.244.0.98'}:8080",
        }
        self.up.append((tgt, True))

        def L(**lb: str) -> dict[str, str]:
            return merge_labels(lb, tgt, honor_labels=False)

        for obj in c.flux_objects:
            self.emit_resource_info(obj, L, "flux_resource_info", "The current status of a Flux resource reconciliation.",
                                    lambda before, obj=obj: obj.operator_labels(c.seed, before))

    def restart_values(self, pod: Pod, spec) -> list[int]:
        n = self.n
        r0 = spec.restarts_before
        if spec.restarts <= 0:
            return [r0] * n
        # evenly spread restarts inside the window, the last one a bit before the end
        out = []
        per = (n - 1) / (spec.restarts + 0.5)
        for i in range(n):
            out.append(r0 + min(spec.restarts, int(i / per)))
        return out

    # ------------------------------------------------------------------ cAdvisor
    def emit_cadvisor(self) -> None:
        c, n, ms, step = self.c, self.n, self.ms, self.step
        by_node: dict[str, list[Pod]] = {}
        for p in self.pods:
            by_node.setdefault(p.node, []).append(p)
        for node in c.nodes:
            tgt = {
                "job": "kubelet",
                "metrics_path": "/metrics/cadvisor",
                "service": f"{c.release}-kubelet",
                "endpoint": "https-metrics",
                "namespace": "kube-system",
                "node": node.name,
                "instance": f"{node.ip}:10250",
            }
            self.up.append((tgt, node.ready))
            if not node.ready:
                continue

            def L(**lb: str) -> dict[str, str]:
                # cAdvisor always exposes these labels, empty where they do not apply;
                # with honor_labels an empty scraped label hides the target label
                # (so the root cgroup has no namespace even though the target has one).
                full = dict(container="", id="", image="", name="", namespace="", pod="")
                full.update(lb)
                return merge_labels(full, tgt, honor_labels=True)

            # root cgroup: no namespace/pod/container
            r = self.rng("cadvisor-root", node.name)
            node_cores = node.cpu * node.cpu_busy
            ms.counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", L(id="/"), counter_values(r, n, step, node_cores, start=node_cores * self.uptime("boot", node.name)))
            ws = node.memory * node.memory_used
            ms.gauge("container_memory_working_set_bytes", "Current working set in bytes.", L(id="/"), int_gauge_values(r, n, ws, 0.02))
            ms.gauge("container_memory_rss", "Size of RSS in bytes.", L(id="/"), int_gauge_values(r, n, ws * 0.8, 0.02))
            for pod in by_node.get(node.name, []):
                if pod.phase != "Running":
                    continue
                self.emit_cadvisor_pod(pod, L)

    def emit_cadvisor_pod(self, pod: Pod, L: Callable[..., dict]) -> None:
        n, ms, step = self.n, self.ms, self.step
        r = self.rng("cadvisor", pod.namespace, pod.name)
        up = self.uptime("pod", pod.name)
        pb = dict(namespace=pod.namespace, pod=pod.name)
        cpu_help = "Cumulative cpu time consumed in seconds."
        ws_help = "Current working set in bytes."
        rss_help = "Size of RSS in bytes."
        total_cpu = [0.0] * n
        total_ws = [0] * n
        total_rss = [0] * n
        for pc in pod.containers:
            s = pc.spec
            crash = pc.waiting_reason is not None
            cb = dict(pb, container=s.name, id=f"{pod.cgroup}/cri-containerd-{pc.id}.scope", image=s.image, name=pc.id)
            cpu = s.cpu_usage * (0.1 if crash else 1.0)
            cpu_vals = counter_values(r, n, step, cpu, start=cpu * up * 0.9)
            ws_vals = int_gauge_values(r, n, s.memory_usage * (0.3 if crash else 1.0), 0.04)
            rss_vals = [int(v * 0.82) for v in ws_vals]
            ms.counter("container_cpu_usage_seconds_total", cpu_help, L(**cb), cpu_vals)
            ms.gauge("container_memory_working_set_bytes", ws_help, L(**cb), ws_vals)
            ms.gauge("container_memory_rss", rss_help, L(**cb), rss_vals)
            ms.gauge(
                "container_spec_memory_limit_bytes",
                "Memory limit for the container.",
                L(**cb),
                self.const(s.memory_limit or 0),
            )
            if s.cpu_limit is not None:
                ms.gauge("container_spec_cpu_quota", "CPU quota of the container.", L(**cb), self.const(int(s.cpu_limit * 100000)))
                ms.gauge("container_spec_cpu_period", "CPU period of the container.", L(**cb), self.const(100000))
                periods = counter_values(r, n, step, 10.0 * min(1.0, 0.3 + cpu), start=10.0 * up * 0.3, jitter=0.05, integer=True)
                inc = increments(periods)
                thr = []
                acc = int(periods[0] * s.throttled)
                for i, d in enumerate(inc):
                    if i:
                        acc += int(round(d * s.throttled * (1 + 0.5 * (2 * r.random() - 1))))
                    thr.append(acc)
                ms.counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", L(**cb), periods)
                ms.counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", L(**cb), thr)
            for i in range(n):
                total_cpu[i] += cpu_vals[i]
                total_ws[i] += ws_vals[i]
                total_rss[i] += rss_vals[i]
        # pod-level cgroup (container="", image="", name="")
        pl = dict(pb, id=pod.cgroup)
        ms.counter("container_cpu_usage_seconds_total", cpu_help, L(**pl), [round(v * 1.01, 6) for v in total_cpu])
        ms.gauge("container_memory_working_set_bytes", ws_help, L(**pl), [v + 1 * MiB for v in total_ws])
        ms.gauge("container_memory_rss", rss_help, L(**pl), [v + 512 * 1024 for v in total_rss])
        lim = [pc.spec.memory_limit for pc in pod.containers]
        ms.gauge("container_spec_memory_limit_bytes", "Memory limit for the container.", L(**pl), self.const(sum(lim) if all(lim) else 0))
        # pause container (sandbox): image set, container=""
        sb = dict(pb, id=f"{pod.cgroup}/cri-containerd-{pod.sandbox_id}.scope", image="registry.k8s.io/pause:3.10", name=pod.sandbox_id)
        ms.counter("container_cpu_usage_seconds_total", cpu_help, L(**sb), counter_values(r, n, step, 0.00002, start=0.00002 * up))
        ms.gauge("container_memory_working_set_bytes", ws_help, L(**sb), self.const(212992))
        # network: pod-level only (not for hostNetwork pods, which see the node's interfaces)
        if pod.workload.host_network:
            return
        rx = 1500.0 + 2e5 * sum(pc.spec.cpu_usage for pc in pod.containers)
        for direction, rate in (("receive", rx), ("transmit", rx * 0.7)):
            nb = dict(pl, interface="eth0")
            ms.counter(f"container_network_{direction}_bytes_total", f"Cumulative count of bytes {'received' if direction == 'receive' else 'transmitted'}", L(**nb), counter_values(r, n, step, rate, start=rate * up, integer=True))
            ms.counter(f"container_network_{direction}_packets_total", f"Cumulative count of packets {'received' if direction == 'receive' else 'transmitted'}", L(**nb), counter_values(r, n, step, rate / 900, start=rate / 900 * up, integer=True))
            drop = rate / 900 * 0.0005 if pod.namespace == "empulse" else 0.0
            ms.counter(
                f"container_network_{direction}_packets_dropped_total",
                f"Cumulative count of packets dropped while {'receiving' if direction == 'receive' else 'transmitting'}",
                L(**nb),
                counter_values(r, n, step, drop, start=int(drop * up), integer=True),
            )

    # ------------------------------------------------------------------ node-exporter
    def emit_node_exporter(self) -> None:
        c, n, ms, step = self.c, self.n, self.ms, self.step
        rel = c.release
        for node in c.nodes:
            pod = next((p for p in self.pods if p.workload.name == f"{rel}-prometheus-node-exporter" and p.node == node.name), None)
            tgt = {
                "job": "node-exporter",
                "instance": f"{node.ip}:9100",
                "namespace": c.ksm_namespace,
                "pod": pod.name if pod else f"{rel}-prometheus-node-exporter-{node.name}",
                "service": f"{rel}-prometheus-node-exporter",
                "endpoint": "http-metrics",
                "container": "node-exporter",
            }
            self.up.append((tgt, node.ready))
            if not node.ready:
                continue

            def L(**lb: str) -> dict[str, str]:
                return merge_labels(lb, tgt, honor_labels=False)

            r = self.rng("node-exporter", node.name)
            boot = self.uptime("boot", node.name)
            busy = node.cpu_busy
            shares = {"user": 0.62, "system": 0.25, "iowait": 0.05, "softirq": 0.04, "irq": 0.0, "nice": 0.01, "steal": 0.03}
            for cpu in range(node.cpu):
                for mode in ("idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"):
                    frac = (1 - busy) if mode == "idle" else busy * shares[mode]
                    ms.counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", L(cpu=str(cpu), mode=mode), counter_values(r, n, step, frac, start=frac * boot, jitter=0.1))
            total = node.memory
            avail = int_gauge_values(r, n, total * (1 - node.memory_used), 0.03)
            ms.gauge("node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.", L(), self.const(total))
            ms.gauge("node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.", L(), avail)
            ms.gauge("node_memory_MemFree_bytes", "Memory information field MemFree_bytes.", L(), [int(v * 0.35) for v in avail])
            ms.gauge("node_memory_Buffers_bytes", "Memory information field Buffers_bytes.", L(), self.const(int(total * 0.01)))
            ms.gauge("node_memory_Cached_bytes", "Memory information field Cached_bytes.", L(), [int(v * 0.55) for v in avail])
            for fs in (
                dict(device="/dev/sda1", fstype="ext4", mountpoint="/", size=node.disk_size, used=node.disk_used),
                dict(device="/dev/sda15", fstype="vfat", mountpoint="/boot/efi", size=105 * MiB, used=0.06),
                dict(device="tmpfs", fstype="tmpfs", mountpoint="/run", size=node.memory // 10, used=0.01),
            ):
                fl = dict(device=fs["device"], fstype=fs["fstype"], mountpoint=fs["mountpoint"], device_error="")
                size = int(fs["size"])
                used = int_gauge_values(r, n, size * fs["used"], 0.002)
                ms.gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", L(**fl), self.const(size))
                ms.gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", L(**fl), [size - u for u in used])
                ms.gauge("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", L(**fl), [max(0, int(size * 0.95) - u) for u in used])
                ms.gauge("node_filesystem_files", "Filesystem total file nodes.", L(**fl), self.const(size // 16384))
                ms.gauge("node_filesystem_files_free", "Filesystem total free file nodes.", L(**fl), self.const(int(size // 16384 * 0.9)))
                ms.gauge("node_filesystem_readonly", "Filesystem read-only status.", L(**fl), self.const(0))
            load = node.cpu * busy
            ms.gauge("node_load1", "1m load average.", L(), [round(v, 2) for v in gauge_values(r, n, load, 0.25)])
            ms.gauge("node_load5", "5m load average.", L(), [round(v, 2) for v in gauge_values(r, n, load, 0.12)])
            ms.gauge("node_load15", "15m load average.", L(), [round(v, 2) for v in gauge_values(r, n, load, 0.06)])
            ms.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", L(), self.const(float(int(self.grid.start - boot))))
            ms.gauge(
                "node_uname_info",
                "Labeled system information as provided by the uname system call.",
                L(machine="x86_64", nodename=node.name, release=node.kernel_version, sysname="Linux", version="#52-Ubuntu SMP PREEMPT_DYNAMIC", domainname="(none)"),
                self.const(1),
            )
            for dev, rate in (("eth0", 2e6 * busy + 1e5), ("lo", 3e5)):
                for d, f in (("receive", 1.0), ("transmit", 0.8)):
                    ms.counter(f"node_network_{d}_bytes_total", f"Network device statistic {d}_bytes.", L(device=dev), counter_values(r, n, step, rate * f, start=rate * f * boot, integer=True))

    # ------------------------------------------------------------------ Flux controllers
    def emit_flux(self) -> None:
        c, n, ms, step = self.c, self.n, self.ms, self.step
        by_ctrl: dict[str, list[FluxObject]] = {}
        for o in c.flux_objects:
            by_ctrl.setdefault(o.controller, []).append(o)
        for fc in c.flux_controllers:
            pod = self.pod_of(fc.name, "flux-system")
            tgt = {
                "job": "flux-system/flux-system",
                "namespace": "flux-system",
                "pod": pod.name if pod else f"{fc.name}-0",
                "container": "manager",
                "endpoint": "http-prom",
                "instance": f"{pod.ip if pod else '10.244.0.99'}:8080",
            }
            self.up.append((tgt, True))

            def L(**lb: str) -> dict[str, str]:
                return merge_labels(lb, tgt, honor_labels=False)

            r = self.rng("flux", fc.name)
            up = self.uptime("pod", pod.name if pod else fc.name)
            for ctrl in fc.controllers:
                objs = by_ctrl.get(ctrl, [])
                self.emit_flux_controller(fc, ctrl, objs, L, r, up)
            # rest client
            for code, method, share in (("200", "GET", 0.55), ("200", "PATCH", 0.25), ("201", "POST", 0.08), ("200", "PUT", 0.02), ("404", "GET", 0.06), ("409", "PATCH", 0.04)):
                rate = fc.api_rps * share
                ms.counter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host.", L(code=code, method=method, host="10.96.0.1:443"), counter_values(r, n, step, rate, start=rate * up, integer=True))
            # process / go
            ms.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", L(), counter_values(r, n, step, fc.cpu, start=fc.cpu * up))
            ms.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", L(), int_gauge_values(r, n, fc.memory, 0.03))
            ms.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", L(), self.const(round(self.grid.start - up, 2)))
            ms.gauge("process_open_fds", "Number of open file descriptors.", L(), int_gauge_values(r, n, 24, 0.1))
            ms.gauge("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", L(), int_gauge_values(r, n, fc.memory * 0.45, 0.15))
            ms.gauge("go_goroutines", "Number of goroutines that currently exist.", L(), int_gauge_values(r, n, 60 + 20 * len(fc.controllers), 0.05))
            ms.gauge("go_info", "Information about the Go environment.", L(version="go1.23.4"), self.const(1))

    def emit_flux_controller(self, fc, ctrl: str, objs: list[FluxObject], L, r: random.Random, up: float) -> None:
        n, ms, step = self.n, self.ms, self.step
        ok_counts = [0] * n
        err_counts = [0] * n
        acc_rt = HistogramAcc(CONTROLLER_RUNTIME_RECONCILE_BUCKETS, n, r, sigma=0.6)
        acc_wd = HistogramAcc(WORKQUEUE_BUCKETS, n, r, sigma=0.6)
        acc_qd = HistogramAcc(WORKQUEUE_BUCKETS, n, r, sigma=0.8)
        total_ok0 = total_err0 = 0
        pre = []
        for o in objs:
            per_obj = int(up / o.interval) if not o.suspended else int(up / o.interval / 4)
            if o.failing:
                total_err0 += per_obj
            else:
                total_ok0 += per_obj
            pre.append((per_obj, o.duration))
        for cnt, med in pre:
            acc_rt.preload(cnt, med)
            acc_wd.preload(cnt, med)
            acc_qd.preload(cnt, 0.004)
        # per-object gotk histograms, events shared with the controller-level metrics
        obj_accs = []
        for o in objs:
            ro = self.rng("gotk", o.kind, o.namespace, o.name)
            acc = HistogramAcc(GOTK_RECONCILE_BUCKETS, n, ro, sigma=0.45)
            per_obj = int(up / o.interval) if not o.suspended else int(up / o.interval / 4)
            acc.preload(per_obj, o.duration)
            obj_accs.append((o, acc, ro, ro.random()))
        ok = total_ok0
        err = total_err0
        for k in range(n):
            for o, acc, ro, phase in obj_accs:
                if o.suspended:
                    acc.snapshot(k)
                    continue
                # reconcile when the interval elapses (phase-shifted per object)
                t = k * step
                prev = (t - step) / o.interval + phase
                now = t / o.interval + phase
                events = int(math.floor(now) - math.floor(prev)) if k else 0
                if events:
                    vals = [o.duration * math.exp(ro.gauss(0, 0.45)) for _ in range(events)]
                    acc.observe_values(vals)
                    acc_rt.observe_values(vals)
                    acc_wd.observe_values(vals)
                    acc_qd.observe_values([0.004 * math.exp(ro.gauss(0, 0.8)) for _ in range(events)])
                    if o.failing:
                        err += events
                    else:
                        ok += events
                acc.snapshot(k)
            ok_counts[k] = ok
            err_counts[k] = err
            acc_rt.snapshot(k)
            acc_wd.snapshot(k)
            acc_qd.snapshot(k)
        for o, acc, _, _ in obj_accs:
            acc.emit(ms, "gotk_reconcile_duration_seconds", "The duration in seconds of a GitOps Toolkit resource reconciliation.", L(kind=o.kind, name=o.name, namespace=o.namespace))
        cr_help = "Total number of reconciliations per controller"
        success = [int(v * 0.02) for v in ok_counts]
        ms.counter("controller_runtime_reconcile_total", cr_help, L(controller=ctrl, result="requeue_after"), [a - b for a, b in zip(ok_counts, success)])
        ms.counter("controller_runtime_reconcile_total", cr_help, L(controller=ctrl, result="success"), success)
        ms.counter("controller_runtime_reconcile_total", cr_help, L(controller=ctrl, result="error"), err_counts)
        ms.counter("controller_runtime_reconcile_total", cr_help, L(controller=ctrl, result="requeue"), self.const(0))
        ms.counter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", L(controller=ctrl), err_counts)
        acc_rt.emit(ms, "controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller", L(controller=ctrl))
        busy = any(o.duration > 60 and not o.suspended for o in objs)
        ms.gauge("controller_runtime_active_workers", "Number of currently used workers per controller", L(controller=ctrl), [1 if busy and r.random() < 0.5 else 0 for _ in range(n)])
        ms.gauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller", L(controller=ctrl), self.const(fc.concurrency))
        wq = dict(name=ctrl, controller=ctrl)
        adds = [a + e + int(0.1 * (a + e)) for a, e in zip(ok_counts, err_counts)]
        ms.gauge("workqueue_depth", "Current depth of workqueue by workqueue and priority", L(**wq), [0 if r.random() < 0.9 else 1 for _ in range(n)])
        ms.counter("workqueue_adds_total", "Total number of adds handled by workqueue", L(**wq), adds)
        ms.counter("workqueue_retries_total", "Total number of retries handled by workqueue", L(**wq), err_counts)
        longest = max((o.duration for o in objs if not o.suspended), default=0.0)
        ms.gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            L(**wq),
            [round(longest * r.random(), 3) if r.random() < 0.3 else 0 for _ in range(n)],
        )
        ms.gauge("workqueue_unfinished_work_seconds", "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.", L(**wq), self.const(0))
        acc_qd.emit(ms, "workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested", L(**wq))
        acc_wd.emit(ms, "workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.", L(**wq))

    # ------------------------------------------------------------------ EmPulse API
    def emit_empulse(self) -> None:
        app = self.c.empulse
        if app is None:
            return
        n, ms, step = self.n, self.ms, self.step
        pods = [p for p in self.pods if p.workload.name == app.deployment and p.namespace == app.namespace]
        if not pods:
            return
        share = 1.0 / len(pods)
        for pod in pods:
            tgt = {
                "job": app.service,
                "namespace": app.namespace,
                "service": app.service,
                "pod": pod.name,
                "container": app.container,
                "endpoint": app.endpoint,
                "instance": f"{pod.ip}:{app.port}",
            }
            self.up.append((tgt, True))

            def L(**lb: str) -> dict[str, str]:
                return merge_labels(lb, tgt, honor_labels=False)

            r = self.rng("empulse", pod.name)
            up = self.uptime("pod", pod.name)
            http = {"fastapi": self.emit_http_fastapi, "promhttp": self.emit_http_promhttp,
                    "otel": self.emit_http_otel}[app.http_instrumentation]
            http(app, L, r, up, share)

            # app metrics
            for (tier, client), rate in app.streams.items():
                rt = rate * share
                ms.counter("empulse_streams_started_total", "Audio streams started.", L(tier=tier, client=client), counter_values(r, n, step, rt, start=rt * up, integer=True))
                ms.gauge("empulse_active_streams", "Audio streams currently playing.", L(tier=tier, client=client), int_gauge_values(r, n, rt * app.average_stream_seconds, 0.08))
            for (reason, client), rate in app.playback_errors.items():
                rt = rate * share
                ms.counter("empulse_playback_errors_total", "Playback errors by reason.", L(reason=reason, client=client), counter_values(r, n, step, rt, start=rt * up, jitter=0.5, integer=True))
            for client, med in app.stream_start_latency.items():
                rate = sum(v for (t, cl), v in app.streams.items() if cl == client) * share
                cnt = counter_values(r, n, step, rate, start=rate * up, integer=True)
                acc = HistogramAcc(EMPULSE_STREAM_START_BUCKETS, n, r, sigma=0.55)
                acc.preload(cnt[0], med)
                inc = increments(cnt)
                for k in range(n):
                    if k:
                        acc.observe(inc[k], med)
                    acc.snapshot(k)
                acc.emit(ms, "empulse_stream_start_seconds", "Time from stream request to first audio byte.", L(client=client), le_format=py_float)
            for result, rate in app.searches.items():
                rt = rate * share
                ms.counter("empulse_catalog_search_requests_total", "Catalog searches by result.", L(result=result), counter_values(r, n, step, rt, start=rt * up, integer=True))
            for (bitrate, codec), rate in app.audio_bytes.items():
                rt = rate * share
                ms.counter("empulse_audio_bytes_served_total", "Audio bytes served to clients.", L(bitrate=bitrate, codec=codec), counter_values(r, n, step, rt, start=rt * up, integer=True))
            # python process collector
            ms.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", L(), counter_values(r, n, step, 0.2, start=0.2 * up))
            ms.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", L(), int_gauge_values(r, n, 290 * MiB, 0.03))
            ms.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", L(), self.const(round(self.grid.start - up, 2)))
            if app.http_instrumentation == "promhttp":  # a Go service: client_golang's Go collector
                ms.gauge("go_info", "Information about the Go environment.", L(version="go1.23.4"), self.const(1))
            else:
                ms.gauge("python_info", "Python platform information", L(implementation="CPython", major="3", minor="12", patchlevel="8", version="3.12.8"), self.const(1))

    # ------------------------------------------------------------------ EmPulse HTTP instrumentations
    def route_counts(self, route, L, r, up: float, share: float, name: str, help: str, labels) -> list[int]:
        """One counter per status class of ``route`` (``labels(status_class)`` gives its labels);
        returns the route's total request count stream."""
        n, step = self.n, self.step
        total = [0] * n
        for status, frac in route.status_mix.items():
            rate = route.rps * frac * share
            vals = counter_values(r, n, step, rate, start=rate * up, integer=True)
            self.ms.counter(name, help, L(**labels(status)), vals)
            for k in range(n):
                total[k] += vals[k]
        return total

    def route_histogram(self, route, counts, bounds, r, name: str, help: str, labels: dict, le_format) -> None:
        """A latency histogram fed by the same requests as ``counts``."""
        acc = HistogramAcc(bounds, self.n, r, sigma=0.7)
        acc.preload(counts[0], route.latency)
        inc = increments(counts)
        for k in range(self.n):
            if k:
                acc.observe(inc[k], route.latency * (1 + 0.1 * (2 * r.random() - 1)))
            acc.snapshot(k)
        acc.emit(self.ms, name, help, labels, le_format=le_format)

    def emit_http_fastapi(self, app, L, r, up: float, share: float) -> None:
        """prometheus-fastapi-instrumentator defaults (status grouped as 2xx..5xx)."""
        n, ms, step = self.n, self.ms, self.step
        highr = HistogramAcc(FASTAPI_LATENCY_HIGHR_BUCKETS, n, r, sigma=0.7)
        route_incs = []
        for route in app.routes:
            route_counts = [0] * n
            for status, frac in route.status_mix.items():
                rate = route.rps * frac * share
                vals = counter_values(r, n, step, rate, start=rate * up, integer=True)
                ms.counter("http_requests_total", "Total number of requests by method, status and handler.", L(handler=route.handler, method=route.method, status=status), vals)
                for k in range(n):
                    route_counts[k] += vals[k]
            inc = increments(route_counts)
            route_incs.append((route, inc))
            # http_request_duration_seconds{handler,method}: same requests as http_requests_total
            lowr = HistogramAcc(FASTAPI_LATENCY_LOWR_BUCKETS, n, r, sigma=0.7)
            lowr.preload(route_counts[0], route.latency)
            highr.preload(route_counts[0], route.latency)
            for k in range(n):
                if k:
                    lowr.observe(inc[k], route.latency * (1 + 0.1 * (2 * r.random() - 1)))
                lowr.snapshot(k)
            lowr.emit(ms, "http_request_duration_seconds", "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ", L(handler=route.handler, method=route.method), le_format=py_float)
            ms.gauge("http_requests_inprogress", "Number of HTTP requests in progress.", L(handler=route.handler, method=route.method), int_gauge_values(r, n, route.rps * share * route.latency, 0.8))
            for kind in ("request", "response"):
                size = 180 if kind == "request" else 2400
                fam = ms.family(f"http_{kind}_size_bytes", "summary", f"Content length of {'incoming requests' if kind == 'request' else 'outgoing responses'} by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ")
                fam.add(f"http_{kind}_size_bytes_count", L(handler=route.handler), route_counts)
                fam.add(f"http_{kind}_size_bytes_sum", L(handler=route.handler), [float(v * size) for v in route_counts])
        # http_request_duration_highr_seconds: one label-less histogram over all routes
        for k in range(n):
            if k:
                for route, inc in route_incs:
                    highr.observe(inc[k], route.latency)
            highr.snapshot(k)
        highr.emit(ms, "http_request_duration_highr_seconds", "Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ", L(), le_format=py_float)

    def emit_http_promhttp(self, app, L, r, up: float, share: float) -> None:
        """Go client_golang promhttp middleware, ``handler`` curried per route:
        InstrumentHandlerCounter (``code``, lower-case ``method``), InstrumentHandlerDuration
        (``method``; prometheus.DefBuckets), InstrumentHandlerInFlight (no labels)."""
        n, ms = self.n, self.ms
        for route in app.routes:
            method = route.method.lower()  # promhttp's sanitizeMethod
            counts = self.route_counts(
                route, L, r, up, share, "http_requests_total", "Total number of HTTP requests by status code and method.",
                lambda status: dict(code=STATUS_CODES[status][route.method], method=method, handler=route.handler))
            self.route_histogram(route, counts, PROMHTTP_DEFAULT_BUCKETS, r, "http_request_duration_seconds",
                                 "A histogram of latencies for requests.", L(handler=route.handler, method=method), go_float)
        inflight = sum(route.rps * route.latency for route in app.routes) * share
        ms.gauge("http_requests_in_flight", "A gauge of requests currently being served by the wrapped handler.", L(),
                 int_gauge_values(r, n, inflight, 0.8))

    def emit_http_otel(self, app, L, r, up: float, share: float) -> None:
        """OpenTelemetry HTTP server semantic conventions (stable) through the Python Prometheus exporter:
        http.server.request.duration (s) -> http_server_request_duration_seconds with the advised buckets,
        http.server.active_requests -> http_server_active_requests. Unmatched requests have no http_route."""
        n, ms = self.n, self.ms
        ms.gauge("target_info", "Target metadata", L(service_name=app.service, telemetry_sdk_language="python",
                 telemetry_sdk_name="opentelemetry", telemetry_sdk_version="1.29.0"), self.const(1))
        by_method: dict[str, float] = {}
        for route in app.routes:
            for status, frac in route.status_mix.items():
                labels = dict(http_request_method=route.method, http_response_status_code=STATUS_CODES[status][route.method],
                              url_scheme="http", network_protocol_version="1.1")
                if route.handler != "none":
                    labels["http_route"] = route.handler
                rate = route.rps * frac * share
                counts = counter_values(r, n, self.step, rate, start=rate * up, integer=True)
                self.route_histogram(route, counts, OTEL_HTTP_DURATION_BUCKETS, r, "http_server_request_duration_seconds",
                                     "Duration of HTTP server requests.", L(**labels), py_float)
            by_method[route.method] = by_method.get(route.method, 0.0) + route.rps * route.latency * share
        for method, value in sorted(by_method.items()):
            ms.gauge("http_server_active_requests", "Number of active HTTP server requests.",
                     L(http_request_method=method, url_scheme="http"), int_gauge_values(r, n, value, 0.8))

    # ------------------------------------------------------------------ custom + up
    def emit_custom(self) -> None:
        for cs in self.c.custom_series:
            r = self.rng("custom", cs.name, sorted(cs.labels.items()))
            if cs.type == "counter":
                self.ms.counter(cs.name, cs.help, cs.labels, counter_values(r, self.n, self.step, cs.rate, start=cs.value, jitter=cs.jitter))
            else:
                self.ms.gauge(cs.name, cs.help, cs.labels, gauge_values(r, self.n, cs.value, cs.jitter))

    def emit_up(self) -> None:
        for tgt, ok in self.up:
            self.ms.gauge("up", "1 if the target was scraped successfully.", tgt, self.const(1 if ok else 0))


def generate(cluster: Cluster) -> Dataset:
    """Generate every series of the scenario over its window."""
    g = _Gen(cluster)
    g.emit_ksm()
    g.emit_cadvisor()
    g.emit_node_exporter()
    g.emit_flux()
    g.emit_flux_operator()
    g.emit_empulse()
    g.emit_custom()
    g.emit_up()
    return Dataset(cluster=cluster, grid=g.grid, metrics=g.ms)
