"""Dashboard JSON to grafanalib expressions that render back to exactly that JSON.

For each object (dashboard, panel, target, variable) the grafanalib class of its kind is
fitted: every field whose place in the JSON :mod:`probe` found is set from the JSON when it
differs from what the class writes by default (``None`` where the JSON has no such key and
the field allows it). The object is then rendered and compared with the JSON; what still
differs goes into ``extraJson``: keys grafanalib has no field for (that is what extraJson is
for), and keys it writes that the JSON does not have or has otherwise. The latter are
reported per object, since a person would not write them. An object no class can
reproduce is written as a dict, and reported too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import attr
from grafanalib import core

from .. import extrajson
from . import probe
from .code import Call, Helper, Lit, Node, Seq, key

CORE = "grafanalib.core"
EXTRA = "dashgen.extrajson"
_MISSING = probe._MISSING

# Panel type -> grafanalib class. grafanalib's PieChart (the Angular plugin) prints a
# deprecation notice whenever it is rendered, so that plugin is written as a dict.
PANEL_CLASSES: dict[str, type] = {
    cls().to_json_data()["type"]: cls
    for cls in (
        core.BarChart,
        core.BarGauge,
        core.DashboardList,
        core.GaugePanel,
        core.Graph,
        core.Heatmap,
        core.Histogram,
        core.Logs,
        core.News,
        core.PieChartv2,
        core.RowPanel,
        core.SingleStat,
        core.Stat,
        core.StateTimeline,
        core.Table,
        core.Text,
        core.TimeSeries,
    )
}

_FIRST = ("title", "name", "uid", "type", "expr", "query", "description", "dataSource", "datasource")
_LAST = ("gridPos", "targets", "templating", "panels", "extraJson")


@dataclass(frozen=True)
class Note:
    """A field the module could not write idiomatically: where, which, and how it is kept."""

    where: str
    field: str
    how: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field} ({self.how})"


@dataclass
class Helpers:
    """The project's helpers that may stand for a value where they produce exactly it."""

    constants: dict[str, tuple[str, str]] = field(default_factory=dict)  # key(value) -> (module, name)
    variables: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # module, name, object, its JSON


class Converter:
    def __init__(self, helpers: Helpers | None = None):
        self.helpers = helpers or Helpers()
        self.notes: list[Note] = []

    # ------------------------------------------------------------------ objects
    def dashboard(self, want: dict[str, Any]) -> Node:
        children = {
            ("panels",): lambda items: self._list(items, self.panel),
            ("templating", "list"): lambda items: self._list(items, self.variable),
        }
        node = self.fit(core.Dashboard, "dashboard", want, "dashboard", children)
        if node is None:
            raise ValueError("no grafanalib Dashboard reproduces this dashboard")
        return node

    def panel(self, panel: Any) -> Node:
        where = panel_name(panel)
        kind = panel.get("type") if isinstance(panel, dict) else None
        cls = PANEL_CLASSES.get(kind) if isinstance(kind, str) else None
        if cls is not None:
            children = {("targets",): lambda items: self._list(items, lambda t: self.target(t, where))}
            if cls is core.RowPanel:
                children[("panels",)] = lambda items: self._list(items, self.panel)
            node = self.fit(cls, "panel", panel, where, children)
            if node is not None:
                return node
            self.notes.append(Note(where, "the whole panel", "written as a dict: no grafanalib class reproduces it"))
        elif isinstance(panel, dict):
            self.notes.append(
                Note(
                    where,
                    "the whole panel",
                    f"written as a dict: grafanalib has no class for type {panel.get('type')!r}",
                )
            )
        return Lit(panel)

    def target(self, target: Any, panel: str) -> Node:
        if not isinstance(target, dict):
            return Lit(target)
        where = f"{panel}, query {target.get('refId', '?')}"
        node = self.fit(core.Target, "target", target, where, {})
        if node is None:
            self.notes.append(Note(where, "the whole query", "written as a dict"))
            return Lit(target)
        return node

    def variable(self, variable: Any) -> Node:
        if not isinstance(variable, dict):
            return Lit(variable)
        for module, name, obj, rendered in self.helpers.variables:
            if key(rendered) == key(variable):
                return Helper(module, name, obj, call=True)
        where = f"variable {variable.get('name', '?')!r}"
        node = self.fit(core.Template, "variable", variable, where, {})
        if node is None:
            self.notes.append(Note(where, "the whole variable", "written as a dict"))
            return Lit(variable)
        return node

    def _list(self, items: Any, convert: Callable[[Any], Node]) -> Node:
        return Seq([convert(item) for item in items]) if isinstance(items, list) else Lit(items)

    # ------------------------------------------------------------------ fitting
    def fit(
        self, cls: type, kind: str, want: Any, where: str, children: dict[probe.Path, Callable[[Any], Node]]
    ) -> Call | None:
        """A call of ``cls`` (or its extraJson variant) rendering exactly ``want``, or None."""
        if not isinstance(want, dict):
            return None
        fields = probe.fields(cls, kind)
        kwargs: dict[str, Node] = {}
        for f in fields:
            if f.required:
                value = _get(want, f.path) if f.path else _MISSING
                if value is _MISSING:
                    return None
                kwargs[f.name] = Lit(value)
        try:
            base = probe.render(cls(**_values(kwargs)), kind)
        except Exception:  # noqa: BLE001 - required values the class refuses
            return None

        for f in fields:
            if f.required:
                continue
            if f.sub:
                node = self._object(cls, f, want, base, kwargs, children)
            elif f.path is not None and f.path in children:
                node = self._children(f.path, want, base, children)
            elif f.path is not None:
                node = self._value(f, want, base)
            else:
                node = None
            if (
                node is not None
                and not _is_default(cls, f.name, node.value)
                and _accepts(cls, kwargs, f.name, node.value)
            ):
                kwargs[f.name] = node

        try:
            rendered = probe.render(cls(**_values(kwargs)), kind)
        except Exception:  # noqa: BLE001 - a combination of values the class cannot render
            return None
        obj = cls(**_values(kwargs))
        patch = _patch(rendered, want, set(children))
        if not patch:
            return Call(CORE, cls.__name__, _ordered(kwargs), obj)

        variant: type = cls
        if "extraJson" not in attr.fields_dict(cls) or _replaces_dict(rendered, patch):
            if not hasattr(extrajson, cls.__name__):
                return None
            variant = getattr(extrajson, cls.__name__)
        kwargs["extraJson"] = Lit(patch)
        obj = variant(**_values(kwargs))
        try:
            if key(probe.render(obj, kind)) != key(want):
                return None
        except Exception:  # noqa: BLE001 - as above
            return None
        for path, how in _changes(rendered, patch):
            self.notes.append(Note(where, ".".join(map(str, path)), how))
        module = CORE if variant is cls else EXTRA
        return Call(module, cls.__name__, _ordered(kwargs), obj)

    def _value(self, f: probe.Field, want: dict, base: Any) -> Node | None:
        if f.path is None:
            return None
        path = f.path[:-1] if f.wrapped else f.path
        value = _get(want, path)
        if f.wrapped:
            value = value[0] if isinstance(value, list) and len(value) == 1 else _MISSING
            if value is _MISSING and _get(want, path) is not _MISSING:
                return None  # not a one-item list: extraJson
        default = _get(base, path)
        if f.wrapped and isinstance(default, list) and len(default) == 1:
            default = default[0]
        if value is _MISSING:
            return Lit(None) if default is not _MISSING and not f.wrapped else None
        if _same(value, default):
            return None
        return Lit(value)

    def _children(self, path: probe.Path, want: dict, base: Any, children) -> Node | None:
        value = _get(want, path)
        if value is _MISSING:
            return Lit(None) if _get(base, path) is not _MISSING else None
        if _same(value, _get(base, path)):
            return None
        return children[path](value)

    def _object(self, cls: type, f: probe.Field, want: dict, base: Any, kwargs, children) -> Node | None:
        """An object-valued field (GridPos, Time, Templating...) from its own fields."""
        tops = {s.path[0] for s in f.sub if s.path}
        if len(tops) == 1 and isinstance(want, dict) and next(iter(tops)) not in want:
            return None  # the JSON has no such object: extraJson removes it
        sub: dict[str, Node] = {}
        differs = False
        for s in f.sub:
            if s.path is None:
                continue
            if s.path in children:
                node = self._children(s.path, want, base, children)
            else:
                node = self._value(s, want, base)
            if s.required:
                value = _get(want, s.path)
                if value is _MISSING:
                    return None
                differs |= node is not None
                sub[s.name] = node or Lit(value)
            elif node is not None:
                sub[s.name] = node
                differs = True
        if not differs or f.cls is None:
            return None
        try:
            obj = f.cls(**_values(sub))
        except Exception:  # noqa: BLE001 - values the class refuses: extraJson
            return None
        return Call(CORE, f.cls.__name__, _ordered(sub), obj)


# ---------------------------------------------------------------------- helpers
def _values(kwargs: dict[str, Node]) -> dict[str, Any]:
    return {k: v.value for k, v in kwargs.items()}


def _accepts(cls: type, kwargs: dict[str, Node], name: str, value: Any) -> bool:
    try:
        cls(**{**_values(kwargs), name: value})
        return True
    except Exception:  # noqa: BLE001 - attrs validators raise TypeError or ValueError, converters anything
        return False


def _is_default(cls: type, name: str, value: Any) -> bool:
    """Whether ``value`` is what the field holds when not given: setting it changes nothing
    (a key the build drops at its default then comes from ``extraJson`` alone)."""
    a = next((a for a in attr.fields(cls) if (a.alias or a.name) == name), None)
    if a is None or a.default is attr.NOTHING:
        return False
    default = a.default
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return False
        default = default.factory()
    try:
        return type(default) is type(value) and bool(default == value)
    except Exception:  # noqa: BLE001 - a comparison an object refuses
        return False


def _ordered(kwargs: dict[str, Node]) -> list[tuple[str, Node]]:
    def rank(item):
        name = item[0]
        if name in _FIRST:
            return (0, _FIRST.index(name))
        if name in _LAST:
            return (2, _LAST.index(name))
        return (1, 0)

    return sorted(kwargs.items(), key=rank)


def _get(data: Any, path: probe.Path) -> Any:
    return probe._get(data, path)


def _same(a: Any, b: Any) -> bool:
    return a is not _MISSING and b is not _MISSING and key(a) == key(b)


def _patch(rendered: Any, want: dict, skip: set, path: probe.Path = ()) -> dict:
    """What to merge into ``rendered`` to get ``want`` (``None`` removes a key)."""
    out: dict[str, Any] = {}
    for k, v in want.items():
        here = (*path, k)
        if here in skip:
            continue
        if not isinstance(rendered, dict) or k not in rendered:
            out[k] = v
        elif isinstance(rendered[k], dict) and isinstance(v, dict):
            sub = _patch(rendered[k], v, skip, here)
            if sub:
                out[k] = sub
        elif key(rendered[k]) != key(v):
            out[k] = v
    if isinstance(rendered, dict):
        for k in rendered:
            if k not in want:
                out[k] = None
    return out


def _changes(rendered: Any, patch: dict, path: probe.Path = ()) -> Iterator[tuple[probe.Path, str]]:
    """The keys a patch removes or replaces (additions are what extraJson is for)."""
    for k, v in patch.items():
        here = (*path, k)
        has = isinstance(rendered, dict) and k in rendered
        if not has:
            continue
        if v is None:
            yield here, "removed via extraJson"
        elif isinstance(v, dict) and isinstance(rendered[k], dict):
            yield from _changes(rendered[k], v, here)
        else:
            yield here, "set via extraJson"


def _replaces_dict(rendered: Any, patch: dict) -> bool:
    """Whether the patch replaces or removes a dict: grafanalib's own merge cannot."""
    for k, v in patch.items():
        current = rendered.get(k, _MISSING) if isinstance(rendered, dict) else _MISSING
        if isinstance(current, dict):
            if not isinstance(v, dict) or _replaces_dict(current, v):
                return True
    return False


def panel_name(panel: Any) -> str:
    if not isinstance(panel, dict):
        return "panel"
    title = panel.get("title")
    label = f"panel {title!r}" if title else f"{panel.get('type', 'untyped')} panel"
    return f"{label} (id {panel['id']})" if "id" in panel else label


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
