"""dashgen import on the corpus of real public dashboards: every one builds back, nothing lost.

Runs over ``corpus_data.real_dashboards()``: Debian's packaged dashboards always (in CI too),
the manifest's files when they are on this machine. The round-trip target is
``pycode.module.canonical`` (what ``dashgen fmt --migrate`` writes). A Python source cannot keep
everything (a panel without an id gets one, as grafanalib numbers panels): what it cannot is
named per field in ``lost``, everything else must come back byte for byte, and 95% of the
dashboards must come back exact. ``python bench/import.py --exact`` prints the ratio and the
lost fields.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections import Counter

import pytest

import corpus_data
from dashgen.formats import dump_json
from dashgen.lint import lint_dashboard
from dashgen.migrate.datasources import KnownDatasource
from dashgen.pycode import files
from dashgen.pycode.module import (
    build,
    canonical,
    convert,
    differences,
    format_source,
    lost_fields,
    reachable,
    ruff_binary,
)

REAL, ABSENT = corpus_data.real_dashboards()
EXACT_SHARE = 0.95  # issue 12: import then build reproduces fmt --migrate for at least 95% of the dashboards

# The datasources a project importing these would define (as tests/test_corpus_build.py's), so that
# grafana.com ${DS_X} inputs resolve as fmt and build resolve them.
KNOWN = (
    KnownDatasource(name="Prometheus", uid="prometheus", type="prometheus", default=True),
    KnownDatasource(name="InfluxDB", uid="influxdb", type="influxdb"),
)


@functools.cache
def _converted(path):
    return [(saved, convert(saved.model, origin=saved.source, datasources=KNOWN)) for saved in files.read(path)]


def _all():
    if corpus_data.in_ci():
        # CI always has Debian's packaged dashboards; the manifest's files are never committed
        assert len([r for r in REAL if r.id.startswith("debian-")]) >= 18, ABSENT
    assert REAL, ABSENT
    return [pair for real in REAL for pair in _converted(real.path)]


def _findings(model):
    return sorted((f.rule, f.severity, f.panel or "", f.target or "") for f in lint_dashboard(model, name="x"))


def _needs_the_whole_corpus(count):
    """After the assertions held on what is here: the issue asks for at least 40 dashboards."""
    if count < 40:
        assert corpus_data.corpus_dir() is None, f"only {count} dashboards, with the manifest's files here"
        pytest.skip(f"held on the {count} dashboards here; at least 40 need the manifest's files: {'; '.join(ABSENT)}")


@pytest.mark.parametrize("real", REAL, ids=[r.id for r in REAL])
def test_every_real_dashboard_builds_back_with_nothing_lost(real):
    for saved, conversion in _converted(real.path):
        target = canonical(saved.model, KNOWN)
        built = build(conversion.text, KNOWN)
        assert dump_json(built) == dump_json(reachable(target)), saved.source
        assert conversion.exact == (dump_json(built) == dump_json(target))
        # every field that differs is named, by its path (panels[3].targets[0].step), and nothing else
        assert sorted(conversion.lost) == sorted(lost_fields(target, built)), saved.source
        assert len(conversion.lost) == len([*differences(target, built)])
        assert _findings(built) == _findings(reachable(target)), saved.source


def test_95_percent_of_the_real_dashboards_round_trip_exactly():
    conversions = [c for _, c in _all()]
    exact = [c for c in conversions if c.exact]
    lost = Counter(re.sub(r"\[\d+\]", "[]", field) for c in conversions for field in c.lost)
    assert len(exact) / len(conversions) >= EXACT_SHARE, (len(exact), len(conversions), lost.most_common(10))
    _needs_the_whole_corpus(len(conversions))


def test_the_corpus_converts_idiomatically_and_lint_clean(tmp_path):
    conversions = [c for _, c in _all()]
    whole = Counter(c.as_dict for c in conversions)
    assert whole[False] / len(conversions) >= 0.95  # written with grafanalib classes, not as one dict
    for i, c in enumerate(conversions):
        (tmp_path / f"board_{i}.py").write_text(c.text, encoding="utf-8")
    check = subprocess.run([ruff_binary(), "check", "--isolated", "--select", "E4,E7,E9,F", str(tmp_path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    # Formatted as import formats (ruff with the configuration of the project it writes into).
    assert [i for i, c in enumerate(conversions) if format_source(c.text) != c.text] == []
    # What grafanalib writes for old Grafanas, at grafanalib's values, is never a keyword argument
    # (the build drops it there): such a key comes from extraJson.
    for word in ('style="dark"', "hideControls=False", "step=10,", "editable=True", "error=False"):
        assert not [i for i, c in enumerate(conversions) if word in c.text], word
    _needs_the_whole_corpus(len(conversions))
