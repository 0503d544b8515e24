"""Serialisation: byte-stable JSON and YAML that reads back as what was written."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashgen.formats import LIBYAML_DUMPER, PURE_DUMPER, dump_configmap, dump_json, dump_yaml

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
json_values = st.recursive(_scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                           max_leaves=40)
# What JSON can hold: no NaN, no infinities.
finite_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_dump_json_matches_the_standard_library(value):
    try:
        expected = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:  # NaN or an infinity somewhere: not JSON
        with pytest.raises(ValueError, match="not JSON compliant"):
            dump_json(value)
        return
    assert dump_json(value) == expected


# Where orjson and Python's repr write floats differently (below 1e-4), integers beyond
# 64 bits, and strings that look like those numbers (``"node-1"``, ``"0.00001"``).
_tricky_numbers = (
    st.floats(min_value=-1e-3, max_value=1e-3)
    | st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-25, 25))
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from(["node-1", "1e-7", "0.00001", ": 1e-7", '": 0.00001', "x\n1e-7"])
)
_tricky_json = st.recursive(
    _tricky_numbers | st.none() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5) | _tricky_numbers.filter(
        lambda v: isinstance(v, str)), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(_tricky_json)
def test_dump_json_matches_the_standard_library_on_tricky_numbers(value):
    expected = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    assert dump_json(value) == expected


def test_dump_json_matches_the_standard_library_on_real_dashboards():
    from corpus_data import real_dashboards
    from dashgen.dashboard.document import read_document

    checked = 0
    found, _ = real_dashboards()
    for real in found:
        path = real.path
        try:
            doc = read_document(path.read_text(encoding="utf-8"), str(path))
        except Exception:  # noqa: BLE001 - a file another test reads its own way
            continue
        for model in doc.dashboards:
            assert dump_json(model) == json.dumps(model, sort_keys=True, indent=2, ensure_ascii=False) + "\n", path
            checked += 1
    assert checked >= 10


def test_dump_json_refuses_keys_that_are_not_strings():
    with pytest.raises(TypeError):
        dump_json({1: "a"})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), {"a": [1, float("nan")]}])
def test_dump_json_refuses_nan_and_infinity(value):
    with pytest.raises(ValueError, match="not JSON compliant"):
        dump_json(value)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(), finite_json_values, max_size=5))
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


# ------------------------------------------- libyaml and pure-Python PyYAML agree

needs_libyaml = pytest.mark.skipif(LIBYAML_DUMPER is None, reason="PyYAML without libyaml: nothing to compare with")

_SHARED, _LIST = {"x": 1}, [1, 2]
# What PyYAML's own emitter wrote differently from libyaml, and neighbours of it.
TRICKY = [
    {"title": "Team \U0001F680"},  # beyond the BMP: libyaml double-quotes and escapes
    {"\U0001F680": 1, "k": "x\U0001F680\ny\n"},
    {"a": "x\x85y"},  # NEL: not printable to libyaml
    {"": "empty key"},
    {"k" * 123: 1, "k" * 127: 2, "k" * 128: 3, "k" * 129: 4},  # simple keys: at most 128 bytes
    {"\u00e9" * 64: 1, "\u00e9" * 65: 2, "\U0001F680" * 32: 3, "\U0001F680" * 33: 4},
    {"a\rb": 1, "c": "d\re"},  # CR: a line break to libyaml
    {"a": "x\n\n", "b": 1},  # a "|+" block: libyaml ends the stream with "..."
    {"a": ["x\n\n"], "b": {"c": None}},
    {"\n": None},
    {"a": "x\n\n", "b": "y\n"},
    {"a": _SHARED, "b": _SHARED, "c": [_LIST, _LIST], "k" * 124: _SHARED},  # anchors count in key length
    {"a": "\t" * 530_000},  # a line over the old width, 2**20: PyYAML folded it, libyaml did not
]


@needs_libyaml
@pytest.mark.parametrize("doc", TRICKY)
def test_pure_python_and_libyaml_dumpers_write_the_same_bytes(doc):
    out = dump_yaml(doc, dumper=LIBYAML_DUMPER)
    assert dump_yaml(doc, dumper=PURE_DUMPER) == out
    assert yaml.safe_load(out) == doc


_alphabet = st.sampled_from(list(
    "\x00\x01\t\n\r\x0b\x1b\x7f\x85\xa0\u2028\u2029\ufeff\ufffe\uffff\ud7ff\ue000\ufffd\U0001F680\U0010ffff"
    " \u00e9-:?#,[]{}&*!|>'\"%@`~.=<0123456789TtrueFalsnulNy+")) | st.characters(blacklist_categories=("Cs",))
_texts = st.text(_alphabet, max_size=30) | st.builds(
    lambda s, n: s * n, st.text(_alphabet, min_size=1, max_size=3), st.integers(0, 150))
_yaml_docs = st.dictionaries(_texts, st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_texts, inner, max_size=4), max_leaves=25), max_size=6)


@needs_libyaml
@settings(max_examples=300, deadline=None)
@given(_yaml_docs)
def test_pure_python_and_libyaml_dumpers_agree_on_any_document(doc):
    out = dump_yaml(doc, dumper=LIBYAML_DUMPER)
    assert dump_yaml(doc, dumper=PURE_DUMPER) == out
    assert yaml.safe_load(out) == doc


# Strings for ConfigMap names, labels and annotations: arbitrary ones, simple ones, and simple
# ones YAML reads as something else (so they must be quoted).
_simple = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_./ -]{0,20}", fullmatch=True)
_resolved = st.sampled_from(["1", "0", "true", "False", "yes", "on", "null", "Null", "0x1f", "1_000", "1:20",
                             "1.5", "1e3", ".inf", "-1", "0o7", "2001-12-14", "=", "<<", "~", "a: b", "a #b",
                             "- x", "x ", " x", "", "'q'", "'", "é", "x" * 129])
_names = _simple | _resolved | st.text(max_size=12)
_label_maps = st.dictionaries(_names, _names, max_size=4)


def _configmap(name, namespace, labels, annotations, data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data,
            "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations}}


@settings(max_examples=500, deadline=None)
@given(_names, _names, _label_maps, _label_maps, st.dictionaries(_names, finite_json_values.map(dump_json) | _names,
                                                                  min_size=1, max_size=2))
def test_configmap_writes_what_pyyaml_writes(name, namespace, labels, annotations, data):
    obj = _configmap(name, namespace, labels, annotations, data)
    expected = dump_yaml(obj)
    assert dump_configmap(obj) == expected
    if LIBYAML_DUMPER is not None:
        assert dump_yaml(obj, dumper=PURE_DUMPER) == expected


# Simple strings as the sidecar ConfigMap has them, and ones written in single quotes ('1').
_plain = _simple.filter(lambda s: s == s.strip() and "  " not in s)
_quoted = st.sampled_from(["1", "0", "true", "False", "yes", "on", "null", "Null", "0x1f", "1_000", "1.5", "1e3",
                           "0o7", "2001-12-14"])
_simple_maps = st.dictionaries(_plain | _quoted, _plain | _quoted, min_size=1, max_size=4)
_printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))
_dashboard_like = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                               allow_infinity=False) | _printable | st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["C", "Zl", "Zp"])),
                               lambda inner: st.lists(inner) | st.dictionaries(_printable, inner), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_plain | _quoted, _plain, _simple_maps, _simple_maps, _plain | _quoted, _dashboard_like)
def test_configmap_fast_path_covers_the_sidecar_shape(name, namespace, labels, annotations, key, content):
    """The direct writer is used (not only the PyYAML fallback) for simple strings, and agrees."""
    from dashgen.formats import _configmap_fast

    obj = _configmap(name, namespace, labels, annotations, {key: dump_json({"panels": [content]})})
    fast = _configmap_fast(obj)
    assert fast is not None
    assert fast == dump_yaml(obj)


@given(st.text(alphabet=" \n\t0.e-nul{}\"", max_size=60), st.sampled_from([" \n", "\n\n", "null", "0.0000", "e-", "\t\n"]))
def test_holds_is_in(text, part):
    from dashgen.formats import holds

    assert holds(text, part) == (part in text)
    assert holds(text.encode(), part.encode()) == (part.encode() in text.encode())


@given(st.text(alphabet="0123456789.e-x ", max_size=40).map(str.encode))
@example(b"1e-5, xe-x")
@example(b"xe-x, 1e-5")
@example(b"e-1e-")
def test_float_notation_is_found_wherever_it_is(out):
    """What ``dump_json`` looks for before it trusts orjson's floats, anywhere in the text."""
    import re

    from dashgen.formats import _may_have_float_notation

    assert _may_have_float_notation(out) == bool(re.search(rb"0\.0000|[0-9.]e-[0-9]", out))
