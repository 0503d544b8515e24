"""Normal forms of dashboard JSON.

``dashboard()`` applies to every dashboard, whatever its source: it drops the fields
Grafana manages (``id``, ``version``, ``iteration``) so the output is reproducible and
a live dashboard compares equal to its source. ``from_grafanalib()`` additionally
cleans what grafanalib emits for Grafana versions long gone (nulls, Angular-era
layout keys, schemaVersion 12) before the dashboard joins the common path.
"""

from __future__ import annotations

from typing import Any

# The schema version dashgen writes for dashboards it generates: Grafana 10.4 / 11.x.
SCHEMA_VERSION = 39

VOLATILE_KEYS = ("id", "version", "iteration")

# grafanalib emits these with values Grafana ignores since the panel/row redesign
# (schemaVersion 16) or for datasources other than Prometheus.
_LEGACY_DASHBOARD_KEYS = ("hideControls", "sharedCrosshair", "style")
_LEGACY_PANEL_KEYS = ("span", "height", "minSpan", "error", "editable")
_LEGACY_TARGET_KEYS = ("step", "metric", "target")


def dashboard(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``model`` without the fields Grafana sets on save."""
    return {k: v for k, v in model.items() if k not in VOLATILE_KEYS}


def from_grafanalib(model: dict[str, Any]) -> dict[str, Any]:
    """Clean grafanalib's ``to_json_data()`` output (already plain JSON)."""
    model = _drop_nulls(model)
    for key in _LEGACY_DASHBOARD_KEYS:
        model.pop(key, None)
    if not model.get("rows"):
        model.pop("rows", None)
    if not model.get("__inputs"):
        model.pop("__inputs", None)
    if model.get("schemaVersion", 0) < SCHEMA_VERSION:
        model["schemaVersion"] = SCHEMA_VERSION
    for panel in _panels(model.get("panels", [])):
        for key in _LEGACY_PANEL_KEYS:
            panel.pop(key, None)
        targets = panel.get("targets")
        if isinstance(targets, list):
            _clean_targets(targets)
    return dashboard(model)


def _clean_targets(targets: list[Any]) -> None:
    used = {t.get("refId") for t in targets if isinstance(t, dict)}
    free = (c for c in _ref_ids() if c not in used)
    for target in targets:
        if not isinstance(target, dict):
            continue
        for key in _LEGACY_TARGET_KEYS:
            target.pop(key, None)
        if "expr" in target and target.get("query") == target["expr"]:
            del target["query"]  # grafanalib duplicates expr into query
        if not target.get("refId"):
            target["refId"] = next(free)


def _ref_ids():
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def _panels(panels: Any):
    """Every panel, including those nested in collapsed rows."""
    if not isinstance(panels, list):
        return
    for panel in panels:
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels"))


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
