"""Choosing a subset of the sources to push or diff (``--uid``, ``--folder``, ``--path``).

Values of one option are alternatives (``--uid a --uid b``: a or b); different options
narrow each other (``--folder gitops --path dashboards/gitops/flux.py``). Datasources are
chosen by ``--uid`` and ``--path`` only: ``--folder`` selects dashboards. Folders follow
the dashboards chosen. With ``--prune`` the same options bound what may be deleted: the
owned dashboards in Grafana whose uid (``--uid``) and folder (``--folder``) match.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import DashgenError
from ..resources import GENERAL, Dashboard, Datasource, Folder, Resources


@dataclass(frozen=True)
class Selection:
    uids: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.uids or self.folders or self.paths)


@dataclass
class Selected:
    dashboards: list[Dashboard]
    datasources: list[Datasource]
    folders: list[Folder]
    all_dashboard_uids: set[str]  # every dashboard of the sources, selected or not
    prune_uids: set[str] | None = None  # None: any uid may be pruned
    prune_folder_uids: set[str] | None = None  # None: any folder ("" = General)
    live_scope: bool = True  # False: the selection names source files only, so no live dashboard is in scope


def select(resources: Resources, selection: Selection, config: Config, *, prune: bool) -> Selected:
    all_uids = {d.uid for d in resources.dashboards}
    if not selection.any:
        return Selected(list(resources.dashboards), list(resources.datasources), resources.folders, all_uids)
    if prune and selection.paths and not (selection.uids or selection.folders):
        raise DashgenError(
            "--prune with only --path cannot tell which dashboards in Grafana to consider (a removed "
            "dashboard has no source file); narrow it with --uid or --folder instead"
        )
    folder_uids = _folder_uids(selection.folders, resources) if selection.folders else None
    paths = [_source_pattern(p, config) for p in selection.paths]

    def path_ok(source: str) -> bool:
        return not paths or any(_path_matches(source, p) for p in paths)

    dashboards = [
        d
        for d in resources.dashboards
        if (not selection.uids or d.uid in selection.uids)
        and (folder_uids is None or d.folder.uid in folder_uids)
        and path_ok(d.source)
    ]
    datasources = (
        []
        if selection.folders
        else [
            ds
            for ds in resources.datasources
            if (not selection.uids or ds.uid in selection.uids) and path_ok(ds.source)
        ]
    )
    local_uids = all_uids | {ds.uid for ds in resources.datasources}
    unknown = [u for u in selection.uids if u not in local_uids]
    if unknown and not prune:
        raise DashgenError(f"--uid {', '.join(unknown)}: no dashboard or datasource with that uid in the sources")
    for pattern, given in zip(paths, selection.paths):
        if not any(
            _path_matches(s, pattern)
            for s in [d.source for d in resources.dashboards] + [ds.source for ds in resources.datasources]
        ):
            raise DashgenError(f"--path {given}: matches no source file")
    if not dashboards and not datasources and not prune:
        raise DashgenError("the selection (--uid/--folder/--path together) matches nothing in the sources")
    seen = {d.folder.key: d.folder for d in dashboards if d.folder.key}
    return Selected(
        dashboards,
        datasources,
        [seen[k] for k in sorted(seen)],
        all_uids,
        prune_uids=set(selection.uids) if selection.uids else None,
        prune_folder_uids=folder_uids,
        live_scope=bool(selection.uids or selection.folders),
    )


def _folder_uids(values: tuple[str, ...], resources: Resources) -> set[str]:
    folders = {f.key: f for f in resources.folders}
    out = set()
    for value in values:
        if value.strip().lower() in ("general", ""):
            out.add(GENERAL.uid)
            continue
        match = [f for f in folders.values() if value in (f.key, f.uid) or value.lower() == f.title.lower()]
        if not match:
            known = ", ".join(f"{f.key} ({f.title})" for f in folders.values()) or "none"
            raise DashgenError(
                f"--folder {value}: no such folder in the sources (folders: {known}; "
                "'General' for dashboards at the top)"
            )
        out.update(f.uid for f in match)
    return out


def _source_pattern(given: str, config: Config) -> str:
    """A --path as a path relative to the project root, like the sources' ``source``."""
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        rel = Path(os.path.normpath(absolute)).relative_to(Path(os.path.normpath(config.root.resolve())))
    except ValueError:
        return os.path.normpath(given)
    return rel.as_posix()


def _path_matches(source: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return (
        source == pattern
        or source.startswith(pattern + "/")
        or pattern in (".", "")
        or fnmatch.fnmatchcase(source, pattern)
    )
