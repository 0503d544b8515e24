"""Kubernetes objects for the Grafana sidecar, Prometheus and Flux, plus the kustomization listing them.

One ConfigMap per dashboard (kube-prometheus' shape: ``grafana-dashboard-<uid>`` with
the single key ``<uid>.json``), labelled for the sidecar, annotated with its folder,
and marked so Flux's post-build substitution leaves ``${...}`` in dashboards alone.
The sources' manifests, one PrometheusRule per file of rule groups and the
AlertmanagerConfig (render/monitoring.py) are written as ``kubernetes/<kind>-<name>.yaml``.
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..formats import dump_configmap, dump_yaml
from ..names import dashboard_configmap_name
from ..resources import Dashboard, Resources
from . import monitoring

DIRECTORY = "kubernetes"
KUSTOMIZATION = "kustomization.yaml"
DATASOURCES_CONFIGMAP = "dashgen-grafana-datasources"
DATASOURCES_KEY = "dashgen-datasources.yaml"
MANAGED_BY = {"app.kubernetes.io/managed-by": "dashgen"}
SOURCE_ANNOTATION = "dashgen/source"
NO_SUBSTITUTE = {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}
CONFIG_SOURCE = "dashgen.yaml"
# Kinds without a namespace; every other manifest defaults to the config's namespace.
CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeSnapshotClass",
    }
)


def dashboard_configmap(d: Dashboard, config: Config, text: str) -> dict[str, Any]:
    annotations = {SOURCE_ANNOTATION: d.source, **NO_SUBSTITUTE}
    if d.folder.key:
        annotations[config.sidecar.folder_annotation] = d.folder.title
    return _object(
        "ConfigMap",
        dashboard_configmap_name(d.uid),
        config,
        labels=config.sidecar.dashboard_labels,
        annotations=annotations,
        data={f"{d.uid}.json": text},
    )


def dashboard_configmap_path(d: Dashboard) -> str:
    return f"{DIRECTORY}/dashboards/{dashboard_configmap_name(d.uid)}.yaml"


def dashboard_configmap_yaml(d: Dashboard, config: Config, text: str) -> str:
    return dump_configmap(dashboard_configmap(d, config, text))


def render_shared(
    resources: Resources, config: Config, *, sidecar: bool = True, also: list[str] | None = None
) -> dict[str, str]:
    """The objects that are not dashboard ConfigMaps, and the kustomization of all: with
    ``sidecar`` the dashboard ConfigMaps and the datasource ConfigMap, and the files ``also``
    (rendered elsewhere, such as the grafana-operator objects)."""
    files = {}
    if resources.datasources and sidecar:
        from .grafana import datasources_document

        sources = sorted({ds.source for ds in resources.datasources})
        obj = _object(
            "ConfigMap",
            DATASOURCES_CONFIGMAP,
            config,
            labels=config.sidecar.datasource_labels,
            annotations={SOURCE_ANNOTATION: ",".join(sources), **NO_SUBSTITUTE},
            data={DATASOURCES_KEY: dump_yaml(datasources_document(resources))},
        )
        files[f"{DIRECTORY}/{DATASOURCES_CONFIGMAP}.yaml"] = dump_yaml(obj)
    for m in resources.manifests:
        files[manifest_path(m.model)] = dump_yaml(manifest_object(m.model, m.source, config))
    for source, rule in monitoring.prometheus_rules(resources, config):
        # Rule templates hold {{ $labels.x }}: keep Flux's post-build substitution away.
        files[manifest_path(rule)] = dump_yaml(manifest_object(rule, source, config, annotations=NO_SUBSTITUTE))
    am = monitoring.alertmanager_config(config.alertmanager)
    if am is not None:
        files[manifest_path(am)] = dump_yaml(manifest_object(am, CONFIG_SOURCE, config, annotations=NO_SUBSTITUTE))
    configmaps = [dashboard_configmap_path(d) for d in resources.dashboards] if sidecar else []
    listed = sorted([*files, *configmaps, *(also or [])])
    if listed:
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": listed,
        }
        files[KUSTOMIZATION] = dump_yaml(kustomization)
    return files


def manifest_object(
    model: dict[str, Any], source: str, config: Config, *, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    """An object as written: dashgen's labels (and the selector labels its kind needs),
    the source annotation, and the config's namespace unless it sets one or is cluster-scoped.
    What the object itself sets wins."""
    obj = dict(model)
    meta = dict(obj.get("metadata") or {})
    if "namespace" not in meta and obj.get("kind") not in CLUSTER_SCOPED:
        meta["namespace"] = config.namespace
    meta["labels"] = {
        **MANAGED_BY,
        **config.labels,
        **monitoring.selector_labels(obj, config),
        **(meta.get("labels") or {}),
    }
    meta["annotations"] = {SOURCE_ANNOTATION: source, **(annotations or {}), **(meta.get("annotations") or {})}
    obj["metadata"] = meta
    return obj


def manifest_path(model: dict[str, Any]) -> str:
    kind = str(model.get("kind", "")).lower()
    name = str((model.get("metadata") or {}).get("name", ""))
    return f"{DIRECTORY}/{kind}-{name}.yaml"


def _object(
    kind: str, name: str, config: Config, *, labels: dict[str, str], annotations: dict[str, str], data: dict[str, str]
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": config.namespace,
            "labels": {**MANAGED_BY, **config.labels, **labels},
            "annotations": annotations,
        },
        "data": data,
    }
