"""Lint what grafanalib renders (the dashgen build path)."""

from __future__ import annotations

import json

import pytest

from dashgen.lint import lint_dashboard

G = pytest.importorskip("grafanalib.core")
from grafanalib._gen import DashboardEncoder  # noqa: E402

DS = {"type": "prometheus", "uid": "${datasource}"}


def render(panels, **kw):
    d = G.Dashboard(
        title="Flux", uid="flux-cluster", editable=False,
        templating=G.Templating(list=[
            G.Template(name="datasource", type="datasource", query="prometheus", label="Data source"),
            G.Template(name="namespace", label="namespace", dataSource=DS, refresh=2, multi=True, includeAll=True,
                       query="label_values(gotk_resource_info, exported_namespace)"),
        ]),
        panels=panels, **kw,
    ).auto_panel_ids()
    return json.loads(json.dumps(d.to_json_data(), cls=DashboardEncoder))


def test_clean_grafanalib_dashboard():
    model = render([
        G.TimeSeries(
            title="Reconcile p95", description="p95 reconcile duration per kind", dataSource=DS, unit="s",
            gridPos=G.GridPos(h=8, w=12, x=0, y=0),
            targets=[G.Target(refId="A", expr='histogram_quantile(0.95, sum by (le, kind) (rate('
                              'gotk_reconcile_duration_seconds_bucket{exported_namespace=~"$namespace"}[$__rate_interval])))')]),
        G.Stat(title="Not ready", description="Flux objects not ready", dataSource=DS, gridPos=G.GridPos(h=8, w=12, x=12, y=0),
               targets=[G.Target(refId="A", expr='sum(gotk_resource_info{ready="False"})')]),
    ])
    assert lint_dashboard(model, name="flux") == []


def test_grafanalib_graph_and_defaults_are_reported():
    model = render([
        G.Graph(title="Reconciles", dataSource=DS, gridPos=G.GridPos(h=8, w=12, x=0, y=0),
                targets=[G.Target(refId="A", expr="sum(rate(controller_runtime_reconcile_total[5m]))")]),
        G.TimeSeries(title="No unit", description="x", gridPos=G.GridPos(h=8, w=12, x=6, y=0),
                     targets=[G.Target(refId="A", expr="sum(flux_kustomization_condition)")]),
    ])
    got = {(f.rule, f.panel) for f in lint_dashboard(model, name="flux")}
    assert {
        ("panel-angular-rule", "Reconciles"),
        ("panel-title-description-rule", "Reconciles"),
        ("target-rate-interval-rule", "Reconciles"),
        ("panel-units-rule", "No unit"),
        ("panel-datasource-rule", "No unit"),  # grafanalib's default datasource is null
        ("target-unknown-metric-rule", "No unit"),
        ("panel-gridpos-overlap-rule", "No unit"),
    } <= got


def test_grafanalib_default_uid_and_editable():
    model = json.loads(json.dumps(G.Dashboard(title="x").to_json_data(), cls=DashboardEncoder))
    got = {f.rule for f in lint_dashboard(model, name="x")}
    assert {"dashboard-uid-rule", "uneditable-dashboard"} <= got
