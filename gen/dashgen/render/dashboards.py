"""Canonical dashboard JSON, one file per dashboard, one directory per folder.

The layout is what Grafana's file provider expects with ``foldersFromFilesStructure``:
the directory name is the folder title, files at the top go to General.
"""

from __future__ import annotations

from ..resources import Dashboard

DIRECTORY = "dashboards"


def path(dashboard: Dashboard) -> str:
    if dashboard.folder.key:
        return f"{DIRECTORY}/{dashboard.folder.title}/{dashboard.uid}.json"
    return f"{DIRECTORY}/{dashboard.uid}.json"
