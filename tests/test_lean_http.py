"""dashgen.lean_http: the same answers, failures and retries as niquests, over http.client.

Every scenario runs twice on a scripted HTTP server on loopback: once through a plain
``niquests.Session`` with dashgen's Retry (what dashgen used before), once through
``LeanSession``; the outcomes must be the same, and the lean one must have sent the
request itself (not handed it to niquests).
"""

from __future__ import annotations

import gzip
import http.server
import json
import socket
import threading
import time

import niquests
import niquests.exceptions as nx
import pytest

from dashgen import http as dhttp
from dashgen.lean_http import LeanSession


class Script:
    """What the server does with each request, in order (then ``default``)."""

    def __init__(self) -> None:
        self.steps: list[object] = []
        self.seen: list[tuple[str, str, dict, bytes]] = []
        self.connections = 0
        self.lock = threading.Lock()

    def next(self) -> object:
        with self.lock:
            return self.steps.pop(0) if self.steps else ("ok", 200, {}, b'{"ok": true}')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.script.lock:  # type: ignore[attr-defined]
            self.server.script.connections += 1  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        pass

    def _any(self) -> None:
        script: Script = self.server.script  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        script.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if self.path == "/api/moved":  # always: however often it is asked
            self.send_response(302)
            self.send_header("Location", "/api/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        step = script.next()
        kind = step[0]
        if kind == "drop":  # no answer, the connection closed
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "hang":
            time.sleep(step[1])
            self.close_connection = True
            return
        _, status, headers, content = step
        if kind == "gzip":
            content = gzip.compress(content)
            headers = {**headers, "Content-Encoding": "gzip"}
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        if kind == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = _any


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(dhttp, "BACKOFF_BASE", 0.01)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.script = Script()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd, path="/api/x") -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}{path}"


def _sessions(retries=2, timeout=2.0):
    """(niquests, lean) with the same settings, each with its own retry counter."""
    plain_stats, lean_stats = dhttp.RetryStats(), dhttp.RetryStats()
    plain = niquests.Session(retries=dhttp.retry(retries, plain_stats), timeout=timeout)
    lean = LeanSession(retries=dhttp.retry(retries, lean_stats), timeout=timeout)
    return (plain, plain_stats), (lean, lean_stats)


def _outcome(session, stats, method, url, **kwargs):
    """What a caller sees: status, headers that matter, JSON or the failure's kind and reason."""
    try:
        r = session.request(method, url, **kwargs)
    except nx.RequestException as exc:
        kinds = [k.__name__ for k in (nx.SSLError, nx.Timeout, nx.ConnectionError, nx.RetryError) if isinstance(exc, k)]
        return ("raised", kinds, dhttp.reason(exc, 2.0), stats.retries)
    try:
        body = r.json()
    except ValueError as exc:
        body = ("not json", type(exc).__name__, isinstance(exc, nx.JSONDecodeError), r.text)
    return (r.status_code, r.headers.get("content-type"), body, stats.retries)


def _both(server, steps, method="GET", path="/api/x", retries=2, **kwargs):
    """The outcome through niquests and through LeanSession, the server following ``steps`` each time."""
    (plain, plain_stats), (lean, lean_stats) = _sessions(retries)
    sent = []
    original = LeanSession._send

    def spy(self, *a, **k):
        sent.append(a[0])
        return original(self, *a, **k)

    try:
        server.script.steps = list(steps)
        expected = _outcome(plain, plain_stats, method, _url(server, path), **kwargs)
        plain_seen, server.script.seen = server.script.seen, []
        server.script.steps = list(steps)
        LeanSession._send = spy
        got = _outcome(lean, lean_stats, method, _url(server, path), **kwargs)
    finally:
        LeanSession._send = original
        plain.close()
        lean.close()
    assert sent, "LeanSession handed the request to niquests"
    return expected, got, plain_seen, server.script.seen


def test_an_answer_reads_the_same(server):
    expected, got, plain_seen, lean_seen = _both(server, [("ok", 200, {}, b'{"a": [1, 2], "b": "\xc3\xa9"}')],
                                                 params={"query": "a b", "tag": ["x", "y"], "skip": None})
    assert got == expected == (200, "application/json", {"a": [1, 2], "b": "é"}, 0)
    assert lean_seen[0][1] == plain_seen[0][1] == "/api/x?query=a+b&tag=x&tag=y"


def test_a_json_body_and_headers_arrive_the_same(server):
    payload = {"dashboard": {"uid": "u", "title": "Ünïcode", "n": 2 ** 40}, "overwrite": True}
    expected, got, plain_seen, lean_seen = _both(
        server, [("ok", 200, {}, b"{}")], method="POST", json=payload, headers={"X-Grafana-Org-Id": "3"},
        auth=("admin", "secret"),
    )
    assert got == expected
    (_, _, plain_headers, plain_body), (_, _, lean_headers, lean_body) = plain_seen[0], lean_seen[0]
    assert json.loads(lean_body) == json.loads(plain_body) == payload
    for header in ("authorization", "x-grafana-org-id", "content-type"):
        assert lean_headers[header] == plain_headers[header], header


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
def test_client_errors_are_answers_not_retried(server, status):
    body = json.dumps({"message": f"no ({status})"}).encode()
    expected, got, *_ = _both(server, [("ok", status, {}, body)])
    assert got == expected == (status, "application/json", {"message": f"no ({status})"}, 0)


def test_transient_statuses_are_retried(server):
    steps = [("ok", 503, {}, b"{}"), ("ok", 429, {"Retry-After": "0"}, b"{}"), ("ok", 200, {}, b'{"done": 1}')]
    expected, got, plain_seen, lean_seen = _both(server, steps, method="POST", json={"x": 1})
    assert got == expected == (200, "application/json", {"done": 1}, 2)
    assert len(lean_seen) == len(plain_seen) == 3


def test_out_of_retries_the_last_answer_is_returned(server):
    steps = [("ok", 500, {}, b'{"message": "boom"}')] * 3
    expected, got, *_ = _both(server, steps, retries=2)
    assert got == expected == (500, "application/json", {"message": "boom"}, 2)


def test_a_too_long_retry_after_is_not_waited_for(server, monkeypatch):
    monkeypatch.setattr(dhttp, "MAX_RETRY_AFTER", 0.5)
    start = time.monotonic()
    expected, got, *_ = _both(server, [("ok", 429, {"Retry-After": "30"}, b'{"message": "slow down"}')])
    assert got == expected == (429, "application/json", {"message": "slow down"}, 0)
    assert time.monotonic() - start < 5


def test_a_dropped_connection_is_retried(server):
    expected, got, *_ = _both(server, [("drop",), ("ok", 200, {}, b'{"ok": 1}')])
    assert got == expected == (200, "application/json", {"ok": 1}, 1)


def test_dropped_every_time_is_a_connection_error(server):
    expected, got, *_ = _both(server, [("drop",)] * 3, retries=2)
    assert got == expected
    assert got[:3] == ("raised", ["ConnectionError"], "connection closed by the server")


def test_a_refused_connection_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    (plain, plain_stats), (lean, lean_stats) = _sessions(retries=2)
    url = f"http://127.0.0.1:{port}/api/health"
    expected = _outcome(plain, plain_stats, "GET", url)
    got = _outcome(lean, lean_stats, "GET", url)
    assert got == expected == ("raised", ["ConnectionError"], "connection refused", 2)


def test_no_answer_in_time_is_a_timeout(server):
    (plain, plain_stats), (lean, lean_stats) = _sessions(retries=1, timeout=0.3)
    server.script.steps = [("hang", 1.0)] * 2
    expected = _outcome(plain, plain_stats, "GET", _url(server))
    server.script.steps = [("hang", 1.0)] * 2
    got = _outcome(lean, lean_stats, "GET", _url(server))
    assert got[0] == "raised" and got[1:] == expected[1:]
    assert "timed out" in got[2]


def test_a_body_that_is_not_json(server):
    expected, got, *_ = _both(server, [("ok", 502, {"Content-Type": "text/html"}, b"<html>bad gateway</html>")] * 3,
                              retries=0)
    assert got == expected
    assert got[2][:3] == ("not json", "JSONDecodeError", True)


def test_a_gzipped_answer_is_decoded(server):
    expected, got, _, lean_seen = _both(server, [("gzip", 200, {}, b'{"big": "' + b"x" * 5000 + b'"}')])
    assert got == expected and got[2] == {"big": "x" * 5000}
    assert "gzip" in lean_seen[0][2]["accept-encoding"]


def test_a_redirect_is_followed(server):
    expected, got, plain_seen, lean_seen = _both(server, [("ok", 200, {}, b'{"here": 1}')], path="/api/moved")
    assert got == expected == (200, "application/json", {"here": 1}, 0)
    assert lean_seen[-1][1] == plain_seen[-1][1] == "/api/elsewhere"


def test_one_connection_is_kept_alive_and_replaced_when_the_server_closes_it(server):
    _, (lean, stats) = _sessions()
    try:
        for _ in range(5):
            assert lean.get(_url(server)).json() == {"ok": True}
        assert server.script.connections == 1
        server.script.steps = [("close", 200, {}, b'{"closing": 1}')]
        assert lean.get(_url(server)).json() == {"closing": 1}
        assert lean.get(_url(server)).json() == {"ok": True}
        assert server.script.connections == 2 and stats.retries == 0
    finally:
        lean.close()


def test_a_proxy_in_the_environment_leaves_the_request_to_niquests(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    _, (lean, _) = _sessions(retries=0)
    called = []
    monkeypatch.setattr(LeanSession, "_send", lambda *a, **k: called.append(a))
    try:
        lean.get(_url(server))  # as niquests sends it (through the proxy, or not for loopback)
    except nx.RequestException:
        pass
    finally:
        lean.close()
    assert called == []


def test_dashgen_sessions_are_lean():
    session = dhttp.session(retries=1, timeout=1.0)
    try:
        assert isinstance(session, LeanSession) and isinstance(session, niquests.Session)
    finally:
        session.close()
