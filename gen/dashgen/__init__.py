"""dashgen: Grafana dashboards, datasources and alert rules as code for Flux GitOps clusters."""

__version__ = "0.1.0"

from .values import setting

__all__ = ["setting", "__version__"]
