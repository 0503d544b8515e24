"""``dashgen import --grafana-com ID[@REVISION]``: a grafana.com dashboard vendored into the sources.

For each id: read the listing (name, slug, latest revision), download the revision asked for
(the latest when none is), fill its ``__inputs`` from the project's datasources, migrate it as
``dashgen fmt --migrate`` does and write it to ``dashboards/<folder>/<slug>.json`` (or a
grafanalib module with ``--python``), with its origin record beside it
(:mod:`dashgen.origin`). Everything is downloaded, converted and checked before the first
write: any failure writes nothing.

A dashboard already vendored keeps its place (folder, file name, JSON or Python) and its uid
when it is imported again, so ``--grafana-com ID@NEW --force`` is an upgrade whose pull
request shows the diff of the two revisions.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import canonical, normalise, origin
from ..config import Config
from ..dashboard.document import read_document
from ..errors import DashgenError, DashgenErrors
from ..formats import dump_json
from ..names import UID_MAX, is_dns_subdomain, is_uid
from ..resources import Datasource, GrafanaComOrigin
from .client import GrafanaCom

GENERAL = "General"  # the folder of sources at the top of dashboards/
_REF = re.compile(r"\A\s*(\d+)\s*(?:@\s*(\d+)\s*)?\Z")


@dataclass(frozen=True)
class Wanted:
    """``ID`` or ``ID@REVISION`` as given on the command line."""

    id: int
    revision: int | None  # None: the latest

    @property
    def text(self) -> str:
        return f"{self.id}@{self.revision}" if self.revision else str(self.id)


def parse(text: str) -> Wanted:
    match = _REF.match(text)
    if not match or int(match.group(1)) < 1 or (match.group(2) is not None and int(match.group(2)) < 1):
        raise DashgenError(
            f"--grafana-com {text!r}: expected a grafana.com dashboard id, optionally with a revision: 7249 or 7249@3"
        )
    return Wanted(int(match.group(1)), int(match.group(2)) if match.group(2) else None)


@dataclass(frozen=True)
class Vendored:
    """A dashboard vendored from grafana.com: where its files are (``dashboard``, ``record``)."""

    dashboard: Path
    record: Path
    origin: GrafanaComOrigin


def vendored(sources_dir: Path, base: Path | None = None) -> list[Vendored]:
    """Every origin record under the sources (hidden and cache directories skipped), in path order.

    Messages name files relative to ``base`` (the project root)."""
    found = []
    for record in sorted(sources_dir.rglob(f"*{origin.SUFFIX}"), key=lambda p: p.relative_to(sources_dir).parts):
        rel = record.relative_to(sources_dir).parts
        if any(p.startswith(".") or p == "__pycache__" for p in rel) or not record.is_file():
            continue
        read, dashboard = origin.read(record, _shown(record, base))
        found.append(Vendored(record.with_name(dashboard), record, read))
    return found


@dataclass
class Planned:
    """One dashboard ready to be written, and what was done to it."""

    wanted: Wanted
    name: str  # on grafana.com
    latest: int
    target: Path  # the dashboard file
    record: Path
    text: str  # the dashboard file's content
    record_text: str
    origin: GrafanaComOrigin
    title: str
    uid: str
    folder: str
    previous: GrafanaComOrigin | None = None  # the record this replaces (an upgrade)
    uid_note: str = ""  # why the uid differs from the revision's
    migration: str = ""  # "2 panels (graph → timeseries ×1, singlestat → stat ×1)"
    unchanged: bool = False  # the same revision and bytes as vendored: nothing to write

    @property
    def python(self) -> bool:
        return self.target.suffix == ".py"


def plan(
    wanted: Iterable[str],
    config: Config,
    client: GrafanaCom,
    *,
    datasources: list[Datasource],
    taken_uids: dict[str, str],
    folder: str | None = None,
    python: bool = False,
    force: bool = False,
    today: str | None = None,
    convert_python: Any = None,
) -> list[Planned]:
    """Download, resolve, migrate and convert every dashboard asked for; raise before any write.

    ``taken_uids`` maps the uids of the project's dashboards to their source (relative to the
    project), so a vendored dashboard never takes another's uid. ``convert_python(model,
    origin)`` returns ``(module text, built model)`` for ``--python``.
    """
    refs = [parse(w) for w in wanted]
    seen: set[int] = set()
    for ref in refs:
        if ref.id in seen:
            raise DashgenError(f"--grafana-com: dashboard {ref.id} is asked for twice")
        seen.add(ref.id)
    if folder is not None:
        _check_folder(folder)
    root = config.sources_dir
    existing = {v.origin.id: v for v in vendored(root, config.root)}
    day = today or datetime.now(UTC).date().isoformat()
    out: list[Planned] = []
    errors: list[DashgenError] = []
    for ref in refs:
        try:
            out.append(
                _plan_one(
                    ref,
                    config,
                    client,
                    existing.get(ref.id),
                    existing,
                    datasources,
                    taken_uids,
                    folder=folder,
                    python=python,
                    force=force,
                    today=day,
                    convert_python=convert_python,
                )
            )
        except DashgenErrors as exc:
            errors.extend(exc.errors)
        except DashgenError as exc:
            errors.append(exc)
    targets: dict[Path, int] = {}
    for item in out:
        if item.target in targets:
            errors.append(
                DashgenError(
                    f"grafana.com dashboards {targets[item.target]} and {item.wanted.id} would both be written to "
                    f"{_shown(item.target, config.root)}; import one with another --folder"
                )
            )
        targets[item.target] = item.wanted.id
    if errors:
        raise DashgenErrors(errors) if len(errors) > 1 else errors[0]
    return out


def _plan_one(
    ref: Wanted,
    config: Config,
    client: GrafanaCom,
    previous: Vendored | None,
    existing: dict[int, Vendored],
    datasources: list[Datasource],
    taken_uids: dict[str, str],
    *,
    folder: str | None,
    python: bool,
    force: bool,
    today: str,
    convert_python: Any,
) -> Planned:
    root = config.sources_dir
    listing = client.listing(ref.id)
    revision = ref.revision or listing.revision
    where = f"grafana.com dashboard {ref.id} revision {revision}"

    if previous is not None:  # an upgrade (or a refresh) keeps the place it has
        target = previous.dashboard
        shown_previous = _shown(target, config.root)
        folder_name = folder_of(target, root)
        if folder is not None and folder != folder_name:
            raise DashgenError(
                f"grafana.com dashboard {ref.id} is vendored at {shown_previous}; it is upgraded in place "
                f"(drop --folder, or delete it and its {origin.SUFFIX} record to move it)"
            )
        if python and target.suffix != ".py":
            raise DashgenError(
                f"grafana.com dashboard {ref.id} is vendored as JSON at {shown_previous}; upgrade it without "
                f"--python, or delete it and its {origin.SUFFIX} record to import it as Python"
            )
        if not force and previous.origin.revision != revision:
            raise DashgenError(
                f"grafana.com dashboard {ref.id} is vendored at {shown_previous} (revision "
                f"{previous.origin.revision}); --force replaces it with revision {revision}"
            )
    else:
        folder_name = folder or GENERAL
        directory = root if folder_name == GENERAL else root / folder_name
        stem = _slug(listing.slug or listing.name) or f"grafana-com-{ref.id}"
        target = directory / (f"{_identifier(stem)}.py" if python else f"{stem}.json")
        other = next((v for v in existing.values() if v.dashboard == target), None)
        if other is not None:
            raise DashgenError(
                f"{_shown(target, config.root)} is grafana.com dashboard {other.origin.id}; "
                f"import {ref.id} into another --folder"
            )
        if (target.exists() or origin.path_for(target).exists()) and not force:
            raise DashgenError(f"{_shown(target, config.root)} exists; --force overwrites it")

    content = client.download(ref.id, revision, latest=listing.revision)
    digest = hashlib.sha256(content).hexdigest()
    if previous is not None and not force and previous.origin.revision == revision:
        if previous.origin.sha256 != digest:
            raise DashgenError(
                f"{where} is not what {_shown(target, config.root)} was vendored from: sha256 "
                f"{digest[:12]}… now, {previous.origin.sha256[:12]}… recorded; check the source "
                f"({client.where}), then --force vendors it again"
            )
        return Planned(
            ref,
            listing.name,
            listing.revision,
            target,
            previous.record,
            "",
            "",
            previous.origin,
            "",
            "",
            folder_name,
            previous=previous.origin,
            unchanged=True,
        )
    model = _parse(content, where)
    known = canonical.known_datasources(ds.model for ds in datasources)
    try:  # exactly what `dashgen fmt --migrate` writes, its __inputs resolved as fmt resolves them
        inputs = canonical.input_values(model, known)
        done = canonical.canonicalise(model, known, migrate=True)
    except DashgenError as exc:
        raise DashgenError(f"{where}: {exc.message}") from None
    model = done.model

    uid, uid_note = _uid(model, listing.slug or listing.name, ref.id, previous, target, taken_uids, config)
    model["uid"] = uid
    title = str(model.get("title") or listing.name)
    if target.suffix == ".py":
        if convert_python is None:  # pragma: no cover - the CLI always passes it
            raise DashgenError("--python needs the grafanalib converter")
        text, built = convert_python(model, f"grafana.com dashboard {ref.id} revision {revision}")
    else:
        text, built = dump_json(model), model
    record = GrafanaComOrigin(
        id=ref.id,
        revision=revision,
        sha256=digest,
        downloaded=today,
        name=listing.name,
        inputs=inputs,
        fingerprint=normalise.fingerprint(canonical.canonical(built, known)),  # what build loads
    )
    record_path = origin.path_for(target)
    return Planned(
        wanted=ref,
        name=listing.name,
        latest=listing.revision,
        target=target,
        record=record_path,
        text=text,
        record_text=origin.dump(record, target.name),
        origin=record,
        title=title,
        uid=uid,
        folder=folder_name,
        previous=previous.origin if previous else None,
        uid_note=uid_note,
        migration=done.migration_summary(),
    )


def write(planned: list[Planned]) -> None:
    """Write each dashboard and its record, each file atomically (a temporary file moved into place)."""
    for item in planned:
        if item.unchanged:
            continue
        item.target.parent.mkdir(parents=True, exist_ok=True)
        for path, text in ((item.target, item.text), (item.record, item.record_text)):
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


# ----------------------------------------------------------------------- the dashboard


def _parse(content: bytes, where: str) -> dict[str, Any]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DashgenError(f"{where}: the download is not UTF-8 text") from None
    doc = read_document(text, where)
    model = doc.dashboards[0] if doc.dashboards else None
    if doc.kind == "configmap" or not isinstance(model, dict) or "title" not in model:
        raise DashgenError(f"{where}: the download is not a dashboard (no 'title')")
    return model


def _uid(
    model: dict[str, Any],
    slug: str,
    dashboard_id: int,
    previous: Vendored | None,
    target: Path,
    taken_uids: dict[str, str],
    config: Config,
) -> tuple[str, str]:
    """The uid to write, and a note when it is not the revision's own.

    An upgrade keeps the uid the vendored dashboard has (links and Grafana's history follow
    the uid). Otherwise the revision's uid, when Grafana and a ConfigMap name accept it and
    no other dashboard of the project has it; else one made from the slug.
    """
    own = relative(target, config.root)
    if previous is not None:
        kept = next((uid for uid, source in taken_uids.items() if source == own), None)
        if kept is not None:
            return kept, ""
    revision_uid = model.get("uid")
    if isinstance(revision_uid, str) and _usable(revision_uid) and taken_uids.get(revision_uid, own) == own:
        return revision_uid, ""
    base = (_slug(slug) or f"grafana-com-{dashboard_id}")[:UID_MAX].strip("-")
    candidate, n = base, 2
    while taken_uids.get(candidate, own) != own:
        suffix = f"-{n}"
        candidate, n = base[: UID_MAX - len(suffix)] + suffix, n + 1
    if isinstance(revision_uid, str) and revision_uid:
        why = (
            f"used by {taken_uids[revision_uid]}"
            if revision_uid in taken_uids
            else "not a valid ConfigMap name (lowercase letters, digits and '-')"
        )
        return candidate, f"uid {revision_uid!r} is {why}: uid {candidate!r}"
    return candidate, f"the revision has no uid: uid {candidate!r}"


def _usable(uid: str) -> bool:
    # Kept as its own ConfigMap name's stem (no hash suffix), so the vendored files read well.
    return bool(uid) and is_uid(uid) and len(uid) <= UID_MAX and is_dns_subdomain(f"grafana-dashboard-{uid}")


# ----------------------------------------------------------------------- names and paths


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100].strip("-")


def _identifier(stem: str) -> str:
    name = stem.replace("-", "_")
    return name if name.isidentifier() else f"dashboard_{name}"


def folder_of(target: Path, root: Path) -> str:
    parts = target.relative_to(root).parts
    return parts[0] if len(parts) > 1 else GENERAL


def _check_folder(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise DashgenError(f"--folder {name!r}: a folder is one directory name (no '/', not hidden)")


def relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _shown(path: Path, base: Path | None) -> str:
    return relative(path, base) if base is not None else str(path)


def uids_of(dashboards: Iterable[Any]) -> dict[str, str]:
    """uid -> source of loaded dashboards (:class:`~dashgen.resources.Dashboard`)."""
    return {d.uid: d.source for d in dashboards if d.uid}


def to_json(planned: list[Planned], base: Path) -> list[dict[str, Any]]:
    """The ``-o json`` form of what was imported."""
    return [
        {
            "id": p.wanted.id,
            "revision": p.origin.revision,
            "latest": p.latest,
            "previous_revision": p.previous.revision if p.previous else None,
            "name": p.name,
            "dashboard": relative(p.target, base),
            "record": relative(p.record, base),
            "sha256": p.origin.sha256,
            "uid": p.uid or None,
            "inputs": p.origin.inputs,
            "migrated": p.migration or None,
            "written": not p.unchanged,
        }
        for p in planned
    ]
