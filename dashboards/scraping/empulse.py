"""Scraping the EmPulse API: a ServiceMonitor for the ``empulse-api`` Service.

The API is a FastAPI service instrumented with prometheus-fastapi-instrumentator
(``http_requests_total``, ``http_request_duration_seconds``, ``empulse_*``) and serves
``/metrics`` on the Service port named by ``values.empulse.metrics_port``. Prometheus
labels its series ``job="empulse-api"`` (the Service name), ``namespace="empulse"``.
"""

import dashgen

NAMESPACE = dashgen.setting("empulse.namespace", "empulse")
SERVICE_LABELS = dashgen.setting("empulse.service_labels", {"app.kubernetes.io/name": "empulse-api"})
PORT = dashgen.setting("empulse.metrics_port", "http")

manifests = [
    {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "empulse-api", "labels": {"app.kubernetes.io/part-of": "empulse"}},
        "spec": {
            "namespaceSelector": {"matchNames": [NAMESPACE]},
            "selector": {"matchLabels": SERVICE_LABELS},
            "endpoints": [{"port": PORT, "path": "/metrics", "interval": "30s"}],
        },
    },
]
