"""Benchmark: `dashgen import`'s conversion per dashboard, over the corpus of real dashboards.

Each corpus dashboard is converted (fit, print, `ruff format`, build and compare) --repeat
times in this process; the table gives the median per dashboard, the slowest one, and the
first conversion of the run (classes are probed once per process).

    python bench/import.py               # the corpus found by tests/corpus_data.py
    python bench/import.py --repeat 5
    python bench/import.py --exact       # how many of the real dashboards round-trip exactly

``--exact`` converts every file of ``corpus_data.real_dashboards()`` once (Debian's packaged
dashboards and the manifest's files) with the datasources of tests/test_import_corpus.py, and
prints the exact ratio and how often each lost field (indices dropped) stands in the way.
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
    parser.add_argument("--exact", action="store_true", help="count exact round trips over the real dashboards")
    args = parser.parse_args()
    if args.exact:
        exact_ratio()
        return

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


def exact_ratio() -> None:
    import re
    from collections import Counter

    import corpus_data
    from dashgen.pycode import files
    from dashgen.pycode.module import convert
    from test_import_corpus import KNOWN

    found, absent = corpus_data.real_dashboards()
    for why in absent:
        print(f"absent: {why}")
    total = exact = as_dict = notes = 0
    fields: Counter[str] = Counter()  # lost field (list indices dropped) -> occurrences
    boards: Counter[str] = Counter()  # the same -> dashboards it keeps from exact
    for real in found:
        for saved in files.read(real.path):
            c = convert(saved.model, origin=saved.source, datasources=KNOWN)
            total += 1
            exact += c.exact
            as_dict += c.as_dict
            notes += len(c.notes)
            if c.exact:
                continue
            kinds = [re.sub(r"\[\d+\]", "[]", lost) for lost in c.lost]
            kinds = [re.sub(r": .* became .*", ": changed", k) for k in kinds]
            fields.update(kinds)
            boards.update(set(kinds))
            if not c.lost:
                print(f"not exact, nothing named: {saved.source}")
    print(f"{exact}/{total} exact ({exact / max(total, 1):.1%}); {as_dict} written as a dict; "
          f"{notes} fields kept but not idiomatically")
    print(f"{'dashboards':>10} {'fields':>7}  lost")
    for kind, n in boards.most_common():
        print(f"{n:>10} {fields[kind]:>7}  {kind}")


if __name__ == "__main__":
    main()
