"""dashgen import on the corpus of real public dashboards: every one builds back, nothing lost.

The round-trip target is ``pycode.module.canonical`` (today the JSON ``dashgen build``
writes for the JSON source; ``dashgen fmt --migrate`` when that lands). A Python source
cannot keep what dashgen's Python build normalises (nulls, legacy keys, refIds it fills,
``schemaVersion`` below 39): those are named per field in ``lost``, and everything else
must come back byte for byte.
"""

from __future__ import annotations

import functools
import subprocess
from collections import Counter

import pytest

import corpus_data
from dashgen.formats import dump_json
from dashgen.lint import lint_dashboard
from dashgen.migrate.datasources import KnownDatasource
from dashgen.pycode import files
from dashgen.pycode.module import build, canonical, convert, format_source, reachable, ruff_binary

ENTRIES = corpus_data.entries()


def _root():
    root = corpus_data.corpus_dir()
    if root is None:
        pytest.skip("corpus files not on this machine: see tests/corpus/README.md (or set DASHGEN_CORPUS)")
    return root


# The datasources a project importing these would define (as tests/test_corpus_build.py's), so that
# grafana.com ${DS_X} inputs resolve as fmt and build resolve them.
KNOWN = (
    KnownDatasource(name="Prometheus", uid="prometheus", type="prometheus", default=True),
    KnownDatasource(name="InfluxDB", uid="influxdb", type="influxdb"),
)


@functools.cache
def _converted(path: str):
    root = _root()
    return [(saved, convert(saved.model, origin=saved.source, datasources=KNOWN)) for saved in files.read(root / path)]


def _findings(model):
    return sorted((f.rule, f.severity, f.panel or "", f.target or "") for f in lint_dashboard(model, name="x"))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_corpus_dashboard_builds_back_with_nothing_lost(entry):
    for saved, conversion in _converted(entry.path):
        target = canonical(saved.model, KNOWN)
        built = build(conversion.text, KNOWN)
        assert dump_json(built) == dump_json(reachable(target)), saved.source
        assert conversion.exact == (dump_json(built) == dump_json(target))
        if not conversion.exact:
            assert conversion.lost, f"{saved.source}: not exact, and no field named"
        assert _findings(built) == _findings(reachable(target)), saved.source


def test_the_corpus_converts_idiomatically_and_lint_clean(tmp_path):
    conversions = [c for e in ENTRIES for _, c in _converted(e.path)]
    assert len(conversions) >= 40
    whole = Counter(c.as_dict for c in conversions)
    assert whole[False] / len(conversions) >= 0.95  # written with grafanalib classes, not as one dict
    for i, c in enumerate(conversions):
        (tmp_path / f"board_{i}.py").write_text(c.text, encoding="utf-8")
    check = subprocess.run([ruff_binary(), "check", "--isolated", "--select", "E4,E7,E9,F", str(tmp_path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    # Formatted as import formats (ruff with the configuration of the project it writes into).
    assert [i for i, c in enumerate(conversions) if format_source(c.text) != c.text] == []
