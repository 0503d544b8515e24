"""Settings that source modules read from ``values:`` in dashgen.yaml.

A dashboard module calls ``dashgen.setting("flux.resource_metric", "gotk_resource_info")``.
The default's type is the expected type, so a wrong type is an error naming the key;
after loading, a key under ``values:`` that no source read is reported too, so a typo
is never silently ignored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from .errors import DashgenError

_MISSING = object()


class _Values:
    def __init__(self, data: dict[str, Any], where: str, environment: str | None = None):
        self.data = data
        self.where = where
        self.environment = environment
        self.read: set[str] = set()


class MissingValue(DashgenError):
    """A setting without a default that neither ``values:`` nor the environment sets; the
    loader says which source read it."""

    def __init__(self, key: str, where: str, environment: str | None):
        self.key = key
        if environment is None:
            detail = f"which values: in {where} does not set"
        else:
            detail = f"which neither values: nor environments.{environment}.values in {where} sets"
        super().__init__(f"reads 'values.{key}', {detail} (it has no default)")


_current: _Values | None = None


@contextlib.contextmanager
def provide(data: dict[str, Any], where: str, environment: str | None = None) -> Iterator[_Values]:
    """Make ``data`` the values seen by setting() while sources load; ``where`` is the
    config file they come from, ``environment`` the one being built, for messages."""
    global _current
    previous, _current = _current, _Values(data, where, environment)
    try:
        yield _current
    finally:
        _current = previous


def setting(key: str, default: Any = _MISSING, *, choices: Sequence[Any] | None = None) -> Any:
    """The value of ``values.<key>`` (dotted path) or ``default``.

    Without a default the value must be set, in ``values:`` or in the environment being
    built (a datasource URL that differs per cluster). Outside a dashgen run (a module
    imported in a REPL) this returns ``default``, or None when there is none.
    """
    if choices is not None and default is not _MISSING and default not in choices:
        raise ValueError(f"default {default!r} of setting {key!r} is not one of its choices")
    values = _current
    if values is None:
        return None if default is _MISSING else default
    values.read.add(key)
    node: Any = values.data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            if default is _MISSING:
                raise MissingValue(key, values.where, values.environment)
            return default
        node = node[part]
    where = f"{values.where}: key 'values.{key}'"
    if default is not None and default is not _MISSING and not _same_type(node, default):
        raise DashgenError(f"{where}: expected {type(default).__name__} like {default!r}, got {node!r}")
    if choices is not None and node not in choices:
        raise DashgenError(f"{where}: expected one of {', '.join(map(str, choices))}, got {node!r}")
    return node


def unread_keys(values: _Values) -> list[str]:
    """Leaf keys under values: that no setting() call read (typos, leftovers)."""
    out = []

    def walk(node: Any, path: str) -> None:
        if path and any(path == r or path.startswith(r + ".") for r in values.read):
            return
        if isinstance(node, dict) and node:
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif path:
            out.append(path)

    walk(values.data, "")
    return sorted(out)


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))
