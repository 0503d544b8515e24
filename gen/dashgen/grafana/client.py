"""One Grafana connection: grafana-client underneath, on dashgen's HTTP layer, with clean errors.

- Every request has a timeout (``--timeout``, default 10 s, connect and read), and transient
  failures (connection errors, timeouts, 429, 5xx) are retried as :mod:`dashgen.http` does for
  every session (``--retries``). grafana-client has no public way to take a session:
  :func:`_install_session` is the one place that swaps its private one for dashgen's, and it
  fails loudly if grafana-client's internals change.
- niquests sessions are not documented as thread-safe, so each worker thread gets its own
  ``GrafanaApi`` (and connection pool); they are closed together.
- Errors become :class:`ApiError` with Grafana's own message; the text never carries a
  credential (see :mod:`dashgen.redact`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import niquests
import niquests.exceptions as nx
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaException, GrafanaTimeoutError

from .. import http, redact
from ..credentials import Credentials
from ..errors import DashgenError


@dataclass(frozen=True)
class Connection:
    """Where and how to reach one Grafana organisation."""

    name: str  # the dashgen.yaml target, or "" for --grafana-url / GRAFANA_URL
    url: str  # scheme://host[:port][/sub-path], no credentials, no trailing slash
    credentials: Credentials = field(repr=False)
    org_id: int | None = None
    verify: bool | str = True  # False with --insecure, a CA bundle path with --ca-cert
    timeout: float = 10.0
    retries: int = 4

    @property
    def label(self) -> str:
        where = redact.url(self.url) + (f" org {self.org_id}" if self.org_id else "")
        return f"{self.name} ({where})" if self.name else where


class ApiError(DashgenError):
    """A request that failed: HTTP ``status`` (None when no answer) and Grafana's message."""

    def __init__(self, message: str, *, status: int | None = None, grafana_status: str = "", what: str = ""):
        self.status = status
        self.grafana_message = redact.scrub(message)
        self.grafana_status = grafana_status  # the "status" key of dashboard errors
        text = f"{status} {self.grafana_message}" if status else self.grafana_message
        super().__init__(f"{what}: {text}" if what else text)


class Grafana:
    """Access to one :class:`Connection` from any number of threads."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.stats = http.RetryStats()
        self._apis = http.PerThread(self._new_api, lambda api: _session(api).close())
        self._lock = threading.Lock()
        self._writes = 0
        connection.credentials.register()

    # -------------------------------------------------------------------------- clients

    def api(self) -> GrafanaApi:
        """This thread's grafana-client API object."""
        return self._apis.get()

    def _new_api(self) -> GrafanaApi:
        c = self.connection
        scheme, rest = c.url.split("://", 1)
        hostport, _, prefix = rest.partition("/")
        host, port = _split_host_port(hostport)
        api = GrafanaApi(
            c.credentials.auth(),
            host=host,
            port=port,
            protocol=scheme,
            url_path_prefix=f"{prefix.strip('/')}/" if prefix.strip("/") else "",
            verify=c.verify,
            timeout=c.timeout,
            organization_id=c.org_id,
            user_agent=f"dashgen/{_version()} (grafana-client)",
        )
        _install_session(api, http.session(retries=c.retries, timeout=c.timeout, verify=c.verify, stats=self.stats))
        return api

    def close(self) -> None:
        self._apis.close()

    @property
    def writes(self) -> int:
        with self._lock:
            return self._writes

    # ------------------------------------------------------------------------- requests

    def call(self, what: str, fn: Callable[[GrafanaApi], Any], *, write: bool = False) -> Any:
        """Run ``fn(api)``; any failure becomes an :class:`ApiError` describing ``what``."""
        if write:
            with self._lock:
                self._writes += 1
        try:
            return fn(self.api())
        except GrafanaTimeoutError:
            raise ApiError(f"no answer within {self.connection.timeout:g}s (--timeout)", what=what) from None
        except GrafanaException as exc:
            raise _api_error(exc, what) from None
        except nx.SSLError as exc:
            raise ApiError(http.tls_reason(exc), what=what) from None
        except (nx.ConnectionError, nx.Timeout, nx.ChunkedEncodingError) as exc:
            raise ApiError(_connection_reason(exc, self.connection), what=what) from None
        except nx.RequestException as exc:
            raise ApiError(http.first_line(exc), what=what) from None
        except ValueError as exc:  # a body that is not JSON: not Grafana's API
            raise ApiError(f"unexpected answer, not Grafana's JSON API ({http.first_line(exc)})", what=what) from None

    def get(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any:
        return self.call(what, lambda api: api.client.GET(path, params=params))


# ---------------------------------------------------------------- grafana-client internals


def _session(api: GrafanaApi) -> niquests.Session:
    """The niquests session grafana-client sends every request through.

    grafana-client (5.x) keeps it in the private attribute ``GrafanaClient.s`` and offers no
    way to pass one in. ``GrafanaClient.__getattr__`` turns *any* missing attribute into a
    request function, so ``api.client.s`` cannot tell "renamed" from "there": the attribute
    is looked up in ``vars()`` and checked, and a change in grafana-client stops dashgen with
    a clear message instead of, say, pushing without retries.
    """
    session = vars(api.client).get("s")
    if not isinstance(session, niquests.Session):
        from importlib.metadata import version

        raise DashgenError(
            f"grafana-client {version('grafana-client')} does not keep its niquests session in GrafanaClient.s, "
            "which dashgen replaces to add retries; install a grafana-client version dashgen supports "
            "(see pyproject.toml) or update dashgen.grafana.client._session"
        )
    return session


def _install_session(api: GrafanaApi, session: niquests.Session) -> None:
    """Make grafana-client send its requests through ``session`` (its headers carried over)."""
    old = _session(api)
    session.headers.update(old.headers)
    old.close()
    api.client.s = session


def _split_host_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):  # IPv6 literal: grafana-client pastes host:port as given
        host, _, port = hostport.partition("]")
        host += "]"
        port = port.lstrip(":")
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    else:
        host, port = hostport, ""
    return host, int(port) if port else None


def _version() -> str:
    from .. import __version__

    return __version__


def _api_error(exc: GrafanaException, what: str) -> ApiError:
    body = exc.response
    status = exc.status_code or None
    grafana_status = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error") or "")
        grafana_status = str(body.get("status") or "")
    else:
        message = str(body or "").strip().splitlines()[0] if body else ""
    if not message:
        message = http.first_line(exc) or "no message"
    if len(message) > 300:
        message = message[:300] + "…"
    return ApiError(message, status=status, grafana_status=grafana_status, what=what)


def _connection_reason(exc: BaseException, connection: Connection) -> str:
    tries = connection.retries + 1
    return (
        f"cannot reach Grafana at {redact.url(connection.url)}: {http.reason(exc, connection.timeout)} "
        f"(tried {tries} time{'s' * (tries > 1)})"
    )
