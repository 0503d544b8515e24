"""Headless Chromium through the DevTools protocol over a pipe (``--remote-debugging-pipe``).

No websocket and no extra package: Chromium reads JSON commands from file descriptor 3 and
writes answers and events to descriptor 4, each message ended by a NUL byte. Used for the
``--png`` screenshots and, in tests, to read the DOM and the console of the pages.

    with Browser.start() as browser:
        page = browser.open("file:///tmp/out/flux-gitops.html", width=1472, height=2400)
        png = page.screenshot(1472, 2400)

The browser is ``$DASHGEN_CHROMIUM``, else the first of chromium, chromium-browser,
google-chrome on PATH. It runs with a fresh profile, without network services (this matters
on closed networks, where Chromium otherwise stalls on connections), and, as root, without
its sandbox.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

ENV = "DASHGEN_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = f"install Chromium (sudo apt-get install chromium) or point {ENV} at a Chrome or Chromium binary"
FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
)


class ChromiumError(Exception):
    """Chromium could not be started, or did not answer in time."""


def find() -> str | None:
    """The browser binary to use, or None when there is none."""
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return shutil.which(configured) or (configured if os.access(configured, os.X_OK) else None)
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


def _above(fd: int, low: int = 10) -> int:
    """The descriptor moved to a number of at least ``low``, clear of the 3 and 4 the child needs."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, low)
    os.close(fd)
    return moved


class Browser:
    def __init__(self, executable: str, timeout: float = 30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="dashgen-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        to_browser_r, from_browser_w = _above(to_browser_r), _above(from_browser_w)
        args = [executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        # A tiny Python trampoline puts the pipe ends at descriptors 3 and 4, where Chromium expects
        # them (no preexec_fn: preview may run threads).
        trampoline = (
            f"import os, sys; os.dup2({to_browser_r}, 3); os.dup2({from_browser_w}, 4); "
            f"os.close({to_browser_r}); os.close({from_browser_w}); os.execvp(sys.argv[1], sys.argv[1:])"
        )
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", trampoline, *args, "about:blank"],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("DASHGEN_CHROMIUM_DEBUG") else subprocess.DEVNULL,
            )
        except OSError as exc:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise ChromiumError(f"cannot start {executable}: {exc}") from None
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._lock = threading.Condition()
        self._answers: dict[int, dict] = {}
        self._events: list[dict] = []
        self._next_id = 0
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="chromium-cdp", daemon=True)
        self._reader.start()
        try:
            self.call("Browser.getVersion")
        except ChromiumError:
            self.close()
            raise

    @classmethod
    def start(cls, timeout: float = 30.0) -> Browser:
        executable = find()
        if executable is None:
            raise ChromiumError(f"no Chromium found: {INSTALL_HINT}")
        return cls(executable, timeout)

    # ------------------------------------------------------------------ protocol
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._closed = True
                    self._lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                with self._lock:
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self._events.append(message)
                    self._lock.notify_all()

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except OSError as exc:
            raise ChromiumError(f"Chromium exited ({exc})") from None
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while ident not in self._answers:
                left = deadline - time.monotonic()
                if self._closed:
                    raise ChromiumError(f"Chromium exited during {method}")
                if left <= 0:
                    raise ChromiumError(f"Chromium did not answer {method} within {self.timeout:g} s")
                self._lock.wait(left)
            answer = self._answers.pop(ident)
        if "error" in answer:
            raise ChromiumError(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer.get("result") or {}

    def wait_event(self, method: str, session: str, since: int = 0) -> dict:
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                for event in self._events[since:]:
                    if event.get("method") == method and event.get("sessionId") == session:
                        return event
                left = deadline - time.monotonic()
                if self._closed:
                    raise ChromiumError(f"Chromium exited while waiting for {method}")
                if left <= 0:
                    raise ChromiumError(f"Chromium sent no {method} within {self.timeout:g} s")
                self._lock.wait(left)

    def events(self, session: str) -> list[dict]:
        with self._lock:
            return [e for e in self._events if e.get("sessionId") == session]

    # ------------------------------------------------------------------ pages
    def open(self, url: str, width: int, height: int) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        page.resize(width, height)
        page.navigate(url)
        return page

    def close(self) -> None:
        try:
            if self.process.poll() is None and not self._closed:
                self.call("Browser.close")
        except ChromiumError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def resize(self, width: int, height: int) -> None:
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": int(width), "height": int(height), "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )

    def navigate(self, url: str) -> None:
        with self.browser._lock:
            mark = len(self.browser._events)
        answer = self.browser.call("Page.navigate", {"url": url}, session=self.session)
        if answer.get("errorText"):
            raise ChromiumError(f"cannot open {url}: {answer['errorText']}")
        self.browser.wait_event("Page.loadEventFired", self.session, since=mark)

    def evaluate(self, expression: str) -> Any:
        answer = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if answer.get("exceptionDetails"):
            raise ChromiumError(f"script failed: {answer['exceptionDetails'].get('text')}")
        return (answer.get("result") or {}).get("value")

    def screenshot(self, width: int, height: int) -> bytes:
        """A PNG of the page's top ``width`` x ``height`` CSS pixels, at scale 1."""
        answer = self.browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": int(width), "height": int(height), "scale": 1},
            },
            session=self.session,
        )
        return base64.b64decode(answer["data"])

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads reported since the page opened."""
        out = []
        for event in self.browser.events(self.session):
            method, params = event.get("method"), event.get("params") or {}
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args") or []))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails") or {}
                out.append(str((details.get("exception") or {}).get("description") or details.get("text")))
            elif method == "Log.entryAdded" and (params.get("entry") or {}).get("level") == "error":
                out.append(str(params["entry"].get("text")))
        return out

    def close(self) -> None:
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
        except ChromiumError:
            pass
