"""``dashgen import``: saved dashboards in, grafanalib modules under ``dashboards/`` out.

Everything is read, converted and checked before anything is written: a bad input, a
module that exists (without ``force``) or two inputs with one target stop the import with
nothing written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..dashboard.document import Document, document_of, read_document
from ..errors import DashgenError, DashgenErrors
from ..migrate import KnownDatasource
from .code import identifier
from .convert import Helpers
from .module import Conversion, convert, ruff_binary

if TYPE_CHECKING:
    from ..grafana.export import Exported

GENERAL = "General"  # the folder of sources at the top of dashboards/
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Saved:
    """One dashboard found in an input file."""

    source: str  # the file (and ConfigMap key) it came from, for messages
    path: Path  # the file
    name: str  # the name hint: file stem or ConfigMap key
    model: dict[str, Any]


@dataclass
class Imported:
    saved: Saved
    target: Path  # the module to write
    folder: str
    conversion: Conversion


def read(path: Path, *, explicit: bool = True) -> list[Saved]:
    """The dashboards in one saved file: UI export, API body, ``kind: Dashboard``, ConfigMap(List).

    Read by the shared reader of saved dashboards (:mod:`dashgen.dashboard.document`). A file
    named explicitly that holds no dashboard is an error; one found in a directory is
    skipped (an empty list).
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DashgenError(f"cannot read: {exc}", path=source) from None
    doc = read_document(text, source)
    items = doc.original.get("items") if isinstance(doc.original, dict) else None
    if isinstance(items, list) and doc.original.get("kind") == "ConfigMapList":
        documents = [document_of(item, format=doc.format) for item in items]
    else:
        documents = [doc]
    found = [saved for d in documents for saved in _dashboards(d, path, source)]
    if not found and explicit:
        raise DashgenError(
            "holds no dashboard: expected a dashboard JSON object with 'title' and 'panels' "
            "(a Grafana export, an API response, a kind: Dashboard resource or a ConfigMap of them)",
            path=source,
        )
    return found


def _dashboards(doc: Document, path: Path, source: str) -> Iterator[Saved]:
    if doc.kind == "configmap":
        if doc.errors:
            raise DashgenError(doc.errors[0][1], path=source)
        for key, model in zip(doc.keys, doc.dashboards):
            if _is_dashboard(model):
                yield Saved(f"{source}#{key}", path, str(key)[: -len(".json")], model)
        return
    model = doc.dashboards[0]
    if doc.kind == "resource" and isinstance(model, dict) and "uid" not in model:
        metadata = doc.original.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(name, str) and name:
            model = {**model, "uid": name}  # a resource's metadata.name is the dashboard's uid
    if _is_dashboard(model) or (doc.wrapped and isinstance(model, dict)):
        yield Saved(source, path, path.stem, model)  # a wrapped dashboard may have no panels yet


def _is_dashboard(model: Any) -> bool:
    return isinstance(model, dict) and "title" in model and ("panels" in model or "rows" in model)


def inputs(paths: list[str]) -> Iterator[tuple[Path, bool, str | None]]:
    """(file, named explicitly, default folder) for each input; directories recurse."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path).parts
                if p.is_file() and p.suffix in SUFFIXES and not any(part.startswith(".") for part in rel):
                    yield p, False, p.parent.name or None
        elif path.exists():
            yield path, True, (path.parent.name if len(Path(raw).parts) > 1 else None)
        else:
            raise DashgenError("no such file or directory", path=raw)


def plan(
    paths: list[str],
    sources_dir: Path,
    *,
    folder: str | None = None,
    force: bool = False,
    helpers: Helpers | None = None,
    config_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    datasources: Iterable[KnownDatasource] = (),
) -> list[Imported]:
    """Read and convert every input; raise every problem found, together, before any write."""
    if folder is not None:
        _check_folder(folder, "--folder")
    errors: list[DashgenError] = []
    found: list[tuple[Saved, str]] = []
    for path, explicit, parent in inputs(paths):
        try:
            found += [(saved, folder or _folder(parent)) for saved in read(path, explicit=explicit)]
        except DashgenError as exc:
            errors.append(exc)
    if errors:
        raise DashgenErrors(errors)
    if not found:
        raise DashgenError("no dashboards found in " + ", ".join(paths))
    return convert_all(
        found,
        sources_dir,
        force=force,
        helpers=helpers,
        config_dir=config_dir,
        progress=progress,
        datasources=datasources,
    )


def convert_all(
    found: list[tuple[Saved, str]],
    sources_dir: Path,
    *,
    force: bool = False,
    helpers: Helpers | None = None,
    config_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    datasources: Iterable[KnownDatasource] = (),
) -> list[Imported]:
    """Convert each (dashboard, folder directory); raise every problem together, before any write."""
    errors: list[DashgenError] = []
    formatter = ruff_binary()
    taken: dict[Path, str] = {}
    out: list[Imported] = []
    for done, (saved, folder_name) in enumerate(found, 1):
        target = _target(saved, folder_name, sources_dir, taken)
        taken[target] = saved.source
        if target.exists() and not force:
            errors.append(DashgenError(f"{_shown(target)} exists; --force overwrites it", path=saved.source))
        try:
            conversion = convert(
                saved.model,
                origin=saved.source,
                helpers=helpers,
                formatter=formatter,
                config_dir=config_dir,
                datasources=datasources,
            )
        except DashgenError as exc:
            errors.append(exc)
            continue
        except (TypeError, ValueError, RecursionError) as exc:  # JSON no Python source can hold
            errors.append(DashgenError(f"cannot convert: {exc}", path=saved.source))
            continue
        out.append(Imported(saved, target, folder_name, conversion))
        if progress is not None:
            progress(done, len(found))
    if errors:
        raise DashgenErrors(errors)
    return out


def from_grafana(
    exported: list[Exported], config: Config, where: str, *, folder: str | None = None
) -> tuple[list[tuple[Saved, str]], list[str]]:
    """(dashboard, folder directory) for each live dashboard, and the ``folders:`` entries of
    dashgen.yaml that push needs to put them back in the same Grafana folders.

    A Grafana folder maps to the directory dashgen.yaml gives its uid, else to one named
    after its title.
    """
    from ..sources import folder_uid

    if folder is not None:
        _check_folder(folder, "--folder")
    by_uid = {spec.uid or folder_uid(key): key for key, spec in config.folders.items()}
    found: list[tuple[Saved, str]] = []
    hints: dict[str, str] = {}
    for e in exported:
        if folder is not None:
            directory = folder
        elif not e.folder_uid:
            directory = GENERAL
        else:
            directory = by_uid.get(e.folder_uid) or identifier(e.folder_title, "folder")
        if directory != GENERAL and e.folder_uid:
            spec = config.folder(directory)
            if (spec.uid or folder_uid(directory)) != e.folder_uid or spec.title != e.folder_title:
                hints[directory] = (
                    f"  {directory}:\n    title: {json.dumps(e.folder_title)}\n    uid: {json.dumps(e.folder_uid)}"
                )
        name = identifier(str(e.model.get("title") or e.uid), "dashboard")
        found.append((Saved(f"{where}/d/{e.uid}", Path(f"{e.uid}.json"), name, e.model), directory))
    return found, [hints[k] for k in sorted(hints)]


def write(imported: list[Imported]) -> None:
    """Write each module atomically (a temporary file moved into place)."""
    for item in imported:
        item.target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{item.target.name}.", dir=item.target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(item.conversion.text)
            os.replace(tmp, item.target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _folder(parent: str | None) -> str:
    if not parent or parent in (".", "..") or parent.startswith("."):
        return GENERAL
    return parent


def _check_folder(name: str, what: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise DashgenError(f"{what} {name!r}: a folder is one directory name (no '/', not hidden)")


def _target(saved: Saved, folder: str, sources_dir: Path, taken: dict[Path, str]) -> Path:
    """``dashboards/<folder>/<name>.py``; General is the top of ``dashboards/``."""
    directory = sources_dir if folder == GENERAL else sources_dir / folder
    name = identifier(saved.name, "dashboard")
    if name in ("dashboard", "dashboards", "index", "export") and saved.model.get("title"):
        name = identifier(str(saved.model["title"]), "dashboard")
    if name == "lib" or (directory / name).is_dir():
        name += "_dashboard"  # a package of the same name would shadow it
    candidate, n = directory / f"{name}.py", 2
    while candidate in taken:
        candidate, n = directory / f"{name}_{n}.py", n + 1
    return candidate


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
