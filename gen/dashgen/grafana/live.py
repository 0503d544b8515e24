"""Read what Grafana holds now, for the resources a push or diff is about.

Reads only, as few as possible and in parallel:

- the folders of the selected dashboards, by uid (``GET /api/folders/:uid``);
- the datasource list, and the selected datasources that exist, by uid;
- every dashboard in one search (``GET /api/search?type=dash-db``, paged by 5000):
  uid, title, folder and tags, which is all prune and the title rule need;
- the full JSON of the selected dashboards that exist (``GET /api/dashboards/uid/:uid``);
- later, and only for dashboards whose content differs, the latest version
  (``GET /api/dashboards/uid/:uid/versions?limit=1``) to tell drift from a source change.

:func:`read_ahead` does what needs no sources while they still load: the search, the
datasource list, and the dashboards carrying the ownership tag with their folders (what a
re-push compares). The search has no version or hash, and an edit in Grafana need not change
title or tags, so "unchanged" cannot be known without reading each dashboard: they are read
concurrently, during loading. A read-ahead failure is kept, not raised: :func:`fetch` reads
again only what the selection needs, so a speculative read never fails a push.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .client import ApiError, Grafana

SEARCH_PAGE = 5000


@dataclass
class SearchHit:
    uid: str
    title: str
    folder_uid: str
    folder_title: str
    tags: list[str]


@dataclass
class LiveDashboard:
    model: dict[str, Any]  # as stored, id/uid/version included
    folder_uid: str
    provisioned: bool
    compared: dict[str, Any] | None = field(default=None, repr=False)  # plan's comparable form, computed once


@dataclass
class LatestVersion:
    version: int
    message: str
    created_by: str
    created: str


@dataclass
class LiveState:
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)  # uid -> folder (only those asked)
    datasources: list[dict[str, Any]] = field(default_factory=list)  # the list items
    datasource_details: dict[str, dict[str, Any]] = field(default_factory=dict)  # uid -> GET by uid
    hits: dict[str, SearchHit] = field(default_factory=dict)  # every dashboard the account can see
    dashboards: dict[str, LiveDashboard] = field(default_factory=dict)  # the selected that exist
    versions: dict[str, LatestVersion | None] = field(default_factory=dict)  # None: could not tell
    version_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Ahead:
    """Reads made before the sources were loaded (:func:`read_ahead`); only successful ones."""

    hits: dict[str, SearchHit]
    datasources: list[dict[str, Any]] | None = None  # None: not read, or the read failed
    dashboards: dict[str, LiveDashboard | None] = field(default_factory=dict)  # None: gone since the search
    folders: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: no such folder


def read_ahead(grafana: Grafana, executor: ThreadPoolExecutor, *, marker: str, uids: set[str] | None) -> Ahead:
    """The search, the datasource list, and every dashboard tagged ``marker`` (only ``uids``
    when given) with its folder. Raises only when the search fails, as :func:`fetch` would."""
    ds_job = executor.submit(_list_datasources, grafana)
    ahead = Ahead(search_all(grafana))
    owned = sorted(u for u, h in ahead.hits.items() if marker in h.tags and (uids is None or u in uids))
    dash_jobs = {uid: executor.submit(read_dashboard, grafana, uid) for uid in owned}
    folder_uids = sorted({ahead.hits[u].folder_uid for u in owned} - {""})
    folder_jobs = {uid: executor.submit(_folder, grafana, uid) for uid in folder_uids}
    for uid, job in dash_jobs.items():
        with contextlib.suppress(ApiError):
            ahead.dashboards[uid] = job.result()
    for uid, folder_job in folder_jobs.items():
        with contextlib.suppress(ApiError):
            ahead.folders[uid] = folder_job.result()
    with contextlib.suppress(ApiError):
        ahead.datasources = ds_job.result()
    return ahead


def fetch(
    grafana: Grafana,
    executor: ThreadPoolExecutor,
    *,
    folder_uids: list[str],
    datasource_uids: list[str],
    datasource_names: list[str],
    dashboard_uids: list[str],
    ahead: Ahead | None = None,
) -> LiveState:
    """Everything but the versions, reusing what ``ahead`` read. Raises :class:`ApiError` when a read fails."""
    state = LiveState()
    folder_jobs = {
        uid: executor.submit(_folder, grafana, uid) for uid in folder_uids if ahead is None or uid not in ahead.folders
    }
    search_job = executor.submit(search_all, grafana) if ahead is None else None
    want_datasources = bool(datasource_uids or datasource_names)
    ds_job = (
        executor.submit(_list_datasources, grafana)
        if want_datasources and (ahead is None or ahead.datasources is None)
        else None
    )
    state.hits = ahead.hits if ahead is not None else search_job.result()  # type: ignore[union-attr]
    read = ahead.dashboards if ahead is not None else {}
    dash_jobs = {
        uid: executor.submit(read_dashboard, grafana, uid)
        for uid in dashboard_uids
        if uid in state.hits and uid not in read
    }
    for uid in folder_uids:
        folder = folder_jobs[uid].result() if uid in folder_jobs else ahead.folders[uid]  # type: ignore[union-attr]
        if folder is not None:
            state.folders[uid] = folder
    if want_datasources:
        items = ds_job.result() if ds_job is not None else ahead.datasources  # type: ignore[union-attr]
        state.datasources = items if isinstance(items, list) else []
        wanted = {
            d.get("uid")
            for d in state.datasources
            if d.get("uid") in datasource_uids or d.get("name") in datasource_names
        }
        detail_jobs = {
            uid: executor.submit(_datasource, grafana, uid)
            for uid in sorted(u for u in wanted if isinstance(u, str) and u)
        }
        for uid, detail in detail_jobs.items():
            state.datasource_details[uid] = detail.result()
    for uid in dashboard_uids:
        live = dash_jobs[uid].result() if uid in dash_jobs else read.get(uid)
        if live is not None:
            state.dashboards[uid] = live
    return state


def fetch_versions(grafana: Grafana, executor: ThreadPoolExecutor, state: LiveState, uids: list[str]) -> None:
    """The latest version of each dashboard in ``uids``; failures are kept, not raised."""
    jobs = {uid: executor.submit(_latest_version, grafana, uid) for uid in uids}
    for uid, job in jobs.items():
        try:
            state.versions[uid] = job.result()
        except ApiError as exc:
            state.versions[uid] = None
            state.version_errors[uid] = exc.grafana_message


def search_all(grafana: Grafana) -> dict[str, SearchHit]:
    hits: dict[str, SearchHit] = {}
    page = 1
    while True:
        batch = grafana.call("search dashboards", _search_page(page))
        if not isinstance(batch, list):
            raise ApiError("unexpected answer to /api/search (not a list)", what="search dashboards")
        for item in batch:
            if isinstance(item, dict) and item.get("type", "dash-db") == "dash-db" and item.get("uid"):
                tags = item["tags"] if isinstance(item.get("tags"), list) else []
                hits[item["uid"]] = SearchHit(
                    item["uid"],
                    str(item.get("title") or ""),
                    str(item.get("folderUid") or ""),
                    str(item.get("folderTitle") or ""),
                    [str(t) for t in tags],
                )
        if len(batch) < SEARCH_PAGE:
            return hits
        page += 1


def _search_page(page: int) -> Callable[[Any], Any]:
    return lambda api: api.search.search_dashboards(type_="dash-db", limit=SEARCH_PAGE, page=page)


def _list_datasources(grafana: Grafana) -> Any:
    return grafana.call("list datasources", lambda api: api.datasource.list_datasources())


def _datasource(grafana: Grafana, uid: str) -> dict[str, Any]:
    return grafana.call(f"read datasource {uid}", lambda api: api.datasource.get_datasource_by_uid(uid))


def _folder(grafana: Grafana, uid: str) -> dict[str, Any] | None:
    try:
        return grafana.call(f"read folder {uid}", lambda api: api.folder.get_folder(uid))
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def read_dashboard(grafana: Grafana, uid: str) -> LiveDashboard | None:
    try:
        body = grafana.call(f"read dashboard {uid}", lambda api: api.dashboard.get_dashboard(uid))
    except ApiError as exc:
        if exc.status == 404:  # deleted since the search
            return None
        raise
    model = body.get("dashboard") if isinstance(body, dict) else None
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(model, dict) or not isinstance(meta, dict):
        raise ApiError(f"unexpected answer for dashboard {uid}", what=f"read dashboard {uid}")
    return LiveDashboard(
        model=model, folder_uid=str(meta.get("folderUid") or ""), provisioned=bool(meta.get("provisioned"))
    )


def _latest_version(grafana: Grafana, uid: str) -> LatestVersion | None:
    body = grafana.get(f"/dashboards/uid/{uid}/versions", f"read versions of {uid}", params={"limit": 1})
    # 11.x answers a list; newer versions {"versions": [...], "continueToken": ...}. Newest first.
    versions = body.get("versions") if isinstance(body, dict) else body
    if not isinstance(versions, list) or not versions or not isinstance(versions[0], dict):
        return None
    latest = max(versions, key=lambda v: v.get("version") if isinstance(v.get("version"), int) else -1)
    return LatestVersion(
        version=latest.get("version") or 0,
        message=str(latest.get("message") or ""),
        created_by=str(latest.get("createdBy") or ""),
        created=str(latest.get("created") or ""),
    )
