"""The check before anything else: is it Grafana, is it up, do the credentials work?

1. ``GET /api/health`` (no authentication): reachable, the database is ok, and the version.
2. ``GET /api/folders?limit=1`` with the credentials: 401 means Grafana does not accept
   them at all, 403 that it does but the account may not even read in this organisation.

Each failure is one :class:`~dashgen.errors.DashgenError` that says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import redact
from ..errors import DashgenError
from .client import ApiError, Grafana


@dataclass(frozen=True)
class ServerInfo:
    version: str | None  # None when Grafana hides it (hide_version)

    @property
    def unique_titles(self) -> bool:
        """Before 11.3 titles are unique per folder; assumed when the version is hidden."""
        parsed = parse_version(self.version)
        return parsed is None or parsed < (11, 3)


def parse_version(version: str | None) -> tuple[int, int] | None:
    m = re.match(r"^v?(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def check(grafana: Grafana) -> ServerInfo:
    conn = grafana.connection
    where = redact.url(conn.url)
    try:
        health = grafana.get("/health", "health check")
    except ApiError as exc:
        if exc.status == 503:
            raise DashgenError(
                f"Grafana at {where} is up but reports its database failing (503 from /api/health); "
                "try again when it has recovered"
            ) from None
        if exc.status == 404:
            raise DashgenError(
                f"{where} answered 404 for /api/health: is it Grafana, and is the sub-path in the URL "
                "right (https://host/grafana when Grafana is served under /grafana)?"
            ) from None
        if exc.status:
            raise DashgenError(f"health check of {where} failed: {exc.status} {exc.grafana_message}") from None
        raise DashgenError(exc.grafana_message) from None
    if not isinstance(health, dict) or "database" not in health:
        raise DashgenError(f"{where} answered /api/health, but not like Grafana does; check the URL") from None
    try:
        grafana.get("/folders", "credentials check", params={"limit": 1})
    except ApiError as exc:
        raise DashgenError(_auth_message(exc, grafana)) from None
    version = health.get("version") or None
    if version is None:
        try:  # hidden from anonymous callers; signed-in callers see it in the frontend settings
            info = grafana.call("version", lambda api: api.health.check())
            version = (info or {}).get("version") or None
        except ApiError:
            version = None
    return ServerInfo(version=version)


def _auth_message(exc: ApiError, grafana: Grafana) -> str:
    conn = grafana.connection
    creds = conn.credentials.describe
    org = f"organisation {conn.org_id}" if conn.org_id else "its default organisation"
    said = f" (Grafana says: {exc.grafana_message})" if exc.grafana_message else ""
    if exc.status == 401:
        return (
            f"Grafana at {redact.url(conn.url)} rejected the credentials from {creds} (401){said}: the token or "
            "password is wrong, expired or revoked"
            + (f", or the token belongs to another organisation than --org-id {conn.org_id}" if conn.org_id else "")
            + ". 401 means Grafana does not know who you are; 403 would mean it does, but you may not do this"
        )
    if exc.status == 403:
        return (
            f"Grafana at {redact.url(conn.url)} accepted the credentials from {creds} but refused access to "
            f"{org} (403){said}: the account has no role there. push needs Editor for folders and dashboards "
            "and Admin for datasources; diff needs Viewer"
        )
    if exc.status:
        return f"credentials check at {redact.url(conn.url)} failed: {exc.status} {exc.grafana_message}"
    return exc.grafana_message
