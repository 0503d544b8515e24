"""grafanalib objects to plain dashboard JSON, and the keys Grafana manages.

``from_grafanalib()`` cleans what grafanalib emits for Grafana versions long gone (nulls,
Angular-era layout keys at grafanalib's values unless the source set them, schemaVersion 12)
before the dashboard joins the common path;
``dashboard()`` drops the fields Grafana manages (``id``, ``version``, ``iteration``).
Every dashboard then takes the one canonical form of :mod:`dashgen.canonical`.
"""

from __future__ import annotations

import itertools
from typing import Any

# What grafanalib's JSON is counted as: it writes schemaVersion 12 but the panels and
# layout of Grafana 10/11. The schema steps after it (40..) run in the canonical form.
GRAFANALIB_SCHEMA_VERSION = 39

VOLATILE_KEYS = ("id", "version", "iteration")

# What grafanalib writes for Grafanas long gone (the panel/row redesign of schemaVersion 16,
# datasources other than Prometheus), with the value it writes when the source sets nothing.
# Such a key is dropped only with that value and only when the source did not set it itself
# (in ``extraJson``, or in a dict): a dashboard imported from JSON that has it must build back.
# (A panel's ``span``, ``height`` and ``minSpan`` are null unless the source sets them.)
_LEGACY_DASHBOARD_KEYS = {"hideControls": False, "sharedCrosshair": False, "style": "dark", "rows": []}
_LEGACY_PANEL_KEYS = {"error": False, "editable": True}
# grafanalib writes ``metric`` and ``target`` empty on every target; set, they are a query (Graphite's ``target``).
_LEGACY_TARGET_KEYS = {"step": 10, "metric": "", "target": ""}
_EVERY_KEY = frozenset({"*"})  # a dict in the source: it says every key it has


def dashboard(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``model`` without the fields Grafana sets on save."""
    return {k: v for k, v in model.items() if k not in VOLATILE_KEYS}


def fingerprint(model: dict[str, Any]) -> str:
    """A short content hash of a (normalised) dashboard, independent of key order."""
    import hashlib
    import json

    text = json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def from_grafanalib(source: Any) -> dict[str, Any]:
    """Plain, clean dashboard JSON from a grafanalib ``Dashboard`` (or a dashboard dict).

    Nulls are dropped while converting, and panels without an id get one as
    grafanalib's ``auto_panel_ids()`` would number them.
    """
    model = plain(source)
    _number_panels(model)
    _drop_defaults(model, _LEGACY_DASHBOARD_KEYS, set_by(source))
    if not model.get("__inputs"):
        model.pop("__inputs", None)
    if model.get("schemaVersion", 0) < GRAFANALIB_SCHEMA_VERSION:
        model["schemaVersion"] = GRAFANALIB_SCHEMA_VERSION
    # Panels of legacy rows keep their layout keys: the grid migration places them by ``span``.
    for panel, panel_source in _paired(model.get("panels"), _children(source, "panels")):
        clean_panel_tree(panel, panel_source)
    for panel in _panels(model.get("panels", [])):
        targets = panel.get("targets")
        if isinstance(targets, list):
            name_targets(targets)
    return dashboard(model)


def set_by(source: Any) -> frozenset[str]:
    """The keys ``source`` (a grafanalib object, or a dict written in the source) sets itself."""
    if isinstance(source, dict):
        return _EVERY_KEY
    extra = getattr(source, "extraJson", None)
    return frozenset(extra) if isinstance(extra, dict) else frozenset()


def clean_panel_tree(panel: Any, source: Any = None) -> None:
    """Drop from a panel, the panels nested in it and their targets what grafanalib emits for
    old Grafanas. ``source`` is the grafanalib object (or dict) the panel was rendered from."""
    if not isinstance(panel, dict):
        return
    clean_panel(panel, source)
    for child, child_source in _paired(panel.get("panels"), _children(source, "panels")):
        clean_panel_tree(child, child_source)


def clean_panel(panel: dict[str, Any], source: Any = None) -> None:
    """Drop from one panel (not those nested in it) and its targets what grafanalib emits for old Grafanas."""
    _drop_defaults(panel, _LEGACY_PANEL_KEYS, set_by(source))
    for target, target_source in _paired(panel.get("targets"), _children(source, "targets")):
        if isinstance(target, dict):
            clean_target(target, target_source)


def clean_target(target: dict[str, Any], source: Any = None) -> None:
    said = set_by(source)
    _drop_defaults(target, _LEGACY_TARGET_KEYS, said)
    if "expr" in target and target.get("query") == target["expr"] and not _says(said, "query"):
        del target["query"]  # grafanalib duplicates expr into query


def _drop_defaults(data: dict[str, Any], defaults: dict[str, Any], said: frozenset[str]) -> None:
    for key, default in defaults.items():
        if key in data and not _says(said, key) and _same(data[key], default):
            del data[key]


def _says(said: frozenset[str], key: str) -> bool:
    return said is _EVERY_KEY or key in said


def _same(value: Any, default: Any) -> bool:
    """JSON equality that tells booleans from numbers (``0 == False`` in Python)."""
    return type(value) is type(default) and value == default


def _children(source: Any, key: str) -> Any:
    """What ``source`` renders under ``key`` (panels, rows, targets), before rendering."""
    if isinstance(source, dict):
        return source.get(key)
    extra = getattr(source, "extraJson", None)
    if isinstance(extra, dict) and key in extra:
        return extra[key]
    return getattr(source, key, None)


def _paired(rendered: Any, sources: Any):
    """Rendered dicts with what each was rendered from (None where that cannot be told)."""
    if not isinstance(rendered, list):
        return
    if not isinstance(sources, (list, tuple)) or len(sources) != len(rendered):
        sources = [None] * len(rendered)
    for item, source in zip(rendered, sources):
        if isinstance(item, dict):
            yield item, source


def name_targets(targets: list[Any]) -> None:
    """Give targets without a ``refId`` one, as Grafana does on load (``PanelModel.ensureQueryIds``):
    the first of A..Z, AA, AB... not taken. "Without" is JavaScript's ``!query.refId``."""
    used = {t["refId"] for t in targets if isinstance(t, dict) and isinstance(t.get("refId"), str)}
    free = (ref for ref in map(_ref_id, itertools.count()) if ref not in used)
    for target in targets:
        if isinstance(target, dict) and _falsy(target.get("refId")):
            target["refId"] = next(free)


def _ref_id(n: int) -> str:
    """Grafana's ``getRefId``: 0 -> A, 25 -> Z, 26 -> AA, 701 -> ZZ, 702 -> AAA."""
    letter = chr(ord("A") + n % 26)
    return letter if n < 26 else _ref_id(n // 26 - 1) + letter


def _falsy(value: Any) -> bool:
    """JavaScript's falsiness for a JSON value: null, false, 0, "" (lists and objects are truthy)."""
    return value is None or value is False or value == "" or (type(value) in (int, float) and value == 0)


def _panels(panels: Any):
    """Every panel, including those nested in collapsed rows."""
    if not isinstance(panels, list):
        return
    for panel in panels:
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels"))


_SCALARS = frozenset((str, int, bool))  # floats are checked: NaN and infinities are not JSON
_INF = float("inf")


def plain(obj: Any) -> Any:
    """grafanalib objects (anything with ``to_json_data``) to plain JSON, nulls dropped.

    Raises TypeError for a value that is neither JSON nor a grafanalib object, and
    ValueError for NaN or an infinity.
    """
    t = type(obj)
    if t is dict:
        return {
            (k if type(k) is str else _key(k)): (v if type(v) in _SCALARS else plain(v))
            for k, v in obj.items()
            if v is not None
        }
    if t is list or t is tuple:
        return [v if type(v) in _SCALARS else plain(v) for v in obj]
    if t in _SCALARS:
        return obj
    if isinstance(obj, float):
        if obj != obj or obj in (_INF, -_INF):
            raise ValueError(f"{obj!r} is not a JSON number (JSON has no NaN or Infinity)")
        return obj
    to_json_data = getattr(obj, "to_json_data", None)
    if to_json_data is not None:
        return plain(to_json_data())
    if isinstance(obj, (str, int)):  # subclasses such as enums
        return obj
    raise TypeError(f"{t.__name__} object is not JSON serialisable")


def _key(k: Any) -> str:
    if type(k) is str:
        return k
    if isinstance(k, bool) or k is None:
        return {True: "true", False: "false", None: "null"}[k]
    if isinstance(k, (str, int, float)):
        return str(k) if isinstance(k, str) else repr(k)
    raise TypeError(f"dict key {k!r} is not a string")


def _number_panels(model: dict[str, Any]) -> None:
    """Give panels without an id one, in grafanalib's ``auto_panel_ids`` order."""
    order: list[dict[str, Any]] = []
    for row in model.get("rows") or []:
        order.extend(p for p in row.get("panels") or [] if isinstance(p, dict))
    for panel in model.get("panels") or []:
        if isinstance(panel, dict):
            order.append(panel)
            order.extend(p for p in panel.get("panels") or [] if isinstance(p, dict))
    used = {p["id"] for p in order if p.get("id")}
    free = (i for i in itertools.count(1) if i not in used)
    for panel in order:
        if not panel.get("id"):
            panel["id"] = next(free)
