"""Benchmark: the edit loop. Cold and cached `dashgen build` against a cold `generate-dashboards`.

For N synthetic 30-panel dashboards (bench/build.py's modules), in one run, each command in
a fresh process, median wall time and peak RSS (wait4's rusage) of:

- generate-dashboards, cold (grafanalib's own tool, the baseline of every ratio);
- dashgen build --no-cache into an empty output (cold);
- dashgen build with nothing changed since the last build (the cache warm);
- dashgen build after one dashboard changed;
- dashgen build after a helper in dashboards/lib/ changed that every 10th dashboard imports
  (a copy of the sources of its own): its output is compared with a --no-cache build of
  the same sources into another directory, byte for byte;
- dashgen --help.

    python bench/incremental.py                      # N = 300, 1000; 3 repeats
    python bench/incremental.py -n 1000 --repeat 5

Targets: cold <= 0.6x generate-dashboards (time), peak RSS <= 2x; nothing changed <= 0.05x and
one changed <= 0.1x the cold generate-dashboards; --help < 0.3 s.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from build import PANELS, arguments, make_sources, run  # noqa: E402  (bench/build.py)

HELPER = 'UNIT = "{unit}"\n'


def _cold(root: Path) -> None:
    """No previous output, no bytecode of the sources, no JSON generate-dashboards left."""
    shutil.rmtree(root / "provisioning", ignore_errors=True)
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache)
    for json_file in (root / "dashboards").rglob("*.json"):
        json_file.unlink()


def _tree(base: Path) -> dict[str, str]:
    """Each file's sha256: this process stays small (a child forked from it starts with its
    memory, and wait4's peak RSS of the child counts that)."""
    return {str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(base.rglob("*"))
            if p.is_file()}


def _with_helper(root: Path, n: int) -> None:
    """Every 10th dashboard takes its unit from dashboards/lib/style.py."""
    make_sources(root, n)
    (root / "dashboards/lib").mkdir()
    (root / "dashboards/lib/__init__.py").write_text("")
    (root / "dashboards/lib/style.py").write_text(HELPER.format(unit="reqps"))
    for path in sorted((root / "dashboards/services").glob("*.py"))[::10]:
        text = path.read_text().replace('unit="reqps"', "unit=UNIT")
        path.write_text("from dashboards.lib.style import UNIT\n" + text)


def bench(n: int, repeat: int, python: str) -> dict:
    bindir = Path(python).parent
    dashgen, generate = str(bindir / "dashgen"), str(bindir / "generate-dashboards")
    samples: dict[str, list[tuple[float, int]]] = {
        k: [] for k in ("grafanalib", "cold", "nothing", "one", "helper", "help")
    }
    with tempfile.TemporaryDirectory(prefix=f"dashgen-incremental-{n}-") as tmp:
        root = Path(tmp) / "project"
        env = {**os.environ, "DASHGEN_CACHE_DIR": str(Path(tmp) / "cache")}
        paths = make_sources(root, n)
        for r in range(repeat):
            for tool in ("grafanalib", "cold") if r % 2 == 0 else ("cold", "grafanalib"):
                _cold(root)
                cmd = [generate, *map(str, paths)] if tool == "grafanalib" else [dashgen, "build", "--no-cache"]
                samples[tool].append(run(cmd, root, env))
        _cold(root)
        run([dashgen, "build"], root, env)  # fills the cache
        changed = paths[0]
        original = changed.read_text()
        for r in range(repeat):
            samples["nothing"].append(run([dashgen, "build"], root, env))
            changed.write_text(original.replace('title="Service "', f'title="Service {r} "'))
            samples["one"].append(run([dashgen, "build"], root, env))
            samples["help"].append(run([dashgen, "--help"], root, env))

        helped = Path(tmp) / "helped"
        _with_helper(helped, n)
        run([dashgen, "build"], helped, env)
        identical = True
        for r in range(repeat):
            (helped / "dashboards/lib/style.py").write_text(HELPER.format(unit=f"reqps{r}"))
            samples["helper"].append(run([dashgen, "build"], helped, env))
            shutil.rmtree(helped / "cold", ignore_errors=True)
            (helped / "dashgen.yaml").write_text("output: cold\n")
            run([dashgen, "build", "--no-cache"], helped, env)
            (helped / "dashgen.yaml").unlink()
            identical = identical and _tree(helped / "provisioning") == _tree(helped / "cold")
    out = {k: (statistics.median(s[0] for s in v), max(s[1] for s in v)) for k, v in samples.items()}
    out["identical"] = identical
    return out


def main() -> None:
    args = arguments(__doc__, [300, 1000])
    print(f"dashgen build, cold and cached, vs grafanalib generate-dashboards (cold); {PANELS} panels per dashboard; "
          f"median of {args.repeat}; ratios to generate-dashboards' time (memory: to its peak RSS)")
    for n in args.n:
        s = bench(n, args.repeat, args.python)
        base, base_mem = s["grafanalib"]
        print(f"N={n}: generate-dashboards {base:.2f} s {base_mem / 1024:.1f} MiB")
        for key, label, target in (
            ("cold", "cold --no-cache", "time <= 0.6, memory <= 2"),
            ("nothing", "nothing changed", "<= 0.05 at N=1000" if n == 1000 else "set at N=1000 only"),
            ("one", "one changed", "<= 0.1 at N=1000" if n == 1000 else "set at N=1000 only"),
            ("helper", "helper changed", f"every 10th rebuilt; identical to --no-cache: {s['identical']}"),
        ):
            t, mem = s[key]
            print(f"  {label:<16} {t:6.2f} s {mem / 1024:6.1f} MiB  time ratio {t / base:5.2f}  "
                  f"memory ratio {mem / base_mem:5.2f}   (target {target})", flush=True)
        print(f"  dashgen --help   {s['help'][0]:6.2f} s  (target < 0.3 s)", flush=True)


if __name__ == "__main__":
    main()
