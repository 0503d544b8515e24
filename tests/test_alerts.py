"""The shipped alerts, proven with promtool against the rule groups `dashgen build` renders.

* ``tests/alerts/*.test.yaml`` are ``promtool test rules`` suites: for every alert, it
  fires with the expected labels and annotations after its ``for``, is silent a minute
  before, silent on healthy series, and keeps firing when ``revision``/``ready`` or scrape
  labels change; edge cases (no limit, zero limit, Ready=Unknown) stay silent.
* Mutation tests break one property of the rendered rules at a time and check that the
  suites then fail, so a suite that passes means something.
* ``promtool check rules`` passes on the rendered groups.

promtool comes from Debian's prometheus package: without it these tests skip with an
install hint, and fail under CI=true (prom.binaries).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml

from alerts.rendered import Rendered, load_test, promtool_test_files, render_repo, run_promtool_tests, values_of
from prom.binaries import promtool_path

ALERTS = {
    "FluxReconciliationFailed", "FluxGitRepositorySyncFailed", "FluxSourceSyncFailed",
    "DeploymentNotReady", "PodCrashLooping", "HighMemoryUsage", "HighCPUUsage",
}
OPERATOR = {"flux": {"resource_metric": "flux_resource_info"}}


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """Render this repository once per set of settings."""
    cache: dict[str, Rendered] = {}

    def get(values: dict | None = None) -> Rendered:
        key = json.dumps(values or {}, sort_keys=True)
        if key not in cache:
            cache[key] = render_repo(tmp_path_factory.mktemp("rendered") / "out", values=values)
        return cache[key]

    return get


def _promtool_test(render, test_file, tmp_path, mutate=None):
    promtool = promtool_path()
    rendered = render(values_of(test_file))
    names = rendered.write_rule_files(tmp_path)
    if mutate:
        mutate(tmp_path, names)
    return run_promtool_tests(promtool, tmp_path, names, test_file, tmp_path)


@pytest.mark.parametrize("test_file", promtool_test_files(), ids=lambda p: p.name)
def test_promtool_unit_tests_pass(render, test_file, tmp_path):
    result = _promtool_test(render, test_file, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def _duration(text: str) -> timedelta:
    units = {"s": 1, "m": 60, "h": 3600}
    return timedelta(seconds=int(text[:-1]) * units[text[-1]])


def test_every_alert_has_firing_and_silent_before_for_cases(render):
    """Each shipped alert fires in some case, and in the default mode has a case where it
    is silent exactly one evaluation (1m) before it fires."""
    assert set(render().alerts) == ALERTS
    assert set(render(OPERATOR).alerts) == ALERTS
    fires: dict[str, set[str]] = {"": set(), "operator": set()}
    boundary: set[str] = set()
    for test_file in promtool_test_files():
        mode = "operator" if values_of(test_file) else ""
        for case in load_test(test_file)["tests"]:
            silent, firing = {}, {}
            for t in case.get("alert_rule_test", []):
                at = _duration(t["eval_time"])
                (firing if t.get("exp_alerts") else silent).setdefault(t["alertname"], set()).add(at)
            for name, times in firing.items():
                fires[mode].add(name)
                if any(at - timedelta(minutes=1) in silent.get(name, ()) for at in times):
                    boundary.add(name)
    assert fires[""] == ALERTS
    assert fires["operator"] == {"FluxReconciliationFailed", "FluxGitRepositorySyncFailed", "FluxSourceSyncFailed"}
    assert boundary == ALERTS


# ---------------------------------------------------------------- mutation tests
# name -> (test file, alert, field of its rule, text in it, replacement). The alert's
# rule is changed in the rendered rule file; the suite must then fail on that alert.
KSM = 'job="kube-state-metrics"'
CADVISOR_MEMORY = 'container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""}'
MUTATIONS = {
    "flux: no 30m window, a retry (Ready=Unknown) resets the alert": (
        "flux.test.yaml", "FluxReconciliationFailed", "expr",
        'max_over_time(gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease", ready="False", '
        'suspended!~"(?i)true"}[30m])',
        'gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease", ready="False", suspended!~"(?i)true"}'),
    "flux: Ready=Unknown counted as a failure": (
        "flux.test.yaml", "FluxReconciliationFailed", "expr", 'ready="False"', 'ready!="True"'),
    "flux: ready=\"false\" (the condition status is capitalised)": (
        "flux.test.yaml", "FluxGitRepositorySyncFailed", "expr", 'ready="False"', 'ready="false"'),
    "flux: suspended objects not excluded": (
        "flux.test.yaml", "FluxReconciliationFailed", "expr", ', suspended!~"(?i)true"', ""),
    "flux: the namespace label left as the exporter's": (
        "flux.test.yaml", "FluxSourceSyncFailed", "expr", '"namespace", "$1"', '"object_namespace", "$1"'),
    "flux: a shorter for": ("flux.test.yaml", "FluxGitRepositorySyncFailed", "for", "15m", "14m"),
    "flux operator: suspended=\"True\" not matched case-insensitively": (
        "flux_operator.test.yaml", "FluxReconciliationFailed", "expr", 'suspended!~"(?i)true"', 'suspended!="true"'),
    "flux operator: the gotk label name": (
        "flux_operator.test.yaml", "FluxSourceSyncFailed", "expr", "kind=~", "customresource_kind=~"),
    "deployments: no aggregation, a kube-state-metrics restart resets the alert": (
        "kubernetes.test.yaml", "DeploymentNotReady", "expr",
        f"max by (namespace, deployment) (kube_deployment_spec_replicas{{{KSM}}})\n  >\n"
        f"  max by (namespace, deployment) (kube_deployment_status_replicas_ready{{{KSM}}})",
        f"kube_deployment_spec_replicas{{{KSM}}}\n  >\n  kube_deployment_status_replicas_ready{{{KSM}}}"),
    "deployments: alerting during a rollout": (
        "kubernetes.test.yaml", "DeploymentNotReady", "expr", "== 0", ">= 0"),
    "crash looping: the waiting reason without max_over_time": (
        "kubernetes.test.yaml", "PodCrashLooping", "expr",
        f'max_over_time(kube_pod_container_status_waiting_reason{{{KSM}, reason="CrashLoopBackOff"}}[5m])',
        f'kube_pod_container_status_waiting_reason{{{KSM}, reason="CrashLoopBackOff"}}'),
    "crash looping: a shorter for": ("kubernetes.test.yaml", "PodCrashLooping", "for", "15m", "14m"),
    "memory: a zero limit divides into +Inf": (
        "kubernetes.test.yaml", "HighMemoryUsage", "expr", 'resource="memory"} > 0)', 'resource="memory"})'),
    "memory: another threshold": ("kubernetes.test.yaml", "HighMemoryUsage", "expr", "> 0.9", "> 0.96"),
    "memory: a container restart (old and new cAdvisor series) breaks the match": (
        "kubernetes.test.yaml", "HighMemoryUsage", "expr",
        f"max by (namespace, pod, container) ({CADVISOR_MEMORY})", CADVISOR_MEMORY),
    "memory: a shorter for": ("kubernetes.test.yaml", "HighMemoryUsage", "for", "10m", "9m"),
    "cpu: limits of two kube-state-metrics replicas not de-duplicated": (
        "kubernetes.test.yaml", "HighCPUUsage", "expr",
        f'max by (namespace, pod, container) (kube_pod_container_resource_limits{{{KSM}, resource="cpu"}} > 0)',
        f'(kube_pod_container_resource_limits{{{KSM}, resource="cpu"}} > 0)'),
    "cpu: a shorter for": ("kubernetes.test.yaml", "HighCPUUsage", "for", "15m", "14m"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_suites_catch_a_broken_rule(render, mutation, tmp_path):
    test_name, alert, field, old, new = MUTATIONS[mutation]
    test_file = next(f for f in promtool_test_files() if f.name == test_name)

    def mutate(directory, names):
        changed = 0
        for name in names:
            path = directory / name
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            for group in doc["groups"]:
                for rule in group["rules"]:
                    if rule.get("alert") == alert:
                        assert old in rule[field], f"{mutation!r} does not apply: {old!r} not in {rule[field]!r}"
                        rule[field] = rule[field].replace(old, new)
                        changed += 1
            path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        assert changed == 1

    result = _promtool_test(render, test_file, tmp_path, mutate)
    assert result.returncode != 0, f"{mutation}: the suite still passes\n{result.stdout}{result.stderr}"
    # promtool names the alert of a failed expectation, or the rule whose evaluation errored.
    assert f"alertname: {alert}," in result.stderr or f"rule: {alert}," in result.stderr, result.stderr


def test_promtool_check_rules_passes_on_the_rendered_groups(render, tmp_path):
    import subprocess

    promtool = promtool_path()
    for values in ({}, OPERATOR):
        names = render(values).write_rule_files(tmp_path)
        result = subprocess.run([promtool, "check", "rules", *names], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("SUCCESS") == len(names) == 2


# ------------------------------------------------------- on a realistic cluster (tests/prom)
# The alert expressions (without their `for`) evaluated by a real Prometheus over the
# realistic cluster's data: the series, scrape labels and honor_labels behaviour that
# kube-state-metrics (with the Flux config), cAdvisor and the Flux PodMonitor produce.
# Each expression must select exactly the objects the scenario says are failing.


def _selected(prom, expr: str, *labels: str) -> set[tuple[str, ...]]:
    return {tuple(m.get(label, "") for label in labels) for m, _ in prom.vector(expr)}


def test_flux_expressions_select_the_failing_objects_of_a_realistic_cluster(prometheus, render):
    c, alerts = prometheus.cluster, render().alerts
    labels = ("customresource_kind", "exported_namespace", "name", "namespace")
    reconcilers = {(o.kind, o.namespace, o.name, o.namespace) for o in c.failing_reconcilers() if not o.suspended}
    assert reconcilers, "the scenario has failing reconcilers"
    assert _selected(prometheus, alerts["FluxReconciliationFailed"]["expr"], *labels) == reconcilers
    git = {(o.kind, o.namespace, o.name, o.namespace) for o in c.failing_sources()
           if o.kind == "GitRepository" and not o.suspended}
    assert git
    assert _selected(prometheus, alerts["FluxGitRepositorySyncFailed"]["expr"], *labels) == git
    other = {(o.kind, o.namespace, o.name, o.namespace) for o in c.failing_sources()
             if o.kind != "GitRepository" and not o.suspended}
    assert _selected(prometheus, alerts["FluxSourceSyncFailed"]["expr"], *labels) == other
    # The scenario's Ready=Unknown Kustomization (a long reconciliation) is not among them.
    assert any(o.ready == "Unknown" for o in c.flux_objects)


def test_workload_expressions_select_the_failing_objects_of_a_realistic_cluster(prometheus, render):
    c, alerts = prometheus.cluster, render().alerts
    pods = c.pods()
    short = {(w.namespace, w.name) for w in c.workloads if w.kind == "Deployment"
             and sum(p.ready for p in pods if p.workload is w) < w.replicas}
    assert short
    assert _selected(prometheus, alerts["DeploymentNotReady"]["expr"], "namespace", "deployment") == short
    crashing = {(p.namespace, p.name, pc.spec.name) for p in pods for pc in p.containers
                if pc.waiting_reason == "CrashLoopBackOff"}
    assert crashing
    assert _selected(prometheus, alerts["PodCrashLooping"]["expr"], "namespace", "pod", "container") == crashing


def _usage_ratios(cluster):
    """(namespace, pod, container) -> (memory, cpu) share of the limit, as the scenario sets them."""
    ready_nodes = {n.name for n in cluster.ready_nodes}
    out = {}
    for p in cluster.pods():
        if p.node not in ready_nodes:  # no cAdvisor data from a NotReady node
            continue
        for pc in p.containers:
            s, crash = pc.spec, pc.waiting_reason is not None
            mem = s.memory_usage * (0.3 if crash else 1.0) / s.memory_limit if s.memory_limit else None
            cpu = s.cpu_usage * (0.1 if crash else 1.0) / s.cpu_limit if s.cpu_limit else None
            out[(p.namespace, p.name, s.name)] = (mem, cpu)
    return out


def _check_resources(prom, alerts, cluster):
    ratios = _usage_ratios(cluster)
    for i, alert in enumerate(("HighMemoryUsage", "HighCPUUsage")):
        got = _selected(prom, alerts[alert]["expr"], "namespace", "pod", "container")
        high = {k for k, r in ratios.items() if r[i] is not None and r[i] > 0.95}
        low = {k for k, r in ratios.items() if r[i] is None or r[i] < 0.85}  # no limit: never
        assert high <= got, (alert, high - got)
        assert not (got & low), (alert, got & low)
    return ratios


def test_resource_expressions_on_a_realistic_cluster(prometheus, prometheus_factory, render):
    from prom.cluster import default_cluster

    alerts = render().alerts
    _check_resources(prometheus, alerts, prometheus.cluster)  # nothing near its limit: nothing selected
    busy = default_cluster()
    api = busy.workload("empulse-api", "empulse").containers[0]
    api.memory_usage, api.cpu_usage = int(api.memory_limit * 0.97), api.cpu_limit * 0.97
    ratios = _check_resources(prometheus_factory(busy), alerts, busy)
    assert sum(1 for (ns, pod, _), r in ratios.items() if pod.startswith("empulse-api-") and r[0] > 0.95) >= 2
