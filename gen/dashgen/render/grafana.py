"""Grafana file provisioning: a datasources file and a dashboard provider.

Mount ``grafana/`` as ``/etc/grafana/provisioning`` and ``dashboards/`` at the
provider's path (``grafana.dashboards_path`` in dashgen.yaml).
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..formats import dump_yaml
from ..resources import Resources

DATASOURCES_FILE = "grafana/datasources/dashgen.yaml"
PROVIDER_FILE = "grafana/dashboards/dashgen.yaml"


def datasources_document(resources: Resources) -> dict[str, Any]:
    """Grafana's datasource provisioning document (apiVersion 1)."""
    return {"apiVersion": 1, "datasources": [ds.model for ds in resources.datasources]}


def render(resources: Resources, config: Config) -> dict[str, str]:
    files = {}
    if resources.datasources:
        files[DATASOURCES_FILE] = dump_yaml(datasources_document(resources))
    if resources.dashboards:
        provider = {
            "name": config.grafana.provider_name,
            "orgId": 1,
            "type": "file",
            "disableDeletion": False,
            "allowUiUpdates": config.grafana.allow_ui_updates,
            "updateIntervalSeconds": 30,
            "options": {"path": config.grafana.dashboards_path, "foldersFromFilesStructure": True},
        }
        files[PROVIDER_FILE] = dump_yaml({"apiVersion": 1, "providers": [provider]})
    return files
