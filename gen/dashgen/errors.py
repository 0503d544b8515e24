"""The one exception type users see, and the exit codes of every command.

Every problem caused by input (a source file, the config, the output directory, a
remote server) is raised as :class:`DashgenError`; the CLI prints it as one line and
exits 1. Anything else is a bug and gets a traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

EXIT_OK = 0  # success; nothing differs
EXIT_ERROR = 1  # bad input, failed checks, unreachable server
EXIT_DIFFERS = 2  # differences found (build --check, diff)
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


class DashgenError(Exception):
    """A problem the user can fix; ``str()`` is the one-line message."""

    environment: str | None = None  # the environment of dashgen.yaml it arose in (``-o json`` says so)

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class DashgenErrors(DashgenError):
    """Several independent problems found in one pass, reported together."""

    def __init__(self, errors: list[DashgenError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


@contextlib.contextmanager
def in_environment(name: str | None) -> Iterator[None]:
    """Errors raised inside arose in environment ``name`` (unless they already name one)."""
    try:
        yield
    except DashgenError as exc:
        for error in [exc, *getattr(exc, "errors", [])]:
            if error.environment is None:
                error.environment = name
        raise
