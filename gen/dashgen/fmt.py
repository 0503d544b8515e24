"""``dashgen fmt``: dashboard files rewritten in the canonical form, in the shape they came in.

Every shape build and lint read (a Grafana export, an API body ``{dashboard, meta}``, a
``kind: Dashboard`` resource, a ConfigMap of dashboards, a ConfigMapList of them) is written
back as that shape, each dashboard in it canonical (:mod:`dashgen.canonical`), with
dashgen's writer. A file is written only when it changes, atomically; a file that cannot be
read or formatted is named in one line and left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import canonical
from .config import Config
from .dashboard.document import Document, document_of, named_files, read_document
from .errors import DashgenError
from .formats import dump_json, dump_yaml
from .migrate import KnownDatasource, angular_panels

SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class FileResult:
    path: str
    changed: bool = False
    error: str = ""
    migrated: str = ""  # "3 panels (graph → timeseries ×3)"
    angular: int = 0  # AngularJS panels left (without --migrate)
    line: int | None = None  # of the error, when known

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "error": self.error,
            "migrated": self.migrated,
            "angular_panels": self.angular,
            "line": self.line,
        }

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class Result:
    files: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # found in a directory, holding no dashboard

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error]


def run(
    config: Config,
    paths: Iterable[str] = (),
    *,
    check: bool = False,
    migrate: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Format ``paths`` (files or directories; none: the JSON sources); write unless ``check``."""
    datasources = _Datasources(config)
    result = Result()
    found = list(_files(config, paths))
    for done, (path, explicit) in enumerate(found, 1):
        if progress is not None:
            progress(done, len(found))
        source = str(path)
        try:
            outcome = format_file(path, datasources, migrate=migrate, explicit=explicit)
        except DashgenError as exc:
            where = exc.path == source
            result.files.append(
                FileResult(source, error=exc.message if where else str(exc), line=exc.line if where else None)
            )
            continue
        if outcome is None:
            result.skipped.append(source)
            continue
        text, item = outcome
        if item.changed and not check:
            try:
                write_atomically(path, text)
            except OSError as exc:
                item.error = f"cannot write: {exc}"
                item.changed = False
        result.files.append(item)
    return result


def format_file(
    path: Path, datasources: Callable[[], tuple[KnownDatasource, ...]], *, migrate: bool, explicit: bool = True
) -> tuple[str, FileResult] | None:
    """(the file's canonical text, what changed); None for a file found in a directory
    that holds no dashboard. Raises :class:`DashgenError` naming the file."""
    source = str(path)
    if path.suffix not in SUFFIXES:
        raise DashgenError("not a JSON or YAML file: dashgen fmt formats dashboards", path=source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DashgenError(f"cannot read: {exc}", path=source) from None
    doc = read_document(text, source)
    parts = _documents(doc)
    if parts is None:
        if not explicit:
            return None
        raise DashgenError(
            "holds no dashboard: expected a Grafana export (a JSON object with 'title' and 'panels'), an API "
            "body, a kind: Dashboard resource or a ConfigMap of dashboards",
            path=source,
        )
    item = FileResult(source)
    migrated: Counter[tuple[str, str]] = Counter()
    dumped = []
    for part in parts:
        if part.errors:
            raise DashgenError(part.errors[0][1], path=source)
        models = []
        for model in part.dashboards:
            if not isinstance(model, dict):
                raise DashgenError("the dashboard is not a JSON object", path=source)
            try:
                model = canonical.with_import_inputs(model, part.original)
                done = canonical.canonicalise(model, datasources(), migrate=migrate)
            except DashgenError as exc:
                raise DashgenError(exc.message, path=source) from None
            migrated.update(done.migrated)
            item.angular += len(angular_panels(done.model))
            models.append(done.model)
        dumped.append(part.with_dashboards(models))
    obj = {**doc.original, "items": dumped} if _is_list(doc) else dumped[0]
    new = dump_yaml(obj) if doc.format == "yaml" else dump_json(obj)
    item.migrated = canonical.Canonical({}, migrated).migration_summary()
    item.changed = new != text
    return new, item


def _is_list(doc: Document) -> bool:
    original = doc.original
    return isinstance(original, dict) and original.get("kind") == "ConfigMapList" and "panels" not in original


def _documents(doc: Document) -> list[Document] | None:
    """The documents holding dashboards: the one read, or each ConfigMap of a ConfigMapList."""
    if _is_list(doc):
        items = doc.original.get("items")
        parts = [document_of(item) for item in items] if isinstance(items, list) else []
        if not parts or any(p.kind != "configmap" for p in parts):
            return None
        return parts
    if doc.kind == "dashboard":
        model = doc.dashboards[0]
        if not (isinstance(model, dict) and "title" in model and ("panels" in model or "rows" in model)):
            return None
    return [doc]


class _Datasources:
    """The sources' datasources, loaded the first time a dashboard needs them."""

    def __init__(self, config: Config):
        self.config = config
        self.known: tuple[KnownDatasource, ...] | None = None

    def __call__(self) -> tuple[KnownDatasource, ...]:
        if self.known is None:
            from .sources import load_datasources

            self.known = canonical.known_datasources(d.model for d in load_datasources(self.config))
        return self.known


def _files(config: Config, paths: Iterable[str]) -> Iterator[tuple[Path, bool]]:
    """(path, named explicitly): the JSON sources without paths; directories give their files."""
    paths = list(paths)
    if not paths:
        from .sources import discover

        root = config.sources_dir
        if not root.is_dir():
            raise DashgenError(f"sources directory not found (set 'sources' in {config.file})", path=str(root))
        for path in discover(root, config.sources_ignore):
            if path.suffix == ".json":
                yield path, True
        return
    yield from named_files(paths, SUFFIXES)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one move (a temporary file beside it), keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
