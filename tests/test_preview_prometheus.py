"""``dashgen preview`` against the real Prometheus of the modelled cluster, checked in headless Chromium.

The three dashboards are rendered once for the module; one browser opens every page and reads the
DOM: every panel of the dashboard JSON is on the page with its title, every panel with data has
something drawn, a few chosen panels show the scenario's values with the right units and threshold
colours, and nothing is logged to the console. The PNGs are the size the grid implies and not blank.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from dashgen.cli import main
from prom.binaries import require_chromium

REPO = Path(__file__).resolve().parents[1]
UIDS = ("flux-gitops", "kubernetes-cluster", "empulse-music")
# Grafana's dark-theme named colours (themes/createVisualizationColors), as the thresholds name them.
GRAFANA = {"green": "#73BF69", "red": "#F2495C", "orange": "#FF9830", "yellow": "#FADE2A"}
# Grafana's grid: 30 px rows, 8 px between cells; the page is the 1440 px grid plus 16 px margins and a 76 px header.
CELL, GAP, MARGIN, HEADER, GRID_WIDTH = 30, 8, 16, 76, 1440


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def window(prom) -> list[str]:
    return ["--prometheus-url", prom.url, "--from", str(int(prom.start)), "--to", str(int(prom.end))]


def dashboard_json(uid: str) -> dict:
    path = next((REPO / "provisioning" / "dashboards").glob(f"*/{uid}.json"))
    return json.loads(path.read_text())


def panels_of(model: dict) -> list[dict]:
    """Every panel that is not a row, collapsed rows' panels included, in JSON order."""
    out = []
    for p in model.get("panels") or []:
        if p.get("type") == "row":
            out += [c for c in p.get("panels") or []]
        else:
            out.append(p)
    return out


def expected_height(model: dict) -> int:
    """From gridPos alone: the lowest top-level panel's bottom edge, in grid rows, as pixels."""
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in model["panels"])
    return 2 * MARGIN + HEADER + rows * CELL + (rows - 1) * GAP


@pytest.fixture(scope="module")
def rendered(prometheus, tmp_path_factory):
    require_chromium()
    out = tmp_path_factory.mktemp("preview")
    code, stdout, stderr = run("-c", str(REPO / "dashgen.yaml"), "preview", *window(prometheus), "--out", str(out),
                               "--png", "-o", "json")
    assert code == 0, stderr
    return out, json.loads(stdout)


PANELS_JS = r"""
(() => Array.from(document.querySelectorAll('section.panel')).map(p => {
  const svg = p.querySelector('svg.chart');
  const long = Array.from(p.querySelectorAll('g.series path')).filter(e => (e.getAttribute('d') || '').length > 20);
  return {
    title: p.querySelector('.panel-title h2').textContent,
    type: p.dataset.type,
    status: p.dataset.status,
    paths: long.length,
    rects: p.querySelectorAll('svg.chart g.series rect, svg.heatmap rect').length,
    yTicks: Array.from(p.querySelectorAll('svg .tick.y')).map(e => e.textContent),
    stats: Array.from(p.querySelectorAll('.stat-tile')).map(t => ({
      text: t.querySelector('.stat-value') ? t.querySelector('.stat-value').textContent : '',
      background: getComputedStyle(t).backgroundColor,
      color: getComputedStyle(t.querySelector('.stat-value') || t).color})),
    gauges: Array.from(p.querySelectorAll('.gauge-text')).map(e => e.textContent),
    bars: Array.from(p.querySelectorAll('.bar-fill')).map(e => parseFloat(e.style.width)),
    header: Array.from(p.querySelectorAll('thead th')).map(e => e.textContent),
    rows: Array.from(p.querySelectorAll('tbody tr')).map(r => Array.from(r.children).map(
      c => ({text: c.textContent, color: getComputedStyle(c).color, background: getComputedStyle(c).backgroundColor}))),
    width: p.getBoundingClientRect().width, height: p.getBoundingClientRect().height,
  };
}))()
"""


@pytest.fixture(scope="module")
def pages(rendered):
    """uid -> (panels as the DOM shows them, console errors, document size), all read in one browser."""
    from dashgen.preview.chromium import Browser

    out, _ = rendered
    found = {}
    with Browser.start() as browser:
        for uid in UIDS:
            model = dashboard_json(uid)
            tab = browser.open((out / f"{uid}.html").as_uri(), GRID_WIDTH + 2 * MARGIN, expected_height(model))
            size = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            found[uid] = (tab.evaluate(PANELS_JS), tab.console_errors(), size)
            tab.close()
    return found


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def threshold(value: float, panel: dict) -> str:
    color = None
    for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]:
        if step.get("value") is None or value >= step["value"]:
            color = step["color"]
    return GRAFANA[color]


def find(panels: list[dict], title: str) -> dict:
    return next(p for p in panels if p["title"] == title)


def model_panel(uid: str, title: str) -> dict:
    return next(p for p in panels_of(dashboard_json(uid)) if p.get("title") == title)


# --------------------------------------------------------------------------- the pages
def test_json_lists_every_page_with_counts(rendered):
    out, doc = rendered
    assert doc["ok"] and doc["errors"] == []
    assert {p["uid"] for p in doc["pages"]} == set(UIDS)
    for page in doc["pages"]:
        assert page["panels"] == len(panels_of(dashboard_json(page["uid"])))
        assert page["no_data"] == 0 and page["errors"] == 0
        assert (out / page["file"]).is_file() and (out / page["png"]).is_file()
    index = (out / "index.html").read_text()
    assert all(f'href="{uid}.html"' in index for uid in UIDS)


def test_every_panel_is_on_the_page_with_its_title(pages):
    for uid in UIDS:
        panels, _, _ = pages[uid]
        expected = [p.get("title", "") for p in panels_of(dashboard_json(uid))]
        assert sorted(p["title"] for p in panels) == sorted(expected), uid


def test_every_panel_with_data_draws_it(pages):
    for uid in UIDS:
        panels, _, _ = pages[uid]
        for p in panels:
            assert p["status"] == "data", (uid, p["title"], p["status"])
            kind = p["type"]
            if kind == "timeseries":
                assert p["paths"] > 0, (uid, p["title"])
            elif kind in ("state-timeline", "heatmap"):
                assert p["rects"] > 0, (uid, p["title"])
            elif kind == "stat":
                assert p["stats"] and all(s["text"] and s["text"] != "No data" for s in p["stats"]), (uid, p["title"])
            elif kind == "gauge":
                assert p["gauges"] and all(g.endswith("%") for g in p["gauges"]), (uid, p["title"])
            elif kind == "bargauge":
                assert p["bars"] and max(p["bars"]) > 0, (uid, p["title"])
            elif kind == "table":
                assert p["rows"] and p["header"], (uid, p["title"])
            else:
                pytest.fail(f"{uid}: panel type {kind} not checked")


def test_no_console_errors(pages):
    for uid in UIDS:
        assert pages[uid][1] == [], uid


def test_panels_have_their_grid_size(pages):
    for uid in UIDS:
        panels, _, (width, height) = pages[uid]
        assert width == GRID_WIDTH + 2 * MARGIN
        assert height == expected_height(dashboard_json(uid))
        column = (GRID_WIDTH - 23 * GAP) / 24
        for model, shown in zip(sorted(panels_of(dashboard_json(uid)), key=lambda p: p["title"]),
                                sorted(panels, key=lambda p: p["title"])):
            w, h = model["gridPos"]["w"], model["gridPos"]["h"]
            assert shown["width"] == pytest.approx(w * column + (w - 1) * GAP, abs=1), shown["title"]
            assert shown["height"] == pytest.approx(h * CELL + (h - 1) * GAP, abs=1), shown["title"]


def test_stat_values_and_threshold_colours(pages, prometheus):
    c = prometheus.cluster
    flux, _, _ = pages["flux-gitops"]
    failing = find(flux, "Failing reconcilers")["stats"][0]
    count = len(c.failing_reconcilers())
    assert failing["text"] == str(count)
    assert failing["background"] == rgb(threshold(count, model_panel("flux-gitops", "Failing reconcilers")))
    assert failing["background"] == rgb(GRAFANA["red"])  # the scenario has failing reconcilers: red, as in Grafana
    kube, _, _ = pages["kubernetes-cluster"]
    cpu = find(kube, "CPU utilisation")["stats"][0]  # percentunit, 1 decimal, colour mode "value"
    assert cpu["text"].endswith("%") and len(cpu["text"].split(".")[1]) == 2  # "36.6%": one decimal, then %
    share = float(cpu["text"].rstrip("%")) / 100
    assert cpu["color"] == rgb(threshold(share, model_panel("kubernetes-cluster", "CPU utilisation")))


def test_axis_units(pages):
    flux, _, _ = pages["flux-gitops"]
    memory = find(flux, "Controller memory")["yTicks"]  # unit bytes: IEC prefixes
    assert memory and all(t.endswith("B") for t in memory) and any("iB" in t for t in memory), memory
    music, _, _ = pages["empulse-music"]
    rate = find(music, "Request rate by handler")["yTicks"]  # unit reqps
    assert rate and all(t.endswith(" reqps") for t in rate), rate
    latency = [t for p in music if p["type"] == "timeseries" and
               model_panel("empulse-music", p["title"])["fieldConfig"]["defaults"].get("unit") == "s"
               for t in p["yTicks"]]
    assert latency and all(t.split(" ")[-1] in ("s", "ms", "µs", "min") for t in latency), latency


def test_table_cells_coloured_by_thresholds(pages, prometheus):
    kube, _, _ = pages["kubernetes-cluster"]
    table = find(kube, "Deployments")
    column = table["header"].index("Not ready")
    panel = model_panel("kubernetes-cluster", "Deployments")
    steps = next(prop["value"]["steps"] for o in panel["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Not ready"
                 for prop in o["properties"] if prop["id"] == "thresholds")
    c = prometheus.cluster
    short = [w for w in c.workloads if w.kind == "Deployment"
             and sum(p.ready for p in c.pods_of(w.name, w.namespace)) < w.replicas]
    seen = set()
    for row in table["rows"]:
        value = float(row[column]["text"])
        colour = None
        for step in steps:
            if step.get("value") is None or value >= step["value"]:
                colour = step["color"]
        assert row[column]["color"] == rgb(GRAFANA[colour]), row
        seen.add(colour)
    assert seen == {"green", "red"}  # the scenario has Deployments short of replicas and healthy ones
    assert sum(float(r[column]["text"]) > 0 for r in table["rows"]) == len(short) > 0


# --------------------------------------------------------------------------- PNGs
def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit PNG, unfiltered."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color_type = header[:4]
    assert depth == 8 and color_type in (2, 6)
    bpp = 3 if color_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def test_pngs_are_the_grid_size_and_not_blank(rendered):
    out, doc = rendered
    for page in doc["pages"]:
        data = (out / page["png"]).read_bytes()
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (GRID_WIDTH + 2 * MARGIN, expected_height(dashboard_json(page["uid"])))
    width, height, rows = png_pixels((out / "flux-gitops.png").read_bytes())
    bpp = len(rows[0]) // width
    colours = {row[x:x + 3] for row in rows[::7] for x in range(0, len(row), bpp * 5)}
    assert len(colours) > 200  # text, charts and threshold colours, not one background
    red = tuple(int(GRAFANA["red"][i:i + 2], 16) for i in (1, 3, 5))
    assert any(abs(c[0] - red[0]) + abs(c[1] - red[1]) + abs(c[2] - red[2]) < 12 for c in colours)


# --------------------------------------------------------------------------- failures
def test_unreachable_prometheus_is_an_error(tmp_path):
    code, out, err = run("-c", str(REPO / "dashgen.yaml"), "preview", "--prometheus-url", "http://127.0.0.1:9",
                         "--out", str(tmp_path), "--timeout", "2")
    assert code == 1 and "cannot reach Prometheus" in err and "Traceback" not in err


def test_query_error_names_the_query_and_no_data_is_marked(project, prometheus):
    project.write("dashboards/team/broken.json", json.dumps({
        "title": "Broken", "uid": "broken", "schemaVersion": 39, "time": {"from": "now-1h", "to": "now"},
        "panels": [
            {"id": 1, "type": "timeseries", "title": "Bad query", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
             "targets": [{"refId": "A", "expr": "sum(rate(up[5m]) by"}]},
            {"id": 2, "type": "stat", "title": "Nothing <b>here</b>", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
             "targets": [{"refId": "A", "expr": 'up{job="no-such-job"}', "instant": True}]},
            {"id": 3, "type": "text", "title": "Notes", "gridPos": {"x": 0, "y": 8, "w": 24, "h": 4},
             "options": {"mode": "markdown", "content": "# Hello\n<script>alert(1)</script> [x](javascript:alert(1))"}},
        ]}))
    result = project.run("preview", *window(prometheus), "--out", "site", "-o", "json")
    code, out, err = result.code, result.out, result.err
    assert code == 1, err
    assert "panel 'Bad query': query A `sum(rate(up[5m]) by`" in err
    doc = json.loads(out)
    page = doc["pages"][0]
    assert (page["panels"], page["no_data"], page["errors"]) == (3, 1, 1)
    html = (project.root / "site" / "broken.html").read_text()
    assert 'data-status="no-data"' in html and ">No data<" in html
    assert "Nothing &lt;b&gt;here&lt;/b&gt;" in html and "<b>here" not in html
    assert "<h1>Hello</h1>" in html and "<script>alert" not in html and "href=\"javascript" not in html


def test_without_a_browser_png_is_a_note_and_the_html_is_written(prometheus, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHGEN_CHROMIUM", str(tmp_path / "no-such-browser"))
    code, out, err = run("-c", str(REPO / "dashgen.yaml"), "preview", *window(prometheus), "--uid", "flux-gitops",
                         "--out", str(tmp_path / "site"), "--png")
    assert code == 0, err
    assert "note: no Chromium found" in err and "apt-get install chromium" in err
    assert (tmp_path / "site" / "flux-gitops.html").is_file() and not (tmp_path / "site" / "flux-gitops.png").exists()


def test_credentials_in_the_url_are_refused_without_repeating_them(tmp_path):
    code, out, err = run("-c", str(REPO / "dashgen.yaml"), "preview", "--prometheus-url",
                         "http://admin:s3cret@127.0.0.1:9", "--out", str(tmp_path))
    assert code == 1 and "must not contain credentials" in err and "s3cret" not in err + out
