"""Robust iteration over the panels and targets of dashboard JSON.

Handles: top-level ``panels`` (schemaVersion >= 16), rows expanded (panels follow the row)
and collapsed (panels nested in the row's ``panels``), the legacy ``rows[].panels`` layout
(schemaVersion <= 15), library panels (resolved through ``__elements`` when the export
carries the model), and any field having the wrong JSON type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Panel types that never carry queries, units or descriptions worth linting.
NON_DATA_PANEL_TYPES: frozenset[str] = frozenset(
    {
        "row",
        "text",
        "news",
        "dashlist",
        "welcome",
        "gettingstarted",
        "alertlist",
        "annolist",
        "grafana-clock-panel",
    }
)


def kind_name(v: Any) -> str:
    """'a string', 'a number', 'null'... for messages about wrong JSON types."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def text(v: Any) -> str | None:
    """A display string for a JSON value that should be a string (numbers are accepted)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return str(v)
    return None


def as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


_INF = float("inf")


def as_num(v: Any) -> float | None:
    if type(v) is int:  # the common case first
        return float(v)
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and v == v and abs(v) != _INF:
        return float(v)
    return None


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else []


def as_dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def dicts(v: Any) -> list[dict]:
    """The objects of a JSON list (nothing when ``v`` is not a list)."""
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def schema_version(model: Any) -> int:
    """The dashboard's ``schemaVersion`` as Grafana compares it (a number or numeric string), else 0."""
    value = model.get("schemaVersion") if isinstance(model, dict) else None
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 1e9 else 0
    if isinstance(value, str):
        digits = value.strip()
        if digits.lstrip("-").isdigit() and len(digits) < 10:
            return int(digits)
    return 0


class PanelRef:
    """One panel of the dashboard, as ``iter_panels`` finds it.

    - ``path``: e.g. "panels[3]", "panels[2].panels[0]", "rows[1].panels[0]"
    - ``row``: the row whose ``panels`` holds this panel (collapsed row)
    - ``legacy``: from the legacy rows[] layout
    - ``library_ref``: library panel reference whose model is not in the JSON
    - ``is_data``: a panel that should query data (not a row/text/news/... panel, not an
      unresolved library panel reference, and with a type)
    """

    __slots__ = (
        "panel",
        "path",
        "title",
        "id",
        "type",
        "row",
        "legacy",
        "library_ref",
        "library_uid",
        "is_row",
        "is_data",
    )

    def __init__(
        self,
        panel: dict,
        path: str,
        title: str | None,
        id: int | None,
        type: str | None,
        row: PanelRef | None = None,
        legacy: bool = False,
        library_ref: bool = False,
        library_uid: str | None = None,
    ) -> None:
        self.panel = panel
        self.path = path
        self.title = title
        self.id = id
        self.type = type
        self.row = row
        self.legacy = legacy
        self.library_ref = library_ref
        self.library_uid = library_uid
        self.is_row = type == "row"
        self.is_data = not library_ref and type is not None and type not in NON_DATA_PANEL_TYPES

    def __repr__(self) -> str:
        return f"PanelRef({self.path}, type={self.type!r}, title={self.title!r})"


def _elements(model: dict) -> list[tuple[str, dict]]:
    """(uid, panel model) of every library panel exported with the dashboard (``__elements``)."""
    out = []
    for key, el in as_dict(model.get("__elements")).items():
        m = el.get("model") if isinstance(el, dict) else None
        if isinstance(m, dict):
            uid = el.get("uid")
            out.append((uid if isinstance(uid, str) else key, m))
    return out


def library_models(model: Any) -> list[dict]:
    """The panel models of the library panels exported with the dashboard, as they stand in it."""
    return [m for _, m in _elements(model)] if isinstance(model, dict) else []


def _make(
    panel: dict, path: str, elements: dict[str, dict], row: PanelRef | None = None, legacy: bool = False
) -> PanelRef:
    lib = panel.get("libraryPanel")
    library_ref = False
    library_uid = None
    if isinstance(lib, dict):
        library_uid = lib.get("uid") if isinstance(lib.get("uid"), str) else None
        has_content = isinstance(panel.get("type"), str) and (
            "targets" in panel or panel.get("type") in NON_DATA_PANEL_TYPES
        )
        model = elements.get(library_uid) if library_uid else None
        if model is not None and not has_content:
            merged = dict(model)
            for key in ("id", "gridPos", "libraryPanel"):
                if key in panel:
                    merged[key] = panel[key]
            if "title" not in merged and "title" in panel:
                merged["title"] = panel["title"]
            panel = merged
        elif not has_content:
            library_ref = True
    if "title" in panel:
        title = text(panel.get("title"))
    else:
        title = text(as_dict(lib).get("name")) if library_ref else None
    ptype = panel.get("type")
    if not isinstance(ptype, str) or not ptype:
        ptype = None
    return PanelRef(panel, path, title, as_int(panel.get("id")), ptype, row, legacy, library_ref, library_uid)


def _walk(model: Any) -> Iterator[tuple[dict, str, bool, bool]]:
    """(panel, path, nested, legacy) for every panel object, in document order. ``nested``: it is
    in the ``panels`` of the panel walked last with nested False (a collapsed row); ``legacy``:
    from the legacy ``rows[]`` layout."""
    if not isinstance(model, dict):
        return
    for i, p in enumerate(as_list(model.get("panels"))):
        if not isinstance(p, dict):
            continue
        yield p, f"panels[{i}]", False, False
        for j, q in enumerate(as_list(p.get("panels"))):
            if isinstance(q, dict):
                yield q, f"panels[{i}].panels[{j}]", True, False
    for i, row in enumerate(as_list(model.get("rows"))):
        if not isinstance(row, dict):
            continue
        for j, p in enumerate(as_list(row.get("panels"))):
            if isinstance(p, dict):
                yield p, f"rows[{i}].panels[{j}]", False, True


def iter_panels(model: Any) -> list[PanelRef]:
    """Every panel of the dashboard, rows included, in document order; a library panel exported
    with the dashboard is read as its model (a merged copy)."""
    if not isinstance(model, dict):
        return []
    elements = {uid: m for uid, m in _elements(model)}
    out: list[PanelRef] = []
    row: PanelRef | None = None
    for panel, path, nested, legacy in _walk(model):
        ref = _make(panel, path, elements, row if nested else None, legacy)
        if not nested:
            row = ref
        out.append(ref)
    return out


def panel_dicts(model: Any) -> list[dict]:
    """The objects ``iter_panels`` walks, as they stand in the JSON (library panels not
    resolved): for code that changes panels in place."""
    return [panel for panel, *_ in _walk(model)]


def iter_targets(panel: dict) -> list[tuple[dict, str]]:
    """(target, label) pairs; label is the refId, else the index in ``targets``."""
    targets = panel.get("targets")
    if not isinstance(targets, list):
        return []
    out = []
    for i, t in enumerate(targets):
        if not isinstance(t, dict):
            continue
        ref = t.get("refId")
        label = ref if isinstance(ref, str) and ref.strip() else str(i)
        out.append((t, label))
    return out


def templating_list(model: Any) -> list[dict]:
    """The template variables (``templating.list``)."""
    return dicts(as_dict(model.get("templating")).get("list")) if isinstance(model, dict) else []
