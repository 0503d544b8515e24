"""Write the output directory atomically, touching only the files dashgen owns.

The files dashgen wrote are listed, with their hashes, in ``dashgen-files.json`` inside
the output directory. A build changes only those: a file that disappeared from the
sources is deleted, a file dashgen never wrote is never overwritten or deleted.

Files are added one at a time (so a large build never holds all of them in memory) and
staged in a temporary directory; nothing in the output changes until ``finish()``,
which moves them into place with ``os.replace``. The ownership record is widened before
any move and narrowed after, so an interrupted write never leaves a file that dashgen
would refuse as foreign. Leaving the ``with`` block on an exception discards the stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import DashgenError

RECORD = "dashgen-files.json"
STAGING_PREFIX = ".dashgen-staging-"


@dataclass
class Changes:
    """What a build did, or with ``--check`` would do, to the output directory."""

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


class OutputWriter:
    """Collects the files of one build and applies them (or, with ``check``, only compares)."""

    def __init__(self, output: Path, *, check: bool = False):
        self.output = output
        self.check = check
        self.old = read_record(output)
        self.hashes: dict[str, str] = {}
        self.changes = Changes()
        self._foreign: list[str] = []
        self._staging: Path | None = None
        self._created_output = False
        self._resolved: Path | None = None

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._discard()

    def add(self, path: str, content: bytes) -> None:
        if path in self.hashes or path == RECORD:
            raise ValueError(f"{path} rendered twice")  # a renderer bug, not user input
        self._refuse_outside(path)
        digest = _sha(content)
        self.hashes[path] = digest
        self._compare(path, content, digest)

    def _refuse_outside(self, path: str) -> None:
        """Output paths come from names in the sources: whatever checks let through, never
        write outside the output directory (absolute, '..', or through a symlink)."""
        p = PurePosixPath(path)
        inside = bool(path) and not p.is_absolute() and ".." not in p.parts and str(p) == path and "\0" not in path
        if inside:
            if self._resolved is None:
                self._resolved = self.output.resolve()
            inside = (self._resolved / path).resolve().is_relative_to(self._resolved)
        if not inside:
            raise DashgenError(f"refusing to write {path!r}: it is not a plain path inside the output directory",
                               path=str(self.output))

    def finish(self) -> Changes:
        """Raise if a foreign file is in the way; otherwise apply (unless checking)."""
        if self._foreign:
            listed = ", ".join(self._foreign[:3]) + (f" and {len(self._foreign) - 3} more" if len(self._foreign) > 3 else "")
            raise DashgenError(
                f"{listed} exist(s) but dashgen did not write them (not in {RECORD}); "
                "move them away, dashgen never overwrites files it does not own",
                path=str(self.output),
            )
        record = _record_json(self.hashes)
        self._compare(RECORD, record, _sha(record))
        changes = self.changes
        changes.removed = sorted(p for p in self.old if p not in self.hashes and (self.output / p).is_file())
        for names in (changes.added, changes.changed, changes.unchanged):
            names.sort()
        if not self.check and changes.any:
            self._apply(record)
        return changes

    def _compare(self, path: str, content: bytes, digest: str) -> None:
        target = self.output / path
        if not target.exists():
            self.changes.added.append(path)
            self._stage(path, content)
            return
        if path != RECORD and path not in self.old:
            self._foreign.append(path)
            return
        current = target.read_bytes()
        if current == content:
            self.changes.unchanged.append(path)
            return
        self.changes.changed.append(path)
        if path in self.old and _sha(current) != self.old[path]:
            self.changes.edited_by_hand.append(path)
        self._stage(path, content)

    def _stage(self, path: str, content: bytes) -> None:
        if self.check:
            return
        if self._staging is None:
            if not self.output.exists():
                self.output.mkdir(parents=True)
                self._created_output = True
            _remove_stale_staging(self.output)
            self._staging = _make_staging_dir(self.output)
        staged = self._staging / path
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(content)

    def _apply(self, record: bytes) -> None:
        staging, output, changes = self._staging, self.output, self.changes
        assert staging is not None
        # Own everything that may be on disk during the moves before moving anything.
        _replace(staging, output, RECORD, _record_json({**self.old, **self.hashes}))
        for path in changes.added + changes.changed:
            if path == RECORD:
                continue
            target = output / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, target)
        for path in changes.removed:
            (output / path).unlink(missing_ok=True)
            _prune_empty_dirs((output / path).parent, output)
        _replace(staging, output, RECORD, record)
        self._created_output = False

    def _discard(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        if self._created_output:  # the build failed before anything was moved in
            try:
                self.output.rmdir()
            except OSError:
                pass


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


def _make_staging_dir(output: Path) -> Path:
    """A new directory beside the output's files (same filesystem, so os.replace is atomic)."""
    n = 0
    while True:
        path = output / f"{STAGING_PREFIX}{os.getpid()}-{n}"
        try:
            path.mkdir(mode=0o700)
            return path
        except FileExistsError:
            n += 1


def _remove_stale_staging(output: Path) -> None:
    for stale in output.glob(STAGING_PREFIX + "*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
