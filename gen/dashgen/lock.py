"""One build at a time per output directory: an advisory lock on ``<output>/.dashgen-lock``.

A build that writes holds an exclusive ``fcntl.flock`` on the lock file from before it
reads the ownership record until its last move, so two builds never stage, compare or
move files at once; ``build --check`` takes a shared lock when the file exists, so it
never reads a tree half-way through a move. A build that cannot get the lock within
``WAIT_SECONDS`` says which process holds it.

The lock dies with its process (the kernel drops it), so a killed build never blocks the
next one. The exclusive holder removes the lock file before it lets go; whoever was
waiting on the removed file notices (the path no longer names the file it locked) and
starts over, so two builds can never hold locks on two different files.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import DashgenError

LOCK_FILE = ".dashgen-lock"
WAIT_SECONDS = 10.0  # a build of a few hundred dashboards takes a few seconds
_POLL_SECONDS = 0.05


class OutputLock:
    """``with OutputLock(output):`` holds the lock; ``shared=True`` for readers.

    An exclusive lock creates the output directory if needed (``created`` lists the
    directories it made, outermost first); a shared one never writes, and takes no lock
    when there is no lock file to take.
    Filesystem errors (the directory cannot be made) raise ``OSError``.
    """

    def __init__(self, output: Path, *, shared: bool = False, wait: float | None = None):
        self.output = output
        self.path = output / LOCK_FILE
        self.shared = shared
        self.wait = wait
        self.created: list[Path] = []
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        deadline = time.monotonic() + (WAIT_SECONDS if self.wait is None else self.wait)
        while True:
            fd = self._open()
            if fd is None:  # shared, and no build holds (or held) the lock
                return
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise DashgenError(
                        f"another dashgen build is running{self._holder()}; wait for it to finish, or stop it",
                        path=str(self.output),
                    ) from None
                time.sleep(_POLL_SECONDS)
                continue
            except OSError:  # a filesystem without flock: readers carry on unlocked
                os.close(fd)
                if self.shared:
                    return
                raise
            if not _names(self.path, fd):  # the holder removed it as we waited: start over
                os.close(fd)
                continue
            self._fd = fd
            if not self.shared:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            return

    def _open(self) -> int | None:
        if self.shared:
            try:
                return os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:  # no lock file (no build running), or not ours to read
                return None
        missing = []
        directory = self.output
        while not directory.is_dir():
            missing.append(directory)
            directory = directory.parent
        for directory in reversed(missing):
            try:
                directory.mkdir()
                self.created.append(directory)
            except FileExistsError:
                pass
            except FileNotFoundError:  # a failed build removed a parent as we went: again
                return self._open()
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:  # the directory went away with a failed first build: make it again
            return self._open()

    def _holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if not self.shared and _names(self.path, fd):
                self.path.unlink(missing_ok=True)  # while still holding it: see the module docstring
        except OSError:  # left behind, it is harmless: the next build locks it again
            pass
        finally:
            os.close(fd)


def _names(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the open file ``fd``."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    fst = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (fst.st_dev, fst.st_ino)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this host): owners of staging directories."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True
