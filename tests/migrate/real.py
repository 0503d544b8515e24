"""Real exported dashboards for the migration tests: ``corpus_data.real_dashboards()``.

Debian's packaged dashboards (ids ``debian-<package>/<file>``) are always there, CI included:
without them a test fails under ``CI=true`` and skips elsewhere. The manifest's corpus files
(ids are their manifest paths) join when they are on this machine; a test that needs one skips
without it and says so. ``load(id)`` reads a dashboard; ``panel_pair`` migrates it and returns
one panel before and after, so each test states what Grafana makes of a field of a real panel.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

import corpus_data
from dashgen.dashboard.walk import panel_dicts
from dashgen.migrate import migrate_dashboard

FOUND, ABSENT = corpus_data.real_dashboards()
BY_ID = {d.id: d for d in FOUND}
DEBIAN = [d for d in FOUND if d.id.startswith("debian-")]
CORPUS_HINT = "the manifest corpus is not on this machine (tests/corpus/README.md says how to lay it out)"

# Debian's packaged dashboards the per-field tests use.
CEPH = "debian-ceph-grafana-dashboards/"
CEPH_CLUSTER = CEPH + "ceph-cluster.json"  # schemaVersion 16: graph, singlestat
HOST_DETAILS = CEPH + "host-details.json"
OSDS = CEPH + "osds-overview.json"  # graph, table with styles, grafana-piechart-panel
POOL_DETAIL = CEPH + "pool-detail.json"  # schemaVersion 22
POOL_OVERVIEW = CEPH + "pool-overview.json"
CEPHFS = CEPH + "cephfs-overview.json"
OSD_DEVICE = CEPH + "osd-device-details.json"
RADOSGW = CEPH + "radosgw-overview.json"
REDIS = "debian-prometheus-redis-exporter/grafana_prometheus_redis_dashboard.json"  # schemaVersion 22
REDIS_OLD = "debian-prometheus-redis-exporter/grafana_prometheus_redis_dashboard_exporter_version_0.3x.json"  # 12
ELASTIC = "debian-prometheus-elasticsearch-exporter/dashboard.json"
SQUID = "debian-prometheus-squid-exporter/squid-sample-dashboard.json"


def debian_missing() -> None:
    """Fail under CI=true, skip elsewhere: Debian's packaged dashboards could not be fetched."""
    why = "; ".join(ABSENT) or "no Debian dashboards"
    if corpus_data.in_ci():
        pytest.fail(f"CI=true and Debian's packaged dashboards are missing: {why}", pytrace=False)
    pytest.skip(why)


def require_corpus() -> None:
    """Skip a test that needs the manifest corpus when it is not on this machine."""
    if corpus_data.corpus_dir() is None:
        pytest.skip(CORPUS_HINT)


@cache
def _texts(dashboard_id: str) -> tuple[str, ...]:
    found = BY_ID.get(dashboard_id)
    if found is None:
        if dashboard_id.startswith("debian-"):
            debian_missing()
        pytest.skip(CORPUS_HINT)
    return tuple(json.dumps(m) for m in corpus_data._shape_and_dashboards(corpus_data.load(found.path))[1])


def models(dashboard_id: str) -> list[dict[str, Any]]:
    """Fresh copies of every dashboard model of a real file (a ConfigMapList holds many)."""
    return [json.loads(text) for text in _texts(dashboard_id)]


def load(dashboard_id: str) -> dict[str, Any]:
    """A fresh copy of the (first) dashboard of a real file."""
    return json.loads(_texts(dashboard_id)[0])


def find(model: dict[str, Any], panel_id: Any) -> dict[str, Any]:
    found = [p for p in panel_dicts(model) if p.get("id") == panel_id]
    assert len(found) == 1, f"panel id {panel_id}: {len(found)} found"
    return found[0]


def panel_pair(dashboard_id: str, panel_id: Any, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the panel as exported, the same panel after migration)."""
    model = load(dashboard_id)
    return find(model, panel_id), find(migrate_dashboard(model, **kwargs).model, panel_id)


def all_models() -> list[tuple[str, int, dict[str, Any]]]:
    """(id, index, model) of every real dashboard on this machine: Debian's, and the corpus when present."""
    if not DEBIAN:
        debian_missing()
    return [(d.id, i, m) for d in FOUND for i, m in enumerate(models(d.id))]
