"""What the alert sources share: the settings they read and the shape of one alert.

A helper: it defines none of the names dashgen reads. Settings (``values:`` in
dashgen.yaml, see docs/config.md):

- ``flux.resource_metric`` (``dashboards.lib.flux``): ``gotk_resource_info``
  (kube-state-metrics with the Flux custom-resource-state config, label
  ``customresource_kind``) or ``flux_resource_info`` (the Flux Operator, label ``kind``).
- ``selectors.kube_state_metrics`` / ``selectors.cadvisor`` (``dashboards.lib.selectors``):
  the matchers that pick kube-state-metrics and the kubelet's cAdvisor endpoint.
  The dashboards read the same keys.
- ``alerts.grafana_url``: where Grafana is, for the ``dashboard_url`` annotations.
"""

from __future__ import annotations

import textwrap
from urllib.parse import urlsplit

import dashgen



def grafana_url() -> str:
    url = dashgen.setting("alerts.grafana_url", "http://localhost:3000").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"values.alerts.grafana_url must be an http(s) URL like https://grafana.example.com, got {url!r}")
    return url


def dashboard_url(uid: str, namespace: str) -> str:
    """Link to a dashboard by uid, its ``namespace`` variable set from the alert's labels."""
    return f"{grafana_url()}/d/{uid}?var-namespace={{{{ {namespace} }}}}"


def spoken(duration: str) -> str:
    """``15m`` -> ``15 minutes`` (durations of a single unit)."""
    units = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
    number, unit = int(duration[:-1]), units[duration[-1]]
    return f"{number} {unit}{'' if number == 1 else 's'}"


def alert(name: str, expr: str, *, wait: str, severity: str, summary: str, description: str,
          dashboard: str) -> dict:
    """One alerting rule: a stable ``for``, a severity, a static summary (mixtool: the same
    for every object, so grouped notifications read well), a description naming the object
    (``{for}`` in it becomes the ``for`` duration in words) and the link to its dashboard."""
    description = description.replace("{for}", spoken(wait))
    return {
        "alert": name,
        "expr": textwrap.dedent(expr).strip() + "\n",
        "for": wait,
        "labels": {"severity": severity},
        "annotations": {
            "summary": summary,
            "description": " ".join(textwrap.dedent(description).split()),
            "dashboard_url": dashboard,
        },
    }
