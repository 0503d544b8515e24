"""Renderers: loaded resources in, output files (path relative to the output dir → text) out.

Each renderer is a pure function of the resources and the config, so the same sources
give the same bytes. A dashboard's files are rendered from its canonical JSON text,
computed once by build.py, which hands them to the writer one dashboard at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..resources import Dashboard, Resources
from . import dashboards, grafana, kubernetes, operator


def dashboard_files(d: Dashboard, config: Config, text: str) -> Iterator[tuple[str, str]]:
    """The files of one dashboard: its JSON, its ConfigMap (sidecar) and its GrafanaDashboard (operator)."""
    yield dashboards.path(d), text
    kinds = config.output.kinds
    if "sidecar" in kinds:
        yield kubernetes.dashboard_configmap_path(d), kubernetes.dashboard_configmap_yaml(d, config, text)
    if "operator" in kinds:
        obj = operator.dashboard_object(d, text, config, config.output.operator, configmap_ref="sidecar" in kinds)
        yield operator.render_file(obj)


def shared_files(resources: Resources, config: Config) -> Iterator[tuple[str, str]]:
    """Everything that is not one dashboard's: provisioning, datasources, folders, manifests, kustomization."""
    yield from grafana.render(resources, config).items()
    kinds = config.output.kinds
    objects = {}
    if "operator" in kinds:
        objects = dict(
            operator.render_file(o) for o in operator.shared_objects(resources, config, config.output.operator)
        )
        objects.update((operator.dashboard_path(d), "") for d in resources.dashboards)  # listed, written one by one
    files = kubernetes.render_shared(resources, config, sidecar="sidecar" in kinds, also=list(objects))
    yield from files.items()
    yield from ((path, text) for path, text in objects.items() if text)
