"""``dashgen preview --serve``: the pages on localhost, rebuilt when a source changes.

A watcher polls the sources directory and the config file (modification times and sizes, so
no extra package and any editor's way of saving works) and rebuilds the pages when anything
changed; relative times (``now-6h``) move with each build. Pages served here carry a small
script that reloads them once a newer build is out; the files on disk stay script-free.
A failed build is reported and the previous pages stay up.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import DashgenError
from . import PreviewOptions, PreviewResult, preview

BUILD_PATH = "/__dashgen/build"
RELOAD = (
    b"<script>(function(){var seen=null;setInterval(function(){fetch('"
    + BUILD_PATH.encode()
    + b"').then(function(r){return r.text()}).then(function(b){if(seen===null){seen=b}else if(b!==seen)"
    b"{location.reload()}}).catch(function(){})},1000)})()</script>"
)


class PreviewServer:
    def __init__(
        self,
        load_config: Callable,
        options: PreviewOptions,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        time_range: Callable[[], tuple] | None = None,
        interval: float = 0.5,
        log: Callable[[str], None] = print,
    ):
        self.load_config, self.options, self.interval, self.log = load_config, options, interval, log
        self.time_range = time_range or (lambda: (options.start, options.end))
        self.build_id = 0
        self.last_error: str | None = None
        self.last_result: PreviewResult | None = None
        self._stop = threading.Event()
        self._snapshot: dict = {}
        Path(options.out).mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_Handler, self, directory=str(Path(options.out).resolve()))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/"

    def watched(self) -> dict[str, tuple[int, int]]:
        """(mtime, size) of every file under the sources directory, and of the config file."""
        config = self.load_config()
        out: dict[str, tuple[int, int]] = {}
        paths = [Path(config.file)] if Path(config.file).is_file() else []
        for root, dirs, files in os.walk(config.sources_dir):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            paths += [Path(root) / f for f in files if not f.startswith(".") and not f.endswith((".pyc", "~"))]
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                continue
            out[str(p)] = (st.st_mtime_ns, st.st_size)
        return out

    def build(self) -> PreviewResult | None:
        """Rebuild every page; on an error keep the previous pages and remember the message."""
        self._snapshot = self.watched()
        try:
            start, end = self.time_range()
            options = dataclasses.replace(self.options, start=start, end=end)
            result = preview(self.load_config(), options)
        except DashgenError as exc:
            self.last_error = str(exc)
            self.log(f"error: {exc}")
            return None
        self.last_result, self.last_error = result, None
        self.build_id += 1
        for note in result.notes:
            self.log(f"note: {note}")
        for error in result.errors:
            self.log(f"error: {error}")
        self.log(f"built {len(result.pages)} pages ({time.strftime('%H:%M:%S')})")
        return result

    def poll(self) -> bool:
        """Rebuild if a watched file changed since the last build; whether it did."""
        if self.watched() == self._snapshot:
            return False
        self.build()
        return True

    def start(self) -> None:
        serve = threading.Thread(target=self.httpd.serve_forever, name="preview-http", daemon=True)
        watch = threading.Thread(target=self._watch, name="preview-watch", daemon=True)
        self._threads = [serve, watch]
        for t in self._threads:
            t.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - a watcher that dies silently is worse
                self.log(f"error: rebuild failed: {type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for t in self._threads:
            t.join(timeout=10)


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, server_state: PreviewServer, *args, **kwargs):
        self.state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] == BUILD_PATH:
            body = f"{self.state.build_id}".encode()
            self._send(200, "text/plain; charset=utf-8", body)
            return
        path = self.path.split("?")[0]
        if path.endswith("/"):
            path += "index.html"
        if path.endswith(".html"):
            file = Path(self.translate_path(path))
            try:
                body = file.read_bytes()
            except OSError:
                self.send_error(404, "no such page")
                return
            self._send(200, "text/html; charset=utf-8", body.replace(b"</body>", RELOAD + b"</body>", 1))
            return
        super().do_GET()

    def _send(self, code: int, kind: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the terminal shows builds
        return


def serve(
    load_config: Callable, options: PreviewOptions, *, host: str, port: int, time_range: Callable[[], tuple]
) -> None:
    """Build, serve and watch until Ctrl-C; ``time_range()`` gives each build's (start, end)."""
    import click

    try:
        server = PreviewServer(
            load_config,
            options,
            host=host,
            port=port,
            time_range=time_range,
            log=lambda line: click.echo(line, err=True),
        )
    except OSError as exc:
        raise DashgenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    result = server.build()
    if result is None and server.last_error and server.build_id == 0:
        server.httpd.server_close()
        raise DashgenError(server.last_error)
    server.start()
    click.echo(f"serving {server.url} (Ctrl-C stops); rebuilding on changes in {load_config().sources_dir}", err=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        server.stop()
