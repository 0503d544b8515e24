"""This repository's monitoring output: the PrometheusRules, the Flux PodMonitor, the EmPulse
ServiceMonitor, the kube-state-metrics values for Flux and the AlertmanagerConfig, as
`dashgen build` renders them from dashboards/ and dashgen.yaml."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from alerts.rendered import REPO, render_repo
from prom.cluster import FLUX_KINDS, FluxObject


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_repo(tmp_path_factory.mktemp("monitoring") / "out")


def _one(rendered, kind):
    objects = list(rendered.of_kind(kind).values())
    assert len(objects) == 1, [o["metadata"]["name"] for o in objects]
    return objects[0]


# ------------------------------------------------------------------------ the output


def test_build_emits_every_monitoring_object_and_lists_it(rendered):
    kinds = {(obj["kind"], obj["metadata"]["name"]) for obj in rendered.objects.values()}
    assert kinds >= {
        ("PrometheusRule", "dashgen-alerts-flux"),
        ("PrometheusRule", "dashgen-alerts-kubernetes"),
        ("PodMonitor", "flux-system"),
        ("ServiceMonitor", "empulse-api"),
        ("ConfigMap", "dashgen-kube-state-metrics-flux"),
        ("AlertmanagerConfig", "dashgen"),
    }
    kustomization = yaml.safe_load((rendered.output / "kustomization.yaml").read_text())
    on_disk = sorted(str(p.relative_to(rendered.output)) for p in (rendered.output / "kubernetes").rglob("*.yaml"))
    assert kustomization["resources"] == on_disk
    for obj in rendered.objects.values():
        assert obj["metadata"]["namespace"] == "monitoring"
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "dashgen"
        if obj["apiVersion"] == "monitoring.coreos.com/v1":
            assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack", obj["metadata"]


class _KubectlYaml(yaml.SafeLoader):
    """kubectl prints matchType: = unquoted; YAML 1.1 (PyYAML) reads a bare = as the "value" tag."""


_KubectlYaml.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def test_kubectl_kustomize_builds_the_output(rendered):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found on PATH: cannot check that `kubectl kustomize provisioning` builds")
    result = subprocess.run([kubectl, "kustomize", str(rendered.output)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    built = {(d["kind"], d["metadata"]["name"]) for d in yaml.load_all(result.stdout, Loader=_KubectlYaml) if d}
    assert built == {(o["kind"], o["metadata"]["name"]) for o in rendered.objects.values()}


def test_the_committed_provisioning_is_up_to_date():
    """provisioning/ in the repository is what the sources render (the pre-commit hook's check)."""
    from dashgen import config as config_mod
    from dashgen.build import build

    result = build(config_mod.load(REPO / "dashgen.yaml"), check=True)
    assert not result.changes.any, result.changes.to_dict()


def test_flux_pod_monitor_scrapes_the_controllers_on_http_prom(rendered):
    pm = rendered.objects["kubernetes/podmonitor-flux-system.yaml"]["spec"]
    assert pm["namespaceSelector"] == {"matchNames": ["flux-system"]}
    assert pm["podMetricsEndpoints"] == [{"port": "http-prom"}]
    (expression,) = pm["selector"]["matchExpressions"]
    assert expression["key"] == "app" and expression["operator"] == "In"
    assert {"source-controller", "kustomize-controller", "helm-controller", "notification-controller"} <= set(
        expression["values"])


def test_empulse_service_monitor(rendered):
    sm = rendered.objects["kubernetes/servicemonitor-empulse-api.yaml"]["spec"]
    assert sm["namespaceSelector"] == {"matchNames": ["empulse"]}
    assert sm["selector"] == {"matchLabels": {"app.kubernetes.io/name": "empulse-api"}}
    assert sm["endpoints"][0]["port"] == "http" and sm["endpoints"][0]["path"] == "/metrics"


def _ksm_values(rendered) -> dict:
    cm = rendered.objects["kubernetes/configmap-dashgen-kube-state-metrics-flux.yaml"]
    return yaml.safe_load(cm["data"]["values.yaml"])


def test_kube_state_metrics_values_keep_the_core_metrics(rendered):
    """metrics.md §1.3 caveat 1: collectors: [] or --custom-resource-state-only would drop every kube_* metric."""
    ksm = _ksm_values(rendered)["kube-state-metrics"]
    assert set(ksm) == {"rbac", "customResourceState"}  # no collectors, no extraArgs
    assert "custom-resource-state-only" not in yaml.safe_dump(ksm)
    assert ksm["customResourceState"]["enabled"] is True


def test_kube_state_metrics_config_covers_every_flux_kind_with_rbac(rendered):
    ksm = _ksm_values(rendered)["kube-state-metrics"]
    resources = ksm["customResourceState"]["config"]["spec"]["resources"]
    (rule,) = ksm["rbac"]["extraRules"]
    assert rule["verbs"] == ["list", "watch"]
    kinds = {}
    for r in resources:
        gvk = r["groupVersionKind"]
        kinds[gvk["kind"]] = (gvk["group"], gvk["version"])
        assert r["metricNamePrefix"] == "gotk"
        (metric,) = r["metrics"]
        assert metric["name"] == "resource_info" and metric["each"]["type"] == "Info"
        assert gvk["group"] in rule["apiGroups"]
    assert set(kinds) == {"Kustomization", "HelmRelease", "GitRepository", "OCIRepository", "HelmRepository",
                          "HelmChart", "Bucket", "Alert", "Provider", "Receiver", "ImageRepository", "ImagePolicy",
                          "ImageUpdateAutomation"}
    assert set(rule["resources"]) == {
        "kustomizations", "helmreleases", "gitrepositories", "ocirepositories", "helmrepositories", "helmcharts",
        "buckets", "alerts", "providers", "receivers", "imagerepositories", "imagepolicies", "imageupdateautomations"}
    # The same API versions as the realistic test cluster (tests/prom) that the dashboards are checked against.
    for kind, gv in FLUX_KINDS.items():
        assert kinds[kind] == gv


def test_kube_state_metrics_config_produces_the_labels_the_alerts_read(rendered):
    resources = _ksm_values(rendered)["kube-state-metrics"]["customResourceState"]["config"]["spec"]["resources"]
    for r in resources:
        kind = r["groupVersionKind"]["kind"]
        metric = r["metrics"][0]
        labels = set(metric["labelsFromPath"]) | set(metric["each"]["info"]["labelsFromPath"])
        assert {"name", "exported_namespace", "suspended"} <= labels
        if kind in FLUX_KINDS:
            assert metric["labelsFromPath"]["ready"] == ["status", "conditions", "[type=Ready]", "status"]
            # ...and exactly the labels the test cluster's kube-state-metrics series carry.
            expected = set(FluxObject(kind, "x").info_labels(seed=1)) - {
                "customresource_group", "customresource_kind", "customresource_version"}
            assert labels == expected, kind


def test_flux_operator_mode_scrapes_the_operator_instead(tmp_path):
    rendered = render_repo(tmp_path / "out", values={"flux": {"resource_metric": "flux_resource_info"}})
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered.objects.values()}
    assert ("ConfigMap", "dashgen-kube-state-metrics-flux") not in names
    assert ("PodMonitor", "flux-operator") in names and ("PodMonitor", "flux-system") in names
    for alert in ("FluxReconciliationFailed", "FluxGitRepositorySyncFailed", "FluxSourceSyncFailed"):
        expr = rendered.alerts[alert]["expr"]
        assert "flux_resource_info{kind" in expr and "gotk_resource_info" not in expr


def test_settings_reach_the_expressions_and_links(tmp_path):
    rendered = render_repo(tmp_path / "out", values={
        "selectors": {"kube_state_metrics": 'job="ksm", cluster="prod"',
                      "cadvisor": 'job="cadvisor"'},
        "alerts": {"grafana_url": "https://grafana.example.com/"},
    })
    alerts = rendered.alerts
    assert 'kube_deployment_spec_replicas{job="ksm", cluster="prod"}' in alerts["DeploymentNotReady"]["expr"]
    assert 'container_memory_working_set_bytes{job="cadvisor", container!=""' in alerts["HighMemoryUsage"]["expr"]
    assert 'job="kube-state-metrics"' not in "".join(a["expr"] for a in alerts.values())
    assert alerts["PodCrashLooping"]["annotations"]["dashboard_url"] == (
        "https://grafana.example.com/d/kubernetes-cluster?var-namespace={{ $labels.namespace }}")
    assert alerts["FluxReconciliationFailed"]["annotations"]["dashboard_url"] == (
        "https://grafana.example.com/d/flux-gitops?var-namespace={{ $labels.exported_namespace }}")


def test_alerts_have_no_recording_rule_dependencies(rendered):
    for group in rendered.rule_groups:
        for rule in group["rules"]:
            assert "alert" in rule, "no recording rules"
            assert ":" not in rule["expr"].split("{")[0], rule["expr"]  # level:metric:operation names


# ---------------------------------------------------------------- AlertmanagerConfig


def test_alertmanager_config_routes_by_severity_with_secret_references(rendered):
    am = _one(rendered, "AlertmanagerConfig")
    assert am["apiVersion"] == "monitoring.coreos.com/v1alpha1"
    route = am["spec"]["route"]
    assert route["groupBy"] == ["alertname", "namespace"]
    assert route["receiver"] == "null"  # alerts of no configured severity (Watchdog's "none") go nowhere
    by_severity = {}
    for child in route["routes"]:
        (matcher,) = child["matchers"]
        assert matcher["name"] == "severity" and matcher["matchType"] == "="
        by_severity.setdefault(matcher["value"], []).append(child["receiver"])
        assert child["continue"] is True
    assert by_severity == {"critical": ["oncall", "team-slack"], "warning": ["team-slack"], "info": ["team-email"]}
    receivers = {r["name"]: r for r in am["spec"]["receivers"]}
    assert receivers["oncall"]["pagerdutyConfigs"][0]["routingKey"] == {"name": "alertmanager-pagerduty",
                                                                         "key": "routing-key"}
    assert receivers["team-slack"]["slackConfigs"][0]["apiURL"] == {"name": "alertmanager-slack", "key": "webhook-url"}
    email = receivers["team-email"]["emailConfigs"][0]
    assert email["authPassword"] == {"name": "alertmanager-smtp", "key": "password"}
    assert email["smarthost"] == "smtp.empulse.example.com:587" and email["from"] and email["to"]
    assert receivers["null"] == {"name": "null"}


def test_no_secret_object_is_ever_rendered(rendered):
    assert not rendered.of_kind("Secret")


def test_secret_values_never_reach_the_output(rendered):
    """Every credential field of the AlertmanagerConfig is a {name, key} reference."""
    am = _one(rendered, "AlertmanagerConfig")
    for receiver in am["spec"]["receivers"]:
        for config in receiver.get("slackConfigs", []):
            assert set(config["apiURL"]) == {"name", "key"}
        for config in receiver.get("pagerdutyConfigs", []):
            assert set(config["routingKey"]) == {"name", "key"}
            assert "serviceKey" not in config
        for config in receiver.get("emailConfigs", []):
            assert set(config["authPassword"]) == {"name", "key"}
    text = "".join(p.read_text() for p in rendered.output.rglob("*.yaml"))
    assert "hooks.slack.com" not in text and "events.pagerduty.com" not in text


def _fails(project, *expected: str) -> None:
    result = project.run("build")
    assert result.code == 1, result.out + result.err
    for text in expected:
        assert text in result.err, result.err


@pytest.mark.parametrize(("values", "expected"), [
    ("flux: {resource_metric: flux_condition}", "dashgen.yaml: key 'values.flux.resource_metric': expected one of flux_resource_info, gotk_resource_info"),
    ("alerts: {grafana_url: grafana.local}", "values.alerts.grafana_url must be an http(s) URL"),
])
def test_bad_alert_settings(project, values, expected):
    for part in ("alerts", "scraping", "lib"):  # the alerts read their settings through dashboards/lib
        shutil.copytree(REPO / "dashboards" / part, project.root / "dashboards" / part)
    project.write("dashgen.yaml", f"values:\n  {values}\n")
    _fails(project, expected)
