"""Loaded resources: plain, JSON-ready objects, whatever source they came from.

Everything after loading (checks, lint, renderers, push) works on these, so a
dashboard exported from Grafana and one written with grafanalib travel the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Folder:
    """A Grafana folder; ``uid`` is stable, derived from the source directory."""

    key: str  # first-level source directory ("" = General, the root)
    title: str
    uid: str
    parent_uid: str = ""  # a nested folder's parent ("": at the top)


GENERAL = Folder(key="", title="General", uid="")


@dataclass(frozen=True)
class GrafanaComOrigin:
    """Where a dashboard vendored from grafana.com came from (its ``.grafana-com.yaml`` record)."""

    id: int
    revision: int
    sha256: str  # of the bytes downloaded
    downloaded: str  # the date, YYYY-MM-DD
    name: str = ""  # the dashboard's name on grafana.com
    inputs: dict[str, str] = field(default_factory=dict)  # __inputs name -> the value import put in its place
    fingerprint: str = ""  # normalise.fingerprint of the dashboard as imported


@dataclass
class Dashboard:
    model: dict[str, Any]  # normalised dashboard JSON
    folder: Folder
    source: str  # path of the file it came from, relative to the project root
    uid_from_path: bool = False  # the source sets no uid: sources.py gave it names.uid_from_path's
    origin: GrafanaComOrigin | None = None  # set for a dashboard vendored from grafana.com

    @property
    def raw_uid(self) -> Any:
        """The model's ``uid`` as it is (checks name a bad one)."""
        return self.model.get("uid")

    @property
    def uid(self) -> str:
        uid = self.model.get("uid")
        return uid if isinstance(uid, str) else ""

    @property
    def title(self) -> str:
        title = self.model.get("title")
        return title.strip() if isinstance(title, str) else ""


@dataclass
class DashboardSummary(Dashboard):
    """What the checks across dashboards and the shared files need of one: ``model`` holds
    its ``uid`` and ``title`` only, never its panels.

    A build keeps these (from the cache, or from the model before it goes) instead of every
    dashboard's model, so its memory does not grow with the dashboards' size.
    """

    links: tuple[str, ...] = ()  # uids of the dashboards its JSON links to (/d/<uid>), for environments.ship


@dataclass
class Datasource:
    model: dict[str, Any]  # Grafana provisioning shape: name, type, uid, url, access, jsonData...
    source: str

    @property
    def name(self) -> str:
        return str(self.model.get("name") or "")

    @property
    def uid(self) -> str:
        return str(self.model.get("uid") or "")


@dataclass
class RuleGroup:
    model: dict[str, Any]  # Prometheus rule group: name, interval?, rules
    source: str

    @property
    def name(self) -> str:
        return str(self.model.get("name") or "")


@dataclass
class Manifest:
    """A Kubernetes object a source contributes as it is (PodMonitor, ServiceMonitor...)."""

    model: dict[str, Any]
    source: str


@dataclass
class Resources:
    dashboards: list[Dashboard] = field(default_factory=list)
    datasources: list[Datasource] = field(default_factory=list)
    rule_groups: list[RuleGroup] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source, message): what loading changed
    # Files under the sources directory that are not sources (nor ignored): never built.
    not_sources: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """Whether the sources define anything at all."""
        return bool(self.dashboards or self.datasources or self.rule_groups or self.manifests)

    def rule_groups_by_source(self) -> dict[str, list[RuleGroup]]:
        """The rule groups of each source file, files in a stable order, groups as written."""
        by_source: dict[str, list[RuleGroup]] = {}
        for g in self.rule_groups:
            by_source.setdefault(g.source, []).append(g)
        return {s: by_source[s] for s in sorted(by_source)}

    @property
    def folders(self) -> list[Folder]:
        """The folders the dashboards live in, General excluded, in a stable order."""
        seen = {d.folder.key: d.folder for d in self.dashboards if d.folder.key}
        return [seen[k] for k in sorted(seen)]
