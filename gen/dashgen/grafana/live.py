"""Read what Grafana holds now, for the resources a push or diff is about.

Reads only, as few as possible and in parallel:

- the folders of the selected dashboards, by uid (``GET /api/folders/:uid``);
- the datasource list, and the selected datasources that exist, by uid;
- every dashboard in one search (``GET /api/search?type=dash-db``, paged by 5000):
  uid, title, folder and tags, which is all prune and the title rule need;
- the full JSON of the selected dashboards that exist (``GET /api/dashboards/uid/:uid``);
- later, and only for dashboards whose content differs, the latest version
  (``GET /api/dashboards/uid/:uid/versions?limit=1``) to tell drift from a source change.
"""

from __future__ import annotations

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


def fetch(
    grafana: Grafana,
    executor: ThreadPoolExecutor,
    *,
    folder_uids: list[str],
    datasource_uids: list[str],
    datasource_names: list[str],
    dashboard_uids: list[str],
) -> LiveState:
    """Everything but the versions. Raises :class:`ApiError` when a read fails."""
    state = LiveState()
    folder_jobs = {uid: executor.submit(_folder, grafana, uid) for uid in folder_uids}
    search_job = executor.submit(search_all, grafana)
    want_datasources = bool(datasource_uids or datasource_names)
    ds_job = (
        executor.submit(grafana.call, "list datasources", lambda api: api.datasource.list_datasources())
        if want_datasources
        else None
    )
    state.hits = search_job.result()
    dash_jobs = {uid: executor.submit(read_dashboard, grafana, uid) for uid in dashboard_uids if uid in state.hits}
    for uid, job in folder_jobs.items():
        folder = job.result()
        if folder is not None:
            state.folders[uid] = folder
    if ds_job is not None:
        items = ds_job.result()
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
    for uid, dash_job in dash_jobs.items():
        live = dash_job.result()
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
