"""Scraping Flux: the controllers' own metrics and the per-object state the alerts and
the Flux dashboard read.

- PodMonitor ``flux-system``: the Flux controllers in ``values.flux.namespace`` on their
  ``http-prom`` port (8080). ``gotk_reconcile_duration_seconds``, ``controller_runtime_*``,
  ``workqueue_*`` come from here; the object's namespace arrives as ``exported_namespace``.
- With ``flux.resource_metric: gotk_resource_info`` (the default): the ConfigMap
  ``dashgen-kube-state-metrics-flux``, a values fragment for the kube-prometheus-stack
  HelmRelease (``valuesFrom``) that adds kube-state-metrics' custom-resource-state config
  for every Flux kind and the RBAC to list/watch them. It sets neither ``collectors`` nor
  ``--custom-resource-state-only``, so the chart's kube-state-metrics keeps all its core
  ``kube_*`` metrics (metrics.md §1.3 caveat 1).
- With ``flux.resource_metric: flux_resource_info``: a PodMonitor for the Flux Operator,
  which exports ``flux_resource_info`` itself; no kube-state-metrics change is needed.
"""

from dashboards.lib.flux import NAMESPACE, RESOURCE
from dashgen.formats import dump_yaml

METRIC = RESOURCE.name

CONTROLLERS = [
    "helm-controller",
    "image-automation-controller",
    "image-reflector-controller",
    "kustomize-controller",
    "notification-controller",
    "source-controller",
]

controllers = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "PodMonitor",
    "metadata": {"name": "flux-system", "labels": {"app.kubernetes.io/part-of": "flux"}},
    "spec": {
        "namespaceSelector": {"matchNames": [NAMESPACE]},
        "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": CONTROLLERS}]},
        "podMetricsEndpoints": [{"port": "http-prom"}],
    },
}

# ---------------------------------------------------------------- kube-state-metrics
# (group, version, kind, has a Ready condition, extra labels: name -> path in the object)
# API versions of Flux 2.7; labels as in fluxcd/flux2-monitoring-example.
REVISION = ["status", "artifact", "revision"]
FLUX_KINDS = [
    ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", True,
     {"revision": ["status", "lastAppliedRevision"], "source_name": ["spec", "sourceRef", "name"]}),
    ("helm.toolkit.fluxcd.io", "v2", "HelmRelease", True,
     {"revision": ["status", "history", "0", "chartVersion"],
      "chart_name": ["status", "history", "0", "chartName"],
      "chart_app_version": ["status", "history", "0", "appVersion"],
      "chart_ref_name": ["spec", "chartRef", "name"],
      "chart_source_name": ["spec", "chart", "spec", "sourceRef", "name"]}),
    ("source.toolkit.fluxcd.io", "v1", "GitRepository", True, {"revision": REVISION, "url": ["spec", "url"]}),
    ("source.toolkit.fluxcd.io", "v1", "OCIRepository", True, {"revision": REVISION, "url": ["spec", "url"]}),
    ("source.toolkit.fluxcd.io", "v1", "HelmRepository", True, {"revision": REVISION, "url": ["spec", "url"]}),
    ("source.toolkit.fluxcd.io", "v1", "HelmChart", True,
     {"revision": REVISION, "chart_name": ["spec", "chart"], "chart_version": ["spec", "version"]}),
    ("source.toolkit.fluxcd.io", "v1", "Bucket", True,
     {"revision": REVISION, "endpoint": ["spec", "endpoint"], "bucket_name": ["spec", "bucketName"]}),
    ("notification.toolkit.fluxcd.io", "v1beta3", "Alert", False, {}),
    ("notification.toolkit.fluxcd.io", "v1beta3", "Provider", False, {}),
    ("notification.toolkit.fluxcd.io", "v1", "Receiver", True, {"webhook_path": ["status", "webhookPath"]}),
    ("image.toolkit.fluxcd.io", "v1", "ImageRepository", True, {"image": ["spec", "image"]}),
    ("image.toolkit.fluxcd.io", "v1", "ImagePolicy", True, {"source_name": ["spec", "imageRepositoryRef", "name"]}),
    ("image.toolkit.fluxcd.io", "v1", "ImageUpdateAutomation", True, {"source_name": ["spec", "sourceRef", "name"]}),
]


def plural(kind: str) -> str:
    """The resource name RBAC uses: GitRepository -> gitrepositories."""
    kind = kind.lower()
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


def resource_state(group: str, version: str, kind: str, ready: bool, extra: dict) -> dict:
    labels = {"exported_namespace": ["metadata", "namespace"], "suspended": ["spec", "suspend"]}
    if ready:
        labels["ready"] = ["status", "conditions", "[type=Ready]", "status"]
    return {
        "groupVersionKind": {"group": group, "version": version, "kind": kind},
        "metricNamePrefix": "gotk",
        "metrics": [{
            "name": "resource_info",
            "help": f"The current state of a Flux {kind} resource.",
            "each": {"type": "Info", "info": {"labelsFromPath": {"name": ["metadata", "name"]}}},
            "labelsFromPath": {**labels, **extra},
        }],
    }


KUBE_STATE_METRICS_VALUES = {
    "kube-state-metrics": {
        "rbac": {
            "extraRules": [{
                "apiGroups": sorted({g for g, *_ in FLUX_KINDS}),
                "resources": sorted(plural(k) for _, _, k, *_ in FLUX_KINDS),
                "verbs": ["list", "watch"],
            }],
        },
        "customResourceState": {
            "enabled": True,
            "config": {
                "kind": "CustomResourceStateMetrics",
                "spec": {"resources": [resource_state(*k) for k in FLUX_KINDS]},
            },
        },
    },
}

kube_state_metrics_values = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "dashgen-kube-state-metrics-flux",
        # Flux >= 2.8 helm-controller upgrades a release as soon as a watched valuesFrom source changes.
        "labels": {"reconcile.fluxcd.io/watch": "Enabled"},
    },
    "data": {"values.yaml": dump_yaml(KUBE_STATE_METRICS_VALUES)},
}

operator = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "PodMonitor",
    "metadata": {"name": "flux-operator", "labels": {"app.kubernetes.io/part-of": "flux"}},
    "spec": {
        "namespaceSelector": {"matchNames": [NAMESPACE]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": "flux-operator"}},
        "podMetricsEndpoints": [{"port": "http-metrics"}],
    },
}

manifests = [controllers, kube_state_metrics_values if METRIC == "gotk_resource_info" else operator]
