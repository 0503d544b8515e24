"""Environments: one repository built into one tree per cluster (or Grafana).

``config.for_environment(name)`` gives the config an environment sees (values, namespace,
alertmanager, output); this module holds what build and push do with it beyond that: the
folders an environment ships, the check that nothing shipped links into a folder it does
not ship, and the trees a build of every environment retires (the single tree of the layout
before environments, and the trees of environments no longer configured).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from .config import Config
from .errors import DashgenError, DashgenErrors
from .resources import DashboardSummary, Resources
from .writer import RECORD

# A link to a dashboard by uid: /d/<uid> in dashboard links, data links, text panels, alert annotations.
_DASHBOARD_LINK_RE = re.compile(r"/d/([A-Za-z0-9_-]{1,40})")


def ship(resources: Resources, config: Config) -> Resources:
    """The resources ``config.environment`` ships: dashboards of excluded folders dropped.

    A folder named in ``include``/``exclude`` must exist, and nothing that ships may link to
    a dashboard that does not (it would be a dead link in that cluster's Grafana).
    """
    if config.environment is None:
        return resources
    name = config.environment
    folders = config.environments[name].folders
    known = sorted({d.folder.key for d in resources.dashboards if d.folder.key})
    for listed, directories in (("include", folders.include or []), ("exclude", folders.exclude)):
        for directory in directories:
            if directory not in known:
                raise DashgenError(
                    f"key 'environments.{name}.folders.{listed}': no folder '{directory}' "
                    f"(folders: {', '.join(known) or 'none'})",
                    path=config.file,
                )
    shipped = [d for d in resources.dashboards if folders.ships(d.folder.key)]
    if len(shipped) == len(resources.dashboards):
        return resources
    left_out = {d.uid: d for d in resources.dashboards if not folders.ships(d.folder.key)}
    needed: dict[str, dict[str, set[str]]] = {}  # folder -> needing source -> uids linked
    documents = [(d.source, linked_uids(d)) for d in shipped]
    documents += [(g.source, linked_uids(g)) for g in resources.rule_groups]
    for source, uids in documents:
        for uid in uids:
            if uid in left_out:
                needed.setdefault(left_out[uid].folder.key, {}).setdefault(source, set()).add(uid)
    errors = []
    for folder, sources in sorted(needed.items()):
        first = sorted(sources)[0]
        more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
        errors.append(
            DashgenError(
                f"environment '{name}' excludes folder '{folder}', but {first}{more} links to its dashboard "
                f"'{sorted(sources[first])[0]}'; ship the folder in '{name}' (environments.{name}.folders) or remove "
                "the link",
                path=config.file,
            )
        )
    if errors:
        raise DashgenErrors(errors)
    kept = {d.source for d in shipped}
    # A migration warning is about a dashboard: only those this environment ships.
    warnings = [(source, message) for source, message in resources.warnings if source in kept]
    return replace(resources, dashboards=shipped, warnings=warnings)


def linked_uids(item: Any) -> list[str] | tuple[str, ...]:
    """The dashboard uids a dashboard or rule group links to; a summary knows its own."""
    if isinstance(item, DashboardSummary):
        return item.links
    return _DASHBOARD_LINK_RE.findall(json.dumps(item.model))


def retired_trees(config: Config) -> list[Path]:
    """Trees under the output directory that a build of every environment no longer writes:
    the output directory itself when it holds the single tree of the layout before
    environments, and ``<output>/<name>`` of each environment no longer configured."""
    top = config.output_dir
    out = []
    if (top / RECORD).is_file():
        out.append(top)
    if top.is_dir():
        for record in sorted(top.glob(f"*/{RECORD}")):
            if record.parent.name not in config.environments:
                out.append(record.parent)
    return out
