"""A test double of grafana.com's public dashboard API, served over real HTTP on 127.0.0.1.

It answers what Grafana's own import, grafana-operator and the usual download scripts call:

- ``GET /api/dashboards/{id}``: the listing: ``id``, ``name``, ``slug``, ``description``,
  ``revision`` (the latest), ``downloads``, ``datasource``, ``orgId``/``orgName``/``orgSlug``,
  ``userId``/``userName``, ``createdAt``/``updatedAt``/``publishedAt``, ``json`` (the latest
  revision's dashboard) and ``links``;
- ``GET /api/dashboards/{id}/revisions``: ``{"items": [{"revision": n, ...}], ...}``;
- ``GET /api/dashboards/{id}/revisions/{n}``: one revision's metadata;
- ``GET /api/dashboards/{id}/revisions/{n}/download``: the revision's JSON, byte for byte as
  published (``Content-Type: application/json``);
- anything else, an unknown id or revision: ``404 {"message": "Not found"}``.

    with GrafanaComDouble() as gc:
        gc.publish(7249, dashboard_dict, name="Kubernetes Cluster")   # revision 1
        gc.publish(7249, newer)                                        # revision 2
        gc.fail_next(3, status=500)                                    # a burst of 500s
        gc.stall_next(5, seconds=2)                                    # answers that come too late

``requests`` logs ``(method, path, status)``; a stalled request is logged with status None;
``times`` holds when each request of ``requests`` arrived (``time.monotonic()``).
Standard library only.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON_CT = "application/json; charset=utf-8"
_ROUTE = re.compile(r"\A/api/dashboards/([^/]+)(?:/revisions(?:/([^/]+)(/download)?)?)?/?\Z")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parsed(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class GrafanaComDouble:
    def __init__(self) -> None:
        self.dashboards: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int | None]] = []
        self.times: list[float] = []
        self._faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    def publish(self, dashboard_id: int, dashboard: dict[str, Any] | bytes, *, name: str | None = None,
                org: str = "Grafana Labs", datasource: str = "Prometheus") -> int:
        """Publish a new revision of ``dashboard_id`` (the first creates the listing); its number."""
        content = dashboard if isinstance(dashboard, bytes) else json.dumps(dashboard, indent=2).encode()
        with self._lock:
            entry = self.dashboards.get(dashboard_id)
            if entry is None:
                title = name or (_parsed(content) or {}).get("title", f"Dashboard {dashboard_id}")
                entry = self.dashboards[dashboard_id] = {
                    "name": title, "slug": _slug(title), "org": org, "datasource": datasource,
                    "created": _now(), "revisions": [], "downloads": 0,
                }
            entry["revisions"].append({"content": content, "created": _now(), "downloads": 0})
            return len(entry["revisions"])

    def fail_next(self, n: int, *, status: int = 500, paths: str | None = None,
                  retry_after: str | None = None) -> None:
        """The next ``n`` requests (whose path matches the regex ``paths``) get ``status``."""
        with self._lock:
            self._faults.append({"n": n, "status": status, "paths": paths, "retry_after": retry_after})

    def stall_next(self, n: int, *, seconds: float, paths: str | None = None) -> None:
        """The next ``n`` requests wait ``seconds`` before answering (and then drop the connection)."""
        with self._lock:
            self._faults.append({"n": n, "stall": seconds, "paths": paths})

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def downloads(self) -> list[str]:
        return [path for method, path, status in self.requests if path.endswith("/download") and status == 200]

    # ------------------------------------------------------------------ server
    def start(self) -> GrafanaComDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                double._handle(self)

            def do_HEAD(self) -> None:  # noqa: N802
                double._answer(self, 405, {"message": "Method not allowed"})

            do_POST = do_PUT = do_DELETE = do_HEAD  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GrafanaComDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the double first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ requests
    def _fault(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for fault in self._faults:
                if fault["n"] > 0 and (fault["paths"] is None or re.search(fault["paths"], path)):
                    fault["n"] -= 1
                    return fault
        return None

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        arrived = time.monotonic()
        fault = self._fault(path)
        if fault and "stall" in fault:
            self._log("GET", path, None, arrived)
            time.sleep(fault["stall"])
            req.close_connection = True
            return
        if fault:
            headers = {"Retry-After": fault["retry_after"]} if fault.get("retry_after") else {}
            self._answer(req, fault["status"], {"message": "Internal server error"}, headers=headers)
            return
        match = _ROUTE.match(path)
        if not match:
            self._answer(req, 404, {"message": "Not found"})
            return
        raw_id, raw_rev, download = match.groups()
        entry = self.dashboards.get(int(raw_id)) if raw_id.isdigit() else None
        if entry is None:
            self._answer(req, 404, {"message": "Not found"})
            return
        dashboard_id = int(raw_id)
        revisions = entry["revisions"]
        if raw_rev is None and "/revisions" not in path:
            self._answer(req, 200, self._listing(dashboard_id, entry))
        elif raw_rev is None:
            self._answer(req, 200, {
                "items": [self._revision(dashboard_id, n, r) for n, r in enumerate(revisions, 1)],
                "orderBy": "revision", "direction": "asc",
                "links": [{"rel": "self", "href": f"/dashboards/{dashboard_id}/revisions"}],
            })
        elif not raw_rev.isdigit() or not 1 <= int(raw_rev) <= len(revisions):
            self._answer(req, 404, {"message": "Not found"})
        elif download:
            revision = revisions[int(raw_rev) - 1]
            revision["downloads"] += 1
            entry["downloads"] += 1
            self._answer(req, 200, revision["content"])
        else:
            self._answer(req, 200, self._revision(dashboard_id, int(raw_rev), revisions[int(raw_rev) - 1]))

    def _listing(self, dashboard_id: int, entry: dict[str, Any]) -> dict[str, Any]:
        latest = len(entry["revisions"])
        return {
            "id": dashboard_id, "status": 1, "name": entry["name"], "slug": entry["slug"],
            "description": f"{entry['name']}, as published on the double.",
            "revision": latest, "downloads": entry["downloads"], "datasource": entry["datasource"],
            "orgId": 1, "orgName": entry["org"], "orgSlug": _slug(entry["org"]),
            "userId": 1, "userName": "double",
            "createdAt": entry["created"], "updatedAt": entry["revisions"][-1]["created"],
            "publishedAt": entry["created"],
            "json": _parsed(entry["revisions"][-1]["content"]),
            "links": [
                {"rel": "self", "href": f"/dashboards/{dashboard_id}"},
                {"rel": "revisions", "href": f"/dashboards/{dashboard_id}/revisions"},
                {"rel": "download", "href": f"/dashboards/{dashboard_id}/revisions/{latest}/download"},
            ],
        }

    @staticmethod
    def _revision(dashboard_id: int, n: int, revision: dict[str, Any]) -> dict[str, Any]:
        return {
            "dashboardId": dashboard_id, "revision": n, "description": "", "downloads": revision["downloads"],
            "createdAt": revision["created"],
            "links": [{"rel": "download", "href": f"/dashboards/{dashboard_id}/revisions/{n}/download"}],
        }

    def _log(self, method: str, path: str, status: int | None, when: float) -> None:
        with self._lock:
            self.requests.append((method, path, status))
            self.times.append(when)

    def _answer(self, req: BaseHTTPRequestHandler, status: int, body: Any,
                headers: dict[str, str] | None = None) -> None:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self._log(req.command, req.path.split("?", 1)[0], status, time.monotonic())
        req.send_response(status)
        req.send_header("Content-Type", JSON_CT)
        req.send_header("Content-Length", str(len(content)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(content)
