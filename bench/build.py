"""Benchmark: `dashgen build` vs grafanalib's `generate-dashboards`, side by side.

For N synthetic service dashboards (30 time-series panels each, grafanalib's own
``*.dashboard.py`` convention) both tools run on the same files in one run, each in a
fresh process, alternating, and we report the median wall time, the peak RSS (from
wait4's rusage of each child) and the ratios. dashgen does the full build: canonical
JSON, one ConfigMap per dashboard, Grafana provisioning files and the kustomization;
generate-dashboards writes the JSON alone. dashgen's build also runs its checks and lint
on every dashboard.

    python bench/build.py                # N = 10, 100, 1000, 3 repeats
    python bench/build.py -n 10 -n 100 --repeat 5

Target: ratio (dashgen / generate-dashboards) <= 1.0 at every N, and time per
dashboard roughly constant as N grows (linear cost).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PANELS = 30

DASHBOARD_TEMPLATE = '''\
from grafanalib.core import Dashboard, GridPos, Target, TimeSeries, Templating, Template

SERVICE = "{name}"

dashboard = Dashboard(
    title="Service " + SERVICE,
    uid=SERVICE,
    tags=["services"],
    editable=False,
    templating=Templating(list=[
        Template(name="datasource", type="datasource", query="prometheus"),
        Template(name="namespace", query="label_values(up{{job=\\"" + SERVICE + "\\"}}, namespace)",
                 dataSource="${{datasource}}", refresh=2),
    ]),
    panels=[
        TimeSeries(
            title=f"{{SERVICE}} metric {{i}}",
            description="Synthetic panel " + str(i),
            unit="reqps",
            dataSource={{"type": "prometheus", "uid": "${{datasource}}"}},
            targets=[
                Target(expr=f'sum by (handler) (rate(http_requests_total{{{{job="{{SERVICE}}",code="{{i}}",namespace=~"$namespace"}}}}[$__rate_interval]))',
                       legendFormat="{{{{handler}}}}"),
                Target(expr=f'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{{job="{{SERVICE}}"}}}}[$__rate_interval])))',
                       legendFormat="p95", refId="B"),
            ],
            gridPos=GridPos(h=8, w=12, x=(i % 2) * 12, y=(i // 2) * 8),
        )
        for i in range({panels})
    ],
)
'''


def make_sources(root: Path, n: int) -> list[Path]:
    src = root / "dashboards" / "services"
    src.mkdir(parents=True)
    paths = []
    for i in range(n):
        path = src / f"svc-{i:04d}.dashboard.py"
        path.write_text(DASHBOARD_TEMPLATE.format(name=f"svc-{i:04d}", panels=PANELS))
        paths.append(path)
    return paths


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {err}")
    return elapsed, usage.ru_maxrss


def bench(n: int, repeat: int, python: str) -> dict:
    bindir = Path(python).parent
    dashgen = [str(bindir / "dashgen"), "build"]
    generate = [str(bindir / "generate-dashboards")]
    with tempfile.TemporaryDirectory(prefix=f"dashgen-bench-{n}-") as tmp:
        root = Path(tmp)
        paths = make_sources(root, n)
        results = {"dashgen": [], "grafanalib": []}
        for r in range(repeat):
            order = ("dashgen", "grafanalib") if r % 2 == 0 else ("grafanalib", "dashgen")
            for tool in order:
                # Cold: no previous output, no bytecode cache of the sources.
                shutil.rmtree(root / "provisioning", ignore_errors=True)
                for cache in root.rglob("__pycache__"):
                    shutil.rmtree(cache)
                for json_file in (root / "dashboards").rglob("*.json"):
                    json_file.unlink()
                cmd = dashgen if tool == "dashgen" else generate + [str(p) for p in paths]
                results[tool].append(run(cmd, root))
        outputs = sum(1 for _ in (root / "provisioning").rglob("*")) if (root / "provisioning").exists() else 0
    summary = {"n": n, "outputs": outputs}
    for tool, samples in results.items():
        summary[tool] = (statistics.median(s[0] for s in samples), max(s[1] for s in samples))
    return summary


def compile_tools(python: str) -> None:
    """Byte-compile dashgen's own package, as `pip install` does for grafanalib's.

    Both tools then start from an installed, compiled package; only the user's sources are
    compiled on every run (no __pycache__ is kept for them). Without this, a checkout used
    with PYTHONDONTWRITEBYTECODE=1 would recompile dashgen on every run and not grafanalib.
    """
    package = subprocess.run([python, "-c", "import dashgen, os; print(os.path.dirname(dashgen.__file__))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", package], check=True)


def arguments(description: str | None, sizes: list[int]) -> argparse.Namespace:
    """The options the build benchmarks share (``-n`` defaulting to ``sizes``), with the tools compiled."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, action="append", help="number of dashboards (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="python of the venv with dashgen and grafanalib")
    args = parser.parse_args()
    args.n = args.n or sizes
    compile_tools(args.python)
    return args


def main() -> None:
    args = arguments(__doc__, [10, 100, 1000])
    sizes = args.n
    print(f"dashgen build vs grafanalib generate-dashboards; {PANELS} panels per dashboard; "
          f"median of {args.repeat}; cold (no output, no bytecode cache of the sources)")
    header = (f"{'N':>5} | {'dashgen s':>9} {'ms/dash':>7} {'peak MiB':>8} | {'grafanalib s':>12} {'ms/dash':>7} "
              f"{'peak MiB':>8} | {'time ratio':>10} {'mem ratio':>9}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        s = bench(n, args.repeat, args.python)
        (dt, dm), (gt, gm) = s["dashgen"], s["grafanalib"]
        print(f"{n:>5} | {dt:>9.2f} {dt / n * 1000:>7.1f} {dm / 1024:>8.1f} | {gt:>12.2f} {gt / n * 1000:>7.1f} "
              f"{gm / 1024:>8.1f} | {dt / gt:>10.2f} {dm / gm:>9.2f}", flush=True)
    print("time ratio = dashgen / generate-dashboards (<= 1.0 is the target); dashgen writes JSON + ConfigMaps + "
          "provisioning + kustomization, generate-dashboards the JSON only.")


if __name__ == "__main__":
    main()
