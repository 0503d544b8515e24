"""``dashgen pull``: edits made in Grafana's UI back into the sources.

For each dashboard of the sources (or of ``--uid``) that Grafana holds and that differs
from what its source builds: a JSON source gets the live dashboard written back, in its
own shape and dashgen's JSON form, without the ownership tag push adds; a Python source
cannot be rewritten faithfully, so the unified diff is printed (and, with ``write_json``,
the live JSON saved) for the edit to be ported by hand. Reads Grafana only.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build import load_checked
from ..config import Config
from ..dashboard.document import read_document
from ..errors import DashgenError
from ..resources import Dashboard
from . import health, live, targets
from .client import Grafana
from .export import without_marker
from .plan import live_dashboard


@dataclass
class Pulled:
    uid: str
    source: str
    action: str  # "unchanged", "pulled" (JSON source rewritten), "differs" (Python source), "missing"
    diff: str = ""
    written: str = ""  # the live JSON's path, with write_json


@dataclass
class PullResult:
    items: list[Pulled] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(i.action in ("pulled", "differs") for i in self.items)


def run(
    config: Config, flags: targets.ConnectionFlags, *, uids: tuple[str, ...] = (), write_json: str | None = None
) -> PullResult:
    connections = targets.resolve(config, flags)
    if len(connections) != 1:
        raise DashgenError("pull reads one Grafana: name one --target")
    resources, _ = load_checked(config)
    dashboards = [d for d in resources.dashboards if d.uid and (not uids or d.uid in uids)]
    unknown = [u for u in uids if u not in {d.uid for d in dashboards}]
    if unknown:
        raise DashgenError(f"--uid {', '.join(unknown)}: no source defines a dashboard with this uid")
    marker = config.push.marker_tag
    grafana = Grafana(connections[0])
    try:
        health.check(grafana)
        found = {d.uid: live.read_dashboard(grafana, d.uid) for d in dashboards}
    finally:
        grafana.close()
    python = [d for d in dashboards if not d.source.endswith(".json")]
    result = PullResult()
    for d in dashboards:
        have = found[d.uid]
        if have is None:
            result.items.append(Pulled(d.uid, d.source, "missing"))
            continue
        model = _as_source(have.model, d.model, marker)
        if model == d.model:
            result.items.append(Pulled(d.uid, d.source, "unchanged"))
        elif d.source.endswith(".json"):
            _write_source(config.root / d.source, model)
            result.items.append(Pulled(d.uid, d.source, "pulled"))
        else:
            item = Pulled(d.uid, d.source, "differs", diff=_diff(d, model))
            if write_json:
                item.written = _write_live(Path(write_json), d.uid, model, several=len(python) > 1)
            result.items.append(item)
    return result


def _as_source(live_model: dict[str, Any], source: dict[str, Any], marker: str) -> dict[str, Any]:
    """The live dashboard in the form push compares its source in (canonical), without our tag."""
    model = live_dashboard(without_marker(live_model, marker))
    if "tags" not in source and model.get("tags") == []:
        model.pop("tags")  # push added the tags key only to hold the marker
    return model


def _write_source(path: Path, model: dict[str, Any]) -> None:
    """The source file with ``model`` in place of its dashboard, in the file's own shape."""
    doc = read_document(path.read_text(encoding="utf-8"), str(path))
    _atomic_write(path, doc.dump([model]))


def _write_live(path: Path, uid: str, model: dict[str, Any], *, several: bool) -> str:
    from ..formats import dump_json

    target = path / f"{uid}.json" if several or path.is_dir() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, dump_json(model))
    return str(target)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.pull")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _diff(d: Dashboard, live_model: dict[str, Any]) -> str:
    from ..formats import dump_json

    def lines(model: dict[str, Any]) -> list[str]:
        return dump_json(model).splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(lines(d.model), lines(live_model), f"{d.source} (built)", f"grafana:{d.uid} (live)")
    )
