"""Write output directories atomically, touching only the files dashgen owns.

The files dashgen wrote are listed, with their hashes, in ``dashgen-files.json`` inside
each output directory (a tree). A build changes only those: a file that disappeared from
the sources is deleted, a file dashgen never wrote is never overwritten or deleted.

Files are added one at a time (so a large build never holds all of them in memory) and
staged in a temporary directory; nothing in the output changes until the writer is
applied, which moves them into place one by one with ``os.replace`` (each move is atomic,
the set of moves is not). Before any move the record lists, beside the hash of what is on
disk, the hash each file is about to get (``pending``); after the moves it lists the new
hashes only. Before each move the writer arranges its undo (a file to replace is
hard-linked into the stage, one to delete is moved there, a new directory is noted), so a
failed or interrupted move puts the tree back as it was. Only if the process dies
(``kill -9``) or undoing fails too is a tree left half-way: its files are each either old
or new, all owned and all matching a recorded hash, and the next build completes it
without taking any of them for a hand edit.

From before it reads the record until it leaves the ``with`` block, a writer holds the
tree's lock (``lock.py``): one build at a time stages, compares and moves. A staging
directory is named after its build's process id and removed by that build, or by a later
one once that process is gone (killed with -9).

Several trees, one outcome. A build of environments writes one tree per environment
(``<output>/<env>/``) and retires the trees nothing builds any more (the single tree of
the layout before environments, an environment taken out of the config):

1. ``open_writers`` opens a writer per tree, taking the trees' locks in one fixed order
   (by resolved path), before any record is read; two builds sharing trees thus wait for
   each other instead of each holding a lock the other needs. All are held to the end.
2. Every tree is rendered into its writer, then every writer is reviewed: a foreign file
   in any tree, or an error in any environment, stops the build before anything moves.
3. ``apply_all`` applies the writers one after the other. If applying tree k fails (or
   Ctrl-C, SIGTERM), tree k undoes its own moves and trees 1..k-1, already complete, are
   undone from their undo logs, last first (the hard links and moved files stay in their
   stages until the build ends): a failed build leaves every tree as it was, never some
   environments new and others old. Before undoing a complete tree its record goes back
   to the ``pending`` form, so a rollback that is itself cut short leaves a tree the next
   build completes. Only ``kill -9`` between two trees leaves some new and some old (each
   whole). Once all are applied, each writer commits (empty directories pruned).

A retiring writer (``retire=True``) takes no files: it deletes every file the record
lists, then the record, through the same undo log and under the same lock, and the
directory goes once nothing else is in it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import DashgenError
from .lock import OutputLock, pid_alive

RECORD = "dashgen-files.json"
STAGING_PREFIX = ".dashgen-staging-"
_OLD = "~old"  # inside a staging directory: what the moves replaced, until the build ends


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
    """Collects the files of one tree and applies them (or, with ``check``, only compares).

    ``retire``: the tree is no longer built; every owned file and the record go.
    ``environment`` only names the tree in errors (``-o json`` documents carry it).
    """

    def __init__(self, output: Path, *, check: bool = False, retire: bool = False, environment: str | None = None):
        self.output = output
        self.check = check
        self.retire = retire
        self.environment = environment
        self._lock = OutputLock(output, shared=check)
        try:
            self._lock.acquire()
        except OSError as exc:
            raise self._error(exc, "") from None
        try:
            record = read_record(output)
        except BaseException:
            self._release()
            raise
        self.old, self.pending = record.files, record.pending
        self._on_disk: dict[str, str] = {}  # hash of what is on disk now, for owned files that change
        self.hashes: dict[str, str] = {}
        self.changes = Changes()
        self._foreign: list[str] = []
        self._staging: Path | None = None
        self._reviewed = False
        self._record = b""  # the new record, once review() ran
        self._midway = b""  # the record while the moves run: hashes on disk and pending ones
        self._undo: list[Callable[[], object]] = []  # how to put the tree back, while apply_all runs
        self._committed = False
        self._resolved: Path | None = None
        self._resolved_dirs: dict[str, tuple[str, bool]] = {}  # a directory: resolved once, and inside?
        # path -> [size, mtime_ns, inode, sha256] of files as an earlier build left them (the
        # build cache keeps these): a file that still stats the same is not read again.
        self.seen: dict[str, list] = {}
        self._still_seen: set[str] = set()  # files found as ``seen`` says: no need to stat them again

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._discard()

    def add(self, path: str, content: bytes) -> None:
        if self.retire or path in self.hashes or path == RECORD:
            raise ValueError(f"{path} rendered twice, or into a retired tree")  # a renderer bug, not user input
        self._refuse_outside(path)
        digest = _sha(content)
        self.hashes[path] = digest
        try:
            self._compare(path, content, digest)
        except OSError as exc:
            raise self._error(exc, path) from None

    def add_known(self, path: str, digest: str, content: Callable[[], bytes]) -> None:
        """Like ``add``, for a file whose sha256 is known (the build cache): ``content()`` is
        called only when the file must be staged, not when the output already holds it."""
        if self.retire or path in self.hashes or path == RECORD:
            raise ValueError(f"{path} rendered twice, or into a retired tree")
        self._refuse_outside(path)
        self.hashes[path] = digest
        try:
            self._compare(path, content, digest)
        except OSError as exc:
            raise self._error(exc, path) from None

    def add_staged(self, path: str, digest: str, staged: bool) -> None:
        """Like ``add``, for a file a worker made: it wrote the file into ``stage_dir()``
        itself (``staged``), or found the output holding these bytes already (or checks)."""
        if self.retire or path in self.hashes or path == RECORD:
            raise ValueError(f"{path} rendered twice, or into a retired tree")
        self._refuse_outside(path)
        self.hashes[path] = digest
        try:
            self._compare(path, _STAGED if staged else _NOT_STAGED, digest)
        except OSError as exc:
            raise self._error(exc, path) from None

    def stage_dir(self) -> Path | None:
        """Where files wait until applied (None when checking: nothing is staged), made now,
        so that worker processes can stage files with :func:`stage_file`."""
        return None if self.check else self._stage_dir()

    def _refuse_outside(self, path: str) -> None:
        """Output paths come from names in the sources: whatever checks let through, never
        write outside the output directory (absolute, '..', or through a symlink)."""
        inside = _plain(path)
        if inside:
            if self._resolved is None:
                self._resolved = self.output.resolve()
            parent, _, name = path.rpartition("/")
            if parent not in self._resolved_dirs:  # each directory resolved once, then only the file's name
                resolved = (self._resolved / parent).resolve()
                self._resolved_dirs[parent] = (str(resolved), resolved.is_relative_to(self._resolved))
            directory, directory_inside = self._resolved_dirs[parent]
            target = os.path.join(directory, name)
            if os.path.islink(target):
                inside = Path(os.path.realpath(target)).is_relative_to(self._resolved)
            else:
                inside = directory_inside
        if not inside:
            raise DashgenError(
                f"refusing to write {path!r}: it is not a plain path inside the output directory", path=str(self.output)
            )

    def finish(self) -> Changes:
        """Review, then apply (unless checking): the one-tree build."""
        changes = self.review()
        apply_all([self])
        return changes

    def review(self) -> Changes:
        """What applying will do, once every file is added; raise if a foreign file is in the
        way. Several writers (one per environment) are all reviewed before any applies."""
        if self._reviewed:
            return self.changes
        if self._foreign:
            listed = ", ".join(self._foreign[:3]) + (
                f" and {len(self._foreign) - 3} more" if len(self._foreign) > 3 else ""
            )
            raise DashgenError(
                f"{listed} exist(s) but dashgen did not write them (not in {RECORD}); "
                "move them away, dashgen never overwrites files it does not own",
                path=str(self.output),
            )
        record = _record_json(self.hashes)
        changes = self.changes
        owned = {*self.old, *self.pending}
        changes.removed = sorted(p for p in owned if p not in self.hashes and (self.output / p).is_file())
        path = RECORD
        try:
            if not self.retire:
                self._compare(RECORD, record, _sha(record))
            for path in changes.removed:
                digest = _sha((self.output / path).read_bytes())
                self._on_disk[path] = digest
                if not self._wrote(path, digest):
                    changes.edited_by_hand.append(path)
            if self.retire and (self.output / RECORD).is_file():
                changes.removed.append(RECORD)  # last: until then it lists what is left
        except OSError as exc:
            raise self._error(exc, path) from None
        for names in (changes.added, changes.changed, changes.unchanged, changes.edited_by_hand):
            names.sort()
        self._record = record
        self._reviewed = True
        return changes

    def _compare(self, path: str, content: bytes | Callable[[], bytes], digest: str) -> None:
        target = self.output / path
        if not os.path.exists(target):
            self.changes.added.append(path)
            self._stage(path, content)
            return
        if path != RECORD and path not in self.old and path not in self.pending:
            self._foreign.append(path)
            return
        if path != RECORD and self._seen_digest(path, target) == digest:
            self.changes.unchanged.append(path)
            self._still_seen.add(path)
            return
        current = target.read_bytes()
        if current == content if isinstance(content, bytes) else _sha(current) == digest:
            self.changes.unchanged.append(path)
            return
        self.changes.changed.append(path)
        if path != RECORD:
            self._on_disk[path] = on_disk = _sha(current)
            if not self._wrote(path, on_disk):
                self.changes.edited_by_hand.append(path)
        self._stage(path, content)

    def _seen_digest(self, path: str, target: Path) -> str | None:
        seen = self.seen.get(path)
        if seen is None:
            return None
        try:
            st = os.stat(target)
        except OSError:
            return None
        return seen[3] if [st.st_size, st.st_mtime_ns, st.st_ino] == seen[:3] else None

    def seen_now(self) -> dict[str, list]:
        """``seen`` for the next build: the files that hold what this build gave them (all of
        them once applied, the unchanged ones otherwise), except those changed in the last
        0.1 s (a write in the same clock tick would not change the time: hash those again)."""
        paths = self.changes.unchanged + (self.changes.added + self.changes.changed if self._committed else [])
        limit = time.time_ns() - 100_000_000
        out = {}
        for path in paths:
            if path == RECORD:
                continue
            if path in self._still_seen:
                out[path] = self.seen[path]
                continue
            try:
                st = os.stat(self.output / path)
            except OSError:
                continue
            if st.st_mtime_ns < limit:
                out[path] = [st.st_size, st.st_mtime_ns, st.st_ino, self.hashes[path]]
        return out

    def _wrote(self, path: str, digest: str) -> bool:
        """Whether dashgen wrote this content: the recorded hash, or the one an interrupted
        build was about to move in."""
        return digest == self.old.get(path) or digest == self.pending.get(path)

    def _stage(self, path: str, content: bytes | Callable[[], bytes]) -> None:
        if self.check or content is _STAGED:
            return
        if content is _NOT_STAGED:  # a worker found the output holding it: someone changed it since
            raise DashgenError(f"{path} changed while dashgen built; build again", path=str(self.output))
        staged = self._stage_dir() / path
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(content if isinstance(content, bytes) else content())

    def _stage_dir(self) -> Path:
        if self._staging is None:
            _remove_stale_staging(self.output)
            self._staging = _make_staging_dir(self.output)
        return self._staging

    def _apply(self) -> None:
        """Move the reviewed changes in (nothing when checking); on a failure put every file
        back as it was and raise ``_MoveFailed``. The undo log is kept for ``apply_all``.

        Each step that changes the output first arranges its undo: a file about to be
        overwritten gets a hard link in the stage (so no reader ever sees it missing), a
        file to delete is moved into the stage, a new directory is noted. If undoing fails
        too, the record written first (with ``pending``) lets the next build complete it.
        """
        assert self._reviewed and not self._undo
        if self.check or not self.changes.any:
            return
        output, changes = self.output, self.changes
        # Before moving anything, record every owned file that may be on disk during the
        # moves, with the hash it has now and, for those about to change, the next one.
        files = {p: self.hashes[p] for p in changes.unchanged if p != RECORD}
        for path, digest in self._on_disk.items():
            files[path] = digest if self._wrote(path, digest) else self.old.get(path, self.pending.get(path, digest))
        pending = {p: self.hashes[p] for p in changes.added + changes.changed if p != RECORD}
        self._midway = _record_json(files, pending)
        undo = self._undo
        path, verb = RECORD, "write"
        try:
            staging = self._stage_dir()
            self._keep_old(RECORD, undo)
            _replace(staging, output, RECORD, self._midway)
            for path in changes.added + changes.changed:
                if path == RECORD:
                    continue
                target = output / path
                _make_dirs(target.parent, output, undo)
                if path in changes.changed:
                    self._keep_old(path, undo)
                else:
                    undo.append(functools.partial(target.unlink, missing_ok=True))
                os.replace(staging / path, target)
            verb = "delete"
            for path in changes.removed:
                if path == RECORD:
                    continue
                moved = staging / _OLD / path
                moved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(output / path, moved)
                undo.append(functools.partial(_put_back, moved, output / path))
            path = RECORD
            if self.retire:
                os.unlink(output / RECORD)  # the first undo step puts it back
            else:
                verb = "write"
                _replace(staging, output, RECORD, self._record)
        except BaseException as exc:
            failed = self._run_undo()
            if isinstance(exc, OSError):
                raise _MoveFailed(self, exc, path, verb, failed) from None
            raise

    def _keep_old(self, path: str, undo: list[Callable[[], object]]) -> None:
        """A hard link to the file as it is now, and the undo that moves it back."""
        target = self.output / path
        if not target.exists():
            undo.append(functools.partial(target.unlink, missing_ok=True))
            return
        kept = self._stage_dir() / _OLD / path
        kept.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(target, kept)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            shutil.copyfile(target, kept)  # a filesystem without hard links
        undo.append(functools.partial(os.replace, kept, target))

    def _roll_back(self) -> OSError | None:
        """Undo a complete ``_apply`` (another tree of the build failed). The record first goes
        back to its ``pending`` form, so a rollback cut short leaves a tree the next build completes."""
        if not self._undo:
            return None
        midway_failed = None
        try:
            _replace(self._stage_dir(), self.output, RECORD, self._midway)
        except OSError as exc:
            midway_failed = exc
        return self._run_undo() or midway_failed

    def _run_undo(self) -> OSError | None:
        """Run the undo steps, last first; the record's (the first) only if all others worked."""
        undo, self._undo = self._undo, []
        failed = None
        for step in reversed(undo[1:]):
            try:
                step()
            except OSError as exc:
                failed = failed or exc
        if failed is None and undo:
            try:
                undo[0]()
            except OSError as exc:
                failed = exc
        return failed

    def _commit(self) -> None:
        """Every tree of the build is applied: this one's changes stay."""
        if not self._undo:
            return
        self._undo = []
        self._committed = True
        self._lock.created = []  # the directories are the build's now
        for path in self.changes.removed:
            _prune_empty_dirs((self.output / path).parent, self.output)

    def _error(
        self, exc: OSError, path: str, undo_failed: OSError | None = None, *, verb: str = "write"
    ) -> DashgenError:
        """One line naming the file, and the state the output is left in."""
        return _write_error(
            exc, str(self.output / path) if path else str(self.output), [self.output], undo_failed, verb
        )

    def _discard(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        self._release()

    def _release(self) -> None:
        created = self._lock.created
        self._lock.release()
        for directory in reversed(created):  # the build failed before anything was moved in
            try:
                directory.rmdir()
            except OSError:
                break
        if self.retire and self._committed:
            with contextlib.suppress(OSError):
                self.output.rmdir()  # only when nothing else is left in it


class _MoveFailed(Exception):
    """A move (or delete) in one tree failed; that tree is back as it was, unless ``undo_failed``."""

    def __init__(self, writer: OutputWriter, exc: OSError, path: str, verb: str, undo_failed: OSError | None):
        super().__init__(str(exc))
        self.writer, self.exc, self.path, self.verb, self.undo_failed = writer, exc, path, verb, undo_failed


def open_writers(
    stack: contextlib.ExitStack, trees: list[tuple[Path, bool, str | None]], *, check: bool = False
) -> list[OutputWriter]:
    """A writer for each ``(output, retire, environment)``, in that order, entered on ``stack``.

    The locks are taken in one order every build shares (the resolved paths, sorted), so two
    builds of overlapping trees never each hold a lock the other waits for.
    """
    resolved = [tree[0].resolve() for tree in trees]
    if len(set(resolved)) != len(resolved):
        same = next(r for r in resolved if resolved.count(r) > 1)
        raise DashgenError("two trees of this build are the same directory; each needs its own", path=str(same))
    writers: dict[int, OutputWriter] = {}
    for i in sorted(range(len(trees)), key=lambda i: resolved[i].parts):
        output, retire, environment = trees[i]
        writers[i] = stack.enter_context(OutputWriter(output, check=check, retire=retire, environment=environment))
    return [writers[i] for i in range(len(trees))]


def apply_all(writers: list[OutputWriter]) -> None:
    """Apply every reviewed writer, or none: when one fails (or Ctrl-C, SIGTERM), those
    already applied are undone too, last first, and the error names the file that failed."""
    try:
        for writer in writers:
            writer._apply()
    except BaseException as exc:
        failed = exc.undo_failed if isinstance(exc, _MoveFailed) else None
        for writer in reversed(writers):
            rolled_back = writer._roll_back()
            failed = failed or rolled_back
        if isinstance(exc, _MoveFailed):
            changing = [w.output for w in writers if w.changes.any and not w.check]
            error = _write_error(exc.exc, str(exc.writer.output / exc.path), changing, failed, exc.verb)
            error.environment = exc.writer.environment
            raise error from None
        raise
    for writer in writers:
        writer._commit()


def _write_error(exc: OSError, where: str, outputs: list[Path], undo_failed: OSError | None, verb: str) -> DashgenError:
    """One line naming the file, and the state the trees are left in."""
    if undo_failed is not None:
        state = (
            f"undoing the build failed too ({undo_failed.filename or ''}: {undo_failed.strerror}); "
            "run dashgen build again once it can write, to complete the output"
        )
    elif len(outputs) == 1:
        state = f"{outputs[0]}/ is as it was before this build"
    else:
        names = [f"{o}/" for o in outputs]
        state = f"{', '.join(names[:-1])} and {names[-1]} are as they were before this build"
    return DashgenError(f"cannot {verb}: {exc.strerror or exc}; {state}", path=where)


@dataclass(frozen=True)
class Record:
    """``dashgen-files.json``: the files dashgen owns (path → sha256 of what it wrote) and,
    while a build moves files into place, the hashes they are about to get."""

    files: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)


def read_record(output: Path) -> Record:
    """The ownership record of ``output``; empty if there is none."""
    path = output / RECORD
    if not path.exists():
        return Record()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files, pending = data["files"], data.get("pending", {})
        if not all(isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in (files, pending)):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError, OSError):
        raise DashgenError(
            f"{RECORD} is damaged; restore it from git (it records which files dashgen owns)", path=str(path)
        ) from None
    for name in [*files, *pending]:
        p = PurePosixPath(name)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise DashgenError(f"{RECORD} lists {name!r}, which is outside the output directory", path=str(path))
    return Record(files, pending)


def _record_json(hashes: dict[str, str], pending: dict[str, str] | None = None) -> bytes:
    doc = {
        "comment": "Files written by dashgen build. dashgen changes and deletes only these.",
        "files": dict(sorted(hashes.items())),
    }
    if pending:  # only while a build moves files into place
        doc["pending"] = dict(sorted(pending.items()))
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _replace(staging: Path, output: Path, path: str, content: bytes) -> None:
    staged = staging / (path + ".next")
    staged.write_bytes(content)
    os.replace(staged, output / path)


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _make_dirs(directory: Path, stop: Path, undo: list[Callable[[], object]]) -> None:
    """``mkdir -p`` below ``stop``, each new directory with its undo."""
    missing = []
    while directory != stop and not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for new in reversed(missing):
        new.mkdir()
        undo.append(new.rmdir)


def _put_back(moved: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(moved, target)


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    stop = stop.resolve()
    directory = directory.resolve()
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()  # only succeeds when empty
        except OSError:
            return
        directory = directory.parent


def _plain(path: str) -> bool:
    """A plain relative path: no empty, "." or ".." part (what PurePosixPath would normalise)."""
    return bool(path) and "\0" not in path and all(part not in ("", ".", "..") for part in path.split("/"))


def _staged_marker() -> Callable[[], bytes]:
    def content() -> bytes:
        raise AssertionError("a staged file's content is on disk")  # _stage never calls it

    return content


_STAGED, _NOT_STAGED = _staged_marker(), _staged_marker()


def stage_file(stage: Path | None, output: Path, path: str, content: bytes) -> bool:
    """Stage ``content`` as ``path`` in ``stage`` (``OutputWriter.stage_dir()``, from a worker
    process), unless the output holds exactly these bytes; whether it was staged. The writer
    takes it with ``add_staged``, and refuses paths outside the output as ``add`` does."""
    if stage is None or not _plain(path):
        return False  # checking; or a path the writer refuses
    try:
        if (output / path).read_bytes() == content:
            return False
    except OSError:
        pass
    staged = stage / path
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(content)
    return True


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
    """Staging directories of builds that died (killed with -9): never one still in use."""
    for stale in output.glob(STAGING_PREFIX + "*"):
        owner = stale.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if stale.is_dir() and not (owner.isdigit() and int(owner) != os.getpid() and pid_alive(int(owner))):
            shutil.rmtree(stale, ignore_errors=True)
