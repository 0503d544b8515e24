"""Build-time behaviour of alerting: PrometheusRules from rule groups, the AlertmanagerConfig
from dashgen.yaml and its errors, the alert-rule checks (lint engine, promtool), and the
labels and namespace of monitoring objects that sources contribute."""

from __future__ import annotations

import pytest
import yaml

from conftest import grafanalib_dashboard
from prom.binaries import promtool_path


def _fails(project, *expected: str, forbidden: tuple[str, ...] = ()) -> str:
    result = project.run("build")
    assert result.code == 1, result.out + result.err
    for text in expected:
        assert text in result.err, result.err
    for text in forbidden:
        assert text not in result.out + result.err
    assert not (project.root / "provisioning").exists()
    return result.err


AM_BASE = """
alertmanager:
  receivers:
    chat:
      slack:
        api_url: {secret: am-slack, key: url}
  routes:
    warning: [chat]
"""


def test_a_minimal_receiver_config_builds(project):
    project.write("dashgen.yaml", AM_BASE)
    result = project.run("build")
    assert result.code == 0, result.err
    am = yaml.safe_load((project.root / "provisioning/kubernetes/alertmanagerconfig-dashgen.yaml").read_text())
    assert am["spec"]["receivers"][0]["slackConfigs"][0]["apiURL"] == {"name": "am-slack", "key": "url"}
    assert "kubernetes/alertmanagerconfig-dashgen.yaml" in (project.root / "provisioning/kustomization.yaml").read_text()


@pytest.mark.parametrize(("config", "expected"), [
    ("alertmanager:\n  receivers:\n    chat:\n      slack: {channel: '#a'}\n",
     "missing required key 'alertmanager.receivers.chat.slack.api_url'"),
    ("alertmanager:\n  receivers:\n    pager:\n      pagerduty: {}\n",
     "missing required key 'alertmanager.receivers.pager.pagerduty.routing_key'"),
    ("alertmanager:\n  receivers:\n    pager:\n      pagerduty: {routing_key: {secret: pd}}\n",
     "missing required key 'alertmanager.receivers.pager.pagerduty.routing_key.key'"),
    ("alertmanager:\n  receivers:\n    mail:\n      email: {to: a@example.com, from: b@example.com}\n",
     "missing required key 'alertmanager.receivers.mail.email.smarthost'"),
    ("alertmanager:\n  receivers:\n    mail:\n      email: {to: a@example.com, from: b@example.com, smarthost: 'smtp:587',"
     " auth_username: b}\n",
     "missing required key 'alertmanager.receivers.mail.email.auth_password'"),
    ("alertmanager:\n  receivers:\n    mail:\n      email: {to: a@example.com, from: b@example.com, smarthost: smtp}\n",
     "key 'alertmanager.receivers.mail.email.smarthost': expected host:port"),
    ("alertmanager:\n  receivers:\n    empty: {}\n",
     "key 'alertmanager.receivers.empty': the receiver has no settings; set slack, email or pagerduty"),
    ("alertmanager:\n  receivers:\n    empty:\n",
     "key 'alertmanager.receivers.empty': expected a mapping, got nothing (null)"),
    (AM_BASE + "    critical: [pager]\n",
     "key 'alertmanager.routes.critical': receiver 'pager' is not defined under alertmanager.receivers (defined: chat)"),
    (AM_BASE + "  default_receiver: mail\n", "key 'alertmanager.default_receiver': receiver 'mail' is not defined"),
    ("alertmanager:\n  routes: {critical: [pager]}\n", "alertmanager.routes and alertmanager.default_receiver need receivers"),
    ("alertmanager:\n  receivers:\n    chat:\n      slack: {api_url: {secret: Bad_Name, key: url}}\n",
     "key 'alertmanager.receivers.chat.slack.api_url.secret': 'Bad_Name' is not a valid Secret name"),
    ("alertmanager:\n  receivers:\n    chat:\n      slack: {apiurl: {secret: s, key: url}}\n",
     "unknown key 'alertmanager.receivers.chat.slack.apiurl'"),
    (AM_BASE + "  group_interval: '0'\n", "key 'alertmanager.group_interval': '0' is not a positive duration"),
    (AM_BASE + "  group_wait: 30\n", "key 'alertmanager.group_wait': expected a string, got an integer"),
    (AM_BASE + "  repeat_interval: soon\n", "key 'alertmanager.repeat_interval': 'soon' is not a positive duration"),
    (AM_BASE + "  group_by: [alertname, 'bad-label']\n", "alertmanager: 'bad-label' is not a valid label name"),
    (AM_BASE + '  group_by: [alertname, "namespace\\n"]\n', "alertmanager: 'namespace\\n' is not a valid label name"),
    (AM_BASE + '  repeat_interval: "4h\\n"\n', "key 'alertmanager.repeat_interval': '4h\\n' is not a positive duration"),
    ("alertmanager:\n  receivers:\n    chat:\n      slack: {api_url: {secret: am-slack, key: \"url\\n\"}}\n"
     "  routes: {warning: [chat]}\n",
     "key 'alertmanager.receivers.chat.slack.api_url.key': 'url\\n' is not a valid Secret key"),
    ("alertmanager:\n  receivers:\n    chat:\n      slack: {api_url: {secret: \"am-slack\\n\", key: url}}\n"
     "  routes: {warning: [chat]}\n",
     "key 'alertmanager.receivers.chat.slack.api_url.secret': 'am-slack\\n' is not a valid Secret name"),
])
def test_receiver_config_errors_name_the_key(project, config, expected):
    project.write("dashgen.yaml", config)
    _fails(project, expected)


SECRET = "https://hooks.slack.com/services/T0000/B0000/s3cr3tT0k3nValue"


@pytest.mark.parametrize("config", [
    f"alertmanager:\n  receivers:\n    chat:\n      slack: {{api_url: '{SECRET}'}}\n",
    f"alertmanager:\n  receivers:\n    pager:\n      pagerduty: {{routing_key: '{SECRET}'}}\n",
    "alertmanager:\n  receivers:\n    mail:\n      email: {to: a@example.com, from: b@example.com, smarthost: 'smtp:587',"
    f" auth_username: b, auth_password: '{SECRET}'}}\n",
    f"alertmanager:\n  receivers:\n    chat:\n      slack: {{api_url: {{secret: s, key: url}}, channel: '{SECRET}'}}\n",
])
def test_a_secret_value_is_refused_and_never_echoed(project, config):
    project.write("dashgen.yaml", config)
    err = _fails(project, "Secret", forbidden=("s3cr3tT0k3nValue",))
    assert "never" in err or "is a secret" in err


# ------------------------------------------------------------- build-time rule checks

RULE = """
rule_groups = [{{"name": "{group}", "rules": [{rule}]}}]
"""
GOOD = ('{"alert": "AppDown", "expr": "up{job=\\"app\\"} == 0", "for": "5m", "labels": {"severity": "warning"}, '
        '"annotations": {"summary": "The app is down.", "description": "Target {{ $labels.instance }} is down."}}')


def test_a_valid_rule_group_builds_into_a_prometheus_rule(project):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD))
    result = project.run("build")
    assert result.code == 0, result.err
    rule = yaml.safe_load((project.root / "provisioning/kubernetes/prometheusrule-dashgen-alerts-app.yaml").read_text())
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["metadata"]["annotations"]["dashgen/source"] == "dashboards/alerts/app.py"
    assert rule["spec"]["groups"][0]["rules"][0]["alert"] == "AppDown"
    assert "1 rule groups" in result.out


@pytest.mark.parametrize(("change", "alert", "rule", "message"), [
    (('"severity": "warning"', '"team": "x"'), "AppDown", "alert-severity-rule", "alert has no severity label"),
    (('"severity": "warning"', '"severity": "page"'), "AppDown", "alert-severity-rule", "alert has severity 'page'"),
    (("== 0", "== =="), "AppDown", "rule-promql-rule", "PromQL does not parse"),
    (("up{", "flux_kustomization_condition{"), "AppDown", "rule-unknown-metric-rule", "queries 'flux_kustomization_condition'"),
])
def test_rule_problems_fail_the_build_naming_the_file(project, change, alert, rule, message):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD.replace(*change)))
    _fails(project, f"error: dashboards/alerts/app.py: group app: alert {alert}: {rule}: {message}")


STYLE = [
    (("AppDown", "app_down"), "app_down", "alert-name-camelcase", "alert name 'app_down' is not CamelCase"),
    (('"summary": "The app is down.", ', ""), "AppDown", "alert-summary-missing-rule", "alert has no 'summary' annotation"),
    ((', "description": "Target {{ $labels.instance }} is down."', ""), "AppDown", "alert-description-missing-rule",
     "alert has no 'description'"),
]


@pytest.mark.parametrize(("change", "alert", "rule", "message"), STYLE)
def test_mixtool_style_warns_by_default(project, change, alert, rule, message):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD.replace(*change)))
    result = project.run("build")
    assert result.code == 0, result.err
    assert f"warning: dashboards/alerts/app.py: group app: alert {alert}: {rule}: {message}" in result.err


@pytest.mark.parametrize(("change", "alert", "rule", "message"), STYLE)
def test_mixtool_style_fails_where_dashgen_yaml_says_so(project, change, alert, rule, message):
    # How this repository's own dashgen.yaml keeps its standards for its Python sources.
    project.write("dashgen.yaml", 'lint: {paths: [{glob: "dashboards/alerts/*.py", rules: {"*": error}}]}\n')
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD.replace(*change)))
    _fails(project, f"error: dashboards/alerts/app.py: group app: alert {alert}: {rule}: {message}")


def test_alert_names_are_unique_across_files(project):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD))
    project.write("dashboards/alerts/copy.py", RULE.format(group="copy", rule=GOOD))
    _fails(project, "dashboards/alerts/copy.py: alert AppDown is also defined in dashboards/alerts/app.py")


def test_two_rules_in_one_group_with_the_same_name_and_labels(project):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD + ", " + GOOD))
    _fails(project, "dashboards/alerts/app.py: group app: alert AppDown: alert-name-unique-rule:")


def test_promtool_finds_what_the_linter_cannot(project):
    """A template error in an annotation: promql-parser does not read templates, promtool does."""
    promtool_path()  # skips with an install hint (fails under CI=true)
    bad = GOOD.replace("{{ $labels.instance }}", "{{ $labels.instance | nosuchfunction }}")
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=bad))
    _fails(project, "error: dashboards/alerts/app.py: promtool check rules:", "nosuchfunction")


def test_without_promtool_the_build_says_what_it_skipped(project, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("DASHGEN_PROMTOOL", raising=False)
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD))
    result = project.run("build")
    assert result.code == 0, result.err
    notes = [line for line in result.err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, result.err
    assert "promtool not found: skipped 'promtool check rules' on the rule groups of 1 file" in notes[0]
    assert "apt-get install prometheus" in notes[0]
    assert (project.root / "provisioning/kubernetes/prometheusrule-dashgen-alerts-app.yaml").exists()


def test_dashboard_links_warn_until_the_dashboard_exists(project):
    rule = GOOD.replace('"description"', '"dashboard_url": "http://grafana/d/app-overview", "description"')
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=rule))
    result = project.run("build")
    assert result.code == 0
    assert ("warning: dashboards/alerts/app.py: dashboard_url of AppDown links to dashboard uid 'app-overview', "
            "which no source defines") in result.err
    project.write("dashboards/apps/overview.py", grafanalib_dashboard("App overview", "app-overview"))
    assert "warning" not in project.run("build").err


def test_source_monitors_get_the_selector_labels_and_namespace(project):
    project.write("dashgen.yaml", """
        namespace: observability
        prometheus: {selector_labels: {prometheus: main}}
        alertmanager:
          labels: {alertmanagerConfig: team}
          receivers:
            chat:
              slack: {api_url: {secret: am-slack, key: url}}
          routes: {warning: [chat]}
    """)
    project.write("dashboards/monitors.py", """
        manifests = [
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "app"},
             "spec": {"endpoints": [{"port": "http"}], "selector": {"matchLabels": {"app": "x"}}}},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
             "metadata": {"name": "own", "namespace": "apps", "labels": {"prometheus": "other"}},
             "spec": {"podMetricsEndpoints": [{"port": "http"}], "selector": {}}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
             "rules": []},
        ]
    """)
    assert project.run("build").code == 0
    out = project.root / "provisioning/kubernetes"
    sm = yaml.safe_load((out / "servicemonitor-app.yaml").read_text())
    assert sm["metadata"]["namespace"] == "observability" and sm["metadata"]["labels"]["prometheus"] == "main"
    pm = yaml.safe_load((out / "podmonitor-own.yaml").read_text())
    assert pm["metadata"]["namespace"] == "apps" and pm["metadata"]["labels"]["prometheus"] == "other"
    role = yaml.safe_load((out / "clusterrole-reader.yaml").read_text())
    assert "namespace" not in role["metadata"] and "prometheus" not in role["metadata"]["labels"]
    am = yaml.safe_load((out / "alertmanagerconfig-dashgen.yaml").read_text())
    assert am["metadata"]["labels"]["alertmanagerConfig"] == "team" and "prometheus" not in am["metadata"]["labels"]


def test_a_manifest_cannot_take_a_generated_name(project):
    project.write("dashboards/alerts/app.py", RULE.format(group="app", rule=GOOD))
    project.write("dashboards/rules.py", """
        manifests = [{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                      "metadata": {"name": "dashgen-alerts-app"}, "spec": {"groups": []}}]
    """)
    _fails(project, "dashboards/rules.py: PrometheusRule 'dashgen-alerts-app' is also defined in dashboards/alerts/app.py")
