"""Measure the canonical form on real dashboards: what it drops, what it migrates, what it costs.

For every real dashboard on this machine (tests/corpus_data.real_dashboards(): Debian's
packaged dashboards and the manifest's corpus) and this repository's own three dashboards
(as `dashgen build` loads them before the canonical form: grafanalib's JSON), prints:

- the default values elided, per rule of dashgen.canonical.DEFAULTS;
- the keys Grafana manages or adds on export that were dropped (id, version, ...), the
  nulls dropped, and the AngularJS panels converted with --migrate, by kind;
- canonicalise's time per dashboard (median of --repeat runs, with and without --migrate).

    python bench/canonical.py
    python bench/canonical.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import corpus_data  # noqa: E402
from dashgen import canonical, config, sources  # noqa: E402

PROMETHEUS = {"name": "Prometheus", "type": "prometheus", "uid": "prometheus"}
INFLUXDB = {"name": "InfluxDB", "type": "influxdb", "uid": "influxdb"}


def corpus() -> list[tuple[str, dict[str, Any]]]:
    found, absent = corpus_data.real_dashboards()
    for why in absent:
        print(f"note: {why}", file=sys.stderr)
    return [(d.id, m) for d in found for m in corpus_data._shape_and_dashboards(corpus_data.load(d.path))[1]]


def own() -> list[tuple[str, dict[str, Any]]]:
    """The repository's dashboards as loaded before the canonical form (grafanalib's JSON)."""
    original = sources._canonicalise
    sources._canonicalise = lambda resources, cfg: []  # type: ignore[assignment]
    try:
        resources = sources.load(config.load(root=HERE.parent))
    finally:
        sources._canonicalise = original  # type: ignore[assignment]
    return [(d.source, d.model) for d in resources.dashboards]


def _nulls(value: Any) -> int:
    if isinstance(value, dict):
        return sum(v is None for v in value.values()) + sum(_nulls(v) for v in value.values())
    if isinstance(value, list):
        return sum(_nulls(v) for v in value)
    return 0


def measure(name: str, models: list[tuple[str, dict[str, Any]]], repeat: int) -> None:
    known = canonical.known_datasources([PROMETHEUS, INFLUXDB])
    per_rule: Counter[str] = Counter()
    managed: Counter[str] = Counter()
    migrated: Counter[tuple[str, str]] = Counter()
    nulls = errors = 0
    for _, model in models:
        try:
            plain = canonical.canonicalise(model, known)
            done = canonical.canonicalise(model, known, migrate=True)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors += 1
            print(f"  {type(exc).__name__}: {str(exc)[:120]}", file=sys.stderr)
            continue
        migrated.update(done.migrated)
        nulls += _nulls(model)
        for key in (*canonical.MANAGED_KEYS, "__inputs"):
            managed[key] += key in model
        per_rule.update(plain.elided)
    print(f"\n{name}: {len(models)} dashboards ({errors} refused)")
    print(f"  default values elided: {sum(per_rule.values())}")
    for rule, n in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {rule:32} {n}")
    print(f"  managed/export keys dropped: {sum(managed.values())} ({dict(managed)})")
    print(f"  nulls dropped: {nulls}")
    print(f"  panels migrated (--migrate): {sum(migrated.values())}")
    for (old, new), n in migrated.most_common():
        print(f"    {old} -> {new}: {n}")
    for migrate in (False, True):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _, model in models:
                try:
                    canonical.canonicalise(model, known, migrate=migrate)
                except Exception:  # noqa: BLE001, S112 - refused ones were reported above
                    continue
            times.append((time.perf_counter() - start) / max(len(models), 1))
        label = "fmt --migrate" if migrate else "fmt"
        print(f"  {label:14} {statistics.median(times) * 1000:.2f} ms per dashboard (median of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    measure("real dashboards", corpus(), args.repeat)
    measure("this repository's dashboards", own(), args.repeat)


if __name__ == "__main__":
    main()
