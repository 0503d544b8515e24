"""Test harness: a realistic Flux + kube-prometheus-stack cluster as Prometheus data.

Modules: ``cluster`` (scenario dataclasses, ``default_cluster()``), ``generate``
(exporter emulation -> series), ``openmetrics`` (writer), ``server`` (promtool
backfill + Prometheus process + HTTP helpers), ``binaries`` (skip/fail rule),
``fixtures`` (pytest fixtures ``prometheus`` and ``prometheus_factory``).
Import as ``prom.*`` (tests/ is on sys.path via tests/conftest.py's rootdir).
"""
