"""``dashgen preview``: every dashboard drawn from real query results, as HTML pages and PNGs.

    from dashgen.preview import PreviewOptions, preview
    result = preview(config, PreviewOptions(prometheus_url="http://localhost:9090", out=Path("preview")))

The queries are planned and run by verify's runner (variables resolved on Prometheus, intervals
and built-ins as Grafana computes them), which keeps each answer for drawing. Modules:
``units`` (Grafana's value formats), ``colors`` (named colours, palette, thresholds, mappings),
``frames`` (answers shaped as series, tables, heatmap buckets), ``charts`` (SVG), ``panels``
(one panel as HTML), ``page`` (the grid layout, the page and the index), ``chromium``
(headless screenshots over the DevTools protocol), ``serve`` (a local server rebuilding on change).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from ..config import Config
from ..credentials import Credentials
from ..dashboard.walk import templating_list
from ..errors import DashgenError

__all__ = ["PreviewOptions", "PreviewResult", "preview"]


@dataclass
class PreviewOptions:
    prometheus_url: str
    out: Path
    start: float | None = None  # unix seconds; None: each dashboard's own time range
    end: float | None = None
    uids: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    variables: dict[str, list[str]] = field(default_factory=dict)  # --var name=value (repeatable per name)
    credentials: Credentials | None = None  # a bearer token or a user and password (credentials.resolve)
    concurrency: int = 8
    timeout: float = 30.0
    scrape_interval: str | None = None
    png: bool = False
    now: float | None = None


@dataclass
class Page:
    uid: str
    title: str
    folder: str
    file: str  # the page, relative to the output directory
    width: int
    height: int
    counts: dict
    png: str | None = None
    errors: list[str] = field(default_factory=list)  # query and variable errors, each naming its query

    def to_dict(self) -> dict:
        return {
            "uid": self.uid,
            "title": self.title,
            "folder": self.folder,
            "file": self.file,
            "png": self.png,
            "width": self.width,
            "height": self.height,
            **self.counts,
            "error_messages": self.errors,
        }


@dataclass
class PreviewResult:
    out: Path
    pages: list[Page]
    index: str
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{p.uid}: {e}" for p in self.pages for e in p.errors]

    def to_dict(self) -> dict:
        return {
            "output": str(self.out),
            "index": self.index,
            "pages": [p.to_dict() for p in self.pages],
            "notes": self.notes,
            "errors": self.errors,
            "ok": not self.errors,
        }


def preview(
    config: Config, options: PreviewOptions, progress: Callable[[int, int], None] | None = None
) -> PreviewResult:
    """Load the sources, run every panel's queries, write a page per dashboard, the index and the PNGs."""
    from ..build import load_checked
    from ..grafana.select import Selection, select
    from ..verify import run

    resources, _ = load_checked(config, lint=False)
    boards = list(resources.dashboards)
    if options.uids or options.folders:
        boards = select(
            resources, Selection(tuple(options.uids), tuple(options.folders)), config, prune=False
        ).dashboards
    if not boards:
        raise DashgenError(
            "no dashboards to preview" + (" in the selection" if options.uids or options.folders else "")
        )
    models = [_with_variables(d.model, options.variables) for d in boards]
    unknown = [n for n in options.variables if not any(_variable(m, n) for m in models)]
    if unknown:
        raise DashgenError(f"--var {', '.join(unknown)}: no selected dashboard has a variable of that name")
    dashboards = [(m, d.source) for m, d in zip(models, boards)]
    results = run(options, dashboards, [d.model for d in resources.datasources], progress, keep_data=True)
    return write_pages(options, boards, models, results)


def write_pages(options: PreviewOptions, boards, models, results) -> PreviewResult:
    from . import page as layout
    from .frames import interpolator

    out = Path(options.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DashgenError(f"cannot create the output directory {out}: {exc.strerror}") from None
    generated = "dashgen preview"
    pages: list[Page] = []
    notes: list[str] = []
    for board, model, result in zip(boards, models, results):
        tz = _timezone(model)
        notes += _variable_notes(result, options.variables)

        def panel_interpolate(scoped, variables=result.resolved):
            return interpolator(variables, scoped)

        html, counts = layout.render_page(
            result, model, board.folder.title, tz, interpolator(result.resolved, {}), panel_interpolate, generated
        )
        name = f"{result.uid}.html"
        _write(out / name, html.encode("utf-8"))
        errors = list(result.errors) + [
            f"panel '{p.title}': query {t.ref_id} `{t.expr}`: {t.error}"
            for p in result.panels
            for t in p.targets
            if t.error
        ]
        pages.append(
            Page(
                result.uid,
                result.title,
                board.folder.title,
                name,
                layout.PAGE_WIDTH,
                layout.page_height(model),
                counts,
                errors=errors,
            )
        )
    if options.png:
        notes += _screenshots(out, pages)
    index = layout.render_index([{**p.to_dict(), **p.counts} for p in pages], generated)
    _write(out / "index.html", index.encode("utf-8"))
    return PreviewResult(out, pages, "index.html", notes)


def _screenshots(out: Path, pages: list[Page]) -> list[str]:
    """A PNG per page, the size of its grid; without a browser, a note saying how to get one."""
    from .chromium import INSTALL_HINT, Browser, ChromiumError, find

    if find() is None:
        return [f"no Chromium found, so no PNGs were written: {INSTALL_HINT}"]
    try:
        with Browser.start() as browser:
            for p in pages:
                tab = browser.open((out / p.file).resolve().as_uri(), p.width, p.height)
                png = tab.screenshot(p.width, p.height)
                tab.close()
                p.png = f"{p.uid}.png"
                _write(out / p.png, png)
    except ChromiumError as exc:
        raise DashgenError(f"screenshots failed: {exc}") from None
    return []


def _write(path: Path, data: bytes) -> None:
    """Atomically: a reader (or the live server) never sees half a page."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _variable(model: dict, name: str) -> dict | None:
    return next((var for var in templating_list(model) if var.get("name") == name), None)


def _with_variables(model: dict, values: dict[str, list[str]]) -> dict:
    """The model with ``--var`` values as the variables' current selection, as a ``var-`` URL parameter sets it."""
    if not any(_variable(model, n) for n in values):
        return model
    model = copy.deepcopy(model)
    for name, chosen in values.items():
        var = _variable(model, name)
        if var is not None:
            all_ = [v for v in chosen if v in ("All", "$__all")]
            value = ["$__all"] if all_ else chosen if (var.get("multi") or len(chosen) > 1) else chosen[0]
            var["current"] = {"text": value, "value": value}
    return model


def _variable_notes(result, values: dict[str, list[str]]) -> list[str]:
    notes = []
    for name, chosen in values.items():
        shown = result.variables.get(name)
        if shown is None or any(v in ("All", "$__all") for v in chosen):
            continue
        missing = [v for v in chosen if v not in shown]
        if missing:
            notes.append(
                f"{result.uid}: --var {name}={','.join(missing)} is not a value Prometheus offers; "
                f"showing {', '.join(shown) or 'nothing'}"
            )
    return notes


def _timezone(model: dict) -> tzinfo:
    """The dashboard's time zone: utc, an IANA name, or (browser, empty) this machine's, as a browser would."""
    name = model.get("timezone")
    if isinstance(name, str) and name.lower() == "utc":
        return UTC
    if isinstance(name, str) and name and name != "browser":
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            pass
    return datetime.now().astimezone().tzinfo or UTC
