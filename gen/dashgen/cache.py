"""The build cache: what each source file contributed, so an unchanged file is not run again.

An entry belongs to one source file under one *salt* (dashgen's and Python's versions,
dashgen's and grafanalib's code, the config file's bytes, the environment). It lists the
hash of every file the source's result depends on (itself, the local modules it imported,
its grafana.com record) and is used only while all of them still hash the same. Rendered
files are kept as blobs named by their sha256, read only when the output lacks them.

Entries are written atomically and carry a checksum: a truncated or corrupt one reads as
missing, and the source is loaded again. Deleting the directory is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

DEFAULT_DIR = ".dashgen-cache"
ENV_DIR = "DASHGEN_CACHE_DIR"
FORMAT = "2"  # bumped when the layout of an entry changes


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def file_hash(path: Path | str) -> str:
    """The sha256 of a file's bytes, or ``"absent"``: a file that appears later changes the key too."""
    try:
        with open(path, "rb") as f:
            return sha(f.read())
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return f"unreadable: {exc.errno}"


def code_stamp(directory: Path) -> str:
    """Size and mtime of every ``.py`` under ``directory``: a changed install changes the salt."""
    parts = []
    pending = [directory]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError), os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    pending.append(Path(entry.path))
                elif entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
    return sha("\n".join(sorted(parts)).encode())


def directory_for(root: Path) -> Path:
    """``DASHGEN_CACHE_DIR``, else ``.dashgen-cache/`` at the project root."""
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else root / DEFAULT_DIR


def salt_of(*parts: str) -> str:
    """What every entry of one build shares; ``parts`` name the config and environment."""
    import importlib.util

    import dashgen

    spec = importlib.util.find_spec("grafanalib")  # finds without importing it
    grafanalib = code_stamp(Path(spec.origin).parent) if spec is not None and spec.origin else "none"
    own = code_stamp(Path(dashgen.__file__).parent)
    return sha("\0".join([FORMAT, dashgen.__version__, sys.version, own, grafanalib, *parts]).encode())


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


class Cache:
    """Entries by source file and blobs by content, under one directory."""

    def __init__(self, directory: Path, salt: str):
        self.directory = directory
        self.salt = salt
        self.reading = True  # False: entries are written, never read (after a damaged blob)

    def _entry_path(self, source: str) -> Path:
        return self.directory / "entries" / (sha(f"{self.salt}\0{source}".encode()) + ".json")

    def entry(self, source: str) -> dict[str, Any] | None:
        """The stored entry of ``source``, or None when there is none or it is damaged."""
        if not self.reading:
            return None
        try:
            data = self._entry_path(source).read_bytes()
        except OSError:
            return None
        checksum, _, body = data.partition(b"\n")
        if checksum.decode("ascii", "replace") != sha(body):
            return None
        try:
            entry = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        return entry if isinstance(entry, dict) and entry.get("source") == source else None

    def store(self, source: str, entry: dict[str, Any]) -> None:
        body = orjson.dumps({**entry, "source": source})
        self._write(self._entry_path(source), sha(body).encode("ascii") + b"\n" + body)

    def seen(self, output: Path) -> dict[str, list]:
        """What the writer saw of ``output``'s files last time (``OutputWriter.seen``)."""
        entry = self.entry(self._output_key(output))
        return entry.get("files", {}) if entry is not None else {}

    def store_seen(self, output: Path, files: dict[str, list]) -> None:
        self.store(self._output_key(output), {"files": files})

    @staticmethod
    def _output_key(output: Path) -> str:
        return f"output:{output.resolve()}"

    def put_blob(self, content: bytes, digest: str | None = None) -> str:
        """Store ``content`` under its sha256. One already there is kept if it has the size; after a
        damaged blob (``reading`` off) every blob is written again, so the damaged one is replaced."""
        digest = digest or sha(content)
        path = self._blob_path(digest)
        if not self.reading or _size(path) != len(content):
            self._write(path, content)
        return digest

    def has_blob(self, digest: str) -> bool:
        return os.path.isfile(os.path.join(self.directory, "blobs", digest[:2], digest))

    def blob(self, digest: str) -> bytes | None:
        """A blob's bytes, or None when missing or not what its name says."""
        try:
            content = self._blob_path(digest).read_bytes()
        except OSError:
            return None
        return content if sha(content) == digest else None

    def _blob_path(self, digest: str) -> Path:
        return self.directory / "blobs" / digest[:2] / digest

    def _write(self, path: Path, content: bytes) -> None:
        """Write atomically; a cache that cannot be written is only a slower next build."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(content)
                os.rename(tmp, path)  # atomic on POSIX; os.replace is left to the writer
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
