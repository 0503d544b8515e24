"""Guards around running the sources' Python code: a time limit per file, and their
output kept off stdout, which belongs to the command (``-o json``).

The limit is a watchdog in the same process: ``setitimer`` arms SIGALRM and the handler
raises :class:`SourceTimeout` in whatever Python frame is running, so the importing frame
unwinds as after any exception. It derives from ``BaseException`` so a source's
``except Exception`` does not swallow it. Its limits: it works in the main thread on POSIX
only (elsewhere there is no limit), and code blocked inside one C call that never returns
to the interpreter (``sum(range(10**12))``, a huge integer power) is stopped only when that
call returns; sleeps, socket waits and regular expressions are interrupted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator


class SourceTimeout(BaseException):
    """A source ran past its time limit (raised by the watchdog in the running frame)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`SourceTimeout` in the running code once ``seconds`` have passed."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = [True]

    def on_alarm(signum: int, frame: object) -> None:
        if armed[0]:  # the block may have ended a moment ago: then the alarm is too late to matter
            raise SourceTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send what runs inside to stderr: ``print``, ``sys.stdout``, writes to file descriptor 1
    and child processes alike, so a source's chatter never mixes with the command's output."""
    sys.stdout.flush()
    saved = None
    with contextlib.suppress(OSError):
        os.fstat(2)
        saved = os.dup(1)
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
