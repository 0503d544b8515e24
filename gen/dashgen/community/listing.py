"""``dashgen community``: every vendored grafana.com dashboard, its pinned and its latest revision.

The pinned revision is the record's (:mod:`dashgen.origin`); the latest is what grafana.com's
listing says now. ``--check`` turns "a newer revision exists" into exit 2, for a scheduled CI
job that opens the upgrade (``dashgen import --grafana-com ID@NEW --force``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import GrafanaCom
from .vendor import GENERAL, Vendored, folder_of, relative


@dataclass(frozen=True)
class Status:
    vendored: Vendored
    dashboard: str  # the source, relative to the project root
    record: str
    latest: int
    folder: str
    missing: bool  # the record's dashboard file is gone

    @property
    def newer(self) -> bool:
        return self.latest > self.vendored.origin.revision

    @property
    def upgrade(self) -> str:
        """The command that upgrades it."""
        return f"dashgen import --grafana-com {self.vendored.origin.id}@{self.latest} --force"


def status(items: list[Vendored], client: GrafanaCom, root: Path, sources_dir: Path) -> list[Status]:
    """The latest revision of each vendored dashboard (one listing request per id)."""
    latest: dict[int, int] = {}
    out = []
    for item in items:
        if item.origin.id not in latest:
            latest[item.origin.id] = client.listing(item.origin.id).revision
        out.append(
            Status(
                vendored=item,
                dashboard=relative(item.dashboard, root),
                record=relative(item.record, root),
                latest=latest[item.origin.id],
                folder=folder_of(item.dashboard, sources_dir),
                missing=not item.dashboard.is_file(),
            )
        )
    return out


def to_json(statuses: list[Status]) -> dict[str, Any]:
    return {
        "dashboards": [
            {
                "dashboard": s.dashboard,
                "record": s.record,
                "folder": None if s.folder == GENERAL else s.folder,
                "id": s.vendored.origin.id,
                "name": s.vendored.origin.name,
                "pinned": s.vendored.origin.revision,
                "latest": s.latest,
                "newer": s.newer,
                "downloaded": s.vendored.origin.downloaded,
                "sha256": s.vendored.origin.sha256,
                "missing": s.missing,
                "upgrade": s.upgrade if s.newer else None,
            }
            for s in statuses
        ],
        "newer": sum(s.newer for s in statuses),
    }


def to_text(statuses: list[Status]) -> list[str]:
    lines = []
    for s in statuses:
        o = s.vendored.origin
        state = f"newer revision: {s.upgrade}" if s.newer else "up to date"
        if s.missing:
            state += f"; the dashboard file is missing (delete {s.record}, or import it again)"
        lines.append(f"{s.dashboard}: grafana.com {o.id} ({o.name}), pinned {o.revision}, latest {s.latest}: {state}")
    return lines
