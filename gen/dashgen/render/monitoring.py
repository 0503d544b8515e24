"""prometheus-operator objects: PrometheusRules from the sources' rule groups, the
AlertmanagerConfig from ``alertmanager:`` in dashgen.yaml, and the selector labels
kube-prometheus-stack needs on every monitoring.coreos.com object.

One PrometheusRule per source file (kube-prometheus' shape: ``spec.groups`` is the rule
file), named after the file: ``dashboards/alerts/flux.py`` -> ``dashgen-alerts-flux``.
The AlertmanagerConfig only ever holds references to Secrets (``secretKeySelector``),
never a credential.
"""

from __future__ import annotations

from typing import Any

from ..config import Alertmanager, Config, EmailReceiver, PagerDutyReceiver, SecretRef, SlackReceiver
from ..names import prometheus_rule_name
from ..resources import Resources

GROUP = "monitoring.coreos.com"
RULE_API = f"{GROUP}/v1"
ALERTMANAGER_CONFIG_API = f"{GROUP}/v1alpha1"
# Kinds Prometheus selects by label (ruleSelector, podMonitorSelector, ...).
PROMETHEUS_SELECTED = frozenset({"PrometheusRule", "PodMonitor", "ServiceMonitor", "Probe", "ScrapeConfig"})
NULL_RECEIVER = "null"
SEVERITY_ORDER = ("critical", "warning", "info")

# Notification texts. Alertmanager's default Slack text is empty; these show what the
# alert rules carry: summary, description (the object) and the dashboard link.
SLACK_TITLE = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
    "{{ .CommonLabels.alertname }}{{ if .CommonLabels.namespace }} in {{ .CommonLabels.namespace }}{{ end }}"
)
SLACK_TEXT = (
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n"
    "{{ .Annotations.description }}"
    "{{ if .Annotations.dashboard_url }}\n<{{ .Annotations.dashboard_url }}|Open the dashboard>{{ end }}\n"
    "{{ end }}"
)
PAGERDUTY_DESCRIPTION = (
    "{{ .CommonLabels.alertname }}{{ if .CommonLabels.namespace }} in {{ .CommonLabels.namespace }}{{ end }}: "
    "{{ .CommonAnnotations.summary }}"
)
PAGERDUTY_SEVERITY = "{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}critical{{ end }}"


def selector_labels(obj: dict[str, Any], config: Config) -> dict[str, str]:
    """The labels the operator's selectors need on ``obj`` (empty for other kinds)."""
    api = str(obj.get("apiVersion", ""))
    if not api.startswith(GROUP + "/"):
        return {}
    kind = obj.get("kind")
    if kind in PROMETHEUS_SELECTED:
        return dict(config.prometheus.selector_labels)
    if kind == "AlertmanagerConfig":
        return dict(config.alertmanager.labels)
    return {}


# ------------------------------------------------------------------------ PrometheusRule


def prometheus_rules(resources: Resources, config: Config) -> list[tuple[str, dict[str, Any]]]:
    """(source, PrometheusRule) for every source file that defines rule groups."""
    out = []
    for source, groups in resources.rule_groups_by_source().items():
        out.append(
            (
                source,
                {
                    "apiVersion": RULE_API,
                    "kind": "PrometheusRule",
                    "metadata": {"name": prometheus_rule_name(source, config.sources)},
                    "spec": {"groups": [g.model for g in groups]},
                },
            )
        )
    return out


# -------------------------------------------------------------------- AlertmanagerConfig


def _secret(ref: SecretRef) -> dict[str, str]:
    return {"name": ref.secret, "key": ref.key}


def _slack(s: SlackReceiver) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiURL": _secret(s.api_url),
        "sendResolved": s.send_resolved,
        "title": SLACK_TITLE,
        "text": SLACK_TEXT,
    }
    if s.channel:
        out["channel"] = s.channel
    return out


def _email(e: EmailReceiver) -> dict[str, Any]:
    out: dict[str, Any] = {
        "to": e.to,
        "from": e.sender,
        "smarthost": e.smarthost,
        "requireTLS": e.require_tls,
        "sendResolved": e.send_resolved,
    }
    if e.auth_username:
        out["authUsername"] = e.auth_username
    if e.auth_password:
        out["authPassword"] = _secret(e.auth_password)
    return out


def _pagerduty(p: PagerDutyReceiver) -> dict[str, Any]:
    return {
        "routingKey": _secret(p.routing_key),
        "sendResolved": p.send_resolved,
        "severity": PAGERDUTY_SEVERITY,
        "description": PAGERDUTY_DESCRIPTION,
    }


def _severity_key(severity: str) -> tuple[int, str]:
    return (SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER), severity)


def alertmanager_config(am: Alertmanager) -> dict[str, Any] | None:
    """The AlertmanagerConfig object, or None when no receiver is configured."""
    if not am.receivers:
        return None
    receivers = []
    for name in sorted(am.receivers):
        r = am.receivers[name]
        item: dict[str, Any] = {"name": name}
        if r.slack:
            item["slackConfigs"] = [_slack(r.slack)]
        if r.email:
            item["emailConfigs"] = [_email(r.email)]
        if r.pagerduty:
            item["pagerdutyConfigs"] = [_pagerduty(r.pagerduty)]
        receivers.append(item)
    default = am.default_receiver
    if not default:
        default = NULL_RECEIVER
        receivers.append({"name": NULL_RECEIVER})  # no integration: unrouted alerts are dropped
    routes = []
    for severity in sorted(am.routes, key=_severity_key):
        for receiver in am.routes[severity]:
            routes.append(
                {
                    "receiver": receiver,
                    "matchers": [{"name": "severity", "value": severity, "matchType": "="}],
                    # An alert may go to several receivers; one matching none goes to the default.
                    "continue": True,
                }
            )
    route: dict[str, Any] = {
        "receiver": default,
        "groupBy": list(am.group_by),
        "groupWait": am.group_wait,
        "groupInterval": am.group_interval,
        "repeatInterval": am.repeat_interval,
    }
    if am.matchers:
        route["matchers"] = [{"name": k, "value": v, "matchType": "="} for k, v in sorted(am.matchers.items())]
    if routes:
        route["routes"] = routes
    return {
        "apiVersion": ALERTMANAGER_CONFIG_API,
        "kind": "AlertmanagerConfig",
        "metadata": {"name": am.name},
        "spec": {"route": route, "receivers": receivers},
    }
