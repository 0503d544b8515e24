"""Benchmark: `dashgen push` vs a sequential loop of grafana-client `update_dashboard` calls.

N grafanalib dashboards (default 200, 10 time-series panels each, in 4 folders) go to the
Grafana test double (tests/grafana_double.py) over real HTTP, with a latency added to every
request (default 25 ms), all in one run:

- loop: what grafanalib's upload example does, one `update_dashboard` after the other
  (folders created first, JSON rendered beforehand and not timed): the upload calls only;
- loop script: the same as a fresh process that also renders the dashboards with grafanalib
  (start-up, rendering and upload, like a user's upload script);
- dashgen push (first): the real CLI in a fresh process against an empty Grafana: start-up,
  loading and checking the sources (the reads run meanwhile), then the writes; as a user
  hits it after `dashgen build`: the build cache warm (build runs once, before, not timed);
- dashgen push (again): the same sources a second time: reads only, no write;
- the same two with --no-cache: every source run (a push before any build).

    python bench/push.py                    # N = 200, latency 25 ms, 3 repeats
    python bench/push.py -n 500 --latency 0.05 --concurrency 16
    python bench/push.py --sweep 4,8,16,32,64   # first and re-push per --concurrency (the default's measurement)

Targets (issue 13): loop / first push >= 8, loop / re-push >= 10 with 0 writes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from build import DASHBOARD_TEMPLATE, compile_tools  # noqa: E402

from grafana_double import GrafanaDouble  # noqa: E402

FOLDERS = ("platform", "services", "storage", "network")

LOOP_SCRIPT = r'''
import importlib.util, json, sys
from grafana_client import GrafanaApi
from grafanalib._gen import DashboardEncoder
url, token, root = sys.argv[1], sys.argv[2], sys.argv[3]
import pathlib
host, port = url.split("://")[1].split(":")
api = GrafanaApi(token, host=host, port=int(port), protocol="http")
files = sorted(pathlib.Path(root, "dashboards").rglob("*.py"))
folders = sorted({p.parent.name for p in files})
for f in folders:
    api.folder.create_folder(f.title(), uid="dashgen-" + f)
for path in files:
    spec = importlib.util.spec_from_file_location(path.stem.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = json.loads(json.dumps(module.dashboard.to_json_data(), cls=DashboardEncoder))
    api.dashboard.update_dashboard({"dashboard": model, "folderUid": "dashgen-" + path.parent.name,
                                    "overwrite": True, "message": "upload"})
'''


def make_sources(root: Path, n: int, panels: int) -> None:
    for i in range(n):
        folder = root / "dashboards" / FOLDERS[i % len(FOLDERS)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"svc-{i:04d}.py").write_text(DASHBOARD_TEMPLATE.format(name=f"svc-{i:04d}", panels=panels))


def rendered(root: Path) -> list[tuple[str, dict]]:
    """(folder uid, dashboard JSON) of every source, rendered by dashgen's loader (not timed)."""
    sys.path.insert(0, str(ROOT / "gen"))
    from dashgen import build, config

    resources, _ = build.load_checked(config.load(root=root))
    return [(d.folder.uid, d.model) for d in resources.dashboards], resources.folders


def loop(double: GrafanaDouble, boards, folders) -> float:
    from grafana_client import GrafanaApi

    parts = urlsplit(double.url)
    api = GrafanaApi(double.token, host=parts.hostname, port=parts.port, protocol="http")
    start = time.perf_counter()
    for f in folders:
        api.folder.create_folder(f.title, uid=f.uid)
    for folder_uid, model in boards:
        api.dashboard.update_dashboard({"dashboard": model, "folderUid": folder_uid, "overwrite": True,
                                        "message": "upload"})
    elapsed = time.perf_counter() - start
    api.client.s.close()
    return elapsed


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({proc.returncode}): {proc.stderr}{proc.stdout[-2000:]}")
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="number of dashboards")
    parser.add_argument("--panels", type=int, default=10, help="panels per dashboard")
    parser.add_argument("--latency", type=float, default=0.025, help="seconds added to every request")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=None, help="dashgen push --concurrency (default: its own)")
    parser.add_argument("--python", default=sys.executable, help="python of the venv with dashgen's dependencies")
    parser.add_argument("--baseline-gen", default="", help="also time the push of another checkout's gen/ "
                        "(e.g. main's) in the same run, side by side")
    parser.add_argument("--sweep", default="", help="comma-separated --concurrency values to compare (no loop run)")
    args = parser.parse_args()
    compile_tools(sys.executable)  # dashgen starts compiled, like grafanalib and grafana-client
    if args.sweep:
        sweep(args, [int(c) for c in args.sweep.split(",")])
        return

    results: dict[str, list[float]] = {"loop": [], "loop script": [], "push": [], "re-push": [],
                                        "cold push": [], "cold re-push": []}
    writes: dict[str, list[int]] = {"push": [], "re-push": [], "cold push": [], "cold re-push": []}
    phases: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="dashgen-bench-push-") as tmp, GrafanaDouble() as double:
        root = Path(tmp)
        make_sources(root, args.n, args.panels)
        boards, folders = rendered(root)
        env = dict(os.environ, GRAFANA_URL=double.url, GRAFANA_TOKEN=double.token,
                   PYTHONPATH=os.pathsep.join([str(ROOT / "gen"), os.environ.get("PYTHONPATH", "")]))
        push = [args.python, "-m", "dashgen", "push", "-o", "json"]
        if args.concurrency:
            push += ["--concurrency", str(args.concurrency)]
        run([args.python, "-m", "dashgen", "build"], root, env)  # the build cache warm, as after `dashgen build`
        for r in range(args.repeat):
            order = ["loop", "loop script", "push", "cold"] + (["baseline"] if args.baseline_gen else [])
            for what in order if r % 2 == 0 else order[::-1]:
                double.reset()
                double.set_latency(args.latency)
                if what == "loop":
                    results["loop"].append(loop(double, boards, folders))
                elif what == "loop script":
                    t, _ = run([args.python, "-c", LOOP_SCRIPT, double.url, double.token, str(root)], root, env)
                    results["loop script"].append(t)
                elif what == "cold":
                    results["cold push"].append(run(push + ["--no-cache"], root, env)[0])
                    writes["cold push"].append(double.writes())
                    double.reset_log()
                    results["cold re-push"].append(run(push + ["--no-cache"], root, env)[0])
                    writes["cold re-push"].append(double.writes())
                elif what == "baseline":
                    base_env = dict(env, PYTHONPATH=os.pathsep.join([args.baseline_gen, os.environ.get("PYTHONPATH", "")]))
                    results.setdefault("baseline push", []).append(run(push, root, base_env)[0])
                    results.setdefault("baseline re-push", []).append(run(push, root, base_env)[0])
                else:
                    t, out = run(push, root, env)
                    results["push"].append(t)
                    doc = json.loads(out)
                    writes["push"].append(doc["targets"][0]["writes"])
                    for name, seconds in {**doc["seconds"], **doc["targets"][0]["seconds"]}.items():
                        phases.setdefault(name, []).append(seconds)
                    assert len(double.dashboards(1)) == args.n
                    double.reset_log()
                    t, out = run(push, root, env)
                    results["re-push"].append(t)
                    writes["re-push"].append(double.writes())
            for key in ("loop", "loop script"):
                assert results[key], key

    med = {k: statistics.median(v) for k, v in results.items()}
    conc = args.concurrency or "default"
    print(f"dashgen push vs sequential grafana-client update_dashboard; {args.n} dashboards x {args.panels} panels "
          f"in {len(FOLDERS)} folders; {args.latency * 1000:.0f} ms per request; concurrency {conc}; "
          f"median of {args.repeat}")
    print(f"{'':36} {'seconds':>8} {'writes':>7}")
    print(f"{'loop (upload calls only)':36} {med['loop']:>8.2f} {args.n + len(FOLDERS):>7}")
    print(f"{'loop script (render + upload)':36} {med['loop script']:>8.2f} {args.n + len(FOLDERS):>7}")
    print(f"{'dashgen push, first (whole CLI)':36} {med['push']:>8.2f} {max(writes['push']):>7}   "
          "after `dashgen build`: cache warm")
    print(f"{'dashgen push, unchanged (whole CLI)':36} {med['re-push']:>8.2f} {max(writes['re-push']):>7}")
    print(f"{'dashgen push --no-cache, first':36} {med['cold push']:>8.2f} {max(writes['cold push']):>7}   "
          "every source run")
    print(f"{'dashgen push --no-cache, unchanged':36} {med['cold re-push']:>8.2f} {max(writes['cold re-push']):>7}")
    if args.baseline_gen:
        print(f"{'baseline push, first (' + Path(args.baseline_gen).parent.name + ')':36} {med['baseline push']:>8.2f}")
        print(f"{'baseline push, unchanged':36} {med['baseline re-push']:>8.2f}")
        print(f"baseline:     loop / push = {med['loop'] / med['baseline push']:.1f}x   "
              f"loop / re-push = {med['loop'] / med['baseline re-push']:.1f}x")
    ph = {k: statistics.median(v) for k, v in phases.items()}
    rest = med["push"] - sum(ph.values())
    print("first push, phases: " + ", ".join(f"{k} {v:.2f}" for k, v in ph.items())
          + f", process start-up and imports {rest:.2f} s (reads run during load; connect/read: waiting after it)")
    first, again = med["loop"] / med["push"], med["loop"] / med["re-push"]
    print(f"first push:   loop / push = {first:.1f}x   loop script / push = {med['loop script'] / med['push']:.1f}x   "
          f"target loop / push >= 8x: {'pass' if first >= 8 else 'FAIL'}")
    ok = again >= 10 and max(writes["re-push"]) == 0
    print(f"re-push:      loop / re-push = {again:.1f}x   loop script / re-push = "
          f"{med['loop script'] / med['re-push']:.1f}x   writes = {max(writes['re-push'])}   "
          f"target loop / re-push >= 10x with 0 writes: {'pass' if ok else 'FAIL'}")
    print(f"--no-cache:   loop / push = {med['loop'] / med['cold push']:.1f}x   "
          f"loop / re-push = {med['loop'] / med['cold re-push']:.1f}x")


def sweep(args: argparse.Namespace, values: list[int]) -> None:
    """First push and re-push per --concurrency, in one run, alternating the order each repeat."""
    times: dict[int, dict[str, list[float]]] = {c: {"push": [], "re-push": []} for c in values}
    with tempfile.TemporaryDirectory(prefix="dashgen-bench-push-") as tmp, GrafanaDouble() as double:
        root = Path(tmp)
        make_sources(root, args.n, args.panels)
        env = dict(os.environ, GRAFANA_URL=double.url, GRAFANA_TOKEN=double.token,
                   PYTHONPATH=os.pathsep.join([str(ROOT / "gen"), os.environ.get("PYTHONPATH", "")]))
        run([args.python, "-m", "dashgen", "build"], root, env)  # the build cache warm, as in main()
        for r in range(args.repeat):
            for c in values if r % 2 == 0 else values[::-1]:
                double.reset()
                double.set_latency(args.latency)
                push = [args.python, "-m", "dashgen", "push", "-o", "json", "--concurrency", str(c)]
                times[c]["push"].append(run(push, root, env)[0])
                times[c]["re-push"].append(run(push, root, env)[0])
                assert double.writes() == args.n + len(FOLDERS)
    print(f"dashgen push by --concurrency; {args.n} dashboards x {args.panels} panels; "
          f"{args.latency * 1000:.0f} ms per request; median of {args.repeat}")
    print(f"{'concurrency':>11} {'first push':>11} {'re-push':>9}")
    for c in values:
        print(f"{c:>11} {statistics.median(times[c]['push']):>10.2f}s "
              f"{statistics.median(times[c]['re-push']):>8.2f}s")

if __name__ == "__main__":
    main()
