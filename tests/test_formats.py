"""Serialisation: byte-stable JSON and YAML that reads back as what was written."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dashgen.formats import dump_configmap, dump_json, dump_yaml

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
json_values = st.recursive(_scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                           max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_dump_json_matches_the_standard_library(value):
    assert dump_json(value) == json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_yaml_with_embedded_json_reads_back_exactly(doc):
    text = dump_json(doc)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"x.json": text, "note": "multi\nline"}}
    assert yaml.safe_load(dump_yaml(obj)) == obj
    assert yaml.safe_load(dump_configmap(obj)) == obj
    single = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"}, "data": {"x.json": text}}
    assert dump_configmap(single) == dump_yaml(single)


def test_yaml_uses_a_literal_block_for_json():
    text = dump_json({"title": "É", "panels": []})
    out = dump_yaml({"data": {"x.json": text}})
    assert out.startswith("data:\n  x.json: |\n    {\n")


def test_yaml_quotes_strings_a_block_cannot_hold():
    for tricky in ("a\u2028b\n", "tab at end\t\nx", "nel\x85\n", "trailing space \n"):
        out = dump_yaml({"k": tricky})
        assert "|" not in out.splitlines()[0]
        assert yaml.safe_load(out) == {"k": tricky}
