"""Where each field of a grafanalib class lands in its JSON, learnt by rendering the class.

grafanalib has no schema: each class's ``to_json_data`` decides where a field goes, which
keys it always writes and what it computes. Rather than restate all that (and drift from the
installed grafanalib), each field is set to a value of its own and the class rendered: the
path where that value shows up is the field's place in the JSON. Fields whose value is a
grafanalib object (``GridPos``, ``Time``, ``Legend``...) are probed through that object's
own fields. The result is cached per class and kind.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import attr
from grafanalib import core

from .. import canonical, normalise

Path = tuple[Any, ...]  # keys (str) and list indices (int)
_MISSING = object()

# Fields whose default is None but whose value is a grafanalib object.
_OBJECT_FIELDS = {"gridPos": core.GridPos}


@dataclass(frozen=True)
class Field:
    """One keyword argument of a class and where its value lands in the JSON."""

    name: str
    path: Path | None  # None: the field is an object, see ``sub``; or it was not found
    wrapped: bool = False  # the value is the only item of the list at path[:-1]
    cls: type | None = None  # for an object-valued field: its class
    sub: tuple[Field, ...] = ()  # that object's fields, with paths in the outer JSON
    required: bool = False  # the class has no default for it


def render(obj: Any, kind: str) -> Any:
    """The JSON of ``obj`` as dashgen's build would write it, for one kind of object: cleaned as
    :mod:`dashgen.normalise` cleans it, without the defaults the canonical form elides."""
    if kind == "dashboard":
        data = normalise.from_grafanalib(obj)
        canonical.elide_defaults(data)
        return data
    data = normalise.plain(obj)
    if kind == "panel":
        normalise.clean_panel_tree(data, obj)
        for panel in _panel_tree(data):
            canonical.elide("panel", panel)
            for place, target in canonical.target_places(panel.get("targets")):
                canonical.elide(place, target)
    elif kind == "target" and isinstance(data, dict):
        normalise.clean_target(data, obj)
        for place, target in canonical.target_places([data]):
            canonical.elide(place, target)
    elif kind == "variable":
        canonical.elide("variable", data)
    return data


def _panel_tree(panel: Any) -> Iterator[dict]:
    if isinstance(panel, dict):
        yield panel
        children = panel.get("panels")
        for child in children if isinstance(children, list) else ():
            yield from _panel_tree(child)


@functools.cache
def fields(cls: type, kind: str) -> tuple[Field, ...]:
    """The fields of ``cls`` with their paths in the JSON of ``kind``."""
    counter = itertools.count(1)
    required = {_alias(a): _sentinel(counter) for a in _init_fields(cls) if a.default is attr.NOTHING}
    base_obj = cls(**required)
    base = render(base_obj, kind)
    out = []
    for a in _init_fields(cls):
        if _alias(a) == "extraJson":
            continue
        if _alias(a) in required:
            paths = _find(base, required[_alias(a)])
            out.append(Field(_alias(a), paths[0] if len(paths) == 1 else None, required=True))
            continue
        default = getattr(base_obj, a.name)
        sub_cls = type(default) if _is_object(default) else _OBJECT_FIELDS.get(_alias(a))
        if sub_cls is not None and attr.has(sub_cls):
            make = functools.partial(_with, cls, required, _alias(a))
            sub = _sub_fields(sub_cls, default if _is_object(default) else None, make, kind, counter)
            out.append(Field(_alias(a), None, cls=sub_cls, sub=sub))
            continue
        out.append(_probe(a, default, functools.partial(_with, cls, required, _alias(a)), base, kind, counter))
    return tuple(out)


def _sub_fields(sub_cls: type, default: Any, make: Callable[[Any], Any], kind: str, counter) -> tuple[Field, ...]:
    """The fields of an object-valued field, probed through the outer object."""
    required = {_alias(a): _sentinel(counter) for a in _init_fields(sub_cls) if a.default is attr.NOTHING}
    if default is None:
        default = sub_cls(**required)
    own = {_alias(a): getattr(default, a.name) for a in _init_fields(sub_cls)}
    try:
        base = render(make(sub_cls(**own)), kind)
    except Exception:  # noqa: BLE001 - a class that cannot be built this way is left to extraJson
        return ()
    out = []
    for a in _init_fields(sub_cls):
        if _alias(a) == "extraJson":
            continue

        def build(value: Any, name: str = _alias(a)) -> Any:
            return make(sub_cls(**{**own, name: value}))

        field = _probe(a, own[_alias(a)], build, base, kind, counter)
        out.append(attr_evolve(field, required=_alias(a) in required))
    return tuple(out)


def attr_evolve(field: Field, **changes) -> Field:
    return Field(**{**field.__dict__, **changes})


def _probe(a: attr.Attribute, default: Any, build: Callable[[Any], Any], base: Any, kind: str, counter) -> Field:
    for value in _candidates(a, default, counter):
        try:
            rendered = render(build(value), kind)
        except Exception:  # noqa: BLE001 - the validator refused this kind of value
            continue
        paths = [p for p in _find(rendered, value) if not _same(_get(base, p), value)]
        if len(paths) == 1:
            path = paths[0]
            wrapped = bool(path) and path[-1] == 0 and len(_get(rendered, path[:-1])) == 1
            return Field(_alias(a), path, wrapped=wrapped)
        if paths:
            return Field(_alias(a), None)  # lands in several places: left to extraJson
    return Field(_alias(a), None)


def _candidates(a: attr.Attribute, default: Any, counter) -> Iterator[Any]:
    options = _options(a.validator)
    if options:
        yield from (o for o in options if o != default)
        return
    member = getattr(a.validator, "member_validator", None)
    if _options(member):
        yield from ([o] for o in _options(member))
        return
    if isinstance(default, bool):
        yield not default
    yield _sentinel(counter)
    yield 900_000 + next(counter)
    yield 900_000.5 + next(counter)
    yield [_sentinel(counter)]
    yield {"probe": _sentinel(counter)}


def _options(validator: Any) -> list[Any]:
    options = getattr(validator, "options", None)
    if options is None and hasattr(validator, "validator"):  # optional(...)
        options = getattr(validator.validator, "options", None)
    return list(options) if isinstance(options, (list, tuple, set, frozenset)) else []


def _with(cls: type, required: dict[str, Any], name: str, value: Any) -> Any:
    return cls(**{**required, name: value})


def _init_fields(cls: type) -> list[attr.Attribute]:
    return [a for a in attr.fields(cls) if a.init]


def _alias(a: attr.Attribute) -> str:
    """The keyword argument of a field (attrs sets ``alias``; the name without it)."""
    return a.alias or a.name


def _is_object(value: Any) -> bool:
    return attr.has(type(value)) and hasattr(value, "to_json_data")


def _sentinel(counter) -> str:
    return f"\x00probe{next(counter)}"


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _get(data: Any, path: Path, default: Any = _MISSING) -> Any:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return default
    return data


def _find(data: Any, value: Any, path: Path = ()) -> list[Path]:
    if _same(data, value):
        return [path]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _find(v, value, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _find(v, value, (*path, i))]
    return []
