"""Names and limits: what Grafana and Kubernetes accept, and the names dashgen gives.

A neutral module with no dashgen imports: checks.py validates with it, render/ names
objects with it, build.py measures with it, and lint/ and grafana/ can use it too
without depending on each other.

Every pattern is anchored with ``\\A`` and ``\\Z``, and the checks use ``fullmatch``:
``$`` also matches before a trailing newline, so ``^abc$`` accepts ``"abc\\n"``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

# ------------------------------------------------------------------------ Grafana

UID_MAX = 40  # dashboards, folders, datasources
UID_RE = re.compile(r"\A[a-zA-Z0-9_-]*\Z")


def is_uid(value: object) -> bool:
    """A uid Grafana accepts: at most 40 of a-z A-Z 0-9 _ - (empty is 'none')."""
    return isinstance(value, str) and len(value) <= UID_MAX and UID_RE.fullmatch(value) is not None


# --------------------------------------------------------------------- Kubernetes

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
DNS_LABEL_RE = re.compile(rf"\A{_DNS_LABEL}\Z")
DNS_SUBDOMAIN_RE = re.compile(rf"\A{_DNS_LABEL}(?:\.{_DNS_LABEL})*\Z")
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
# The name part of a label or annotation key, and a non-empty label value.
QUALIFIED_NAME_RE = re.compile(r"\A(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
QUALIFIED_NAME_MAX = 63
CONFIGMAP_KEY_RE = re.compile(r"\A[-._a-zA-Z0-9]+\Z")  # also Secret keys
CONFIGMAP_KEY_MAX = 253
# An object's kind as written in manifests: an identifier (PodMonitor, ConfigMap).
KIND_RE = re.compile(r"\A[A-Za-z][A-Za-z0-9]*\Z")

CONFIGMAP_MAX_BYTES = 1024 * 1024  # etcd / ValidateConfigMap: data + binaryData
ANNOTATIONS_MAX_BYTES = 256 * 1024  # kubectl's last-applied-configuration annotation


def is_dns_label(value: object) -> bool:
    """A namespace name (RFC 1123 label)."""
    return isinstance(value, str) and len(value) <= DNS_LABEL_MAX and DNS_LABEL_RE.fullmatch(value) is not None


def is_dns_subdomain(value: object) -> bool:
    """An object name of most kinds (RFC 1123 subdomain)."""
    return isinstance(value, str) and len(value) <= DNS_SUBDOMAIN_MAX and DNS_SUBDOMAIN_RE.fullmatch(value) is not None


def is_qualified_name(key: object) -> bool:
    """A label or annotation key: optional DNS-subdomain prefix, '/', name of at most 63."""
    if not isinstance(key, str):
        return False
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns_subdomain(prefix):
        return False
    return 0 < len(name) <= QUALIFIED_NAME_MAX and QUALIFIED_NAME_RE.fullmatch(name) is not None


def is_label_value(value: object) -> bool:
    """A label value: empty, or at most 63 characters shaped like a qualified name."""
    return isinstance(value, str) and (
        value == "" or (len(value) <= QUALIFIED_NAME_MAX and QUALIFIED_NAME_RE.fullmatch(value) is not None)
    )


def is_configmap_key(value: object) -> bool:
    """A key of a ConfigMap's (or a Secret's) data."""
    return isinstance(value, str) and len(value) <= CONFIGMAP_KEY_MAX and CONFIGMAP_KEY_RE.fullmatch(value) is not None


def is_kind(value: object) -> bool:
    return isinstance(value, str) and KIND_RE.fullmatch(value) is not None


def configmap_sizes(obj: dict[str, Any]) -> tuple[int, int]:
    """``(data_bytes, object_bytes)`` of a ConfigMap.

    ``data_bytes`` is what Kubernetes limits to 1 MiB: the UTF-8 bytes of the values of
    ``data`` and ``binaryData``. ``object_bytes`` is the whole object as compact JSON,
    what client-side ``kubectl apply`` stores in its last-applied annotation.

    Any YAML document may come here (``dashgen lint`` of a file): a section that is not a
    mapping counts nothing, and values JSON lacks (a YAML date) count as their text.
    """
    data_bytes = 0
    for section in ("data", "binaryData"):
        values = obj.get(section)
        for value in values.values() if isinstance(values, dict) else ():
            data_bytes += len(value.encode("utf-8")) if isinstance(value, str) else 0
    return data_bytes, object_bytes(obj)


def object_bytes(obj: dict[str, Any]) -> int:
    """The size of a Kubernetes object as compact JSON: what client-side ``kubectl apply``
    stores in its last-applied annotation, and about what etcd stores.

    That is ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)`` in
    UTF-8. orjson (a third of the time, on a dashboard ConfigMap) writes the same bytes for
    objects of strings, integers, booleans and nulls only; anything else (floats, YAML dates,
    subclasses) and what orjson refuses go through the standard library.
    """
    if _strings_and_integers(obj):
        import orjson

        try:
            return len(orjson.dumps(obj))
        except orjson.JSONEncodeError:  # integers beyond 64 bits, lone surrogates
            pass
    compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)
    return len(compact.encode("utf-8"))


_EXACT = frozenset((str, int, bool, type(None)))


def _strings_and_integers(value: Any) -> bool:
    t = type(value)
    if t in _EXACT:
        return True
    if t is dict:
        return all(type(k) is str and _strings_and_integers(v) for k, v in value.items())
    if t is list:
        return all(_strings_and_integers(v) for v in value)
    return False


def configmap_size_problem(data_bytes: float, object_bytes: float | None) -> str | None:
    """ "error" when a ConfigMap's data is over 1 MiB (Kubernetes rejects it), "warning" when the
    whole object is over what client-side ``kubectl apply`` can annotate, else None."""
    if data_bytes > CONFIGMAP_MAX_BYTES:
        return "error"
    if object_bytes is not None and object_bytes > ANNOTATIONS_MAX_BYTES:
        return "warning"
    return None


# --------------------------------------------------------------------- did you mean


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` that ``word`` is probably a typo of (difflib's closest match), or None."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else None


# --------------------------------------------------------------------- Prometheus

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
LABEL_NAME_RE = re.compile(rf"\A{_IDENTIFIER}\Z")  # a Prometheus / Alertmanager label name


# ------------------------------------------------------------------- environment

ENV_NAME_RE = re.compile(rf"\A{_IDENTIFIER}\Z")
# A datasource secret in the sources: a reference Grafana (file provisioning) or dashgen
# push (API) expands from the environment, ``${NAME}`` or ``$NAME``; group 1 or 2 is NAME.
ENV_REF_RE = re.compile(rf"\A\$(?:\{{({_IDENTIFIER})\}}|({_IDENTIFIER}))\Z")


# ------------------------------------------------------------- names dashgen gives


HASH_CHARS = 8  # hex digits of sha256 that keep lossy names apart


def short_hash(value: str) -> str:
    """The first :data:`HASH_CHARS` hex digits of the sha256 of ``value`` (UTF-8)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:HASH_CHARS]


def kubernetes_name(value: str, prefix: str = "") -> str:
    """``<prefix><value>`` as a Kubernetes object name (RFC 1123 subdomain), the one way
    dashgen names objects after a uid or a name of the user's.

    When ``<prefix><value>`` is a valid name it is the name, unchanged. Otherwise ``value``
    is lowercased, each run of other characters than ``a-z 0-9`` becomes one ``-``, the ends
    are trimmed, and ``-`` plus :func:`short_hash` of the original ``value`` is appended:
    the mapping lost something (``ABC``, ``abc_`` and ``abc`` all clean to ``abc``), and the
    hash keeps such values apart. The result is at most 253 characters.
    """
    name = prefix + value
    if is_dns_subdomain(name):
        return name
    room = DNS_SUBDOMAIN_MAX - len(prefix) - HASH_CHARS - 1
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:room].strip("-") or "x"
    return f"{prefix}{slug}-{short_hash(value)}"


def dashboard_configmap_name(uid: str) -> str:
    """The ConfigMap holding dashboard ``uid`` for Grafana's sidecar: ``grafana-dashboard-<uid>``
    when that is a valid name (every lowercase uid), else :func:`kubernetes_name`'s mapping.
    The uid inside the dashboard is never changed."""
    return kubernetes_name(uid, "grafana-dashboard-")


def dashboard_file_name(uid: str) -> str:
    """``<uid>.json``: the file a dashboard is written to (``dashboards/<Folder>/``) and the one
    key of its ConfigMap, which the sidecar writes as a file. Every character a Grafana uid
    may hold is valid in both; uids that differ only in case collide on case-insensitive
    file systems, which checks.py refuses."""
    return f"{uid}.json"


UID_FROM_PATH_SLUG = UID_MAX - HASH_CHARS - 1


def uid_from_path(relative: str) -> str:
    """A stable uid for a dashboard that has none, from its source path relative to the
    sources directory (``gitops/flux.json``; ``#<n>`` appended for the n-th dashboard of a
    list, counted from 0, when n > 0).

    The file name without its last suffix, lowercased, each run of characters other than
    ``a-z 0-9`` as ``-``, cut to 31 characters, then ``-`` and :func:`short_hash` of the
    path without its suffix (so ``x.json`` and the ``x.py`` that ``dashgen import`` makes of
    it get the same uid): ``gitops/node-exporter.json`` -> ``node-exporter-<8 hex>``. At most
    40 characters, valid for Grafana and as a Kubernetes name.
    """
    path, _, index = relative.replace("\\", "/").partition("#")
    stem = PurePosixPath(path).with_suffix("")
    key = str(stem) + (f"#{index}" if index else "")
    name = stem.name + (f"-{index}" if index else "")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:UID_FROM_PATH_SLUG].strip("-") or "dashboard"
    return f"{slug}-{short_hash(key)}"


def prometheus_rule_name(source: str, sources_dir: str) -> str:
    """The PrometheusRule of a source file's rule groups: ``dashboards/alerts/flux.py`` ->
    ``dashgen-alerts-flux`` (``sources_dir`` is the config's ``sources``)."""
    path = PurePosixPath(source)
    try:
        path = path.relative_to(PurePosixPath(sources_dir))
    except ValueError:
        pass
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")
    return f"dashgen-{slug}"[:DNS_SUBDOMAIN_MAX].rstrip("-") if slug else "dashgen-rules"
