"""A small Prometheus HTTP API client on dashgen's HTTP layer (:mod:`dashgen.http`).

Queries are POSTed form-encoded, as Grafana's Prometheus datasource does by default
(``httpMethod: POST``); metadata calls are GETs. A bearer token or a user and password,
if any, come from the environment (:mod:`dashgen.credentials`), never from the command
line; a URL with ``user:password@`` in it is refused. Every call has a timeout; nothing is
retried (``retries``: 0), so an unreachable Prometheus is reported at once. Thread-safe:
each thread gets its own session.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from .. import http
from ..credentials import Credentials, has_userinfo


class PrometheusError(Exception):
    """Prometheus answered with an error (bad query, timeout, ...): the message is its own."""


class Unreachable(Exception):
    """No HTTP answer at all: connection refused, DNS, TLS, timeout."""


class PrometheusClient:
    def __init__(self, url: str, *, credentials: Credentials | None = None, timeout: float = 30.0, retries: int = 0):
        url = url.strip()
        if has_userinfo(url):  # the message must not repeat the URL: it holds a password
            raise ValueError("the Prometheus URL must not contain credentials (user:password@)")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"Prometheus URL {url!r} must start with http:// or https://")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._sessions = http.PerThread(
            lambda: http.session(retries=retries, timeout=timeout, credentials=credentials), lambda s: s.close()
        )

    def close(self) -> None:
        self._sessions.close()

    # ------------------------------------------------------------------ API calls
    def query(self, expr: str, time: float) -> dict[str, Any]:
        """Instant query: ``data`` with ``resultType`` and ``result``."""
        return self._call("POST", "/api/v1/query", [("query", expr), ("time", _ts(time))])

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        return self._call(
            "POST",
            "/api/v1/query_range",
            [("query", expr), ("start", _ts(start)), ("end", _ts(end)), ("step", _ts(step))],
        )

    def label_values(
        self, label: str, *, match: str | None = None, start: float | None = None, end: float | None = None
    ) -> list[str]:
        params = [("match[]", match)] if match else []
        params += _range(start, end)
        return self._call("GET", f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values", params) or []

    def label_names(
        self, *, match: str | None = None, start: float | None = None, end: float | None = None
    ) -> list[str]:
        params = [("match[]", match)] if match else []
        return self._call("GET", "/api/v1/labels", params + _range(start, end)) or []

    def series(self, match: str, *, start: float | None = None, end: float | None = None) -> list[dict]:
        return self._call("GET", "/api/v1/series", [("match[]", match)] + _range(start, end)) or []

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, params: list[tuple[str, str]]) -> Any:
        import niquests.exceptions as nx

        body = urllib.parse.urlencode(params)
        url = self.url + path
        headers = {"Accept": "application/json"}
        session = self._sessions.get()
        try:
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                response = session.post(url, data=body, headers=headers)
            else:
                response = session.get(url + ("?" + body if params else ""), headers=headers)
            payload, status = response.content or b"", response.status_code
        except nx.RequestException as exc:
            raise Unreachable(f"{self.url}: {http.reason(exc, self.timeout)}") from None
        try:
            doc = json.loads(payload)
        except ValueError:
            snippet = payload[:200].decode(errors="replace").strip()
            raise PrometheusError(f"HTTP {status} from {path}, not a Prometheus API answer: {snippet!r}") from None
        if not isinstance(doc, dict) or doc.get("status") != "success":
            error = doc.get("error") if isinstance(doc, dict) else None
            raise PrometheusError(str(error or f"HTTP {status}"))
        return doc.get("data")


def _ts(value: float) -> str:
    """Seconds as Prometheus accepts them, without float noise (``1767225600``, ``0.5``)."""
    text = repr(round(float(value), 3))
    return text[:-2] if text.endswith(".0") else text


def _range(start: float | None, end: float | None) -> list[tuple[str, str]]:
    out = []
    if start is not None:
        out.append(("start", _ts(start)))
    if end is not None:
        out.append(("end", _ts(end)))
    return out
