"""dashgen: Grafana dashboards, datasources and alert rules as code for Flux GitOps clusters."""

__version__ = "0.1.0"
