"""Validate objects against CustomResourceDefinitions the way the Kubernetes API server does.

What the API server checks for a custom resource, and how it is done here:

- ``apiVersion``/``kind`` served by the CRD; ``metadata`` as ObjectMeta (name, namespace,
  label and annotation keys and values) - checked directly, since a CRD's schema says only
  ``metadata: {type: object}``.
- The structural OpenAPI v3 schema (``openAPIV3Schema``), translated to JSON Schema for
  ``jsonschema``: an object with ``properties`` takes no other field (the server prunes or,
  with strict field validation, rejects them) unless ``x-kubernetes-preserve-unknown-fields``;
  ``x-kubernetes-int-or-string`` is an integer or a string; ``format: byte`` is standard,
  padded base64 (Go's ``encoding/base64`` StdEncoding, as for a ``[]byte`` field);
  ``pattern`` is Go RE2 (ASCII ``\\d``, ``$`` only at the very end).
- Defaults (``default``) are applied before the CEL rules, as the server does.
- ``x-kubernetes-validations``: every CEL rule on a node that is present, evaluated with
  cel-python (``celpy``). A transition rule (one that reads ``oldSelf``) is evaluated only
  when an old object is given and the node was present in it, and never below a list (list
  items of atomic lists cannot be correlated). A rule celpy cannot evaluate (Kubernetes'
  own ``format`` library) needs its meaning in ``HAND_WRITTEN``, keyed by the rule's text;
  without it validation fails, so no rule is ever skipped unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ENV = "DASHGEN_OPERATOR_CRDS"
RELATIVE = Path("shared/reference/grafana-operator-crds")


def find_crd_dir(start: Path) -> Path | None:
    """``$DASHGEN_OPERATOR_CRDS``, else the first ``shared/reference/grafana-operator-crds`` in
    ``start`` or a directory above it (``../shared/...`` of a clone)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    for directory in [start, *start.parents]:
        if (directory / RELATIVE).is_dir():
            return directory / RELATIVE
    return None


def validator_for(repo: Path) -> Validator:
    """The validator over the CRDs found from ``repo``; without them the calling test fails under
    CI=true and is skipped elsewhere, saying where the CRDs go."""
    import pytest

    directory = find_crd_dir(repo)
    if directory is None or not directory.is_dir():
        where = f"../shared/reference/grafana-operator-crds (from {repo}) or ${{{ENV}}}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"grafana-operator CRDs not found at {where}")
        pytest.skip(f"grafana-operator CRDs not found: put grafana-operator's config/crd/bases in {where}")
    crds = load_crds(directory)
    missing = {"GrafanaDashboard", "GrafanaFolder", "GrafanaDatasource"} - {kind for _, kind in crds}
    assert not missing, f"no CRD for {', '.join(sorted(missing))} in {directory}"
    return Validator(crds)


class CRD:
    def __init__(self, doc: dict[str, Any]):
        self.group = doc["spec"]["group"]
        self.kind = doc["spec"]["names"]["kind"]
        self.namespaced = doc["spec"]["scope"] == "Namespaced"
        self.versions = {v["name"]: v["schema"]["openAPIV3Schema"] for v in doc["spec"]["versions"] if v.get("served")}


def load_crds(directory: Path) -> dict[tuple[str, str], CRD]:
    """``(apiVersion, kind) -> CRD`` for every CRD in ``directory``."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                crd = CRD(doc)
                for version in crd.versions:
                    out[(f"{crd.group}/{version}", crd.kind)] = crd
    return out


# ------------------------------------------------------------------ structural schema


def to_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """A Kubernetes structural schema node as JSON Schema (draft 2020-12)."""
    if node.get("x-kubernetes-embedded-resource"):
        raise NotImplementedError("x-kubernetes-embedded-resource")  # none in these CRDs; add it when one appears
    out: dict[str, Any] = {}
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    elif "type" in node:
        out["type"] = [node["type"], "null"] if node.get("nullable") else node["type"]
    for key in ("enum", "maxLength", "minLength", "maxItems", "minItems", "minimum", "maximum",
                "exclusiveMinimum", "exclusiveMaximum", "maxProperties", "minProperties", "required", "multipleOf"):
        if key in node:
            out[key] = node[key]
    if "pattern" in node:
        out["pattern"] = go_pattern(node["pattern"])
    if "format" in node:
        out["format"] = node["format"]
    if "properties" in node:
        out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
    if "items" in node:
        out["items"] = to_json_schema(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = to_json_schema(node["additionalProperties"])
    elif node.get("type") == "object" and "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def go_pattern(pattern: str) -> str:
    """A Go RE2 pattern as a Python one with the same meaning: ``\\d`` and ``\\w`` are ASCII
    in RE2, and ``$`` (without the ``m`` flag) matches only at the end of the text, where
    Python's also matches before a final newline."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return "(?a)" + pattern


def _is_byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(value) % 4 == 0


def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _format_checker():
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("byte")(_is_byte)
    checker.checks("int64")(_is_int64)
    checker.checks("int32")(lambda v: not isinstance(v, int) or -(2**31) <= v < 2**31)
    return checker


# ------------------------------------------------------------------------- ObjectMeta

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*\Z")
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")


def _qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED.match(name))


def metadata_errors(meta: Any, namespaced: bool) -> list[str]:
    """What the API server's ObjectMeta validation would refuse (names, labels, annotations)."""
    if not isinstance(meta, dict):
        return ["metadata: must be an object"]
    errors = []
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _SUBDOMAIN.match(name):
        errors.append(f"metadata.name: {name!r} is not a DNS subdomain")
    namespace = meta.get("namespace")
    if namespaced and (not isinstance(namespace, str) or len(namespace) > 63
                       or not re.fullmatch(_DNS_LABEL, namespace)):
        errors.append(f"metadata.namespace: {namespace!r} is not a DNS label")
    for key, value in (meta.get("labels") or {}).items():
        if not _qualified_name(key):
            errors.append(f"metadata.labels: key {key!r} is not a qualified name")
        if not isinstance(value, str) or (value and (len(value) > 63 or not _QUALIFIED.match(value))):
            errors.append(f"metadata.labels.{key}: {value!r} is not a label value")
    annotations = meta.get("annotations") or {}
    for key, value in annotations.items():
        if not _qualified_name(key):
            errors.append(f"metadata.annotations: key {key!r} is not a qualified name")
        if not isinstance(value, str):
            errors.append(f"metadata.annotations.{key}: must be a string")
    if sum(len(k) + len(str(v)) for k, v in annotations.items()) > 256 * 1024:
        errors.append("metadata.annotations: more than 256 KiB")
    return errors


# ----------------------------------------------------------------------------- defaults


def apply_defaults(value: Any, node: dict[str, Any]) -> Any:
    """``value`` with the schema's defaults filled in, as the API server does before validation."""
    if isinstance(value, dict) and "properties" in node:
        value = dict(value)
        for key, sub in node["properties"].items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = apply_defaults(value[key], sub)
    elif isinstance(value, dict) and isinstance(node.get("additionalProperties"), dict):
        value = {k: apply_defaults(v, node["additionalProperties"]) for k, v in value.items()}
    elif isinstance(value, list) and "items" in node:
        value = [apply_defaults(v, node["items"]) for v in value]
    return value


# ----------------------------------------------------------------------------- CEL


def _uuid_error(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) != value.lower()
    except ValueError:
        return True


# Rules celpy cannot evaluate, by their exact text, with their meaning as Python: True = valid.
HAND_WRITTEN: dict[str, Callable[[Any, Any], bool]] = {
    # Kubernetes' format library: format.uuid().validate(self) is an error (hasValue) unless
    # self is a UUID in its canonical, lower-case 8-4-4-4-12 form.
    "!format.uuid().validate(self).hasValue()": lambda self, old: not _uuid_error(self),
}


class RuleEvaluator:
    def __init__(self) -> None:
        import celpy

        self.celpy = celpy
        self.env = celpy.Environment()
        self.programs: dict[str, Any] = {}

    def holds(self, rule: str, value: Any, old: Any) -> bool:
        if rule in HAND_WRITTEN:
            return HAND_WRITTEN[rule](value, old)
        program = self.programs.get(rule)
        if program is None:
            try:
                program = self.env.program(self.env.compile(rule))
            except Exception as exc:  # noqa: BLE001 - celpy raises its own types
                raise AssertionError(f"CEL rule {rule!r} does not compile with celpy ({exc}); "
                                     "add its meaning to HAND_WRITTEN") from None
            self.programs[rule] = program
        activation = {"self": self.celpy.json_to_cel(value)}
        if old is not _ABSENT:
            activation["oldSelf"] = self.celpy.json_to_cel(old)
        result = program.evaluate(activation)
        if not isinstance(result, self.celpy.celtypes.BoolType):
            raise AssertionError(f"CEL rule {rule!r} did not evaluate to a bool: {result!r}; "
                                 "add its meaning to HAND_WRITTEN")
        return bool(result)


_ABSENT = object()
_OLD_SELF = re.compile(r"\boldSelf\b")


def rule_errors(value: Any, node: dict[str, Any], where: str, evaluator: RuleEvaluator,
                old: Any = _ABSENT, correlatable: bool = True) -> list[str]:
    errors = []
    for validation in node.get("x-kubernetes-validations", []):
        rule = validation["rule"]
        if _OLD_SELF.search(rule):
            if old is _ABSENT or not correlatable:
                continue  # a transition rule: only on update, with the old value at the same place
        if not evaluator.holds(rule, value, old):
            errors.append(f"{where}: {validation.get('message') or rule} (rule: {rule})")
    if isinstance(value, dict):
        props = node.get("properties") or {}
        for key, sub in props.items():
            if key in value:
                sub_old = old.get(key, _ABSENT) if isinstance(old, dict) else _ABSENT
                errors += rule_errors(value[key], sub, f"{where}.{key}", evaluator, sub_old, correlatable)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                sub_old = old.get(key, _ABSENT) if isinstance(old, dict) else _ABSENT
                errors += rule_errors(item, extra, f"{where}.{key}", evaluator, sub_old, correlatable)
    elif isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            errors += rule_errors(item, node["items"], f"{where}[{i}]", evaluator, _ABSENT, False)
    return errors


# ------------------------------------------------------------------------------ entry


class Validator:
    """``errors(obj, old=None)``: every reason the API server would refuse ``obj`` (an update
    of ``old`` when given); empty when it would accept it."""

    def __init__(self, crds: dict[tuple[str, str], CRD]):
        import jsonschema

        self.crds = crds
        self.evaluator = RuleEvaluator()
        self.checker = _format_checker()
        self.validators = {
            key: {v: jsonschema.Draft202012Validator(to_json_schema(schema), format_checker=self.checker)
                  for v, schema in crd.versions.items()}
            for key, crd in crds.items()
        }

    def errors(self, obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
        key = (obj.get("apiVersion"), obj.get("kind"))
        crd = self.crds.get(key)
        if crd is None:
            return [f"no CRD serves {key[0]} {key[1]}"]
        version = key[0].split("/", 1)[1]
        schema = crd.versions[version]
        errors = metadata_errors(obj.get("metadata"), crd.namespaced)
        value = apply_defaults(obj, schema)
        for error in self.validators[key][version].iter_errors(value):
            path = ".".join(str(p) for p in error.absolute_path) or "(root)"
            errors.append(f"{path}: {error.message}")
        if errors:
            return errors
        previous = apply_defaults(old, schema) if old is not None else _ABSENT
        return rule_errors(value, schema, crd.kind, self.evaluator, previous)
