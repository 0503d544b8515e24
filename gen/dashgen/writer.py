"""Write the output directory atomically, touching only the files dashgen owns.

The files dashgen wrote are listed, with their hashes, in ``dashgen-files.json`` inside
the output directory. A build changes only those: a file that disappeared from the
sources is deleted, a file dashgen never wrote is never overwritten or deleted.

New content is first written to a staging directory and then moved into place file by
file with ``os.replace``. The ownership record is widened before any move and narrowed
after, so an interrupted write never leaves a file that dashgen would refuse as foreign.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import DashgenError

RECORD = "dashgen-files.json"
STAGING_PREFIX = ".dashgen-staging-"


@dataclass
class Changes:
    """What a build would do to the output directory."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    edited_by_hand: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
            "edited_by_hand": self.edited_by_hand,
        }


def plan(output: Path, files: dict[str, bytes]) -> tuple[Changes, dict[str, bytes]]:
    """Compare ``files`` with the output directory.

    Returns the changes and the complete set of files to write, ownership record
    included. Raises when a file to write exists but dashgen did not write it.
    """
    old = read_record(output)
    new = dict(files)
    new[RECORD] = _record_bytes(new)
    changes = Changes()
    foreign = []
    for path, content in sorted(new.items()):
        target = output / path
        if not target.exists():
            changes.added.append(path)
            continue
        if path != RECORD and path not in old:
            foreign.append(path)
            continue
        current = target.read_bytes()
        if current == content:
            changes.unchanged.append(path)
        else:
            changes.changed.append(path)
            if path in old and _sha(current) != old[path]:
                changes.edited_by_hand.append(path)
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise DashgenError(
            f"{listed} exist(s) but dashgen did not write them (not in {RECORD}); "
            "move them away, dashgen never overwrites files it does not own",
            path=str(output),
        )
    changes.removed = sorted(p for p in old if p not in new and (output / p).is_file())
    return changes, new


def apply(output: Path, files: dict[str, bytes], changes: Changes) -> None:
    """Make the output directory hold ``files`` (from :func:`plan`), atomically per file."""
    if not changes.any:
        return
    output.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(output)
    old = read_record(output)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=output))
    try:
        to_move = changes.added + changes.changed
        for path in to_move:
            staged = staging / path
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(files[path])
        # Own everything that may be on disk during the moves before moving anything.
        widened = {**old, **{p: _sha(c) for p, c in files.items() if p != RECORD}}
        _replace(staging, output, RECORD, _record_json(widened))
        for path in to_move:
            if path == RECORD:
                continue
            target = output / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, target)
        for path in changes.removed:
            (output / path).unlink(missing_ok=True)
            _prune_empty_dirs((output / path).parent, output)
        _replace(staging, output, RECORD, files[RECORD])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_record(output: Path) -> dict[str, str]:
    """The files dashgen owns in ``output`` (path → sha256); empty if there is no record."""
    path = output / RECORD
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, OSError):
        raise DashgenError(f"{RECORD} is damaged; restore it from git (it records which files dashgen owns)",
                           path=str(path)) from None
    for name in files:
        p = PurePosixPath(name)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise DashgenError(f"{RECORD} lists {name!r}, which is outside the output directory", path=str(path))
    return files


def _record_bytes(files: dict[str, bytes]) -> bytes:
    return _record_json({p: _sha(c) for p, c in files.items() if p != RECORD})


def _record_json(hashes: dict[str, str]) -> bytes:
    doc = {
        "comment": "Files written by dashgen build. dashgen changes and deletes only these.",
        "files": dict(sorted(hashes.items())),
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _replace(staging: Path, output: Path, path: str, content: bytes) -> None:
    staged = staging / (path + ".next")
    staged.write_bytes(content)
    os.replace(staged, output / path)


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    stop = stop.resolve()
    directory = directory.resolve()
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()  # only succeeds when empty
        except OSError:
            return
        directory = directory.parent


def _remove_stale_staging(output: Path) -> None:
    for stale in output.glob(STAGING_PREFIX + "*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
