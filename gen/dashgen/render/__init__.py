"""Renderers: loaded resources in, output files (path relative to the output dir → text) out.

Each renderer is a pure function of the resources and the config, so the same sources
give the same bytes. A dashboard's files are rendered from its canonical JSON text,
computed once by build.py, which hands them to the writer one dashboard at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..resources import Dashboard, Resources
from . import dashboards, grafana, kubernetes


def dashboard_files(d: Dashboard, config: Config, text: str) -> Iterator[tuple[str, str]]:
    """The files of one dashboard: its JSON and its ConfigMap."""
    yield dashboards.path(d), text
    yield kubernetes.dashboard_configmap_path(d), kubernetes.dashboard_configmap_yaml(d, config, text)


def shared_files(resources: Resources, config: Config) -> Iterator[tuple[str, str]]:
    """Everything that is not one dashboard's: provisioning, datasources, manifests, kustomization."""
    yield from grafana.render(resources, config).items()
    yield from kubernetes.render_shared(resources, config).items()
