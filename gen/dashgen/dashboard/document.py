"""Saved dashboards in every shape they come in, read and written back in that shape.

Shapes (``Document.kind``):

- ``"dashboard"``: the dashboard model itself, as Grafana's "Export" saves it (or anything
  that is not one of the wrappers below: callers decide whether it looks like a dashboard);
- ``"api"``: ``{"dashboard": {...}, "meta": {...}}`` as ``GET /api/dashboards/uid/<uid>``
  answers, or ``{"dashboard": {...}}`` without meta (also the body ``POST /api/dashboards/db`` takes,
  and ``POST /api/dashboards/import``'s, whose ``inputs`` give the values of ``__inputs``);
- ``"resource"``: a ``kind: Dashboard`` resource (Grafana 12's dashboard.grafana.app API,
  gcx, Grizzly) whose ``spec`` is the model;
- ``"configmap"``: a Kubernetes ConfigMap whose ``data`` keys ending in ``.json`` each hold
  a dashboard (the Grafana sidecar's input), read in key order.

::

    doc = read_document(text, "exported.json")        # or document_of(parsed_object)
    models = [migrate(m) for m in doc.dashboards]
    path.write_text(doc.dump(models))                  # same shape, same format (JSON/YAML)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DashgenError

_API_KEYS = frozenset({"dashboard", "meta", "folderId", "folderUid", "overwrite", "message", "inputs"})


@dataclass(frozen=True)
class Document:
    """One saved document and the dashboard model(s) inside it."""

    kind: str  # "dashboard" | "api" | "resource" | "configmap"
    dashboards: tuple[Any, ...]  # the models, as parsed
    original: Any  # the whole parsed document
    keys: tuple[str, ...] = ()  # "configmap": the data key of each dashboard
    errors: tuple[tuple[str, str], ...] = ()  # "configmap": (key, problem) for keys that hold no JSON
    format: str = "json"  # "json" | "yaml": how the text was (and is dumped) written

    @property
    def wrapped(self) -> bool:
        """Whether the dashboard sits inside a wrapper (api, resource, configmap)."""
        return self.kind != "dashboard"

    def with_dashboards(self, models: list[Any] | tuple[Any, ...]) -> Any:
        """The document with ``models`` in place of its dashboards (same number, same order).

        A ConfigMap's keys get dashgen's canonical JSON, as ``dashgen build`` writes them;
        keys that held no JSON are left as they were.
        """
        models = list(models)
        if len(models) != len(self.dashboards):
            raise ValueError(f"expected {len(self.dashboards)} dashboards, got {len(models)}")
        if self.kind == "dashboard":
            return models[0]
        if self.kind == "api":
            return {**self.original, "dashboard": models[0]}
        if self.kind == "resource":
            return {**self.original, "spec": models[0]}
        from ..formats import dump_json

        data = dict(self.original["data"])
        for key, model in zip(self.keys, models):
            data[key] = dump_json(model)
        return {**self.original, "data": data}

    def dump(self, models: list[Any] | tuple[Any, ...]) -> str:
        """``with_dashboards(models)`` as text in the document's format (dashgen's canonical JSON or YAML)."""
        from ..formats import dump_json, dump_yaml

        obj = self.with_dashboards(models)
        return dump_yaml(obj) if self.format == "yaml" else dump_json(obj)


def document_of(obj: Any, *, format: str = "json") -> Document:
    """Recognise the shape of an already parsed document (never raises)."""
    if isinstance(obj, dict):
        inner = obj.get("dashboard")
        if (
            isinstance(inner, dict)
            and "panels" not in obj
            and "rows" not in obj
            and ("meta" in obj or obj.keys() <= _API_KEYS)
        ):
            return Document("api", (inner,), obj, format=format)
        kind = obj.get("kind")
        if kind == "Dashboard" and isinstance(obj.get("spec"), dict) and "panels" not in obj:
            return Document("resource", (obj["spec"],), obj, format=format)
        if kind == "ConfigMap":
            configmap = _configmap(obj, format)
            if configmap is not None:
                return configmap
    return Document("dashboard", (obj,), obj, format=format)


def _configmap(obj: dict[str, Any], format: str) -> Document | None:
    data = obj.get("data")
    if not isinstance(data, dict) or not any(str(k).endswith(".json") for k in data):
        return None
    models, keys, errors = [], [], []
    for key, value in sorted(data.items(), key=lambda kv: str(kv[0])):
        if not str(key).endswith(".json"):
            continue
        try:
            models.append(json.loads(value))
            keys.append(key)
        except (TypeError, json.JSONDecodeError) as exc:
            errors.append((key, f"invalid JSON in ConfigMap key {key}: {exc}"))
    return Document("configmap", tuple(models), obj, tuple(keys), tuple(errors), format)


def unwrap(obj: Any) -> Any:
    """The dashboard inside an ``api`` or ``resource`` wrapper, else ``obj`` itself."""
    doc = document_of(obj)
    return doc.dashboards[0] if doc.kind in ("api", "resource") else obj


def read_document(text: str, path: str) -> Document:
    """Parse ``text`` (JSON, or YAML for ``.yaml``/``.yml`` files) and recognise its shape.

    JSON must be strict: NaN and infinities are errors, as JSON has none. Raises
    :class:`DashgenError` naming ``path`` (and the line) for text that does not parse.
    """
    if path.endswith((".yaml", ".yml")):
        return document_of(_yaml(text, path), format="yaml")
    try:
        obj = json.loads(text, parse_constant=_not_json)
    except _NotJSON as exc:
        raise DashgenError(
            f"invalid JSON: {exc} is not a JSON number (JSON has no NaN or Infinity)", path=path
        ) from None
    except json.JSONDecodeError as exc:
        raise DashgenError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from None
    return document_of(obj)


def _yaml(text: str, path: str) -> Any:
    import yaml

    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DashgenError(
            f"invalid YAML: {problem}", path=path, line=mark.line + 1 if mark is not None else None
        ) from None
    if len(documents) != 1:
        raise DashgenError(f"expected one YAML document, found {len(documents)}", path=path)
    return documents[0]


class _NotJSON(ValueError):
    pass


def _not_json(constant: str) -> Any:
    raise _NotJSON(constant)  # NaN, Infinity, -Infinity: Python's json reads them, JSON has none


def named_files(paths: Iterable[str], suffixes: Iterable[str]) -> Iterator[tuple[Path, bool]]:
    """(path, named explicitly) for each path: a directory gives its files with ``suffixes``,
    sorted, outside hidden directories; a file is given as named (so a wrong one is reported)."""
    wanted = tuple(suffixes)
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path, True
            continue
        for p in sorted(path.rglob("*")):
            if p.is_file() and p.suffix in wanted and not any(x.startswith(".") for x in p.relative_to(path).parts):
                yield p, False
