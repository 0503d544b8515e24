"""Declarative description of a small, realistic Flux + kube-prometheus-stack cluster.

Everything here is plain dataclasses: build :func:`default_cluster`, change
what a test needs (``cluster.flux_objects``, ``cluster.workloads``,
``cluster.nodes``...), and hand it to :func:`prom.generate.generate` or to
:func:`prom.server.start_prometheus`. Values describe the state at the end of
the data window; ``Transition`` entries describe label changes before it.

Derived objects (pods, container ids, IPs) are computed deterministically from
``Cluster.seed`` and object names, so the same scenario always produces the
same data.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# Kind -> (API group, version) as kube-state-metrics reports them in
# customresource_group / customresource_version (Flux >= 2.3 storage versions).
FLUX_KINDS: dict[str, tuple[str, str]] = {
    "Kustomization": ("kustomize.toolkit.fluxcd.io", "v1"),
    "HelmRelease": ("helm.toolkit.fluxcd.io", "v2"),
    "GitRepository": ("source.toolkit.fluxcd.io", "v1"),
    "OCIRepository": ("source.toolkit.fluxcd.io", "v1"),
    "HelmRepository": ("source.toolkit.fluxcd.io", "v1"),
    "HelmChart": ("source.toolkit.fluxcd.io", "v1"),
    "Bucket": ("source.toolkit.fluxcd.io", "v1"),
}
RECONCILER_KINDS = ("Kustomization", "HelmRelease")
SOURCE_KINDS = ("GitRepository", "HelmRepository", "Bucket", "OCIRepository")

# controller-runtime controller name (controller_runtime_* and workqueue name) per kind
FLUX_CONTROLLER_OF_KIND = {
    "Kustomization": "kustomization",
    "HelmRelease": "helmrelease",
    "GitRepository": "gitrepository",
    "OCIRepository": "ocirepository",
    "HelmRepository": "helmrepository",
    "HelmChart": "helmchart",
    "Bucket": "bucket",
}

# The Ready condition's reason as Flux controllers set it (fluxcd/pkg meta reasons).
_READY_REASONS: dict[str, dict[str, str]] = {
    "True": {"*": "Succeeded", "Kustomization": "ReconciliationSucceeded", "HelmRelease": "UpgradeSucceeded"},
    "False": {"*": "ReconciliationFailed", "GitRepository": "GitOperationFailed", "HelmRelease": "UpgradeFailed",
              "HelmChart": "ChartPullFailed", "Kustomization": "HealthCheckFailed"},
    "Unknown": {"*": "Progressing"},
}

_POD_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.SafeEncodeString alphabet


def rng_for(*parts: object) -> random.Random:
    """A deterministic RNG for one object (str seeds are hashed with SHA-512)."""
    return random.Random(":".join(str(p) for p in parts))


def _suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_POD_SUFFIX_ALPHABET) for _ in range(n))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


# --------------------------------------------------------------------------- nodes
@dataclass
class Node:
    name: str
    ip: str
    cpu: int = 4  # cores
    memory: int = 16 * GiB
    ready: bool = True  # False: kubelet/node-exporter targets are down (up == 0)
    unschedulable: bool = False
    pressure: set[str] = field(default_factory=set)  # e.g. {"MemoryPressure"}
    role: str = "worker"
    cpu_busy: float = 0.3  # fraction of CPU time not idle
    memory_used: float = 0.55  # fraction of MemTotal not available
    disk_size: int = 80 * GiB
    disk_used: float = 0.45
    kubelet_version: str = "v1.31.4"
    os_image: str = "Ubuntu 24.04.1 LTS"
    kernel_version: str = "6.8.0-51-generic"
    container_runtime_version: str = "containerd://1.7.24"
    pod_cidr: str = ""
    system_uuid: str = ""


# --------------------------------------------------------------------------- workloads
@dataclass
class Container:
    name: str
    image: str
    cpu_request: float | None = 0.1  # cores; None = not set
    cpu_limit: float | None = None
    memory_request: int | None = 128 * MiB  # bytes
    memory_limit: int | None = None
    cpu_usage: float = 0.02  # average cores used
    memory_usage: int = 64 * MiB  # average working set bytes
    throttled: float = 0.0  # fraction of CFS periods throttled (only with a cpu limit)
    restarts: int = 0  # restarts during the window (spread evenly)
    restarts_before: int = 0  # restart count at the start of the window


@dataclass
class Workload:
    """A Deployment, DaemonSet or StatefulSet and the pods it owns."""

    name: str
    namespace: str
    containers: list[Container]
    kind: str = "Deployment"
    replicas: int = 1  # ignored for DaemonSets (one pod per node)
    unready_replicas: int = 0  # Running pods whose containers fail readiness
    crashlooping_replicas: int = 0  # pods whose first container is in CrashLoopBackOff
    generation: int = 3
    observed_generation: int | None = None  # None = generation
    rollout_stuck: bool = False  # Progressing=False (ProgressDeadlineExceeded)
    host_network: bool = False
    priority_class: str = ""
    nodes: list[str] | None = None  # restrict scheduling to these nodes
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class PodContainer:
    spec: Container
    id: str
    ready: bool
    waiting_reason: str | None = None
    last_terminated_reason: str | None = None


@dataclass
class Pod:
    name: str
    namespace: str
    uid: str
    node: str
    node_ip: str
    ip: str
    workload: Workload
    containers: list[PodContainer]
    phase: str = "Running"
    sandbox_id: str = ""

    @property
    def ready(self) -> bool:
        return self.phase == "Running" and all(c.ready for c in self.containers)

    @property
    def owner_kind(self) -> str:
        return "ReplicaSet" if self.workload.kind == "Deployment" else self.workload.kind

    @property
    def owner_name(self) -> str:
        if self.workload.kind == "Deployment":
            return self.name.rsplit("-", 1)[0]
        return self.workload.name

    @property
    def qos(self) -> str:
        specs = [c.spec for c in self.containers]
        if all(
            s.cpu_limit is not None
            and s.memory_limit is not None
            and s.cpu_request in (None, s.cpu_limit)
            and s.memory_request in (None, s.memory_limit)
            for s in specs
        ):
            return "guaranteed"
        if all(
            s.cpu_request is None and s.memory_request is None and s.cpu_limit is None and s.memory_limit is None
            for s in specs
        ):
            return "besteffort"
        return "burstable"

    @property
    def cgroup(self) -> str:
        u = self.uid.replace("-", "_")
        if self.qos == "guaranteed":
            return f"/kubepods.slice/kubepods-pod{u}.slice"
        q = self.qos
        return f"/kubepods.slice/kubepods-{q}.slice/kubepods-{q}-pod{u}.slice"


# --------------------------------------------------------------------------- services
@dataclass
class Service:
    name: str
    namespace: str
    type: str = "ClusterIP"
    cluster_ip: str = ""
    lb_ingress_ip: str = ""
    lb_ingress_hostname: str = ""
    external_name: str = ""


# --------------------------------------------------------------------------- flux
@dataclass
class Transition:
    """The object changed to its current labels ``ago`` seconds before the window end;
    ``before`` holds the label values it had until then (e.g. ``{"ready": "True"}``)."""

    ago: float
    before: dict[str, str]


@dataclass
class FluxObject:
    kind: str
    name: str
    namespace: str = "flux-system"
    ready: str = "True"  # True | False | Unknown (Ready condition status at the end)
    suspended: bool | None = False  # None: spec.suspend unset -> KSM emits no label
    revision: str | None = None  # None: derived (sha / chart version)
    source_name: str | None = None  # Kustomization / HelmRelease sourceRef
    url: str | None = None  # GitRepository / OCIRepository / HelmRepository
    endpoint: str | None = None  # Bucket
    bucket_name: str | None = None  # Bucket
    chart_name: str | None = None  # HelmRelease / HelmChart
    chart_version: str | None = None  # HelmChart spec.version
    chart_app_version: str | None = None  # HelmRelease
    chart_ref_name: str | None = None  # HelmRelease chartRef (OCIRepository)
    chart_source_name: str | None = None  # HelmRelease chart.spec.sourceRef
    path: str | None = None  # Kustomization spec.path; None: "./<name>"
    interval: float = 300.0  # reconcile interval, seconds
    duration: float = 1.0  # median reconcile duration, seconds
    history: list[Transition] = field(default_factory=list)

    @property
    def controller(self) -> str:
        return FLUX_CONTROLLER_OF_KIND[self.kind]

    @property
    def failing(self) -> bool:
        return self.ready == "False"

    def final_revision(self, seed: int) -> str:
        if self.revision is not None:
            return self.revision
        rng = rng_for(seed, "rev", self.kind, self.namespace, self.name)
        if self.kind in ("GitRepository", "Kustomization"):
            return f"main@sha1:{_hex(rng, 40)}"
        if self.kind == "OCIRepository":
            return f"latest@sha256:{_hex(rng, 64)}"
        if self.kind in ("HelmRepository", "Bucket"):
            return f"sha256:{_hex(rng, 64)}"
        if self.kind in ("HelmRelease", "HelmChart"):
            return self.chart_version or "1.0.0"
        return _hex(rng, 12)

    def info_labels(self, seed: int) -> dict[str, str]:
        """Labels of gotk_resource_info at the window end (KSM custom-resource-state config)."""
        group, version = FLUX_KINDS[self.kind]
        lb = {
            "customresource_group": group,
            "customresource_kind": self.kind,
            "customresource_version": version,
            "name": self.name,
            "exported_namespace": self.namespace,
            "ready": self.ready,
            "suspended": "" if self.suspended is None else ("true" if self.suspended else "false"),
            "revision": self.final_revision(seed),
        }
        if self.kind == "Kustomization":
            lb["source_name"] = self.source_name or ""
        elif self.kind == "HelmRelease":
            lb.update(
                chart_name=self.chart_name or "",
                chart_app_version=self.chart_app_version or "",
                chart_ref_name=self.chart_ref_name or "",
                chart_source_name=self.chart_source_name or "",
            )
        elif self.kind in ("GitRepository", "OCIRepository", "HelmRepository"):
            lb["url"] = self.url or ""
        elif self.kind == "Bucket":
            lb.update(endpoint=self.endpoint or "", bucket_name=self.bucket_name or "")
        elif self.kind == "HelmChart":
            lb.update(chart_name=self.chart_name or "", chart_version=self.chart_version or "")
        return lb

    def operator_labels(self, seed: int, before: dict[str, str] | None = None) -> dict[str, str]:
        """Labels of the Flux Operator's flux_resource_info (internal/reporter/metrics.go):
        ``kind``, ``exported_namespace``, ``ready``/``reason`` from the Ready condition,
        ``suspended`` True/False (capitalised), ``revision``, ``url``, ``ref``, ``source_name``,
        ``path``. ``before`` holds gotk-style overrides of a Transition (ready, revision, suspended)."""
        before = before or {}
        ready = before.get("ready", self.ready)
        suspended = before.get("suspended", "true" if self.suspended else "false") == "true"
        rng = rng_for(seed, "uid", self.kind, self.namespace, self.name)
        lb = {
            "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "kind": self.kind,
            "name": self.name,
            "exported_namespace": self.namespace,
            "ready": ready,
            "reason": _READY_REASONS[ready].get(self.kind, _READY_REASONS[ready]["*"]),
            "suspended": "True" if suspended else "False",
            "revision": before.get("revision", self.final_revision(seed)),
            "url": "", "ref": "", "source_name": "", "path": "",
        }
        if self.kind in ("GitRepository", "OCIRepository", "HelmRepository"):
            lb["url"] = self.url or ""
        if self.kind == "GitRepository":
            lb["ref"] = "main"
        elif self.kind == "OCIRepository":
            lb["ref"] = "latest"
        elif self.kind == "Bucket":
            lb.update(url=self.endpoint or "", ref=self.bucket_name or "")
        elif self.kind == "Kustomization":
            lb.update(source_name=self.source_name or "", path=self.path or f"./{self.name}")
        elif self.kind == "HelmRelease":
            lb["source_name"] = self.chart_source_name or self.chart_ref_name or ""
        return lb


@dataclass
class FluxController:
    """A Flux controller Deployment scraped by the flux-system PodMonitor."""

    name: str  # Deployment name, e.g. "kustomize-controller"
    controllers: list[str]  # controller-runtime controller names it runs
    concurrency: int = 4
    memory: int = 96 * MiB  # resident memory
    cpu: float = 0.01  # cores
    api_rps: float = 0.5  # Kubernetes API requests per second


# --------------------------------------------------------------------------- EmPulse
@dataclass
class HttpRoute:
    handler: str
    method: str = "GET"
    rps: float = 5.0  # requests/s across all replicas
    latency: float = 0.05  # median seconds
    status_mix: dict[str, float] = field(default_factory=lambda: {"2xx": 0.99, "4xx": 0.009, "5xx": 0.001})


@dataclass
class EmPulseApp:
    """The EmPulse Music API (FastAPI + prometheus-fastapi-instrumentator defaults,
    ``should_instrument_requests_inprogress=True, inprogress_labels=True``)."""

    namespace: str = "empulse"
    deployment: str = "empulse-api"
    service: str = "empulse-api"
    container: str = "empulse-api"
    port: int = 8000
    endpoint: str = "http"
    routes: list[HttpRoute] = field(default_factory=list)
    # (tier, client) -> streams started per second
    streams: dict[tuple[str, str], float] = field(default_factory=dict)
    # (reason, client) -> playback errors per second
    playback_errors: dict[tuple[str, str], float] = field(default_factory=dict)
    # client -> median time to first audio (s)
    stream_start_latency: dict[str, float] = field(default_factory=dict)
    # result -> catalog searches per second
    searches: dict[str, float] = field(default_factory=dict)
    # (bitrate, codec) -> bytes served per second
    audio_bytes: dict[tuple[str, str], float] = field(default_factory=dict)
    average_stream_seconds: float = 180.0  # active streams = rate * duration (Little's law)
    # HTTP metrics: "fastapi" (prometheus-fastapi-instrumentator), "promhttp" (a Go service
    # with client_golang's promhttp middleware) or "otel" (OpenTelemetry semantic conventions)
    http_instrumentation: str = "fastapi"


@dataclass
class CustomSeries:
    """Any extra series a test wants. ``labels`` are the final labels (include job etc.).

    gauge: ``value`` (+ relative ``jitter``); counter: starts at ``value`` and grows at ``rate``/s.
    """

    name: str
    labels: dict[str, str]
    type: str = "gauge"
    value: float = 1.0
    rate: float = 0.0
    jitter: float = 0.0
    help: str = ""


# --------------------------------------------------------------------------- cluster
@dataclass
class Cluster:
    nodes: list[Node]
    namespaces: list[str]
    workloads: list[Workload]
    services: list[Service]
    flux_objects: list[FluxObject]
    flux_controllers: list[FluxController]
    empulse: EmPulseApp | None
    custom_series: list[CustomSeries] = field(default_factory=list)
    window: float = 2 * 3600.0  # seconds of data (3h takes ~50% longer to backfill)
    scrape_interval: float = 30.0
    end: float | None = None  # unix seconds; None = now, aligned to scrape_interval
    seed: int = 42
    ksm_namespace: str = "monitoring"
    # Where the state of Flux objects comes from: "kube-state-metrics" (gotk_resource_info, the
    # Flux custom-resource-state config) or "flux-operator" (flux_resource_info, ControlPlane's operator)
    flux_resource_exporter: str = "kube-state-metrics"
    release: str = "kube-prometheus-stack"  # helm release prefix of monitoring objects

    # ---- lookups -------------------------------------------------------------
    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def workload(self, name: str, namespace: str | None = None) -> Workload:
        return next(w for w in self.workloads if w.name == name and namespace in (None, w.namespace))

    def flux(self, kind: str, name: str) -> FluxObject:
        return next(o for o in self.flux_objects if o.kind == kind and o.name == name)

    def flux_of_kind(self, *kinds: str) -> list[FluxObject]:
        return [o for o in self.flux_objects if o.kind in kinds]

    @property
    def ready_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.ready]

    # ---- derived pods ----------------------------------------------------------
    def pods(self) -> list[Pod]:
        """All pods, derived deterministically from the workloads."""
        out: list[Pod] = []
        per_node: dict[str, int] = {n.name: 0 for n in self.nodes}
        node_idx = {n.name: i for i, n in enumerate(self.nodes)}
        sched = [n for n in self.nodes if n.ready and not n.unschedulable]
        rr = 0
        for w in self.workloads:
            rng = rng_for(self.seed, "workload", w.namespace, w.name)
            if w.kind == "DaemonSet":
                targets = [n.name for n in self.nodes if w.nodes is None or n.name in w.nodes]
                count = len(targets)
            else:
                count = w.replicas
                pool = [n.name for n in sched if w.nodes is None or n.name in w.nodes] or [
                    n.name for n in self.nodes
                ]
                targets = []
                for _ in range(count):
                    targets.append(pool[rr % len(pool)])
                    rr += 1
            rs_hash = _suffix(rng, 10) if w.kind == "Deployment" else ""
            for k in range(count):
                node = self.node(targets[k])
                if w.kind == "Deployment":
                    name = f"{w.name}-{rs_hash}-{_suffix(rng, 5)}"
                elif w.kind == "DaemonSet":
                    name = f"{w.name}-{_suffix(rng, 5)}"
                else:
                    name = f"{w.name}-{k}"
                per_node[node.name] += 1
                ip = node.ip if w.host_network else f"10.244.{node_idx[node.name]}.{10 + per_node[node.name]}"
                crash = k < w.crashlooping_replicas
                unready = (not crash) and k >= count - w.unready_replicas
                containers = []
                for ci, c in enumerate(w.containers):
                    cl = crash and ci == 0
                    containers.append(
                        PodContainer(
                            spec=c,
                            id=_hex(rng, 64),
                            ready=node.ready and not cl and not unready,
                            waiting_reason="CrashLoopBackOff" if cl else None,
                            last_terminated_reason="Error" if cl else None,
                        )
                    )
                out.append(
                    Pod(
                        name=name,
                        namespace=w.namespace,
                        uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        node=node.name,
                        node_ip=node.ip,
                        ip=ip,
                        workload=w,
                        containers=containers,
                        sandbox_id=_hex(rng, 64),
                    )
                )
        return out

    def pods_of(self, workload: str, namespace: str | None = None) -> list[Pod]:
        return [p for p in self.pods() if p.workload.name == workload and namespace in (None, p.namespace)]

    # ---- expectations useful to tests ----------------------------------------
    def failing_reconcilers(self) -> list[FluxObject]:
        return [o for o in self.flux_of_kind(*RECONCILER_KINDS) if o.ready == "False"]

    def failing_sources(self) -> list[FluxObject]:
        return [o for o in self.flux_of_kind(*SOURCE_KINDS) if o.ready == "False"]

    def suspended_objects(self) -> list[FluxObject]:
        return [o for o in self.flux_objects if o.suspended]


def _pool(name: str, n: int = 2) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:n]


# --------------------------------------------------------------------------- default scenario
def default_cluster() -> Cluster:
    """Three Ready nodes plus one NotReady worker; Flux, kube-prometheus-stack,
    EmPulse (empulse), podinfo and ingress-nginx. Some Flux objects fail, one is
    Unknown, some are suspended; one pod crash-loops; one Deployment is short of
    ready replicas."""
    nodes = [
        Node("k8s-cp-1", "10.0.0.11", cpu=4, memory=8 * GiB, role="control-plane", cpu_busy=0.25, memory_used=0.6),
        Node("k8s-worker-1", "10.0.0.21", cpu=8, memory=32 * GiB, cpu_busy=0.42, memory_used=0.62),
        Node("k8s-worker-2", "10.0.0.22", cpu=8, memory=32 * GiB, cpu_busy=0.35, memory_used=0.48, disk_used=0.71),
        Node("k8s-worker-3", "10.0.0.23", cpu=8, memory=32 * GiB, ready=False, unschedulable=True, cpu_busy=0.05),
    ]
    for i, n in enumerate(nodes):
        n.pod_cidr = f"10.244.{i}.0/24"
        n.system_uuid = str(uuid.UUID(int=rng_for("node", n.name).getrandbits(128), version=4))

    C = Container
    flux_img = "ghcr.io/fluxcd/{}:{}"
    workloads = [
        # kube-system
        Workload("coredns", "kube-system", [C("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 0.1, None, 70 * MiB, 170 * MiB, cpu_usage=0.006, memory_usage=22 * MiB)], replicas=2, priority_class="system-cluster-critical"),
        Workload("kube-proxy", "kube-system", [C("kube-proxy", "registry.k8s.io/kube-proxy:v1.31.4", None, None, None, None, cpu_usage=0.004, memory_usage=28 * MiB)], kind="DaemonSet", host_network=True, priority_class="system-node-critical"),
        Workload("metrics-server", "kube-system", [C("metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", 0.1, None, 200 * MiB, None, cpu_usage=0.008, memory_usage=34 * MiB)]),
        # flux-system
        Workload("source-controller", "flux-system", [C("manager", flux_img.format("source-controller", "v1.4.1"), 0.05, 1.0, 64 * MiB, 1 * GiB, cpu_usage=0.012, memory_usage=180 * MiB)]),
        Workload("kustomize-controller", "flux-system", [C("manager", flux_img.format("kustomize-controller", "v1.4.0"), 0.1, 1.0, 64 * MiB, 1 * GiB, cpu_usage=0.02, memory_usage=110 * MiB)]),
        Workload("helm-controller", "flux-system", [C("manager", flux_img.format("helm-controller", "v1.1.0"), 0.1, 1.0, 64 * MiB, 1 * GiB, cpu_usage=0.015, memory_usage=140 * MiB, restarts_before=1)]),
        Workload("notification-controller", "flux-system", [C("manager", flux_img.format("notification-controller", "v1.4.0"), 0.1, 1.0, 64 * MiB, 1 * GiB, cpu_usage=0.003, memory_usage=45 * MiB)]),
        # monitoring (kube-prometheus-stack)
        Workload("kube-prometheus-stack-kube-state-metrics", "monitoring", [C("kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0", 0.01, None, 32 * MiB, None, cpu_usage=0.007, memory_usage=48 * MiB)]),
        Workload("kube-prometheus-stack-prometheus-node-exporter", "monitoring", [C("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", 0.01, 0.2, 16 * MiB, 64 * MiB, cpu_usage=0.01, memory_usage=18 * MiB, throttled=0.02)], kind="DaemonSet", host_network=True),
        Workload("kube-prometheus-stack-operator", "monitoring", [C("kube-prometheus-stack", "quay.io/prometheus-operator/prometheus-operator:v0.79.2", 0.05, 0.2, 64 * MiB, 200 * MiB, cpu_usage=0.004, memory_usage=40 * MiB)]),
        Workload("prometheus-kube-prometheus-stack-prometheus", "monitoring", [C("prometheus", "quay.io/prometheus/prometheus:v3.1.0", 0.5, None, 1 * GiB, 3 * GiB, cpu_usage=0.18, memory_usage=1400 * MiB), C("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.79.2", 0.01, 0.2, 16 * MiB, 50 * MiB, cpu_usage=0.001, memory_usage=12 * MiB)], kind="StatefulSet"),
        Workload("kube-prometheus-stack-grafana", "monitoring", [C("grafana", "docker.io/grafana/grafana:11.4.0", 0.1, None, 256 * MiB, 512 * MiB, cpu_usage=0.015, memory_usage=210 * MiB)]),
        # ingress-nginx
        Workload("ingress-nginx-controller", "ingress-nginx", [C("controller", "registry.k8s.io/ingress-nginx/controller:v1.12.0", 0.1, None, 90 * MiB, None, cpu_usage=0.03, memory_usage=120 * MiB)], replicas=2),
        # empulse
        Workload("empulse-api", "empulse", [C("empulse-api", "ghcr.io/empulse/empulse-api:2.7.1", 0.25, 1.0, 256 * MiB, 512 * MiB, cpu_usage=0.21, memory_usage=300 * MiB, throttled=0.08)], replicas=3),
        Workload("empulse-web", "empulse", [C("empulse-web", "ghcr.io/empulse/empulse-web:2.7.1", 0.05, 0.25, 64 * MiB, 128 * MiB, cpu_usage=0.01, memory_usage=40 * MiB)], replicas=2),
        # crash-looping: one of two pods, restarts every ~5 minutes (back-off cap)
        Workload("empulse-transcoder", "empulse", [C("transcoder", "ghcr.io/empulse/transcoder:1.9.0", 0.5, 2.0, 512 * MiB, 1 * GiB, cpu_usage=0.35, memory_usage=600 * MiB, restarts=36, restarts_before=41)], replicas=2, crashlooping_replicas=1),
        # fewer ready than desired: 2/3 ready, no memory/cpu limits
        Workload("empulse-recommender", "empulse", [C("recommender", "ghcr.io/empulse/recommender:0.14.2", 0.2, None, 384 * MiB, None, cpu_usage=0.12, memory_usage=420 * MiB, restarts=2)], replicas=3, unready_replicas=1),
        # podinfo app namespace
        Workload("podinfo", "podinfo", [C("podinfo", "ghcr.io/stefanprodan/podinfo:6.7.1", 0.01, None, 32 * MiB, None, cpu_usage=0.002, memory_usage=14 * MiB)], replicas=2),
    ]
    services = [
        Service("kubernetes", "default", cluster_ip="10.96.0.1"),
        Service("kube-dns", "kube-system", cluster_ip="10.96.0.10"),
        Service("ingress-nginx-controller", "ingress-nginx", type="LoadBalancer", cluster_ip="10.96.114.20", lb_ingress_ip="203.0.113.10"),
        Service("empulse-edge", "empulse", type="LoadBalancer", cluster_ip="10.96.201.7", lb_ingress_hostname="edge.empulse.example.com"),
        Service("empulse-api", "empulse", cluster_ip="10.96.201.5"),
        Service("podinfo", "podinfo", cluster_ip="10.96.77.3"),
        Service("kube-prometheus-stack-kube-state-metrics", "monitoring", cluster_ip="10.96.50.11"),
        Service("kube-prometheus-stack-prometheus-node-exporter", "monitoring", cluster_ip="10.96.50.12"),
        Service("notification-controller", "flux-system", cluster_ip="10.96.30.4"),
        Service("webhook-receiver", "flux-system", cluster_ip="10.96.30.5"),
    ]

    F = FluxObject
    flux = [
        # sources
        F("GitRepository", "flux-system", url="ssh://git@github.com/empulse/fleet-infra", interval=60, duration=1.2),
        F("GitRepository", "empulse-app", namespace="empulse", url="https://github.com/empulse/empulse-deploy", interval=60, duration=0.9,
          history=[Transition(ago=2400, before={"revision": "main@sha1:3f1c9a7be0d44c2a8e5b6f7d9e0a1b2c3d4e5f60"})]),
        F("GitRepository", "legacy-config", url="https://git.example.com/ops/legacy-config", ready="False", interval=60, duration=30.0,
          history=[Transition(ago=5400, before={"ready": "True"})]),
        F("OCIRepository", "podinfo", namespace="podinfo", url="oci://ghcr.io/stefanprodan/manifests/podinfo", interval=300, duration=2.5),
        F("HelmRepository", "prometheus-community", url="https://prometheus-community.github.io/helm-charts", interval=3600, duration=4.0),
        F("HelmRepository", "ingress-nginx", url="https://kubernetes.github.io/ingress-nginx", interval=3600, duration=3.0),
        F("HelmRepository", "bitnami", url="oci://registry-1.docker.io/bitnamicharts", interval=3600, duration=0.5, suspended=True),
        F("Bucket", "empulse-assets", namespace="empulse", endpoint="minio.storage.svc.cluster.local:9000", bucket_name="empulse-assets", interval=300, duration=1.8, suspended=None),
        # reconcilers
        F("Kustomization", "flux-system", source_name="flux-system", interval=600, duration=6.0),
        F("Kustomization", "infra-controllers", source_name="flux-system", interval=600, duration=12.0),
        F("Kustomization", "infra-configs", source_name="flux-system", interval=600, duration=4.0,
          ready="Unknown", history=[Transition(ago=900, before={"ready": "True"})]),
        F("Kustomization", "monitoring-configs", source_name="flux-system", interval=600, duration=3.0, suspended=True),
        F("Kustomization", "empulse", namespace="empulse", source_name="empulse-app", interval=300, duration=8.0,
          history=[Transition(ago=2340, before={"revision": "main@sha1:3f1c9a7be0d44c2a8e5b6f7d9e0a1b2c3d4e5f60"})]),
        F("Kustomization", "empulse-recommender", namespace="empulse", source_name="empulse-app", interval=300, duration=95.0,
          ready="False", history=[Transition(ago=3600, before={"ready": "True"})]),
        F("Kustomization", "podinfo", namespace="podinfo", source_name="podinfo", interval=600, duration=2.0),
        F("HelmRelease", "kube-prometheus-stack", namespace="monitoring", chart_name="kube-prometheus-stack", chart_version="67.9.0",
          chart_app_version="v0.79.2", chart_source_name="prometheus-community", interval=600, duration=25.0),
        F("HelmRelease", "ingress-nginx", namespace="ingress-nginx", chart_name="ingress-nginx", chart_version="4.12.0",
          chart_app_version="1.12.0", chart_source_name="ingress-nginx", interval=600, duration=9.0),
        F("HelmRelease", "redis", namespace="empulse", chart_name="redis", chart_version="20.6.2", chart_app_version="7.4.2",
          chart_source_name="bitnami", interval=600, duration=300.0, ready="False", suspended=False),
        F("HelmRelease", "podinfo", namespace="podinfo", chart_name="podinfo", chart_version="6.7.1", chart_app_version="6.7.1",
          chart_ref_name="podinfo", interval=600, duration=3.5, suspended=True),
    ]
    # helm-controller creates a HelmChart per HelmRelease that uses a HelmRepository
    for hr in [o for o in flux if o.kind == "HelmRelease" and o.chart_source_name]:
        flux.append(
            F("HelmChart", f"{hr.namespace}-{hr.name}", chart_name=hr.chart_name, chart_version=hr.chart_version,
              interval=600, duration=1.5, ready="False" if hr.chart_source_name == "bitnami" else "True")
        )

    controllers = [
        FluxController("source-controller", ["gitrepository", "ocirepository", "helmrepository", "helmchart", "bucket"], concurrency=2, memory=180 * MiB, cpu=0.012, api_rps=1.2),
        FluxController("kustomize-controller", ["kustomization"], concurrency=4, memory=110 * MiB, cpu=0.02, api_rps=2.0),
        FluxController("helm-controller", ["helmrelease"], concurrency=4, memory=140 * MiB, cpu=0.015, api_rps=0.8),
        FluxController("notification-controller", ["receiver"], concurrency=4, memory=45 * MiB, cpu=0.003, api_rps=0.1),
    ]

    empulse = EmPulseApp(
        routes=[
            HttpRoute("/api/v1/tracks/{track_id}", "GET", rps=42.0, latency=0.035),
            HttpRoute("/api/v1/search", "GET", rps=18.0, latency=0.12, status_mix={"2xx": 0.975, "4xx": 0.02, "5xx": 0.005}),
            HttpRoute("/api/v1/streams", "POST", rps=9.0, latency=0.21, status_mix={"2xx": 0.96, "4xx": 0.015, "5xx": 0.025}),
            HttpRoute("/api/v1/playlists/{playlist_id}", "GET", rps=7.5, latency=0.06),
            HttpRoute("/api/v1/playlists/{playlist_id}/tracks", "POST", rps=0.8, latency=0.09, status_mix={"2xx": 0.9, "4xx": 0.09, "5xx": 0.01}),
            HttpRoute("/healthz", "GET", rps=0.6, latency=0.002, status_mix={"2xx": 1.0}),
            HttpRoute("none", "GET", rps=0.3, latency=0.004, status_mix={"4xx": 1.0}),
        ],
        streams={
            ("free", "web"): 2.1, ("free", "ios"): 1.4, ("free", "android"): 1.9,
            ("premium", "web"): 1.2, ("premium", "ios"): 1.6, ("premium", "android"): 0.9,
        },
        playback_errors={
            ("decode", "android"): 0.012, ("decode", "web"): 0.004, ("cdn_timeout", "web"): 0.02,
            ("cdn_timeout", "ios"): 0.015, ("cdn_timeout", "android"): 0.025, ("drm", "ios"): 0.003,
            ("not_found", "web"): 0.006, ("not_found", "android"): 0.005,
        },
        stream_start_latency={"web": 0.35, "ios": 0.28, "android": 0.45},
        searches={"hit": 15.5, "empty": 2.2, "error": 0.09},
        audio_bytes={("128", "aac"): 1.5e6, ("256", "aac"): 2.4e6, ("320", "mp3"): 1.1e6, ("320", "opus"): 0.7e6},
    )

    return Cluster(
        nodes=nodes,
        namespaces=["default", "kube-system", "flux-system", "monitoring", "ingress-nginx", "empulse", "podinfo"],
        workloads=workloads,
        services=services,
        flux_objects=flux,
        flux_controllers=controllers,
        empulse=empulse,
    )
