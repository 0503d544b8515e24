"""The HTTP metrics of the EmPulse API, by instrumentation (``values.empulse.http_preset``).

* ``fastapi`` (default): prometheus-fastapi-instrumentator defaults.
  ``http_requests_total{handler,method,status}`` with ``status`` grouped ``2xx``..``5xx``,
  ``http_request_duration_seconds{handler,method}`` (buckets 0.1, 0.5, 1),
  ``http_request_duration_highr_seconds`` (many buckets, no labels),
  ``http_requests_inprogress{handler,method}``.
* ``promhttp``: Go client_golang promhttp middleware with a curried ``handler`` label.
  ``http_requests_total{code,method,handler}``, ``http_request_duration_seconds{handler,method}``,
  ``http_requests_in_flight``.
* ``otel``: OpenTelemetry HTTP semantic conventions through the Prometheus exporter.
  ``http_server_request_duration_seconds{http_route,http_request_method,http_response_status_code}``
  (its ``_count`` counts requests), ``http_server_active_requests{http_request_method}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dashgen


@dataclass(frozen=True)
class HttpPreset:
    requests: str  # counter of requests (rate() of it)
    route: str  # the label naming the endpoint
    status: str  # the label with the status code or class
    server_error: str  # matcher for 5xx responses
    duration: str  # histogram (name without _bucket) with the route label
    overall_duration: str  # the histogram with the finest buckets, for all routes together
    inflight: str  # gauge of requests in progress
    inflight_by_route: bool  # whether the in-progress gauge has the route label


PRESETS = {
    "fastapi": HttpPreset(
        requests="http_requests_total", route="handler", status="status", server_error='status="5xx"',
        duration="http_request_duration_seconds", overall_duration="http_request_duration_highr_seconds",
        inflight="http_requests_inprogress", inflight_by_route=True,
    ),
    "promhttp": HttpPreset(
        requests="http_requests_total", route="handler", status="code", server_error='code=~"5.."',
        duration="http_request_duration_seconds", overall_duration="http_request_duration_seconds",
        inflight="http_requests_in_flight", inflight_by_route=False,
    ),
    "otel": HttpPreset(
        requests="http_server_request_duration_seconds_count", route="http_route",
        status="http_response_status_code", server_error='http_response_status_code=~"5.."',
        duration="http_server_request_duration_seconds", overall_duration="http_server_request_duration_seconds",
        inflight="http_server_active_requests", inflight_by_route=False,
    ),
}

PRESET_NAME = dashgen.setting("empulse.http_preset", "fastapi", choices=sorted(PRESETS))
HTTP = PRESETS[PRESET_NAME]
