"""The one HTTP layer: niquests sessions for Grafana, Prometheus and grafana.com.

:func:`session` makes every session dashgen uses, so they all behave alike:

- a timeout on every request (connect and read), and TLS verified unless told otherwise
  (``verify``: True, a CA bundle path, or False for ``--insecure``);
- retries by urllib3's ``Retry`` (the urllib3-future niquests ships): connection errors,
  timeouts, 429 and 5xx are retried, any method, with exponential backoff and jitter,
  honouring ``Retry-After``; other 4xx and TLS errors never are. :class:`Retry` adds
  dashgen's limits: a ``Retry-After`` over ``MAX_RETRY_AFTER`` is not waited for (the answer
  is returned as it is), and no retry starts once the retries of one request would take more
  than ``MAX_ELAPSED`` seconds;
- a ``User-Agent`` naming dashgen, and credentials registered with :mod:`dashgen.redact`;
- plain requests sent over ``http.client`` by :class:`dashgen.lean_http.LeanSession` (a
  third of niquests' CPU per request, the same answers, failures and retries), the rest
  by niquests itself.

niquests sessions are not documented as thread-safe: :class:`PerThread` keeps one per
worker thread. :func:`reason` turns a failed request into a short, credential-free cause.
Only commands that talk HTTP import this module (it loads niquests).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import niquests
import niquests.exceptions as nx
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry as _Urllib3Retry

from . import redact
from .credentials import Credentials

# Backoff: retry n waits between d/2 and d, d = min(BACKOFF_CAP, BACKOFF_BASE * 2**(n-1)).
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_ELAPSED = 60.0  # seconds of retrying one request may take, waits included
MAX_RETRY_AFTER = 30.0  # a longer Retry-After is not waited for: the answer is returned as it is
RETRY_STATUSES = frozenset({429, *range(500, 600)})


class RetryStats:
    """How many retries the sessions sharing it made (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.retries = 0

    def add(self) -> None:
        with self._lock:
            self.retries += 1


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): exponential, jittered ("equal jitter")."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class Retry(_Urllib3Retry):
    """urllib3's Retry with dashgen's backoff, the ``Retry-After`` bound, the time budget and a counter.

    urllib3 decides what is retried (statuses, errors, methods), parses ``Retry-After``,
    drains and re-sends; this class only chooses each wait, refuses the ones over the limits
    (by raising ``MaxRetryError``, after which urllib3 returns the last answer or raises the
    last error) and counts the retries made.
    """

    def __init__(
        self,
        *args: Any,
        stats: RetryStats | None = None,
        started: float | None = None,
        delay: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stats = stats
        self.started = started  # monotonic time of this request's first failure
        self.delay = delay  # the wait before the next attempt, chosen by increment()

    def new(self, **kw: Any) -> Retry:
        kw.setdefault("stats", self.stats)
        kw.setdefault("started", self.started)
        kw.setdefault("delay", self.delay)
        return super().new(**kw)  # type: ignore[return-value]

    def get_backoff_time(self) -> float:
        return backoff(max(1, len(self.history)))

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:  # "Retry-After: soon": back off as if it were absent
            return None

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        retry: Retry = super().increment(method, url, response, error, _pool, _stacktrace)  # type: ignore[assignment]
        now = time.monotonic()
        started = self.started if self.started is not None else now
        asked = self.get_retry_after(response) if response is not None else None
        if asked is not None and asked > MAX_RETRY_AFTER:
            raise MaxRetryError(_pool, url or "", error or ResponseError(f"Retry-After {asked:g}s is too long"))
        delay = asked if asked is not None else retry.get_backoff_time()
        if now - started + delay > MAX_ELAPSED:
            raise MaxRetryError(_pool, url or "", error or ResponseError("out of time for retries"))
        if self.stats is not None:
            self.stats.add()
        return retry.new(started=started, delay=delay)

    def sleep(self, response: Any = None) -> None:
        if self.delay > 0:
            time.sleep(self.delay)


def retry(retries: int, stats: RetryStats | None = None) -> Retry:
    """The Retry of a session: ``retries`` extra attempts after a transient failure."""
    return Retry(
        total=retries,
        connect=None,
        read=None,
        redirect=None,
        status=None,
        other=0,
        allowed_methods=None,
        status_forcelist=RETRY_STATUSES,
        raise_on_status=False,
        respect_retry_after_header=True,
        stats=stats,
    )


def session(
    *,
    retries: int,
    timeout: float,
    verify: bool | str = True,
    credentials: Credentials | None = None,
    stats: RetryStats | None = None,
    pool_maxsize: int = 10,
) -> niquests.Session:
    """A session with dashgen's retries, timeout, TLS verification, User-Agent and credentials."""
    from . import __version__
    from .lean_http import LeanSession

    s = LeanSession(retries=retry(retries, stats), timeout=timeout, pool_maxsize=pool_maxsize)
    s.verify = verify
    s.headers["User-Agent"] = f"dashgen/{__version__}"
    if credentials is not None:
        credentials.register()
        s.headers["Authorization"] = credentials.header()
    return s


def quiet_insecure_warnings() -> None:
    """``--insecure`` is warned about once by dashgen, not on every request by urllib3."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    warnings.filterwarnings("ignore", category=InsecureRequestWarning)


T = TypeVar("T")


class PerThread(Generic[T]):
    """One ``make()`` per thread (sessions, or clients holding one), closed together by :meth:`close`."""

    def __init__(self, make: Callable[[], T], close: Callable[[T], None]):
        self._make = make
        self._close = close
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[T] = []

    def get(self) -> T:
        item = getattr(self._local, "item", None)
        if item is None:
            item = self._local.item = self._make()
            with self._lock:
                self._all.append(item)
        return item

    def close(self) -> None:
        with self._lock:
            items, self._all = self._all, []
        for item in items:
            try:
                self._close(item)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, credentials removed."""
    text = str(exc).strip()
    return redact.scrub(text.splitlines()[0]) if text else type(exc).__name__


def reason(exc: BaseException, timeout: float) -> str:
    """Why a request got no answer, in a few words: timed out, refused, host not found, closed, TLS."""
    if isinstance(exc, nx.SSLError):
        return tls_reason(exc)
    text = str(exc).lower()
    if isinstance(exc, nx.Timeout) or "timed out" in text:
        return f"timed out after {timeout:g}s"
    if "refused" in text:
        return "connection refused"
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or "getaddrinfo" in text
        or "name resolution" in text
    ):
        return "host name not found"
    if "reset" in text or "aborted" in text or "remote end closed" in text or "disconnected" in text:
        return "connection closed by the server"
    return first_line(exc)


def tls_reason(exc: BaseException) -> str:
    text = first_line(exc)
    low = text.lower()
    if "certificate verify failed" in low or "certificate" in low:
        detail = "certificate verify failed"
        for hint in (
            "self-signed certificate",
            "self signed certificate",
            "unable to get local issuer",
            "hostname mismatch",
            "certificate has expired",
            "IP address mismatch",
        ):
            if hint.lower() in low:
                detail += f" ({hint})"
                break
        return (
            f"TLS: {detail}; for a private CA pass --ca-cert FILE (or ca_cert in the target), "
            "or --insecure to skip verification"
        )
    return f"TLS error: {text}"
