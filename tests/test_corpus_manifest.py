"""The corpus manifest is complete, and what it says about each file is what the file holds."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

import corpus_data
from corpus_data import describe, entries

ENTRIES = entries()
LICENSES = {"Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "MPL-2.0", "CC-BY-4.0"}
NOT_DASHBOARDS = re.compile(r"^(LICENSE|NOTICE|COPYING)", re.IGNORECASE)
COMPUTED = ("title", "shape", "schema_version", "angular_panels", "rows_layout", "has_inputs", "dashboards")


def corpus() -> Path:
    found = corpus_data.corpus_dir()
    if found is None:
        pytest.skip(
            "the corpus files are not on this machine: set DASHGEN_CORPUS to a directory laid out "
            "as tests/corpus/MANIFEST.yaml says, or put them in shared/corpus (tests/corpus/README.md)"
        )
    return found


def test_every_entry_names_its_origin_commit_and_licence():
    paths = [e.path for e in ENTRIES]
    assert len(paths) == len(set(paths)), "a path is listed twice"
    for e in ENTRIES:
        assert re.fullmatch(r"[\w.-]+/[^/]+", e.path), e.path
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", e.repository), e.path
        assert e.repo_path and not e.repo_path.startswith("/"), e.path
        assert re.fullmatch(r"[0-9a-f]{40}", e.commit), e.path
        assert e.source_url.startswith(f"https://github.com/{e.repository}/blob/{e.commit}/"), e.path
        assert e.license in LICENSES, f"{e.path}: {e.license}"
        assert e.shape in corpus_data.SHAPES, e.path
        assert e.notes, e.path


def test_one_origin_is_one_repository_and_one_licence():
    by_origin: dict[str, set] = {}
    for e in ENTRIES:
        by_origin.setdefault(e.origin, set()).add((e.repository, e.license))
    assert {o: v for o, v in by_origin.items() if len(v) != 1} == {}


def test_the_corpus_covers_every_era_and_shape():
    shapes = Counter(e.shape for e in ENTRIES)
    assert len(ENTRIES) >= 52
    assert sum(bool(e.angular_panels) for e in ENTRIES) >= 12
    assert sum(e.rows_layout for e in ENTRIES) >= 5
    assert sum(e.has_inputs for e in ENTRIES) >= 3
    assert sum(isinstance(e.schema_version, int) and e.schema_version < 16 for e in ENTRIES) >= 5
    assert all(shapes[s] >= 1 for s in corpus_data.SHAPES), shapes
    assert any(e.path.endswith((".yaml", ".yml")) and e.shape == "configmap" for e in ENTRIES)


def test_every_corpus_file_is_in_the_manifest_and_every_origin_has_its_licence():
    root = corpus()
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.parent != root and not NOT_DASHBOARDS.match(p.name)
    }
    assert on_disk == {e.path for e in ENTRIES}
    for origin in {e.origin for e in ENTRIES}:
        assert any(NOT_DASHBOARDS.match(p.name) for p in (root / origin).iterdir()), f"{origin}: no LICENSE"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_the_manifest_says_what_the_file_holds(entry):
    facts = describe(corpus() / entry.path)
    assert facts == {key: getattr(entry, key) for key in COMPUTED}


# describe() itself, on small documents of each shape.

GRAPH_ROWS = {"title": "old", "schemaVersion": 14, "rows": [{"panels": [{"type": "graph"}, {"type": "table", "styles": []}]}]}
MODERN = {
    "title": "new",
    "schemaVersion": 39,
    "panels": [{"type": "row", "collapsed": True, "panels": [{"type": "singlestat"}]}, {"type": "table"}],
}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.json", json.dumps(MODERN), {"shape": "export", "schema_version": 39, "angular_panels": ["singlestat"], "rows_layout": False}),
        ("a.json", json.dumps({**GRAPH_ROWS, "__inputs": []}), {"shape": "export-with-inputs", "angular_panels": ["graph", "table(styles)"], "rows_layout": True, "has_inputs": True}),
        ("a.json", json.dumps({"dashboard": MODERN, "meta": {}}), {"shape": "api-body", "title": "new"}),
        ("a.json", json.dumps({"dashboard": GRAPH_ROWS, "overwrite": False}), {"shape": "api-body", "rows_layout": True}),
        ("a.yaml", yaml.safe_dump({"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard", "metadata": {"name": "x"}, "spec": MODERN}), {"shape": "resource", "schema_version": 39}),
        (
            "a.yaml",
            yaml.safe_dump({"kind": "ConfigMapList", "items": [
                {"kind": "ConfigMap", "data": {"a.json": json.dumps(MODERN), "b.json": json.dumps(GRAPH_ROWS)}},
                {"kind": "ConfigMap", "data": {"c.json": json.dumps(MODERN)}},
            ]}),
            {"shape": "configmap", "dashboards": 3, "schema_version": [14, 39], "title": "3 dashboards",
             "angular_panels": ["graph", "singlestat", "table(styles)"], "rows_layout": True},
        ),
    ],
)
def test_describe(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    facts = describe(path)
    assert {k: facts[k] for k in expected} == expected


def test_debian_packaged_dashboards_are_fetched_and_hold_dashboards():
    """The part of the corpus a fresh clone always has: in CI it must be there."""
    found, absent = corpus_data.real_dashboards()
    debian = [d for d in found if d.id.startswith("debian-")]
    if not debian:
        message = "; ".join(absent)
        if corpus_data.in_ci():
            pytest.fail(f"CI=true and Debian's packaged dashboards are missing: {message}", pytrace=False)
        pytest.skip(message)
    expected = sum(len(paths) for _, paths in corpus_data.DEBIAN_DASHBOARDS.values())
    assert len(debian) == expected
    facts = [describe(d.path) for d in debian]
    assert all(f["dashboards"] == 1 and f["title"] for f in facts)
    # What makes them worth testing against: Angular panels and pre-16 schemas.
    assert sum(bool(f["angular_panels"]) for f in facts) >= 15
    assert any(isinstance(f["schema_version"], int) and f["schema_version"] < 16 for f in facts)
