"""Dashboards read out of Grafana, for ``dashgen import --grafana-url`` and ``dashgen pull``.

Reads only: a health check, one search (``GET /api/search``) to find the dashboards of
the chosen uids or folders, then each one's JSON (``GET /api/dashboards/uid/:uid``). The
ownership tag push adds is taken out again, so what comes back is what a source holds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..errors import DashgenError
from . import health, live
from .client import Connection, Grafana

GENERAL_UID = ""  # the folder uid search reports for the top level


@dataclass(frozen=True)
class Exported:
    """One live dashboard: its JSON (without the ownership tag) and the folder it is in."""

    uid: str
    model: dict[str, Any]
    folder_uid: str  # "" for General
    folder_title: str


def read(
    connection: Connection,
    *,
    uids: tuple[str, ...] = (),
    folder_uids: tuple[str, ...] = (),
    everything: bool = False,
    marker: str,
    concurrency: int = 8,
) -> list[Exported]:
    """The dashboards with ``uids``, in ``folder_uids``, or all of them; by folder, then title.

    A uid, or a folder with no dashboard, that Grafana does not have is an error.
    """
    if not (uids or folder_uids or everything):
        raise DashgenError("choose the dashboards: --uid UID, --folder-uid UID (both repeatable) or --all")
    grafana = Grafana(connection)
    try:
        health.check(grafana)
        hits = live.search_all(grafana)
        missing = [u for u in uids if u not in hits]
        if missing:
            raise DashgenError(f"no dashboard with uid {', '.join(missing)} in Grafana at {connection.label}")
        empty = [f for f in folder_uids if not any(h.folder_uid == f for h in hits.values())]
        if empty:
            raise DashgenError(f"no dashboard in a folder with uid {', '.join(empty)} in Grafana at {connection.label}")
        chosen = [
            h for h in hits.values() if everything or h.uid in uids or (h.folder_uid in folder_uids and h.folder_uid)
        ]
        chosen.sort(key=lambda h: (h.folder_title.lower(), h.title.lower(), h.uid))
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dashgen-read") as executor:
            found = list(executor.map(lambda h: (h, live.read_dashboard(grafana, h.uid)), chosen))
    finally:
        grafana.close()
    return [
        Exported(hit.uid, without_marker(dash.model, marker), dash.folder_uid, hit.folder_title or "General")
        for hit, dash in found
        if dash is not None
    ]


def without_marker(model: dict[str, Any], marker: str) -> dict[str, Any]:
    """``model`` without dashgen's ownership tag (and without ``tags`` if that was the only one)."""
    tags = model.get("tags")
    if not isinstance(tags, list) or marker not in tags:
        return model
    out = dict(model)
    out["tags"] = [t for t in tags if t != marker]
    return out
