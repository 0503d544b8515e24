"""A small Prometheus HTTP API client on the standard library (urllib).

Queries are POSTed form-encoded, as Grafana's Prometheus datasource does by default
(``httpMethod: POST``); metadata calls are GETs. A bearer token (``Authorization: Bearer``)
or a user and password (HTTP basic auth), if any, come from the environment, never from
the command line; a URL with ``user:password@`` in it is refused (urllib would not even
send them). Every call has a timeout. Thread-safe: each call opens its own connection.
"""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .. import __version__


class PrometheusError(Exception):
    """Prometheus answered with an error (bad query, timeout, ...): the message is its own."""


class Unreachable(Exception):
    """No HTTP answer at all: connection refused, DNS, TLS, timeout."""


def has_userinfo(url: str) -> bool:
    """Whether the URL carries ``user[:password]@`` before its host."""
    netloc = urllib.parse.urlsplit(url.strip()).netloc
    return "@" in netloc


class PrometheusClient:
    def __init__(self, url: str, *, token: str | None = None, basic: tuple[str, str] | None = None,
                 timeout: float = 30.0):
        url = url.strip()
        if has_userinfo(url):  # the message must not repeat the URL: it holds a password
            raise ValueError("the Prometheus URL must not contain credentials (user:password@)")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"Prometheus URL {url!r} must start with http:// or https://")
        if token and basic:
            raise ValueError("give Prometheus a bearer token or a user and password, not both")
        self.url = url.rstrip("/")
        self.authorization = None
        if token:
            self.authorization = f"Bearer {token}"
        elif basic:
            pair = f"{basic[0]}:{basic[1]}".encode("utf-8")
            self.authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        self.timeout = timeout

    # ------------------------------------------------------------------ API calls
    def query(self, expr: str, time: float) -> dict[str, Any]:
        """Instant query: ``data`` with ``resultType`` and ``result``."""
        return self._call("POST", "/api/v1/query", [("query", expr), ("time", _ts(time))])

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        return self._call("POST", "/api/v1/query_range",
                          [("query", expr), ("start", _ts(start)), ("end", _ts(end)), ("step", _ts(step))])

    def label_values(self, label: str, *, match: str | None = None, start: float | None = None,
                     end: float | None = None) -> list[str]:
        params = [("match[]", match)] if match else []
        params += _range(start, end)
        return self._call("GET", f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values", params) or []

    def label_names(self, *, match: str | None = None, start: float | None = None,
                    end: float | None = None) -> list[str]:
        params = [("match[]", match)] if match else []
        return self._call("GET", "/api/v1/labels", params + _range(start, end)) or []

    def series(self, match: str, *, start: float | None = None, end: float | None = None) -> list[dict]:
        return self._call("GET", "/api/v1/series", [("match[]", match)] + _range(start, end)) or []

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, params: list[tuple[str, str]]) -> Any:
        body = urllib.parse.urlencode(params).encode()
        url = self.url + path
        headers = {"Accept": "application/json", "User-Agent": f"dashgen/{__version__}"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        else:
            request = urllib.request.Request(url + ("?" + body.decode() if params else ""), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload, status = exc.read(), exc.code
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"{self.url}: {reason}") from None
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
