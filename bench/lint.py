"""Benchmark: `dashgen.lint` per dashboard, next to what `dashgen build` costs per dashboard.

The dashboards are bench/build.py's: N grafanalib service dashboards (30 time-series panels,
2 queries each; the queries differ between dashboards only by label values), rendered by
`dashgen build` into the JSON it writes. Every measurement runs in fresh processes:

- build:  `dashgen build` of the N sources (cold: no output, no bytecode cache of the
          sources), wall time / N; the build lints every dashboard, so lint's share of it is
          what the table shows.
- cold:   lint_dashboard on each dashboard once, in a process that has seen none of its
          queries (a cold build); median per dashboard.
- warm:   the same dashboards linted again in that process (queries cached); median.
- import: `import dashgen.lint` (python -X importtime, cumulative), with the modules the build
          imports anyway (json, re, dataclasses, pathlib, dashgen) imported first; with a
          bytecode cache (an installed package) and without one (sources compiled on import,
          as with PYTHONDONTWRITEBYTECODE=1 and no __pycache__).

    python bench/lint.py                    # N = 100, 5 runs, this checkout's gen/
    python bench/lint.py -n 200 --repeat 7
    python bench/lint.py --gen ../main/gen  # another checkout, e.g. to compare before/after

Stdlib only; --python must have dashgen's dependencies (grafanalib, promql-parser).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRELOADED = "json, re, dataclasses, pathlib, dashgen"

# Runs in the child: lint every dashboard twice, print per-dashboard seconds as JSON.
LINT_CHILD = """
import json, sys, time
from pathlib import Path
from dashgen.lint import lint_dashboard
models = [(p.stem, json.loads(p.read_text())) for p in sorted(Path(sys.argv[1]).glob("*.json"))]
out = {"cold": [], "warm": [], "findings": 0}
for run in ("cold", "warm"):
    for name, model in models:
        t0 = time.perf_counter()
        findings = lint_dashboard(model, name=name)
        out[run].append(time.perf_counter() - t0)
    out["findings"] = len(findings)
print(json.dumps(out))
"""


def _bench_build_module():
    spec = importlib.util.spec_from_file_location("bench_build", HERE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(gen: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(gen)
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr}")
    return elapsed, proc.stdout, proc.stderr


def build_once(root: Path, python: str, gen: Path, pycache: Path) -> float:
    shutil.rmtree(root / "provisioning", ignore_errors=True)
    for cache in (root / "dashboards").rglob("__pycache__"):
        shutil.rmtree(cache)
    elapsed, _, _ = _run([python, "-m", "dashgen", "build"], root, _env(gen, PYTHONPYCACHEPREFIX=str(pycache)))
    return elapsed


def import_ms(python: str, gen: Path, env: dict[str, str]) -> float:
    _, _, err = _run([python, "-X", "importtime", "-c", f"import {PRELOADED}; import dashgen.lint"], gen, env)
    for line in err.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "dashgen.lint":
            return int(parts[1]) / 1000
    raise SystemExit("no dashgen.lint line in -X importtime output")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100, help="number of dashboards")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (medians are reported)")
    parser.add_argument("--python", default=sys.executable, help="python with grafanalib and promql-parser")
    parser.add_argument("--gen", type=Path, default=HERE.parent / "gen", help="the gen/ directory holding dashgen")
    args = parser.parse_args()
    gen = args.gen.resolve()
    bench_build = _bench_build_module()

    with tempfile.TemporaryDirectory(prefix="dashgen-lint-bench-") as tmp:
        tmp_path = Path(tmp)
        root = tmp_path / "project"
        pycache = tmp_path / "pycache"  # bytecode of dashgen itself, kept out of the checkout
        bench_build.make_sources(root, args.n)
        build_once(root, args.python, gen, pycache)  # also fills the bytecode cache
        json_dir = root / "provisioning" / "dashboards"
        dashboards = sorted(json_dir.rglob("*.json"))
        flat = tmp_path / "json"
        flat.mkdir()
        for p in dashboards:
            shutil.copy(p, flat / p.name)

        builds, colds, warms, imports_pyc, imports_src = [], [], [], [], []
        findings = 0
        for _ in range(args.repeat):
            builds.append(build_once(root, args.python, gen, pycache) / args.n)
            _, out, _ = _run([args.python, "-c", LINT_CHILD, str(flat)], tmp_path,
                             _env(gen, PYTHONPYCACHEPREFIX=str(pycache)))
            result = json.loads(out)
            colds.append(statistics.median(result["cold"]))
            warms.append(statistics.median(result["warm"]))
            findings = result["findings"]
            imports_pyc.append(import_ms(args.python, gen, _env(gen, PYTHONPYCACHEPREFIX=str(pycache))))
            empty = Path(tempfile.mkdtemp(dir=tmp))  # no bytecode to read, none written
            imports_src.append(import_ms(args.python, gen, _env(gen, PYTHONPYCACHEPREFIX=str(empty),
                                                                 PYTHONDONTWRITEBYTECODE="1")))

    build_ms = statistics.median(builds) * 1000
    cold_ms = statistics.median(colds) * 1000
    warm_ms = statistics.median(warms) * 1000
    imp_pyc, imp_src = statistics.median(imports_pyc), statistics.median(imports_src)
    build_total = build_ms * args.n

    print(f"dashgen.lint on {len(dashboards)} bench dashboards (30 panels, 60 queries each) from {gen}; "
          f"median of {args.repeat} runs, each in fresh processes; {findings} findings on the last one")
    rows = [
        ("dashgen build (reference)", f"{build_ms:.2f} ms/dashboard", "100%"),
        ("lint, cold (new queries)", f"{cold_ms:.3f} ms/dashboard", f"{cold_ms / build_ms:.0%} of build"),
        ("lint, warm (queries cached)", f"{warm_ms:.3f} ms/dashboard", f"{warm_ms / build_ms:.0%} of build"),
        ("import dashgen.lint, bytecode", f"{imp_pyc:.1f} ms once", f"{imp_pyc / build_total:.1%} of the build run"),
        ("import dashgen.lint, source", f"{imp_src:.1f} ms once", f"{imp_src / build_total:.1%} of the build run"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, share in rows:
        print(f"  {label:<{width}}  {value:>20}  {share}")
    print(f"  (import: with {PRELOADED} already imported; 'source' compiles dashgen.lint's modules on import)")


if __name__ == "__main__":
    main()
