"""Canonical dashboard JSON, one file per dashboard, one directory per folder.

The layout is what Grafana's file provider expects with ``foldersFromFilesStructure``:
the directory name is the folder title, files at the top go to General.
"""

from __future__ import annotations

from ..formats import dump_json
from ..resources import Dashboard, Resources

DIRECTORY = "dashboards"


def texts(resources: Resources) -> dict[str, str]:
    """Canonical JSON per dashboard uid, computed once and shared by the renderers."""
    return {d.uid: dump_json(d.model) for d in resources.dashboards}


def path(dashboard: Dashboard) -> str:
    if dashboard.folder.key:
        return f"{DIRECTORY}/{dashboard.folder.title}/{dashboard.uid}.json"
    return f"{DIRECTORY}/{dashboard.uid}.json"


def render(resources: Resources, texts: dict[str, str]) -> dict[str, str]:
    return {path(d): texts[d.uid] for d in resources.dashboards}
