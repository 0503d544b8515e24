"""Canonical dashboard JSON, one file per dashboard, one directory per folder.

The layout is what Grafana's file provider expects with ``foldersFromFilesStructure``:
the directory name is the folder title, files at the top go to General.
"""

from __future__ import annotations

from ..names import dashboard_file_name
from ..resources import Dashboard

DIRECTORY = "dashboards"


def path(dashboard: Dashboard) -> str:
    if dashboard.folder.key:
        return f"{DIRECTORY}/{dashboard.folder.title}/{dashboard_file_name(dashboard.uid)}"
    return f"{DIRECTORY}/{dashboard_file_name(dashboard.uid)}"
