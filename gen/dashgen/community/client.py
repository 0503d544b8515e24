"""grafana.com's public dashboard API, read through the one HTTP layer (:mod:`dashgen.http`).

Two calls, the ones Grafana's own import and grafana-operator make:

- ``GET /api/dashboards/{id}``: the dashboard's listing: ``name``, ``slug``, ``revision``
  (the latest), ``downloads``, ``orgName``, ``updatedAt``... (and the latest revision's JSON
  as ``json``, which dashgen does not use: it downloads the revision it pins);
- ``GET /api/dashboards/{id}/revisions/{revision}/download``: one revision's dashboard JSON
  as its author exported it, ``__inputs`` and all.

The API is public: no credentials. The base URL is grafana.com's, or a mirror's
(``--grafana-com-url``, ``DASHGEN_GRAFANA_COM_URL``). Every request has a timeout and is
retried with backoff on connection errors, timeouts, 429 and 5xx; every failure is one line
(:class:`~dashgen.errors.DashgenError`): unreachable, a 404 (no such dashboard or revision),
a 5xx that outlasted the retries, an answer that is not grafana.com's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import http
from ..credentials import base_url, has_userinfo
from ..errors import DashgenError

DEFAULT_URL = "https://grafana.com"
URL_ENV = "DASHGEN_GRAFANA_COM_URL"
TIMEOUT = 30.0  # seconds per attempt: a large dashboard through a slow proxy
RETRIES = 4


@dataclass(frozen=True)
class Listing:
    """What ``GET /api/dashboards/{id}`` says about a dashboard."""

    id: int
    name: str
    slug: str
    revision: int  # the latest


class GrafanaCom:
    """A client of grafana.com's dashboard API (or a mirror of it)."""

    def __init__(self, url: str = DEFAULT_URL, *, timeout: float | None = None, retries: int | None = None):
        self.url = clean_url(url)
        self.timeout = TIMEOUT if timeout is None else timeout
        self.retries = RETRIES if retries is None else retries
        self.stats = http.RetryStats()
        self._session = http.session(retries=self.retries, timeout=self.timeout, stats=self.stats)

    def __enter__(self) -> GrafanaCom:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def where(self) -> str:
        """How messages name the server: grafana.com, or the mirror's URL."""
        return "grafana.com" if self.url == DEFAULT_URL else self.url

    def listing(self, dashboard_id: int) -> Listing:
        path = f"/api/dashboards/{dashboard_id}"
        body = self._get(path, f"{self.where} has no dashboard {dashboard_id}")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        revision = doc.get("revision") if isinstance(doc, dict) else None
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            raise DashgenError(
                f"{self.url}{path}: not a grafana.com dashboard listing (no 'revision'); "
                f"is {self.url} grafana.com or a mirror of its API?"
            )
        name = doc.get("name") if isinstance(doc.get("name"), str) else ""
        slug = doc.get("slug") if isinstance(doc.get("slug"), str) else ""
        return Listing(dashboard_id, name, slug, revision)

    def download(self, dashboard_id: int, revision: int, *, latest: int | None = None) -> bytes:
        """The bytes of one revision's dashboard JSON, as grafana.com serves them."""
        latest_text = f" (the latest is {latest})" if latest is not None and revision > latest else ""
        return self._get(
            f"/api/dashboards/{dashboard_id}/revisions/{revision}/download",
            f"{self.where} dashboard {dashboard_id} has no revision {revision}{latest_text}",
        )

    def _get(self, path: str, not_found: str) -> bytes:
        import niquests.exceptions as nx

        url = self.url + path
        before = self.stats.retries
        try:
            response = self._session.get(url, headers={"Accept": "application/json"})
            content, status = response.content or b"", response.status_code or 0
        except nx.RequestException as exc:
            tried = self.stats.retries - before
            again = f" (tried {tried + 1} times)" if tried else ""
            hint = (
                f"for a mirror set --grafana-com-url or {URL_ENV}"
                if self.url == DEFAULT_URL
                else f"check --grafana-com-url / {URL_ENV}"
            )
            raise DashgenError(
                f"{self.where} is unreachable: {http.reason(exc, self.timeout)}{again}; {hint}"
            ) from None
        if status == 200:
            return content
        if status == 404:
            raise DashgenError(f"{not_found} (404 from {url})")
        tried = self.stats.retries - before
        after = f" after {tried} retries" if tried else ""
        reason = f" {response.reason}" if getattr(response, "reason", None) else ""
        detail = _message(content)
        raise DashgenError(
            f"{self.where} answered {status}{reason} for {path}{after}{': ' + detail if detail else ''}"
            + ("; try again later" if status >= 500 or status == 429 else "")
        )


def clean_url(url: str) -> str:
    """The base URL as used (no trailing slash); errors say which setting to fix."""
    where = f"--grafana-com-url / {URL_ENV}"
    text = url.strip()
    if has_userinfo(text):
        raise DashgenError(f"{where} must not contain credentials (user:password@)")
    return base_url(text, where)


def _message(content: bytes) -> str:
    """grafana.com's own ``message`` from an error answer, if it sent one."""
    try:
        doc: Any = json.loads(content)
    except ValueError:
        return ""
    message = doc.get("message") if isinstance(doc, dict) else None
    return str(message).splitlines()[0][:200] if message else ""
