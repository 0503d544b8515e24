"""Small builders for clean dashboards, panels and rule groups used by the tests.

``dashboard()`` and ``rule_groups()`` are written to satisfy every default-on rule; tests make
one change to get a bad example.
"""

from __future__ import annotations

import copy
from typing import Any

DS = {"type": "prometheus", "uid": "${datasource}"}


def target(expr: str = 'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace"}[$__rate_interval]))',
           ref: str = "A", **kw: Any) -> dict:
    t = {"refId": ref, "expr": expr, "datasource": dict(DS)}
    t.update(kw)
    return t


def panel(pid: int = 1, title: str = "CPU usage", *, x: int = 0, y: int = 0, w: int = 12, h: int = 8,
          type: str = "timeseries", unit: str = "short", targets: list | None = None, **kw: Any) -> dict:
    p = {
        "id": pid,
        "type": type,
        "title": title,
        "description": f"What {title} shows.",
        "datasource": dict(DS),
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [target()] if targets is None else targets,
    }
    p.update(kw)
    return p


def row(pid: int, title: str, y: int, *, collapsed: bool = False, panels: list | None = None) -> dict:
    return {
        "id": pid, "type": "row", "title": title, "collapsed": collapsed,
        "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": panels or [],
    }


def variables() -> list[dict]:
    return [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"},
        {
            "name": "namespace", "label": "namespace", "type": "query", "datasource": dict(DS),
            "query": {"query": "label_values(kube_pod_info, namespace)", "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "refresh": 2, "multi": True, "includeAll": True,
        },
    ]


def dashboard(panels: list | None = None, *, vars: list | None = None, **kw: Any) -> dict:
    d = {
        "uid": "dashgen-test",
        "title": "Test dashboard",
        "editable": False,
        "schemaVersion": 39,
        "panels": [panel()] if panels is None else panels,
        "templating": {"list": variables() if vars is None else vars},
        "links": [],
        "time": {"from": "now-6h", "to": "now"},
    }
    d.update(kw)
    return d


def alert(name: str = "FluxReconciliationFailing", **kw: Any) -> dict:
    r = {
        "alert": name,
        "expr": 'max by (exported_namespace, name) (gotk_resource_info{ready="False"}) == 1',
        "for": "15m",
        "labels": {"severity": "warning"},
        "annotations": {
            "summary": "A Flux object is not ready.",
            "description": "{{ $labels.exported_namespace }}/{{ $labels.name }} is not ready.",
        },
    }
    r.update(kw)
    return r


def rule_groups(rules: list | None = None, name: str = "flux") -> list[dict]:
    return [{"name": name, "rules": [alert()] if rules is None else rules}]


def with_(d: dict, path: str, value: Any) -> dict:
    """Copy ``d`` and set ``path`` ("panels.0.fieldConfig.defaults.unit") to ``value``."""
    d = copy.deepcopy(d)
    cur: Any = d
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[int(k)] if isinstance(cur, list) else cur[k]
    last = keys[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return d


def without(d: dict, path: str) -> dict:
    d = copy.deepcopy(d)
    cur: Any = d
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[int(k)] if isinstance(cur, list) else cur[k]
    del cur[keys[-1]]
    return d
