"""``dashgen verify``: run every panel's queries against a live Prometheus, as Grafana would.

    from dashgen.verify import VerifyOptions, verify
    results = verify(config, VerifyOptions(prometheus_url="http://localhost:9090", start=..., end=...))

Modules: ``grafana`` (time, intervals, variable formatting: Grafana's semantics),
``client`` (Prometheus HTTP API on dashgen.http), ``variables`` (template variable resolution),
``runner`` (planning, concurrent execution, classification), ``report`` (text and JSON).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Config
from ..credentials import Credentials
from ..errors import DashgenError
from .client import PrometheusClient, PrometheusError, Unreachable
from .runner import DashboardResult, Datasources, verify_dashboards

__all__ = ["VerifyOptions", "verify", "DashboardResult"]


@dataclass
class VerifyOptions:
    prometheus_url: str
    start: float | None = None  # unix seconds; None: each dashboard's own time range
    end: float | None = None
    dashboards: list[str] = field(default_factory=list)  # uids; empty: all
    credentials: Credentials | None = None  # a bearer token or a user and password (credentials.resolve)
    concurrency: int = 8
    timeout: float = 30.0
    scrape_interval: str | None = None  # overrides the datasource's jsonData.timeInterval
    now: float | None = None


def verify(
    config: Config, options: VerifyOptions, progress: Callable[[int, int], None] | None = None
) -> list[DashboardResult]:
    """Load the sources, then check the selected dashboards against Prometheus."""
    from ..build import load_checked

    resources, _ = load_checked(config, lint=False)
    boards = resources.dashboards
    if options.dashboards:
        known = {d.uid: d for d in boards}
        missing = [u for u in options.dashboards if u not in known]
        if missing:
            raise DashgenError(
                f"no dashboard with uid {', '.join(missing)} (known: {', '.join(sorted(known)) or 'none'})"
            )
        boards = [known[u] for u in dict.fromkeys(options.dashboards)]
    return run(options, [(d.model, d.source) for d in boards], [d.model for d in resources.datasources], progress)


class QueryOptions(Protocol):
    """What running queries needs of a command's options (``VerifyOptions``, preview's ``PreviewOptions``)."""

    prometheus_url: str
    start: float | None
    end: float | None
    credentials: Credentials | None
    concurrency: int
    timeout: float
    scrape_interval: str | None
    now: float | None


def run(
    options: QueryOptions,
    dashboards: list[tuple[dict, str]],
    datasources: list[dict],
    progress: Callable[[int, int], None] | None = None,
    keep_data: bool = False,
) -> list[DashboardResult]:
    """Connect to Prometheus and run the queries of ``dashboards`` ((model, source) pairs) there;
    ``datasources`` are the datasource models the dashboards may name."""
    now = options.now if options.now is not None else _time.time()
    client = connect(
        options.prometheus_url,
        credentials=options.credentials,
        timeout=options.timeout,
        at=options.end if options.end is not None else now,
    )
    try:
        return verify_dashboards(
            dashboards,
            client,
            Datasources.from_models(datasources, options.scrape_interval),
            start=options.start,
            end=options.end,
            now=now,
            concurrency=options.concurrency,
            progress=progress,
            keep_data=keep_data,
        )
    finally:
        client.close()


def connect(url: str, *, credentials: Credentials | None, timeout: float, at: float) -> PrometheusClient:
    """A client for ``url`` that has answered a query at ``at``; a clear error otherwise."""
    try:
        client = PrometheusClient(url, credentials=credentials, timeout=timeout)
    except ValueError as exc:
        raise DashgenError(str(exc)) from None
    try:
        _reachable(client, at)
    except BaseException:
        client.close()
        raise
    return client


def _reachable(client: PrometheusClient, at: float) -> None:
    try:
        client.query("1", at)
    except Unreachable as exc:
        raise DashgenError(f"cannot reach Prometheus: {exc}") from None
    except PrometheusError as exc:
        raise DashgenError(f"{client.url} does not answer as Prometheus: {exc}") from None
