"""The dashboard model every stage shares: plain dashboard JSON, read the way Grafana reads it.

- ``walk.py``: panels (rows, collapsed rows, the legacy ``rows[]`` layout, library panels)
  and targets, and tolerant accessors for JSON of any type (``as_dict``, ``text``...);
- ``variables.py``: variable references (``$x``, ``${x:fmt}``, ``[[x]]``), Grafana's
  built-in variables, what a variable queries, panel-scoped variables;
- ``promql.py``: PromQL analysis of Grafana queries (variables substituted, parsed once per
  query shape) and Prometheus durations;
- ``datasources.py``: datasource references and plugin types (Prometheus, pseudo datasources);
- ``view.py``: :class:`DashboardView`, one dashboard's panels, variables, resolved
  datasources and Prometheus queries, computed once;
- ``document.py``: every shape a saved dashboard comes in (export, API body, ``kind:
  Dashboard`` resource, ConfigMap), read and written back in that shape.

lint, verify, build and the commands after them read dashboards through these modules.
"""
