"""A niquests session that sends plain requests over the standard library's ``http.client``.

A push is hundreds of small requests to one host. niquests (urllib3-future) spends about
1.3 ms of CPU on each; ``http.client`` about a third of that, and with dozens of requests in
flight in threads sharing one interpreter, that CPU is the push's wall time
(bench/push.py). :class:`LeanSession` sends a request itself when it can send it the way
niquests would:

- http or https, no proxy configured for the scheme, no client certificate, no files,
  cookies, hooks or streaming (``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are honoured
  as niquests honours them);
- retries are decided by the session's :class:`dashgen.http.Retry` (the same object niquests
  consults: 429 and 5xx, connection errors and timeouts, any method, ``Retry-After``
  bounds, the time budget, the counter), and failures raise the exceptions niquests raises;
- a redirect is handed to niquests, which follows it.

Anything else goes to niquests unchanged. One connection per host is kept alive (a session
belongs to one thread: :class:`dashgen.http.PerThread`); a connection the server closed
while idle is replaced before it is used.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import select
import ssl
import urllib.request
import zlib
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import niquests
import niquests.exceptions as nx
import orjson
from niquests.auth import HTTPBasicAuth
from niquests.structures import CaseInsensitiveDict
from niquests.utils import requote_uri
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError

_SENT_HERE = frozenset({"params", "data", "headers", "auth", "timeout", "verify", "json"})
_DEFAULTS = {"allow_redirects": True}  # what the other keyword arguments must be (or None)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class LeanResponse:
    """What callers of a niquests response use: status, headers, body, ``json()``."""

    def __init__(self, url: str, status: int, reason: str, headers: CaseInsensitiveDict, content: bytes):
        self.url = url
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = content
        self.encoding = _charset(str(headers.get("Content-Type", ""))) or "utf-8"

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        if not kwargs:
            try:
                return orjson.loads(self.content)
            except orjson.JSONDecodeError:
                pass  # json's own error below, with its message and position
        try:
            return jsonlib.loads(self.text, **kwargs)
        except jsonlib.JSONDecodeError as exc:
            raise nx.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            kind = "Client" if self.status_code < 500 else "Server"
            raise nx.HTTPError(f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}", response=self)

    def close(self) -> None:
        pass


class _Prepared:
    """The part of a prepared request an auth object changes (its headers)."""

    def __init__(self, method: str, url: str, headers: CaseInsensitiveDict):
        self.method = method
        self.url = url
        self.headers = headers


class _Answer:
    """An answer as urllib3's ``Retry`` looks at it."""

    def __init__(self, status: int, headers: CaseInsensitiveDict):
        self.status = status
        self.headers = headers

    def get_redirect_location(self) -> bool:
        return False  # redirects never reach the retry: niquests follows them


class LeanSession(niquests.Session):
    """``niquests.Session`` whose plain requests go over ``http.client`` (see the module)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._contexts: dict[Any, ssl.SSLContext] = {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if args or not self._can_send(url, kwargs):
            return super().request(method, url, *args, **kwargs)
        answer = self._send(method.upper(), url, **{k: kwargs.get(k) for k in _SENT_HERE})
        if answer is None:  # a redirect: niquests follows it
            return super().request(method, url, **kwargs)
        return answer

    def close(self) -> None:
        connections, self._connections = self._connections, {}
        for connection in connections.values():
            connection.close()
        super().close()

    # ------------------------------------------------------------------ what is sent here

    def _can_send(self, url: str, kwargs: dict[str, Any]) -> bool:
        for key, value in kwargs.items():
            if key not in _SENT_HERE and value is not None and value != _DEFAULTS.get(key):
                return False
        data, timeout = kwargs.get("data"), kwargs.get("timeout", self.timeout)
        if data is not None and not isinstance(data, (bytes, str)):
            return False
        if timeout is not None and not isinstance(timeout, (int, float)):
            return False
        scheme = url.partition(":")[0].lower()
        if scheme not in ("http", "https") or self.proxies or self.cert or self.cookies:
            return False
        if self.trust_env:
            proxies = urllib.request.getproxies()
            if proxies.get(scheme) or proxies.get("all"):
                return False
        return True

    def _send(
        self,
        method: str,
        url: str,
        params: Any,
        data: Any,
        headers: Any,
        auth: Any,
        timeout: Any,
        verify: Any,
        json: Any,
    ) -> LeanResponse | None:
        url = requote_uri(_with_params(url, params))
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = self._headers(method, url, headers, auth)
        body: bytes | None = None
        if json is not None:
            body = _json_body(json)
            sent.setdefault("Content-Type", "application/json;charset=utf-8")  # as niquests
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else data
        if body is None and method in ("POST", "PUT", "PATCH"):
            sent["Content-Length"] = "0"
        seconds = cast("float | None", timeout if timeout is not None else self.timeout)  # a number: _can_send
        verify = self.verify if verify is None else verify
        if verify is True and self.trust_env:  # as niquests does: a CA bundle named in the environment
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        retry = self.retries
        key = (scheme, host, port)
        while True:
            try:
                connection = self._connection(key, seconds, verify)
                connection.request(method, target, body=body, headers=dict(sent))
                reply = connection.getresponse()
                content = reply.read()
            except Exception as exc:  # noqa: BLE001 - mapped to urllib3's kinds, as niquests sees them
                self._drop(key)
                error = _as_urllib3(exc, host, port, url)
                if retry is None or isinstance(retry, int):
                    raise _final(error, url) from None
                try:
                    retry = retry.increment(method, url, error=error)
                except MaxRetryError as gave_up:
                    raise _final(gave_up.reason or error, url) from None
                retry.sleep()
                continue
            if reply.will_close:
                self._drop(key)
            answer_headers = CaseInsensitiveDict(reply.getheaders())
            if reply.status in _REDIRECTS and "Location" in answer_headers:
                return None
            content = _decoded(content, str(answer_headers.get("Content-Encoding", "")))
            response = LeanResponse(url, reply.status, reply.reason, answer_headers, content)
            if retry is None or isinstance(retry, int):
                return response
            seen = _Answer(reply.status, answer_headers)
            if not retry.is_retry(method, reply.status, "Retry-After" in answer_headers):
                return response
            try:
                retry = retry.increment(method, url, response=seen)
            except MaxRetryError:
                return response  # out of retries (or asked to wait too long): the answer as it is
            retry.sleep(seen)

    def _headers(self, method: str, url: str, headers: Any, auth: Any) -> CaseInsensitiveDict:
        sent = CaseInsensitiveDict(self.headers)
        for key, value in (headers or {}).items():
            if value is None:
                sent.pop(key, None)
            else:
                sent[key] = value
        sent["Accept-Encoding"] = "gzip, deflate"  # what _decoded undoes
        auth = auth if auth is not None else self.auth
        if isinstance(auth, tuple) and len(auth) == 2:
            auth = HTTPBasicAuth(*auth)
        if auth is not None:
            auth(_Prepared(method, url, sent))
        return sent

    def _connection(self, key: tuple[str, str, int], timeout: float | None, verify: Any) -> http.client.HTTPConnection:
        connection = self._connections.get(key)
        if connection is not None and connection.sock is not None and not _dropped(connection.sock):
            connection.timeout = timeout
            connection.sock.settimeout(timeout)
            return connection
        if connection is not None:
            connection.close()
        scheme, host, port = key
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context(verify))
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except ssl.SSLError:
            raise
        except TimeoutError as exc:
            raise _ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise _Connecting(str(exc)) from exc
        self._connections[key] = connection
        return connection

    def _drop(self, key: tuple[str, str, int]) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()

    def _context(self, verify: Any) -> ssl.SSLContext:
        context = self._contexts.get(verify)
        if context is None:
            if verify is False:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif isinstance(verify, str):
                context = ssl.create_default_context(
                    cafile=None if os.path.isdir(verify) else verify, capath=verify if os.path.isdir(verify) else None
                )
            else:
                context = ssl.create_default_context()
            self._contexts[verify] = context
        return context


def _with_params(url: str, params: Any) -> str:
    if not params:
        return url
    items = params.items() if hasattr(params, "items") else params
    pairs = [(k, v) for k, vs in items for v in (vs if isinstance(vs, (list, tuple)) else [vs]) if v is not None]
    if not pairs:
        return url
    query = urlencode(pairs)
    base, _, fragment = url.partition("#")
    return base + ("&" if "?" in base else "?") + query + (f"#{fragment}" if fragment else "")


def _json_body(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits
        return jsonlib.dumps(value, allow_nan=False).encode("utf-8")


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return None


def _decoded(content: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:
            return zlib.decompress(content, -zlib.MAX_WBITS)
    return content


def _dropped(sock: Any) -> bool:
    """Whether an idle kept-alive connection was closed by the server (readable: EOF or junk)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _as_urllib3(exc: BaseException, host: str, port: int, url: str) -> Exception:
    """A failure as urllib3 classifies it, which decides whether it is retried."""
    where = f"{host}:{port}"
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return Urllib3SSLError(str(exc))
    if isinstance(exc, _ConnectTimeout):
        return ConnectTimeoutError(None, f"Connection to {where} timed out. (connect timeout)")
    if isinstance(exc, _Connecting):
        return NewConnectionError(None, f"Failed to establish a new connection to {where}: {exc}")  # type: ignore[arg-type]
    if isinstance(exc, TimeoutError):
        return ReadTimeoutError(None, url, f"Read timed out. ({exc})")  # type: ignore[arg-type]
    if isinstance(exc, (http.client.HTTPException, OSError)):
        return ProtocolError("Connection aborted.", exc)
    raise exc  # a bug, not a network failure


class _Connecting(OSError):
    """A failure while connecting (refused, host not found): told from a connection that broke later."""


class _ConnectTimeout(_Connecting, TimeoutError):
    """Connecting timed out."""


def _final(error: BaseException, url: str) -> Exception:
    """The exception niquests raises once a failure is not retried any more (a read timeout
    too becomes a ``ConnectionError`` then, as in niquests)."""
    if isinstance(error, Urllib3SSLError):
        return nx.SSLError(str(error))
    if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
        return nx.ConnectTimeout(str(error))
    if isinstance(error, ResponseError):
        return nx.RetryError(str(error))
    return nx.ConnectionError(f"{url}: {error}")
