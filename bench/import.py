"""Benchmark: `dashgen import`'s conversion per dashboard, over the corpus of real dashboards.

Each corpus dashboard is converted (fit, print, `ruff format`, build and compare) --repeat
times in this process; the table gives the median per dashboard, the slowest one, and the
first conversion of the run (classes are probed once per process).

    python bench/import.py               # the corpus found by tests/corpus_data.py
    python bench/import.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "gen"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import corpus_data
    from dashgen.pycode import files
    from dashgen.pycode.module import convert

    root = corpus_data.corpus_dir()
    if root is None:
        sys.exit("corpus files not found: see tests/corpus/README.md")
    saved = [s for e in corpus_data.entries() for s in files.read(root / e.path)]
    first = None
    per: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for s in saved:
            start = time.perf_counter()
            convert(s.model, origin=s.source)
            took = time.perf_counter() - start
            first = took if first is None else first
            per.setdefault(s.source, []).append(took)
    medians = {k: statistics.median(v) for k, v in per.items()}
    slowest = max(medians, key=medians.get)
    print(f"{len(saved)} dashboards, {args.repeat} runs")
    print(f"median per dashboard   {statistics.median(medians.values()) * 1000:7.1f} ms")
    print(f"mean per dashboard     {statistics.mean(medians.values()) * 1000:7.1f} ms")
    print(f"slowest (median)       {medians[slowest] * 1000:7.1f} ms  {Path(slowest).name}")
    print(f"first conversion       {first * 1000:7.1f} ms  (includes probing grafanalib's classes)")


if __name__ == "__main__":
    main()
