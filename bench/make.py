"""Benchmark: per-dashboard CPU of canonical form + lint + render, this checkout vs a baseline.

Runs ``dashgen build --no-cache`` of N synthetic 30-panel dashboards (bench/build.py's
``make_sources``) in one process (no worker pool) with the per-dashboard step
(``build._Stream._dashboard_entry``) and its lint and render parts timed with
``time.process_time`` (CPU: robust to cores shared with other work). Each checkout runs in
its own fresh process, alternating; the medians and the ratios are printed side by side.

    python bench/make.py --baseline /path/to/main/checkout      # N = 300, 3 repeats
    python bench/make.py --baseline ../main -n 300 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Run inside the checkout under test (its gen/ first on sys.path): prints one JSON line.
CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from dashgen import cli
from dashgen.lint import project
import dashgen.build as b

totals = {"step": 0.0, "lint": 0.0, "render": 0.0}
def timed(key, fn):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] += time.process_time() - t
    return wrapper

b.PARALLEL_FROM = 10**9
b._Stream._dashboard_entry = timed("step", b._Stream._dashboard_entry)
project.lint_loaded_dashboard = timed("lint", project.lint_loaded_dashboard)
b._Stream._files = timed("render", b._Stream._files)
try:
    cli.main(["build", "--no-cache"])
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(totals))
"""


def run_once(checkout: Path, project: Path, python: str) -> dict[str, float]:
    out = subprocess.run(
        [python, "-c", CHILD, str(checkout / "gen")], cwd=project, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of dashgen to compare with")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from build import make_sources

    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        make_sources(project, args.n)
        for _ in range(args.repeat):
            runs["baseline"].append(run_once(args.baseline.resolve(), project, sys.executable))
            runs["this"].append(run_once(HERE.parent, project, sys.executable))
    print(f"per-dashboard CPU (process_time), N={args.n}, median of {args.repeat}")
    print(f"{'part':<28}{'baseline ms':>12}{'this ms':>10}{'ratio':>8}")
    for key, label in (("step", "canonical+lint+render"), ("lint", "lint"), ("render", "render (JSON+ConfigMap)")):
        base = statistics.median(r[key] for r in runs["baseline"]) * 1000 / args.n
        this = statistics.median(r[key] for r in runs["this"]) * 1000 / args.n
        print(f"{label:<28}{base:>12.3f}{this:>10.3f}{this / base:>8.2f}")
    base_lr = statistics.median(r["lint"] + r["render"] for r in runs["baseline"])
    this_lr = statistics.median(r["lint"] + r["render"] for r in runs["this"])
    print(
        f"{'lint+render':<28}{base_lr * 1000 / args.n:>12.3f}{this_lr * 1000 / args.n:>10.3f}{this_lr / base_lr:>8.2f}"
    )


if __name__ == "__main__":
    main()
