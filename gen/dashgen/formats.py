"""Byte-stable serialisation: the same object gives the same bytes on every machine.

JSON: sorted keys, two-space indent, UTF-8 (no ``\\u`` escapes), trailing newline.
YAML: block style, keys sorted, multi-line strings as literal blocks when YAML can hold
them as they are, so a dashboard inside a ConfigMap stays readable and diffable.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

try:
    _Dumper = yaml.CSafeDumper
except AttributeError:  # PyYAML without libyaml
    _Dumper = yaml.SafeDumper


def dump_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class _BlockDumper(_Dumper):
    """Safe dumper that writes multi-line strings as literal blocks."""


# Characters that YAML treats as line breaks or cannot hold unescaped: a literal block
# with one of them would not read back as the same string, so those stay quoted.
_NOT_BLOCK_SAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[ \t]\n|[ \t]$")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not _NOT_BLOCK_SAFE.search(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_BlockDumper.add_representer(str, _str)


def dump_yaml(obj: Any) -> str:
    return yaml.dump(
        obj, Dumper=_BlockDumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=1 << 20, indent=2
    )


def dump_yaml_all(objs: list[Any]) -> str:
    return yaml.dump_all(
        objs,
        Dumper=_BlockDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 20,
        indent=2,
        explicit_start=True,
    )
