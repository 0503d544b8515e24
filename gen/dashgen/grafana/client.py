"""One Grafana connection: grafana-client underneath, with timeouts, retries and clean errors.

- Every request has a timeout (``--timeout``, default 10 s, connect and read).
- Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and
  jitter, honouring ``Retry-After``; at most ``retries`` extra attempts and at most
  ``MAX_ELAPSED`` seconds per request, waits included. Other 4xx are never retried.
  The retry loop wraps the niquests session that grafana-client uses, so it sees the
  status and headers before grafana-client turns them into exceptions. grafana-client has
  no public way to take a session: :func:`_install_session` is the one place that swaps
  its private one, and it fails loudly if grafana-client's internals change.
- niquests sessions are not documented as thread-safe, so each worker thread gets its own
  ``GrafanaApi`` (and connection pool); they are closed together.
- Errors become :class:`ApiError` with Grafana's own message; the text never carries a
  credential (see :mod:`.redact`).
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import niquests
import niquests.exceptions as nx
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaException, GrafanaTimeoutError

from ..errors import DashgenError
from .. import redact

# Backoff: attempt n waits between d/2 and d, d = min(BACKOFF_CAP, BACKOFF_BASE * 2**(n-1)).
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_ELAPSED = 60.0  # seconds one request may take, retries and waits included
MAX_RETRY_AFTER = 30.0  # a longer Retry-After is not waited for: the request fails


@dataclass(frozen=True)
class Credentials:
    """How to authenticate; ``describe`` names where it came from, never the value."""

    kind: str  # "token" | "basic"
    describe: str
    token: str = field(default="", repr=False)
    user: str = ""
    password: str = field(default="", repr=False)

    def auth(self) -> Any:
        return self.token if self.kind == "token" else (self.user, self.password)


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

    def __init__(self, message: str, *, status: int | None = None, grafana_status: str = "",
                 what: str = ""):
        self.status = status
        self.grafana_message = redact.scrub(message)
        self.grafana_status = grafana_status  # the "status" key of dashboard errors
        text = f"{status} {self.grafana_message}" if status else self.grafana_message
        super().__init__(f"{what}: {text}" if what else text)


class RetryStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.retries = 0

    def add(self) -> None:
        with self._lock:
            self.retries += 1


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): exponential, jittered."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def retry_after(response: Any) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or bad."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class RetryingSession(niquests.Session):
    """A niquests session whose ``request`` retries transient failures (see module doc)."""

    def __init__(self, retries: int, stats: RetryStats, **kwargs: Any):
        super().__init__(**kwargs)
        self.dashgen_retries = retries
        self.dashgen_stats = stats

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        start = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = super().request(method, url, *args, **kwargs)
            except nx.SSLError:
                raise  # a certificate problem does not go away by asking again
            except (nx.ConnectionError, nx.Timeout, nx.ChunkedEncodingError):
                delay = backoff(attempt)
                if attempt > self.dashgen_retries or time.monotonic() - start + delay > MAX_ELAPSED:
                    raise
                self.dashgen_stats.add()
                time.sleep(delay)
                continue
            if not _retryable_status(response.status_code) or attempt > self.dashgen_retries:
                return response
            asked = retry_after(response)
            delay = asked if asked is not None else backoff(attempt)
            if delay > MAX_RETRY_AFTER or time.monotonic() - start + delay > MAX_ELAPSED:
                return response
            response.close()
            self.dashgen_stats.add()
            time.sleep(delay)


class Grafana:
    """Access to one :class:`Connection` from any number of threads."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.stats = RetryStats()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._apis: list[GrafanaApi] = []
        self._writes = 0
        creds = connection.credentials
        if creds.kind == "token":
            redact.register(creds.token)
        else:
            redact.register_basic(creds.user, creds.password)

    # -------------------------------------------------------------------------- clients

    def api(self) -> GrafanaApi:
        """This thread's grafana-client API object."""
        api = getattr(self._local, "api", None)
        if api is None:
            api = self._new_api()
            self._local.api = api
            with self._lock:
                self._apis.append(api)
        return api

    def _new_api(self) -> GrafanaApi:
        c = self.connection
        scheme, rest = c.url.split("://", 1)
        hostport, _, prefix = rest.partition("/")
        host, port = _split_host_port(hostport)
        api = GrafanaApi(
            c.credentials.auth(), host=host, port=port, protocol=scheme,
            url_path_prefix=f"{prefix.strip('/')}/" if prefix.strip("/") else "",
            verify=c.verify, timeout=c.timeout, organization_id=c.org_id,
            user_agent=f"dashgen/{_version()} (grafana-client)",
        )
        _install_session(api, RetryingSession(c.retries, self.stats))
        return api

    def close(self) -> None:
        with self._lock:
            apis, self._apis = self._apis, []
        for api in apis:
            try:
                _session(api).close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

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
            raise ApiError(_tls_reason(exc), what=what) from None
        except (nx.ConnectionError, nx.Timeout, nx.ChunkedEncodingError) as exc:
            raise ApiError(_connection_reason(exc, self.connection), what=what) from None
        except nx.RequestException as exc:
            raise ApiError(_first_line(exc), what=what) from None
        except ValueError as exc:  # a body that is not JSON: not Grafana's API
            raise ApiError(f"unexpected answer, not Grafana's JSON API ({_first_line(exc)})", what=what) from None

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
            "(see pyproject.toml) or update dashgen.grafana.client._session")
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
        message = _first_line(exc) or "no message"
    if len(message) > 300:
        message = message[:300] + "…"
    return ApiError(message, status=status, grafana_status=grafana_status, what=what)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return redact.scrub(text.splitlines()[0]) if text else type(exc).__name__


def _connection_reason(exc: BaseException, connection: Connection) -> str:
    text = str(exc).lower()
    if isinstance(exc, nx.Timeout) or "timed out" in text:
        reason = f"timed out after {connection.timeout:g}s"
    elif "refused" in text:
        reason = "connection refused"
    elif "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text \
            or "name resolution" in text:
        reason = "host name not found"
    elif "reset" in text or "aborted" in text or "remote end closed" in text or "disconnected" in text:
        reason = "connection closed by the server"
    else:
        reason = _first_line(exc)
    tries = connection.retries + 1
    return f"cannot reach Grafana at {redact.url(connection.url)}: {reason} (tried {tries} time{'s' * (tries > 1)})"


def _tls_reason(exc: BaseException) -> str:
    text = _first_line(exc)
    low = text.lower()
    if "certificate verify failed" in low or "certificate" in low:
        detail = "certificate verify failed"
        for hint in ("self-signed certificate", "self signed certificate", "unable to get local issuer",
                     "hostname mismatch", "certificate has expired", "IP address mismatch"):
            if hint.lower() in low:
                detail += f" ({hint})"
                break
        return (f"TLS: {detail}; for a private CA pass --ca-cert FILE (or ca_cert in the target), "
                "or --insecure to skip verification")
    return f"TLS error: {text}"
