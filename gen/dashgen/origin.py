"""The origin record of a dashboard vendored from grafana.com, kept beside its source.

``dashgen import --grafana-com`` writes ``<name>.grafana-com.yaml`` next to the dashboard it
vendors (``<name>.json``, or ``<name>.py`` with ``--python``): the grafana.com id and revision,
the sha256 of the bytes downloaded, the date, how ``__inputs`` were filled, and a fingerprint
of the dashboard as imported. A file of its own, rather than keys inside the dashboard,
because it must outlive ``dashgen fmt`` and a Python rewrite alike, must stay out of what
Grafana receives, and shows as its own small diff in review (``revision: 3`` → ``4``).
``dashgen build`` reads it with the dashboard (:func:`beside`); ``dashgen community`` lists them.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from .errors import DashgenError
from .resources import GrafanaComOrigin

SUFFIX = ".grafana-com.yaml"
HEADER = (
    "# Vendored from grafana.com by dashgen import --grafana-com: where {dashboard} came from.\n"
    "# dashgen community lists it with the latest revision; an upgrade rewrites both files.\n"
)
_KEYS = ("dashboard", "id", "revision", "name", "downloaded", "sha256", "inputs", "fingerprint")


def path_for(source: Path) -> Path:
    """The record beside a dashboard source: ``x.json`` or ``x.py`` -> ``x.grafana-com.yaml``."""
    return source.with_name(source.stem + SUFFIX)


def is_record(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def dump(origin: GrafanaComOrigin, dashboard: str) -> str:
    """The record's text, keys in a fixed order so an upgrade is a small diff."""
    doc: dict[str, Any] = {
        "dashboard": dashboard,
        "id": origin.id,
        "revision": origin.revision,
        "name": origin.name,
        "downloaded": origin.downloaded,
        "sha256": origin.sha256,
        "inputs": dict(sorted(origin.inputs.items())),
        "fingerprint": origin.fingerprint,
    }
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)
    return HEADER.format(dashboard=dashboard) + body


def read(path: Path, shown: str) -> tuple[GrafanaComOrigin, str]:
    """The record at ``path`` and the file name of its dashboard; errors name ``shown``."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DashgenError(f"cannot read: {exc}", path=shown) from None
    except yaml.YAMLError as exc:
        raise DashgenError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=shown) from None
    if not isinstance(doc, dict):
        raise DashgenError("expected the mapping dashgen import --grafana-com writes", path=shown)
    unknown = sorted(str(k) for k in doc if k not in _KEYS)
    if unknown:
        raise DashgenError(f"unknown key '{unknown[0]}' (a record has {', '.join(_KEYS)})", path=shown)

    def need(key: str, kind: type) -> Any:
        value: Any = doc.get(key)
        positive = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and not positive):
            what = "a positive integer" if kind is int else "a string"
            raise DashgenError(f"key '{key}': expected {what}, got {value!r}", path=shown)
        return value

    if isinstance(doc.get("downloaded"), datetime.date):  # written unquoted by hand: YAML reads a date
        doc["downloaded"] = doc["downloaded"].isoformat()
    inputs = doc.get("inputs") or {}
    if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
        raise DashgenError("key 'inputs': expected a mapping of input names to strings", path=shown)
    origin = GrafanaComOrigin(
        id=need("id", int),
        revision=need("revision", int),
        sha256=need("sha256", str),
        downloaded=need("downloaded", str),
        name=str(doc.get("name") or ""),
        inputs={str(k): v for k, v in inputs.items()},
        fingerprint=str(doc.get("fingerprint") or ""),
    )
    return origin, need("dashboard", str)


def beside(source: Path, shown: str) -> GrafanaComOrigin | None:
    """The record of the dashboard at ``source``, if it has one (``shown``: the source as named)."""
    record = path_for(source)
    if not record.is_file():
        return None
    shown_record = str(Path(shown).with_name(record.name))
    origin, dashboard = read(record, shown_record)
    if dashboard != source.name:
        raise DashgenError(
            f"records the origin of '{dashboard}', but sits beside {source.name}; "
            "rename it with its dashboard or import the dashboard again",
            path=shown_record,
        )
    return origin
