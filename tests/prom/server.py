"""Backfill a scenario into TSDB blocks with promtool and serve it with a real Prometheus.

    from prom.cluster import default_cluster
    from prom.server import start_prometheus

    with start_prometheus(default_cluster(), workdir=tmp_path) as prom:
        prom.query('count(up)')            # evaluated at prom.end
        prom.url, prom.start, prom.end, prom.step

Gotchas handled here:

* promtool re-reads its input once per 2h block, so the data is written as
  several OpenMetrics files (one per epoch-aligned 2h block, split further by
  families) and backfilled concurrently; the blocks overlap in time, which
  Prometheus >= 2.39 accepts and merges.
* Retention is measured from the newest block, so a long ``retention.time``
  keeps old windows (``Cluster.end`` in the past) queryable; blocks present at
  startup are loaded before ``/-/ready``.
* Backfilled data has no staleness markers and ends at ``end``: instant
  queries must be evaluated at ``end`` (the helpers here default to it);
  at wall-clock now they return nothing once now > end + 5m (lookback delta).
* No scrape targets: the config file only has a global section (and optional
  ``rule_files``), so nothing is appended to the head block.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .cluster import Cluster, default_cluster
from .generate import Dataset, generate

INSTALL_HINT = (
    "install them with `sudo apt-get install prometheus` "
    "(Debian/Ubuntu package; provides /usr/bin/prometheus and /usr/bin/promtool)"
)


class PrometheusHarnessError(RuntimeError):
    pass


def find_binary(name: str) -> str | None:
    """Path of ``prometheus`` / ``promtool`` on PATH, or None."""
    return shutil.which(name)


def _run_promtool(promtool: str, om_path: str, out_dir: str) -> None:
    env = dict(os.environ, GOGC=os.environ.get("GOGC", "400"))
    res = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om_path, out_dir],
        capture_output=True,
        text=True,
        env=env,
    )
    if res.returncode != 0:
        raise PrometheusHarnessError(
            f"promtool tsdb create-blocks-from openmetrics {om_path} failed ({res.returncode}):\n"
            f"{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
        )


@dataclass
class BackfillStats:
    generate_seconds: float = 0.0
    write_seconds: float = 0.0
    backfill_seconds: float = 0.0  # writing + promtool, overlapped
    files: int = 0
    series: int = 0
    samples: int = 0
    blocks: list[str] = field(default_factory=list)


def backfill(
    dataset: Dataset,
    data_dir: os.PathLike | str,
    *,
    promtool: str | None = None,
    work_dir: os.PathLike | str | None = None,
    workers: int | None = None,
    keep_openmetrics: bool = False,
) -> BackfillStats:
    """Write ``dataset`` as OpenMetrics and turn it into TSDB blocks in ``data_dir``."""
    promtool = promtool or find_binary("promtool")
    if not promtool:
        raise PrometheusHarnessError(f"promtool not found on PATH: {INSTALL_HINT}")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="prom-backfill-"))
    om_dir = work / "openmetrics"
    out_root = work / "blocks"
    stats = BackfillStats(series=dataset.metrics.series_count())
    t0 = time.perf_counter()
    workers = workers or max(2, os.cpu_count() or 2)
    futures = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for k, (path, n) in enumerate(dataset.iter_block_files(om_dir)):
            stats.samples += n
            stats.files += 1
            futures.append(pool.submit(_run_promtool, promtool, path, str(out_root / f"{k:02d}")))
        stats.write_seconds = time.perf_counter() - t0
        for f in futures:
            f.result()
    for sub in sorted(out_root.iterdir()):
        for blk in sorted(sub.iterdir()):
            if blk.is_dir() and (blk / "meta.json").exists():
                shutil.move(str(blk), str(data_dir / blk.name))
                stats.blocks.append(blk.name)
    stats.backfill_seconds = time.perf_counter() - t0
    if not keep_openmetrics:
        shutil.rmtree(om_dir, ignore_errors=True)
    shutil.rmtree(out_root, ignore_errors=True)
    return stats


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- HTTP client
class PromAPI:
    """Tiny Prometheus HTTP API client (stdlib only). Instant queries default to ``end``."""

    url: str
    end: float

    def _get(self, path: str, params: Iterable[tuple[str, str]] = ()) -> dict:
        qs = urllib.parse.urlencode(list(params))
        req = self.url + path + ("?" + qs if qs else "")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise PrometheusHarnessError(f"GET {req} -> {e.code}: {detail}") from None
        if body.get("status") != "success":
            raise PrometheusHarnessError(f"GET {req}: {body}")
        return body["data"]

    def query(self, expr: str, time: float | None = None) -> list[dict]:
        """Instant query at ``time`` (default: the data's end). Returns ``data.result``;
        a scalar result is returned as ``[{"metric": {}, "value": [t, v]}]``."""
        data = self._get("/api/v1/query", [("query", expr), ("time", str(self.end if time is None else time))])
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        data = self._get(
            "/api/v1/query_range", [("query", expr), ("start", str(start)), ("end", str(end)), ("step", str(step))]
        )
        return data["result"]

    def value(self, expr: str, time: float | None = None) -> float:
        """The single value of an instant query (raises unless exactly one sample)."""
        res = self.query(expr, time)
        if len(res) != 1:
            raise PrometheusHarnessError(f"{expr!r} returned {len(res)} samples, expected 1: {res[:5]}")
        return float(res[0]["value"][1])

    def vector(self, expr: str, time: float | None = None) -> list[tuple[dict, float]]:
        return [(r["metric"], float(r["value"][1])) for r in self.query(expr, time)]

    def series(self, *match: str, start: float | None = None, end: float | None = None) -> list[dict]:
        params = [("match[]", m) for m in match]
        if start is not None:
            params.append(("start", str(start)))
        if end is not None:
            params.append(("end", str(end)))
        return self._get("/api/v1/series", params)

    def label_values(self, label: str, *match: str) -> list[str]:
        return self._get(f"/api/v1/label/{label}/values", [("match[]", m) for m in match])

    def label_names(self, *match: str) -> list[str]:
        return self._get("/api/v1/labels", [("match[]", m) for m in match])


# --------------------------------------------------------------------------- server
@dataclass
class PrometheusServer(PromAPI):
    """A running Prometheus over backfilled data."""

    url: str
    start: float  # first sample time (unix seconds)
    end: float  # last sample time: evaluate instant queries here
    step: float  # scrape interval of the data
    cluster: Cluster
    dataset: Dataset
    data_dir: Path
    log_path: Path
    config_path: Path
    process: subprocess.Popen
    stats: BackfillStats
    startup_seconds: float = 0.0
    _owned_dir: Path | None = None

    @property
    def scrape_interval(self) -> float:
        return self.step

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    def __enter__(self) -> PrometheusServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def write_config(path: Path, scrape_interval: float, rule_files: Sequence[str] = ()) -> None:
    lines = [
        "# dashgen test harness: no scrape targets, data comes from backfilled blocks",
        "global:",
        f"  scrape_interval: {int(scrape_interval)}s",
        f"  evaluation_interval: {int(scrape_interval)}s",
    ]
    if rule_files:
        lines.append("rule_files:")
        lines += [f"  - {json.dumps(str(f))}" for f in rule_files]
    path.write_text("\n".join(lines) + "\n")


def start_prometheus(
    cluster: Cluster | None = None,
    *,
    workdir: os.PathLike | str | None = None,
    rule_files: Sequence[str] = (),
    extra_flags: Sequence[str] = (),
    ready_timeout: float = 60.0,
    dataset: Dataset | None = None,
) -> PrometheusServer:
    """Generate ``cluster`` (default: :func:`default_cluster`), backfill it and start
    Prometheus on a free 127.0.0.1 port. Use as a context manager or call ``stop()``."""
    prometheus = find_binary("prometheus")
    promtool = find_binary("promtool")
    if not prometheus or not promtool:
        raise PrometheusHarnessError(f"prometheus/promtool not found on PATH: {INSTALL_HINT}")
    cluster = cluster if cluster is not None else default_cluster()
    owned = None
    if workdir is None:
        owned = Path(tempfile.mkdtemp(prefix="dashgen-prom-"))
        workdir = owned
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    log_path = workdir / "prometheus.log"
    config_path = workdir / "prometheus.yml"

    t0 = time.perf_counter()
    if dataset is None:
        dataset = generate(cluster)
    gen_s = time.perf_counter() - t0
    stats = backfill(dataset, data_dir, promtool=promtool, work_dir=workdir)
    stats.generate_seconds = gen_s
    write_config(config_path, dataset.step, rule_files)

    last_err = ""
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t1 = time.perf_counter()
        log = open(log_path, "ab")
        proc = subprocess.Popen(
            [
                prometheus,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={data_dir}",
                f"--web.listen-address=127.0.0.1:{port}",
                # retention counts back from the newest block; keep any window
                "--storage.tsdb.retention.time=3650d",
                "--web.enable-admin-api",
                "--log.level=info",
                *extra_flags,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        server = PrometheusServer(
            url=url,
            start=dataset.start,
            end=dataset.end,
            step=dataset.step,
            cluster=cluster,
            dataset=dataset,
            data_dir=data_dir,
            log_path=log_path,
            config_path=config_path,
            process=proc,
            stats=stats,
            _owned_dir=owned,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        server.startup_seconds = time.perf_counter() - t1
                        atexit.register(server.stop)  # never outlive the test process
                        return server
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        tail = server.log_tail()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        last_err = f"exit code {proc.returncode}; log tail ({log_path}):\n{tail}"
        if "address already in use" not in tail:
            break
    if owned is not None:
        shutil.rmtree(owned, ignore_errors=True)
    raise PrometheusHarnessError(f"Prometheus did not become ready: {last_err}")
