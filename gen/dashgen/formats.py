"""Byte-stable serialisation: the same object gives the same bytes on every machine.

JSON: sorted keys, two-space indent, UTF-8 (no ``\\u`` escapes), trailing newline.
YAML: block style, keys sorted, multi-line strings as literal blocks when YAML can hold
them as they are, so a dashboard inside a ConfigMap stays readable and diffable.

YAML is emitted by libyaml (PyYAML's ``CSafeDumper``) when PyYAML has it, else by PyYAML's
pure-Python emitter, which on its own decides some things differently (characters
outside the Basic Multilingual Plane, NEL, when a key is "simple"). The pure-Python
emitter here is taught libyaml's rules, so both write the same bytes and ``build
--check`` does not depend on how PyYAML was installed (a test compares the two).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, NodeEvent, ScalarEvent, SequenceStartEvent, StreamEndEvent


def dump_json(obj: Any) -> str:
    """``json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\\n"``, faster.

    orjson (C/Rust) writes the same bytes for JSON data with two exceptions, handled here:
    it writes NaN and infinities as ``null`` (they are a ValueError, as JSON has no such
    numbers), and floats below 1e-4 in another notation (``1e-7``, ``0.00001``, where
    Python writes ``1e-07``, ``1e-05``). Those documents, and what orjson refuses (integers
    beyond 64 bits, lone surrogates), go through the standard library's encoder. A
    property test holds this to the standard library byte for byte.
    """
    import orjson

    try:
        out = orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError as exc:
        if "Dict key must be str" in str(exc):
            raise TypeError(f"keys must be str: {exc}") from None
        return _stdlib_json(obj)
    if holds(out, b"null"):  # NaN or an infinity, or a null: only the former is refused
        json.dumps(obj, allow_nan=False, check_circular=False)  # the C encoder: fast, raises ValueError
    if _may_have_float_notation(out) and _ORJSON_FLOAT_NOTATION.search(out):
        return _stdlib_json(obj)
    return out.decode("utf-8")


def _may_have_float_notation(out: bytes) -> bool:
    """What every match of ``_ORJSON_FLOAT_NOTATION`` holds ("0.0000", or "e-" after a digit or
    a dot and before a digit), found with substring searches: the regex takes 30 times as long."""
    if holds(out, b"0.0000"):
        return True
    at = out.rfind(b"e-")  # from the end, as ``holds``
    while at != -1:
        if at > 0 and out[at - 1] in b"0123456789." and out[at + 2 : at + 3].isdigit():
            return True
        at = out.rfind(b"e-", 0, at)
    return False


def holds(text: Any, part: Any) -> bool:
    """``part in text`` (str or bytes), searched from the end: for the short ``part``s here, on a
    dashboard's JSON (indented: mostly spaces), CPython's reverse search takes a third to half
    the time of ``in``'s forward one."""
    return text.rfind(part) != -1


def _stdlib_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# A number token (the rest of its line, after "key": or the indent of a list item) that
# orjson writes differently from Python's float repr: 0.0000ddd for [1e-5, 1e-4), and a
# one-digit negative exponent (1e-7) where Python writes two (1e-07).
_ORJSON_FLOAT_NOTATION = re.compile(rb"(?m)(?:^ *|\": )-?(?:0\.0000[0-9]|[0-9.]+e-[0-9](?![0-9]))")


# What libyaml does not print as is but PyYAML's emitter does: NEL and the characters
# outside the Basic Multilingual Plane. libyaml double-quotes a string holding one.
_LIBYAML_UNPRINTABLE = re.compile("[\x85\U00010000-\U0010ffff]")


class _LibyamlRulesDumper(yaml.SafeDumper):
    """PyYAML's pure-Python safe dumper, deciding styles and keys as libyaml (0.2) does."""

    # libyaml ends the stream with "..." when a block scalar kept its trailing newlines
    # ("|+") and no block scalar came after it; PyYAML forgets it at the next indicator.
    _kept_trailing_lines = False

    def write_literal(self, text):
        self._kept_trailing_lines = self.determine_block_hints(text).endswith("+")
        super().write_literal(text)

    def write_folded(self, text):
        self._kept_trailing_lines = self.determine_block_hints(text).endswith("+")
        super().write_folded(text)

    def expect_document_start(self, first=False):
        if isinstance(self.event, StreamEndEvent) and self._kept_trailing_lines:
            self.open_ended = True
        super().expect_document_start(first)

    def analyze_scalar(self, scalar):
        analysis = super().analyze_scalar(scalar)
        if "\r" in scalar:  # a line break to libyaml (PyYAML: only a special character)
            analysis.multiline = True
        if _LIBYAML_UNPRINTABLE.search(scalar):
            analysis.allow_flow_plain = analysis.allow_block_plain = False
            analysis.allow_single_quoted = analysis.allow_block = False
        return analysis

    def check_simple_key(self):
        """libyaml's yaml_emitter_check_simple_key: a key is written ``key: value``
        unless it is multi-line, a non-empty collection, or over 128 bytes (anchor, tag
        if written, value). PyYAML counts characters, always counts the tag, stops below
        128 and never treats the empty string as simple."""
        event, length = self.event, 0
        if isinstance(event, NodeEvent) and event.anchor is not None:
            if self.prepared_anchor is None:
                self.prepared_anchor = self.prepare_anchor(event.anchor)
            length += len(self.prepared_anchor.encode("utf-8"))
        if isinstance(event, ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            if self.analysis.multiline:
                return False
            if event.tag is not None and not (event.implicit[0] or event.implicit[1]):
                length += self._tag_length(event.tag)
            length += len(event.value.encode("utf-8", "surrogatepass"))
        elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            empty = self.check_empty_sequence() if isinstance(event, SequenceStartEvent) else self.check_empty_mapping()
            if not empty:
                return False
            if event.tag is not None and not event.implicit:
                length += self._tag_length(event.tag)
        elif not isinstance(event, AliasEvent):
            return False
        return length <= 128

    def _tag_length(self, tag: str) -> int:
        if self.prepared_tag is None:
            self.prepared_tag = self.prepare_tag(tag)
        return len(self.prepared_tag.encode("utf-8"))


def _block_dumper(base: type[Any]) -> type[yaml.SafeDumper]:
    """A safe dumper that writes multi-line strings as literal blocks."""
    dumper: type[yaml.SafeDumper] = type(f"Block{base.__name__}", (base,), {})
    dumper.add_representer(str, _str)
    return dumper


# Characters that YAML treats as line breaks or cannot hold unescaped: a literal block
# with one of them would not read back as the same string, so those stay quoted. libyaml
# also quotes anything outside the Basic Multilingual Plane; we follow it.
_NOT_BLOCK_SAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\U00010000-\U0010ffff]")


_NOT_BLOCK_SAFE_ASCII = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])


def _no_unsafe_chars(value: str) -> bool:
    if value.isascii():  # the usual case, and a regex over 70 kB would cost a millisecond
        data = value.encode("ascii")
        return len(data.translate(None, _NOT_BLOCK_SAFE_ASCII)) == len(data)
    return not _NOT_BLOCK_SAFE.search(value)


def block_safe(value: str) -> bool:
    """Whether ``value`` reads back unchanged from a ``|`` literal block."""
    return (
        "\n" in value
        and _no_unsafe_chars(value)
        and not holds(value, " \n")
        and ("\t" not in value or "\t\n" not in value)  # a tab is rare: one memchr first
        and not value.endswith((" ", "\t"))
    )


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if block_safe(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


PURE_DUMPER = _block_dumper(_LibyamlRulesDumper)
LIBYAML_DUMPER = _block_dumper(yaml.CSafeDumper) if hasattr(yaml, "CSafeDumper") else None
_BlockDumper = LIBYAML_DUMPER or PURE_DUMPER
# Never fold a line (libyaml and PyYAML fold differently): the largest width libyaml takes.
_WIDTH = 2**31 - 1


def dump_yaml(obj: Any, *, dumper: type | None = None) -> str:
    """``obj`` as YAML; ``dumper`` (PURE_DUMPER or LIBYAML_DUMPER) only for tests."""
    return yaml.dump(
        obj,
        Dumper=dumper or _BlockDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDTH,
        indent=2,
    )


def dump_configmap(obj: dict[str, Any]) -> str:
    """``dump_yaml(obj)`` for a ConfigMap, with long ``data`` values written directly.

    A dashboard is tens of kilobytes of JSON; letting the YAML emitter lay it out line
    by line costs more than the rest of the build. A literal block is just the text
    indented, so block-safe values are dumped as placeholders that are then replaced by
    the indented text. The result reads back as ``obj``, and for a dashboard ConfigMap
    it is byte for byte what ``dump_yaml`` writes.
    """
    fast = _configmap_fast(obj)
    if fast is not None:
        return fast
    data = obj.get("data") or {}
    blocks = {}
    for i, (name, text) in enumerate(sorted(data.items())):
        if block_safe(text) and text.endswith("\n") and not text.endswith("\n\n") and not text.startswith((" ", "\n")):
            blocks[name] = (f"dashgen-block-{i}-e3b0c44298fc", text)
    out = dump_yaml({**obj, "data": {k: blocks[k][0] if k in blocks else v for k, v in data.items()}})
    for token, text in blocks.values():
        line = f": {token}\n"
        if out.count(line) != 1:  # cannot happen with these tokens; stay correct regardless
            return dump_yaml(obj)
        out = out.replace(line, ": |\n    " + text[:-1].replace("\n", "\n    ") + "\n")
    return out


# A string that libyaml writes plain (unquoted) when the resolver reads it back as a string, else
# in single quotes ('1', 'true'): ASCII letters, digits and "_./-", inner single spaces; no
# indicator, no quote, no ": " or " #".
_SIMPLE_STRING = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_./-]| (?=[A-Za-z0-9_./-]))*")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_METADATA_KEYS = ["annotations", "labels", "name", "namespace"]


def _scalar(value: Any, key: bool = False) -> str | None:
    """``value`` as ``dump_yaml`` writes it, when it is a simple string (a key: also written as a
    simple key, so at most 128 bytes); else None."""
    if type(value) is not str or (key and len(value) > 128) or _SIMPLE_STRING.fullmatch(value) is None:
        return None
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG:
        return value
    return f"'{value}'"


def _block(text: Any) -> bool:
    """Whether ``text`` is written as ``|`` with its lines indented, nothing else (no "|-", "|+",
    indentation indicator or empty line)."""
    return (
        type(text) is str
        and block_safe(text)
        and text.endswith("\n")
        and not holds(text, "\n\n")
        and not text.startswith((" ", "\n"))
    )


def _mapping(mapping: Any, indent: str) -> list[str] | None:
    """The lines of a non-empty mapping of simple strings, keys sorted; None for anything else."""
    if type(mapping) is not dict or not mapping:
        return None
    lines = []
    for k in sorted(mapping):
        key, value = _scalar(k, key=True), _scalar(mapping[k])
        if key is None or value is None:
            return None
        lines.append(f"{indent}{key}: {value}\n")
    return lines


def _configmap_fast(obj: dict[str, Any]) -> str | None:
    """The sidecar ConfigMap written directly, or None when it is not of the shape whose bytes
    this proves equal to ``dump_yaml``'s: apiVersion and kind, metadata with name, namespace,
    non-empty labels and annotations, and non-empty data of block texts, every other string simple.
    The PyYAML emitter costs more than the rest of rendering a dashboard."""
    if type(obj) is not dict or sorted(obj) != ["apiVersion", "data", "kind", "metadata"]:
        return None
    meta, data = obj["metadata"], obj["data"]
    if type(meta) is not dict or sorted(meta) != _METADATA_KEYS or type(data) is not dict or not data:
        return None
    annotations, labels = _mapping(meta["annotations"], "    "), _mapping(meta["labels"], "    ")
    api, kind = _scalar(obj["apiVersion"]), _scalar(obj["kind"])
    name, namespace = _scalar(meta["name"]), _scalar(meta["namespace"])
    if annotations is None or labels is None or api is None or kind is None or name is None or namespace is None:
        return None
    out = [f"apiVersion: {api}\ndata:\n"]
    for k in sorted(data):
        key, text = _scalar(k, key=True), data[k]
        if key is None or not _block(text):
            return None
        out.append(f"  {key}: |\n    " + text[:-1].replace("\n", "\n    ") + "\n")
    out.append(f"kind: {kind}\nmetadata:\n  annotations:\n")
    out += annotations
    out.append("  labels:\n")
    out += labels
    out.append(f"  name: {name}\n  namespace: {namespace}\n")
    return "".join(out)
