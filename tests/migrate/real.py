"""The corpus of real exported dashboards (tests/corpus, see its README) for the migration tests.

``load(path)`` reads a corpus file's dashboard by its manifest path; ``panel_pair`` migrates
it and returns one panel before and after, so each test states what Grafana makes of a
field of a real panel. Without the corpus files on this machine the tests skip and say so,
as every corpus test does.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import corpus_data
from dashgen.migrate import migrate_dashboard
from dashgen.migrate.walk import all_panels


def root() -> Path:
    found = corpus_data.corpus_dir()
    if found is None:
        pytest.skip("the corpus files are not on this machine (tests/corpus/README.md says how to lay them out)")
    return found


@cache
def _texts(path: str) -> tuple[str, ...]:
    return tuple(json.dumps(m) for m in corpus_data._shape_and_dashboards(corpus_data.load(root() / path))[1])


def models(path: str) -> list[dict[str, Any]]:
    """Fresh copies of every dashboard model of a corpus file (a ConfigMapList holds many)."""
    return [json.loads(text) for text in _texts(path)]


def load(path: str) -> dict[str, Any]:
    """A fresh copy of the (first) dashboard of corpus file ``path``."""
    return json.loads(_texts(path)[0])


def find(model: dict[str, Any], panel_id: Any) -> dict[str, Any]:
    found = [p for p in all_panels(model) if p.get("id") == panel_id]
    assert len(found) == 1, f"panel id {panel_id}: {len(found)} found"
    return found[0]


def panel_pair(path: str, panel_id: Any, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the panel as exported, the same panel after migration)."""
    model = load(path)
    return find(model, panel_id), find(migrate_dashboard(model, **kwargs).model, panel_id)


def all_models() -> list[tuple[str, int, dict[str, Any]]]:
    """(manifest path, index, model) of every dashboard in the corpus."""
    return [(e.path, i, m) for e in corpus_data.entries() for i, m in enumerate(models(e.path))]
