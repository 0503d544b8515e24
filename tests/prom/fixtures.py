"""pytest fixtures: a real Prometheus over backfilled, realistic cluster data.

Registered from ``tests/conftest.py`` (``pytest_plugins = ["prom.fixtures"]``).

* ``prometheus`` (session): :class:`prom.server.PrometheusServer` for
  :func:`prom.cluster.default_cluster`: ``.url``, ``.start``/``.end`` (unix
  seconds; evaluate instant queries at ``.end``), ``.step`` (scrape interval),
  ``.cluster`` (the scenario, to compute expectations), ``.dataset`` and
  helpers ``.query/.value/.vector/.series/.label_values/.query_range``.
* ``prometheus_factory`` (session): ``make(cluster, rule_files=())`` starts
  another server for a modified scenario; all are stopped at session end.
"""

from __future__ import annotations

import pytest

from .binaries import require_prometheus_binaries
from .cluster import Cluster, default_cluster
from .server import PrometheusServer, start_prometheus


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory) -> PrometheusServer:
    require_prometheus_binaries()
    server = start_prometheus(default_cluster(), workdir=tmp_path_factory.mktemp("prometheus"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def prometheus_factory(tmp_path_factory):
    started: list[PrometheusServer] = []

    def make(cluster: Cluster | None = None, **kwargs) -> PrometheusServer:
        require_prometheus_binaries()
        server = start_prometheus(
            cluster if cluster is not None else default_cluster(),
            workdir=tmp_path_factory.mktemp("prometheus-custom"),
            **kwargs,
        )
        started.append(server)
        return server

    try:
        yield make
    finally:
        for s in started:
            s.stop()
