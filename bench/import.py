"""Benchmark: `dashgen import`'s conversion per dashboard, over the corpus of real dashboards.

Each corpus dashboard is converted (fit, print, `ruff format`, build and compare) --repeat
times in this process; the table gives the median per dashboard, the slowest one, and the
first conversion of the run (classes are probed once per process).

    python bench/import.py               # the corpus found by tests/corpus_data.py
    python bench/import.py --repeat 5
    python bench/import.py --exact       # how many of the real dashboards round-trip exactly
    python bench/import.py --exact --baseline /work/main   # side by side with another checkout

``--exact`` converts every file of ``corpus_data.real_dashboards()`` once (Debian's packaged
dashboards and the manifest's files) with the datasources of tests/test_import_corpus.py, and
prints the exact ratio, the dashboards written as one dict, the fields kept only through
``extraJson`` removing or setting what grafanalib writes, and how often each lost field
(list indices dropped) keeps a dashboard from exact. ``--baseline`` runs the same count with
another checkout's ``gen/`` and ``tests/`` and prints both columns.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exact", action="store_true", help="count exact round trips over the real dashboards")
    parser.add_argument("--baseline", type=Path, help="with --exact: another checkout to count side by side")
    parser.add_argument("--root", type=Path, default=HERE.parent, help=argparse.SUPPRESS)  # whose gen/ and tests/
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # --exact's counts, for --baseline
    args = parser.parse_args()
    sys.path.insert(0, str(args.root / "tests"))
    sys.path.insert(0, str(args.root / "gen"))
    if args.exact:
        counts = exact_counts()
        if args.json:
            print(json.dumps(counts))
            return
        baseline = None
        if args.baseline:
            run = [sys.executable, __file__, "--exact", "--json", "--root", str(args.baseline.resolve())]
            baseline = json.loads(subprocess.run(run, check=True, capture_output=True, text=True).stdout)
        print_counts(counts, baseline)
        return

    import corpus_data
    from dashgen.pycode import files
    from dashgen.pycode.module import convert
    from test_import_corpus import KNOWN

    root = corpus_data.corpus_dir()
    if root is None:
        sys.exit("corpus files not found: see tests/corpus/README.md")
    saved = [s for e in corpus_data.entries() for s in files.read(root / e.path)]
    first = None
    per: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for s in saved:
            start = time.perf_counter()
            convert(s.model, origin=s.source, datasources=KNOWN)
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


def exact_counts() -> dict:
    import re
    from collections import Counter

    import corpus_data
    from dashgen.pycode import files
    from dashgen.pycode.module import convert
    from test_import_corpus import KNOWN

    found, absent = corpus_data.real_dashboards()
    for why in absent:
        print(f"absent: {why}", file=sys.stderr)
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
                print(f"not exact, nothing named: {saved.source}", file=sys.stderr)
    lost = {kind: [boards[kind], fields[kind]] for kind in boards}
    return {"total": total, "exact": exact, "as_dict": as_dict, "notes": notes, "lost": lost}


def print_counts(counts: dict, baseline: dict | None) -> None:
    columns = [("this checkout", counts)] + ([("baseline", baseline)] if baseline else [])
    print(f"{'':42}" + "".join(f"{name:>16}" for name, _ in columns))

    def row(label: str, value) -> None:
        print(f"{label:42}" + "".join(f"{value(c):>16}" for _, c in columns))

    row("dashboards", lambda c: c["total"])
    row("exact round trip", lambda c: f"{c['exact']} ({c['exact'] / max(c['total'], 1):.1%})")
    row("written as one dict", lambda c: c["as_dict"])
    row("fields removed or set via extraJson", lambda c: c["notes"])
    if baseline:
        print(f"{'exact, this checkout / baseline':42}{counts['exact'] / max(baseline['exact'], 1):>15.2f}x")
    kinds = sorted({k for _, c in columns for k in c["lost"]}, key=lambda k: -max(c["lost"].get(k, [0])[0]
                                                                                   for _, c in columns))
    if kinds:
        print("\nlost fields keeping dashboards from exact (dashboards / fields):")
    for kind in kinds:
        cells = ["{} / {}".format(*c["lost"].get(kind, [0, 0])) for _, c in columns]
        print(f"  {kind[:80]:80}" + "".join(f"{cell:>16}" for cell in cells))


if __name__ == "__main__":
    main()
