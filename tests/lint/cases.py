"""One minimal bad and one good example per rule. test_rules.py checks that every rule in
RULES has an entry here, fires on ``bad`` and stays silent on ``good``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .builders import DS, alert, dashboard, panel, row, rule_groups, target, variables, with_, without


@dataclass
class Case:
    bad: Any
    good: Any
    kwargs_bad: dict = field(default_factory=dict)
    kwargs_good: dict = field(default_factory=dict)


def _var(**kw: Any) -> dict:
    v = {"name": "job", "label": "job", "type": "query", "datasource": dict(DS),
         "query": "label_values(up, job)", "refresh": 2, "multi": True, "allValue": ".+"}
    v.update(kw)
    return v


BASE = dashboard()
P = "panels.0"

CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- dashboard level
    "dashboard-json-rule": Case(bad=with_(BASE, "panels", {"0": panel()}), good=BASE),
    "dashboard-title-rule": Case(bad=with_(BASE, "title", "  "), good=BASE),
    "dashboard-uid-rule": Case(bad=with_(BASE, "uid", "flux/cluster overview"), good=BASE),
    "dashboard-configmap-size-rule": Case(
        bad=BASE, good=BASE, kwargs_bad={"configmap_bytes": 2_000_000}, kwargs_good={"configmap_bytes": 200_000}
    ),
    "uneditable-dashboard": Case(bad=with_(BASE, "editable", True), good=BASE),
    # ---------------------------------------------------------------- templating
    "template-datasource-rule": Case(bad=dashboard(vars=variables()[1:]), good=BASE),
    "template-job-rule": Case(bad=BASE, good=dashboard(vars=variables() + [_var()])),
    "template-instance-rule": Case(
        bad=dashboard(vars=variables() + [_var()]),
        good=dashboard(vars=variables() + [_var(name="instance", label="instance", query="label_values(up, instance)")]),
    ),
    "template-label-promql-rule": Case(
        bad=with_(BASE, "templating.list.1.query", "label_values(kube_pod_info{namespace=, namespace)"),
        good=BASE,
    ),
    "template-on-time-change-reload-rule": Case(bad=with_(BASE, "templating.list.1.refresh", 1), good=BASE),
    "template-undefined-variable-rule": Case(
        bad=dashboard([panel(targets=[target('sum(rate(x_total{cluster="$cluster"}[$__rate_interval]))')])]),
        good=dashboard([panel(targets=[target('sum(rate(x_total{namespace="$namespace"}[$__rate_interval]))')])]),
    ),
    # ---------------------------------------------------------------- panels
    "panel-angular-rule": Case(bad=with_(BASE, f"{P}.type", "graph"), good=BASE),
    "panel-datasource-rule": Case(bad=with_(BASE, f"{P}.datasource", {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}), good=BASE),
    "panel-title-description-rule": Case(bad=without(BASE, f"{P}.description"), good=BASE),
    "panel-units-rule": Case(bad=with_(BASE, f"{P}.fieldConfig.defaults.unit", ""), good=BASE),
    "panel-no-targets-rule": Case(bad=with_(BASE, f"{P}.targets", []), good=BASE),
    "panel-id-unique-rule": Case(
        bad=dashboard([panel(1, "A"), panel(1, "B", x=12)]),
        good=dashboard([panel(1, "A"), panel(2, "B", x=12)]),
    ),
    "panel-gridpos-overlap-rule": Case(
        bad=dashboard([panel(1, "A"), panel(2, "B", x=6)]),
        good=dashboard([panel(1, "A"), panel(2, "B", x=12)]),
    ),
    # ---------------------------------------------------------------- targets
    "target-promql-rule": Case(
        bad=dashboard([panel(targets=[target("sum(rate(x_total[$__rate_interval])")])]), good=BASE
    ),
    "target-rate-interval-rule": Case(
        bad=dashboard([panel(targets=[target('sum(rate(x_total{namespace=~"$namespace"}[5m]))')])]), good=BASE
    ),
    "target-job-rule": Case(
        bad=BASE,
        good=dashboard([panel(targets=[target('sum(rate(x_total{job=~"$job"}[$__rate_interval]))')])],
                       vars=variables() + [_var()]),
    ),
    "target-instance-rule": Case(
        bad=BASE,
        good=dashboard([panel(targets=[target('sum(rate(x_total{instance=~"$instance"}[$__rate_interval]))')])]),
    ),
    "target-counter-agg-rule": Case(
        bad=dashboard([panel(targets=[target('sum by (pod) (kube_pod_container_status_restarts_total)')])]),
        good=dashboard([panel(targets=[target('sum by (pod) (increase(kube_pod_container_status_restarts_total[1h]))')])]),
    ),
    "target-unknown-metric-rule": Case(
        bad=dashboard([panel(targets=[target('sum(flux_kustomization_condition{type="Ready"})')])]),
        good=dashboard([panel(targets=[target('sum(gotk_resource_info{customresource_kind="Kustomization"})')])]),
    ),
    # ---------------------------------------------------------------- rule files
    "rule-format-rule": Case(bad=rule_groups([{"expr": "up == 0"}]), good=rule_groups()),
    "rule-promql-rule": Case(bad=rule_groups([alert(expr="sum(up")]), good=rule_groups()),
    "rule-unknown-metric-rule": Case(
        bad=rule_groups([alert(expr='gotk_reconcile_condition{type="Ready",status="False"} == 1')]), good=rule_groups()
    ),
    "alert-for-duration-rule": Case(bad=rule_groups([alert(**{"for": "1.5m"})]), good=rule_groups()),
    "alert-group-name-length": Case(bad=rule_groups(name="flux-" + "x" * 40), good=rule_groups()),
    "alert-group-rule-count": Case(
        bad=rule_groups([alert(f"FluxAlert{i}x") for i in range(21)]),
        good=rule_groups([alert(f"FluxAlert{i}x") for i in range(20)]),
    ),
    "alert-name-camelcase": Case(bad=rule_groups([alert("flux_reconciliation_failing")]), good=rule_groups()),
    "alert-name-length": Case(bad=rule_groups([alert("Flux" + "Reconciliation" * 4)]), good=rule_groups()),
    "alert-severity-rule": Case(bad=rule_groups([alert(labels={"severity": "page"})]), good=rule_groups()),
    "alert-summary-missing-rule": Case(
        bad=rule_groups([alert(annotations={"description": "{{ $labels.name }} is broken."})]), good=rule_groups()
    ),
    "alert-description-missing-rule": Case(
        bad=rule_groups([alert(annotations={"summary": "A Flux object is not ready."})]), good=rule_groups()
    ),
    "alert-summary-templating": Case(
        bad=rule_groups([alert(annotations={"summary": "{{ $labels.name }} is not ready.", "description": "{{ $value }}"})]),
        good=rule_groups(),
    ),
    "alert-summary-style": Case(
        bad=rule_groups([alert(annotations={"summary": "a flux object is not ready", "description": "{{ $value }}"})]),
        good=rule_groups(),
    ),
    "alert-description-templating": Case(
        bad=rule_groups([alert(annotations={"summary": "A Flux object is not ready.", "description": "Something is not ready."})]),
        good=rule_groups(),
    ),
    "alert-name-unique-rule": Case(
        bad=rule_groups([alert(), alert(expr="up == 0")]),
        good=rule_groups([alert(), alert(labels={"severity": "critical"})]),
    ),
}

# rows are used by other tests
__all__ = ["CASES", "Case", "row"]
