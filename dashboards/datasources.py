"""The Prometheus and Alertmanager datasources, as Grafana provisioning entries.

Name ``Prometheus`` and uid ``prometheus`` are what kube-prometheus-stack's Grafana uses, so
dashboards work with either. kube-prometheus-stack's sidecar provisions its own
``Prometheus`` datasource (and ``Alertmanager``) unless
``grafana.sidecar.datasources.defaultDatasourceEnabled: false`` (and
``grafana.sidecar.datasources.alertmanager.enabled: false``) are set; set them when these
are deployed, so that one definition owns each name. These entries do not claim
``isDefault``, so they never clash with another default datasource.
"""

import dashgen

PROMETHEUS_URL = dashgen.setting(
    "datasources.prometheus.url", "http://kube-prometheus-stack-prometheus.monitoring:9090")
# Prometheus' scrape interval: Grafana's minimum step, and the basis of $__rate_interval.
SCRAPE_INTERVAL = dashgen.setting("datasources.prometheus.scrape_interval", "30s")
ALERTMANAGER_URL = dashgen.setting(
    "datasources.alertmanager.url", "http://kube-prometheus-stack-alertmanager.monitoring:9093")

datasources = [
    {
        "name": "Prometheus",
        "type": "prometheus",
        "uid": "prometheus",
        "access": "proxy",
        "url": PROMETHEUS_URL,
        "editable": False,
        "jsonData": {
            "httpMethod": "POST",
            "timeInterval": SCRAPE_INTERVAL,
            "prometheusType": "Prometheus",
        },
    },
    {
        "name": "Alertmanager",
        "type": "alertmanager",
        "uid": "alertmanager",
        "access": "proxy",
        "url": ALERTMANAGER_URL,
        "editable": False,
        "jsonData": {
            "implementation": "prometheus",
            "handleGrafanaManagedAlerts": False,
        },
    },
]
