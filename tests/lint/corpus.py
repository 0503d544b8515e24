"""Generates a corpus of exported-dashboard-shaped JSON in odd shapes.

Each ``CorpusCase`` carries the findings it must produce (``expect``: (rule, panel title or
None)) and the ones it must not (``forbid``: (rule, panel title) or (rule, "*") for any
panel). The expectations come from what Grafana does with each shape, not from running the
linter.

Shapes covered: schemaVersion 12..41 (legacy ``rows[].panels`` layout up to 15, ``panels``
from 16), rows collapsed and expanded, library panels (bare references and ``__elements``
models), Angular panels, ``-- Grafana --``/``-- Mixed --``/``-- Dashboard --`` datasources,
Loki/Elasticsearch/TestData/MySQL datasources, datasource as a name string, as a {type,uid}
object, as ``$datasource``/``${datasource}`` and as the ``${DS_PROMETHEUS}`` import
placeholder, missing fields and numbers where strings are expected.

Run ``python -m tests.lint.corpus DIR`` to write the corpus as JSON files.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANY = "*"

RATE = 'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace", container!=""}[$__rate_interval]))'
MEM = 'sum by (pod) (container_memory_working_set_bytes{namespace=~"$namespace", container!=""})'
BAD_PROMQL = 'sum(rate(container_cpu_usage_seconds_total{namespace=~"$namespace"}[$__rate_interval])'


@dataclass
class CorpusCase:
    name: str
    model: Any
    expect: list[tuple[str, str | None]] = field(default_factory=list)
    forbid: list[tuple[str, str | None]] = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


# ------------------------------------------------------------------ datasource styles

DS_STYLES: dict[str, Any] = {
    "object": {"type": "prometheus", "uid": "${datasource}"},
    "object-no-type": {"uid": "$datasource"},
    "dollar": "$datasource",
    "braces": "${datasource}",
    "legacy-brackets": "[[datasource]]",
}


def _ds_var(style: str = "object") -> dict:
    v: dict[str, Any] = {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source",
                         "current": {"text": "Prometheus", "value": "Prometheus"}, "hide": 0}
    if style == "old":
        v.pop("label")
    return v


def _ns_var(ds: Any, schema: int) -> dict:
    q: Any = "label_values(kube_pod_info, namespace)"
    if schema >= 37:  # Grafana 10 stores an object
        q = {"query": q, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1}
    return {"name": "namespace", "label": "namespace", "type": "query", "datasource": ds, "query": q,
            "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "options": []}


def _target(expr: str, ref: str, ds: Any, schema: int, **kw: Any) -> dict:
    t: dict[str, Any] = {"refId": ref, "expr": expr, "legendFormat": "{{pod}}", "interval": ""}
    if schema >= 33:  # Grafana 8.3 puts the datasource on each target
        t["datasource"] = copy.deepcopy(ds)
    if schema <= 26:
        t["intervalFactor"] = 2
        t["step"] = 10
    t.update(kw)
    return t


def _panel(pid: int, title: str, ptype: str, ds: Any, schema: int, *, x: int = 0, y: int = 0, w: int = 12, h: int = 8,
           unit: str = "short", exprs: list[str] | None = None, legacy: bool = False, **kw: Any) -> dict:
    p: dict[str, Any] = {"id": pid, "title": title, "type": ptype, "datasource": copy.deepcopy(ds),
                         "description": f"{title} per pod.",
                         "targets": [_target(e, chr(65 + i), ds, schema) for i, e in enumerate(exprs or [RATE])]}
    if legacy:
        p["span"] = w // 2
        p["height"] = "250px"
    else:
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
    if ptype == "graph":
        p.update({"lines": True, "linewidth": 1, "fill": 1, "legend": {"show": True},
                  "xaxis": {"mode": "time", "show": True},
                  "yaxes": [{"format": unit, "show": True}, {"format": "short", "show": False}]})
        if schema >= 27:
            p["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    elif ptype == "singlestat":
        p.update({"format": unit, "valueName": "current", "thresholds": "80,90"})
    else:
        p["fieldConfig"] = {"defaults": {"unit": unit, "mappings": [], "thresholds": {"mode": "absolute", "steps": []}},
                            "overrides": []}
        p["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}}
    if schema >= 27 and ptype not in ("graph", "singlestat"):
        p["pluginVersion"] = "10.4.1" if schema >= 39 else "8.5.0"
    p.update(kw)
    return p


def _base(schema: int, ds_style: str = "object", title: str | None = None) -> tuple[dict, Any]:
    ds = DS_STYLES[ds_style]
    d: dict[str, Any] = {
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"} if schema >= 33 else "-- Grafana --",
                                  "enable": True, "hide": True, "name": "Annotations & Alerts", "type": "dashboard"}]},
        "editable": False,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "schemaVersion": schema,
        "tags": ["kubernetes"],
        "templating": {"list": [_ds_var(), _ns_var(ds, schema)]},
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "utc",
        "title": title or f"Workloads (schema {schema}, {ds_style})",
        "uid": f"corpus-s{schema}-{ds_style}"[:40],
        "version": 3,
    }
    return d, ds


# ---------------------------------------------------------------------- shapes


def schema_sweep() -> list[CorpusCase]:
    """One dashboard per schemaVersion 12..41 in the layout of its time, with a graph panel (Angular),
    a panel with broken PromQL and clean panels."""
    out = []
    styles = list(DS_STYLES)
    for schema in range(12, 42):
        style = styles[schema % len(styles)]
        d, ds = _base(schema, style)
        legacy = schema <= 15
        modern_type = "timeseries" if schema >= 27 else "graph"
        panels = [
            _panel(1, "CPU (graph)", "graph", ds, schema, x=0, y=0, unit="percentunit", legacy=legacy),
            _panel(2, "Broken query", modern_type, ds, schema, x=12, y=0, exprs=[BAD_PROMQL], legacy=legacy),
            _panel(3, "Memory", "stat" if schema >= 27 else "singlestat", ds, schema, x=0, y=8, unit="bytes",
                   exprs=[MEM], legacy=legacy),
        ]
        if legacy:
            d["rows"] = [{"title": "Pods", "collapse": False, "height": "250px", "panels": panels[:2]},
                         {"title": "Memory", "collapse": True, "height": "250px", "panels": panels[2:]}]
        else:
            d["panels"] = panels
        expect = [("panel-angular-rule", "CPU (graph)"), ("target-promql-rule", "Broken query")]
        if schema < 27:
            expect.append(("panel-angular-rule", "Memory"))  # singlestat
        if modern_type == "graph":
            expect.append(("panel-angular-rule", "Broken query"))
        forbid = [("panel-datasource-rule", ANY), ("template-datasource-rule", None), ("panel-units-rule", ANY),
                  ("panel-gridpos-overlap-rule", ANY), ("panel-id-unique-rule", ANY),
                  ("template-undefined-variable-rule", ANY), ("target-rate-interval-rule", ANY),
                  ("dashboard-json-rule", ANY), ("panel-title-description-rule", ANY)]
        if schema >= 27:
            forbid.append(("panel-angular-rule", "Memory"))
        out.append(CorpusCase(f"schema-{schema}-{style}", d, expect, forbid))
    return out


def rows_collapsed_and_expanded() -> CorpusCase:
    d, ds = _base(39)
    d["panels"] = [
        {"id": 100, "type": "row", "title": "Overview", "collapsed": False, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}, "panels": []},
        _panel(1, "CPU", "timeseries", ds, 39, y=1),
        _panel(2, "Memory", "timeseries", ds, 39, x=12, y=1, unit="bytes", exprs=[MEM]),
        {"id": 101, "type": "row", "title": "Details", "collapsed": True, "gridPos": {"x": 0, "y": 9, "w": 24, "h": 1},
         "panels": [
             # positions as if expanded; they overlap nothing outside the row
             _panel(3, "Restarts", "timeseries", ds, 39, y=10,
                    exprs=['sum by (pod) (kube_pod_container_status_restarts_total{namespace=~"$namespace"})']),
             _panel(4, "Throttling", "timeseries", ds, 39, x=12, y=10, unit="percent-ish"),
             _panel(5, "Overlapping", "timeseries", ds, 39, x=6, y=12, unit="percentunit"),
         ]},
        {"id": 102, "type": "row", "title": "Empty", "collapsed": False, "gridPos": {"x": 0, "y": 10, "w": 24, "h": 1}},
    ]
    return CorpusCase(
        "rows-collapsed-expanded", d,
        expect=[("target-counter-agg-rule", "Restarts"), ("panel-units-rule", "Throttling"),
                ("panel-gridpos-overlap-rule", "Overlapping")],
        forbid=[("panel-gridpos-overlap-rule", "CPU"), ("panel-gridpos-overlap-rule", "Memory"),
                ("panel-gridpos-overlap-rule", "Empty"), ("panel-no-targets-rule", ANY),
                ("panel-title-description-rule", ANY), ("panel-id-unique-rule", ANY)],
    )


def library_panels() -> CorpusCase:
    d, ds = _base(39)
    model = _panel(0, "Shared CPU", "graph", ds, 39)
    del model["gridPos"]
    d["__elements"] = {"lib-cpu": {"kind": 1, "name": "Shared CPU", "uid": "lib-cpu", "model": model}}
    d["panels"] = [
        # reference whose model is in __elements (exported "for sharing externally")
        {"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "libraryPanel": {"uid": "lib-cpu", "name": "Shared CPU"}},
        # bare reference: nothing to lint but its id/gridPos
        {"id": 2, "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8}, "libraryPanel": {"uid": "lib-missing", "name": "Missing model"}},
        # stored with the model inline (Grafana 8 style)
        dict(_panel(3, "Inline library", "timeseries", ds, 39, y=8, unit="bogus-unit"),
             libraryPanel={"uid": "lib-inline", "name": "Inline library"}),
        _panel(2, "Duplicate id", "timeseries", ds, 39, x=12, y=8),
    ]
    return CorpusCase(
        "library-panels", d,
        expect=[("panel-angular-rule", "Shared CPU"), ("panel-units-rule", "Inline library"),
                ("panel-id-unique-rule", "Duplicate id")],
        forbid=[("panel-no-targets-rule", ANY), ("panel-title-description-rule", ANY), ("panel-datasource-rule", ANY),
                ("dashboard-json-rule", ANY)],
    )


def angular_zoo() -> CorpusCase:
    d, ds = _base(36)
    specs = [
        ("graph", "Graph", "timeseries"), ("singlestat", "Singlestat", "stat"),
        ("grafana-piechart-panel", "Pie", "piechart"), ("grafana-worldmap-panel", "Map", "geomap"),
        ("table-old", "Old table", "table"), ("natel-discrete-panel", "Discrete", "state-timeline"),
    ]
    panels = []
    for i, (t, title, _) in enumerate(specs):
        panels.append(_panel(i + 1, title, t, ds, 36, x=(i % 2) * 12, y=(i // 2) * 8))
    panels.append(_panel(20, "Polystat old", "grafana-polystat-panel", ds, 36, y=40, pluginVersion="1.2.8"))
    panels.append(_panel(21, "Polystat new", "grafana-polystat-panel", ds, 36, x=12, y=40, pluginVersion="2.1.4"))
    panels.append(_panel(22, "Clock", "grafana-clock-panel", ds, 36, y=48, targets=[], pluginVersion="2.1.3"))
    d["panels"] = panels
    return CorpusCase(
        "angular-zoo", d,
        expect=[("panel-angular-rule", title) for _, title, _ in specs] + [("panel-angular-rule", "Polystat old")],
        forbid=[("panel-angular-rule", "Polystat new"), ("panel-angular-rule", "Clock"), ("panel-no-targets-rule", "Clock")],
    )


def table_styles_old_schema() -> CorpusCase:
    d, ds = _base(18)
    p = _panel(1, "Pods table", "table", ds, 18)
    p.pop("fieldConfig")
    p["styles"] = [{"pattern": "Time", "type": "hidden"}, {"pattern": "Value", "type": "number", "unit": "short"}]
    p["transform"] = "table"
    d["panels"] = [p]
    return CorpusCase("table-old-by-styles", d, expect=[("panel-angular-rule", "Pods table")])


def special_datasources() -> CorpusCase:
    d, ds = _base(39)
    d["panels"] = [
        _panel(1, "Annotations", "timeseries", {"type": "grafana", "uid": "-- Grafana --"}, 39,
               exprs=None, targets=[{"refId": "A", "queryType": "randomWalk", "datasource": {"type": "datasource", "uid": "grafana"}}]),
        _panel(2, "Same as CPU", "timeseries", {"type": "datasource", "uid": "-- Dashboard --"}, 39, x=12,
               targets=[{"refId": "A", "panelId": 3, "datasource": {"type": "datasource", "uid": "-- Dashboard --"}}]),
        _panel(3, "Mixed", "timeseries", {"type": "datasource", "uid": "-- Mixed --"}, 39, y=8, targets=[
            _target(RATE, "A", ds, 39),
            _target("up", "B", {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}, 39),
            _target('{namespace="flux-system"} |= "error"', "C", {"type": "loki", "uid": "P8E80F9AEF21F6940"}, 39),
        ]),
        _panel(4, "Old names", "graph", "-- Grafana --", 39, x=12, y=8, targets=[{"refId": "A"}]),
        _panel(5, "Mixed string", "timeseries", "-- Mixed --", 39, y=16, targets=[_target(RATE, "A", ds, 39)]),
    ]
    return CorpusCase(
        "special-datasources", d,
        expect=[("panel-datasource-rule", "Mixed")],
        forbid=[("panel-datasource-rule", "Annotations"), ("panel-datasource-rule", "Same as CPU"),
                ("panel-datasource-rule", "Old names"), ("panel-datasource-rule", "Mixed string"),
                ("target-promql-rule", ANY), ("panel-no-targets-rule", ANY)],
    )


def non_prometheus() -> CorpusCase:
    d, ds = _base(39)
    d["templating"]["list"].append({"name": "loki_datasource", "type": "datasource", "query": "loki", "label": "loki data source"})
    d["templating"]["list"][0]["name"] = "prometheus_datasource"
    d["templating"]["list"][0]["label"] = "prometheus data source"
    pds = {"type": "prometheus", "uid": "${prometheus_datasource}"}
    d["templating"]["list"][1]["datasource"] = pds
    d["panels"] = [
        _panel(1, "Logs", "logs", {"type": "loki", "uid": "${loki_datasource}"}, 39,
               exprs=['{namespace="flux-system"} | json | level="error"']),
        _panel(2, "Log rate", "timeseries", {"type": "loki", "uid": "${loki_datasource}"}, 39, x=12,
               exprs=['sum by (app) (count_over_time({namespace="flux-system"} |= "error" [5m]))']),
        _panel(3, "ES hits", "timeseries", {"type": "elasticsearch", "uid": "es-logs"}, 39, y=8,
               targets=[{"refId": "A", "query": "kubernetes.namespace:$namespace AND level:error", "metrics": [{"type": "count", "id": "1"}],
                         "bucketAggs": [{"type": "date_histogram", "id": "2", "field": "@timestamp"}], "timeField": "@timestamp"}]),
        _panel(4, "TestData", "timeseries", {"type": "grafana-testdata-datasource", "uid": "testdata"}, 39, x=12, y=8,
               targets=[{"refId": "A", "scenarioId": "random_walk", "seriesCount": 2}]),
        _panel(5, "Loki by name", "timeseries", "Loki", 39, y=16, targets=[{"refId": "A", "expr": 'rate({app="x"}[1m])'}]),
        _panel(6, "MySQL", "table", {"type": "mysql", "uid": "db"}, 39, x=12, y=16,
               targets=[{"refId": "A", "rawSql": "SELECT $__time(ts), v FROM m WHERE $__timeFilter(ts)", "format": "table"}]),
        _panel(7, "CPU", "timeseries", pds, 39, y=24, exprs=[RATE.replace("[$__rate_interval]", "[5m]")]),
    ]
    return CorpusCase(
        "non-prometheus", d,
        expect=[("target-rate-interval-rule", "CPU")],
        forbid=[("target-promql-rule", ANY), ("panel-datasource-rule", ANY), ("template-undefined-variable-rule", ANY),
                ("target-rate-interval-rule", "Log rate"), ("template-datasource-rule", None)],
    )


def grafana_com_import() -> CorpusCase:
    """Shape of a dashboard exported 'for sharing externally' (grafana.com)."""
    d, _ = _base(27, title="Kubernetes cluster (import)")
    ds = "${DS_PROMETHEUS}"
    d["__inputs"] = [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}]
    d["__requires"] = [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "7.5.0"},
                       {"type": "panel", "id": "graph", "name": "Graph", "version": ""}]
    d["templating"]["list"] = [_ns_var(ds, 27)]
    d["uid"] = None
    d["panels"] = [
        _panel(1, "Pod CPU", "graph", ds, 27, exprs=['sum(rate(container_cpu_usage_seconds_total{namespace=~"$namespace"}[5m])) by (pod)']),
        _panel(2, "Limits", "graph", ds, 27, x=12,
               exprs=['sum(kube_pod_container_resource_limits_cpu_cores{namespace=~"$namespace"}) by (pod)']),
    ]
    return CorpusCase(
        "grafana-com-import", d,
        expect=[("panel-datasource-rule", "Pod CPU"), ("template-datasource-rule", None), ("dashboard-uid-rule", None),
                ("target-rate-interval-rule", "Pod CPU"), ("target-unknown-metric-rule", "Limits"),
                ("panel-angular-rule", "Pod CPU")],
        forbid=[("target-promql-rule", ANY), ("template-undefined-variable-rule", ANY)],
    )


def missing_fields() -> CorpusCase:
    d = {"title": "Bare", "uid": "bare", "schemaVersion": 39, "editable": False, "templating": {"list": [_ds_var()]},
         "panels": [
             {"type": "timeseries", "title": "No targets", "datasource": "$datasource", "description": "x",
              "fieldConfig": {"defaults": {"unit": "short"}}},
             {"type": "timeseries", "description": "no title", "datasource": "$datasource",
              "fieldConfig": {"defaults": {"unit": "short"}}, "targets": [{"refId": "A", "expr": "up"}]},
             {"title": "No type", "targets": [{"expr": "up"}]},
             {"type": "stat", "title": "No gridPos, no datasource", "description": "x",
              "targets": [{"expr": 'sum(up{job="x"})'}], "fieldConfig": {"defaults": {}}},
             {},
         ]}
    return CorpusCase(
        "missing-fields", d,
        expect=[("panel-no-targets-rule", "No targets"), ("panel-title-description-rule", None),
                ("dashboard-json-rule", "No type"), ("panel-units-rule", "No gridPos, no datasource"),
                ("panel-datasource-rule", "No gridPos, no datasource")],
        forbid=[("panel-gridpos-overlap-rule", ANY), ("target-promql-rule", ANY)],
    )


def numbers_for_strings() -> CorpusCase:
    d, ds = _base(39)
    d["uid"] = 12345
    d["title"] = 2024
    d["panels"] = [
        _panel(1, "Numbers", "timeseries", ds, 39, unit=3, description=5, targets=[_target(42, 1, ds, 39)]),
        _panel("7", 99, "timeseries", ds, 39, x=12, gridPos={"x": "12", "y": None, "w": 12.0, "h": "8"}),
    ]
    d["templating"]["list"][1]["refresh"] = "2"
    return CorpusCase(
        "numbers-for-strings", d,
        expect=[("dashboard-uid-rule", None), ("panel-units-rule", "Numbers"), ("target-promql-rule", "Numbers"),
                ("template-on-time-change-reload-rule", None)],
        forbid=[("dashboard-title-rule", None), ("panel-title-description-rule", "99")],
    )


def flux_invented_metrics() -> CorpusCase:
    d, ds = _base(39, title="Flux")
    d["panels"] = [
        _panel(1, "Kustomizations ready", "stat", ds, 39, exprs=['sum(flux_kustomization_condition{type="Ready",status="True"})']),
        _panel(2, "Reconcile p95", "timeseries", ds, 39, x=12, unit="s",
               exprs=['histogram_quantile(0.95, sum by (le) (rate(flux_kustomization_reconcile_duration_seconds_bucket[$__rate_interval])))']),
        _panel(3, "Not ready (gotk)", "stat", ds, 39, y=8, exprs=['sum(gotk_reconcile_condition{type="Ready",status="False"})']),
        _panel(4, "Ready (KSM)", "stat", ds, 39, x=12, y=8,
               exprs=['sum(gotk_resource_info{customresource_kind="Kustomization",ready="True"})']),
    ]
    return CorpusCase(
        "flux-invented-metrics", d,
        expect=[("target-unknown-metric-rule", "Kustomizations ready"), ("target-unknown-metric-rule", "Reconcile p95"),
                ("target-unknown-metric-rule", "Not ready (gotk)")],
        forbid=[("target-unknown-metric-rule", "Ready (KSM)"), ("target-promql-rule", ANY)],
    )


def variables_everywhere() -> CorpusCase:
    d, ds = _base(39)
    d["templating"]["list"] += [
        {"name": "interval", "type": "interval", "query": "1m,5m,10m", "auto": True, "auto_count": 30, "auto_min": "10s"},
        {"name": "threshold", "type": "constant", "query": "0.8", "hide": 2},
        {"name": "node", "type": "query", "datasource": ds, "query": "label_values(kube_node_info, node)", "refresh": 2},
        {"name": "filters", "type": "adhoc", "datasource": ds},
    ]
    d["links"] = [{"title": "Node $node", "url": "/d/nodes?var-node=${node}&${__url_time_range}", "type": "link"}]
    d["panels"] = [
        _panel(1, "CPU over threshold on $node", "timeseries", ds, 39, repeat="node", repeatDirection="h",
               exprs=['sum by (pod) (rate(container_cpu_usage_seconds_total{node="$node"}[$__rate_interval])) > $threshold']),
        _panel(2, "Range", "stat", ds, 39, x=12,
               exprs=['sum(increase(kube_pod_container_status_restarts_total{namespace=~"${namespace:regex}"}[$__range]))',
                      'max_over_time(up[$__range:$interval] @ ${__to:date:seconds})',
                      'count(up offset $__range) / $__range_s']),
        _panel(3, "Undefined", "timeseries", ds, 39, y=8, exprs=['up{cluster="$cluster"}']),
        _panel(4, "Repeat undefined", "timeseries", ds, 39, x=12, y=8, repeat="zone"),
    ]
    d["panels"][0]["links"] = [{"title": "Pod", "url": "/d/pod?var-pod=${__field.labels.pod}&${__all_variables}"}]
    return CorpusCase(
        "variables-everywhere", d,
        expect=[("template-undefined-variable-rule", "Undefined"), ("template-undefined-variable-rule", "Repeat undefined")],
        forbid=[("template-undefined-variable-rule", "CPU over threshold on $node"),
                ("template-undefined-variable-rule", "Range"), ("template-undefined-variable-rule", None),
                ("target-promql-rule", ANY), ("target-counter-agg-rule", ANY), ("target-rate-interval-rule", ANY)],
    )


def api_envelope() -> CorpusCase:
    """GET /api/dashboards/uid/<uid> response wrapping a dashboard."""
    d, ds = _base(39)
    d["panels"] = [_panel(1, "Old graph", "graph", ds, 39)]
    return CorpusCase("api-envelope", {"dashboard": d, "meta": {"folderUid": "abc", "slug": "x"}},
                      expect=[("panel-angular-rule", "Old graph")])


def garbage_shapes() -> list[CorpusCase]:
    return [
        CorpusCase("garbage-list", [1, 2, 3], expect=[("dashboard-json-rule", None)]),
        CorpusCase("garbage-null", None, expect=[("dashboard-json-rule", None)]),
        CorpusCase("garbage-string", "{\"title\": \"not parsed\"}", expect=[("dashboard-json-rule", None)]),
        CorpusCase("garbage-containers", {"title": "x", "uid": "x", "panels": {"a": 1}, "rows": "no",
                                          "templating": {"list": {"name": "x"}}},
                   expect=[("dashboard-json-rule", None)]),
        CorpusCase("garbage-items", {"title": "x", "uid": "x", "panels": [1, None, "p", [], {"type": 5, "targets": "up"}],
                                     "templating": {"list": [None, 3, {"name": None}]}},
                   expect=[("dashboard-json-rule", None)]),
        CorpusCase("v2-schema", {"title": "v2", "elements": {"panel-1": {}}, "layout": {"kind": "GridLayout"}},
                   expect=[("dashboard-json-rule", None)]),
    ]


def corpus() -> list[CorpusCase]:
    return [
        *schema_sweep(),
        rows_collapsed_and_expanded(),
        library_panels(),
        angular_zoo(),
        table_styles_old_schema(),
        special_datasources(),
        non_prometheus(),
        grafana_com_import(),
        missing_fields(),
        numbers_for_strings(),
        flux_invented_metrics(),
        variables_everywhere(),
        api_envelope(),
        *garbage_shapes(),
    ]


def write(directory: str) -> int:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    cases = corpus()
    for c in cases:
        (out / f"{c.name}.json").write_text(json.dumps(c.model, indent=2, sort_keys=True) + "\n")
    return len(cases)


if __name__ == "__main__":  # pragma: no cover
    print(write(sys.argv[1] if len(sys.argv) > 1 else "lint-corpus"), "dashboards written")
