"""Label selectors of the scrape jobs, configurable in dashgen.yaml (``values.selectors``).

The defaults are kube-prometheus-stack's job labels. Set one to ``""`` to select by metric
name alone (when only one job exports the metric). The dashboards and the alerts both read
them from here, so one setting moves both.
"""

from __future__ import annotations

import dashgen

KUBE_STATE_METRICS = dashgen.setting("selectors.kube_state_metrics", 'job="kube-state-metrics"')
CADVISOR = dashgen.setting("selectors.cadvisor", 'job="kubelet", metrics_path="/metrics/cadvisor"')
NODE_EXPORTER = dashgen.setting("selectors.node_exporter", 'job="node-exporter"')


def sel(*matchers: str) -> str:
    """``{a, b}`` from the non-empty matchers (each may itself hold several)."""
    return "{" + ", ".join(m.strip() for m in matchers if m.strip()) + "}"


def series(metric: str, *matchers: str) -> str:
    """``metric{a, b}``; empty matchers (an empty job selector) are left out."""
    return metric + sel(*matchers)


def ksm(*matchers: str) -> str:
    return sel(KUBE_STATE_METRICS, *matchers)


def cadvisor(*matchers: str) -> str:
    """Container series only: cAdvisor also reports the pod cgroup and pause containers (container="")."""
    return sel(CADVISOR, *matchers)


def node_exporter(*matchers: str) -> str:
    return sel(NODE_EXPORTER, *matchers)
