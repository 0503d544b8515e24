"""Build-time checks: what Grafana or Kubernetes would reject, caught before writing.

Each problem names the source file and says what to change. Errors stop the build;
warnings are printed and the build goes on.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from .config import Config
from .resources import Dashboard, Resources

UID_MAX = 40
UID_RE = re.compile(r"^[a-zA-Z0-9_-]*$")
CONFIGMAP_MAX_BYTES = 1024 * 1024  # etcd / ValidateConfigMap: data + binaryData
ANNOTATIONS_MAX_BYTES = 256 * 1024  # kubectl's last-applied-configuration annotation

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN_RE = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")
DNS_LABEL_RE = re.compile(rf"^{_DNS_LABEL}$")
CONFIGMAP_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_ENV_REF_RE = re.compile(r"^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def dashboard_configmap_name(uid: str) -> str:
    return f"grafana-dashboard-{uid}"


def check(resources: Resources, config: Config) -> list[Problem]:
    """Structural problems of the loaded resources and the config."""
    problems: list[Problem] = []
    problems += _check_config(config)
    problems += _check_dashboards(resources.dashboards)
    problems += _check_folders(resources)
    problems += _check_datasources(resources)
    problems += _check_manifests(resources)
    return problems


def check_configmap_size(name: str, source: str, data_bytes: int, object_bytes: int) -> list[Problem]:
    """Guard the sizes a ConfigMap must respect; sizes are of the rendered object."""
    if data_bytes > CONFIGMAP_MAX_BYTES:
        return [Problem("error", source, (
            f"ConfigMap {name} holds {data_bytes} bytes, over Kubernetes' 1 MiB limit ({CONFIGMAP_MAX_BYTES}); "
            "split the dashboard or remove panels"))]
    if object_bytes > ANNOTATIONS_MAX_BYTES:
        return [Problem("warning", source, (
            f"ConfigMap {name} is {object_bytes} bytes: client-side 'kubectl apply' fails above {ANNOTATIONS_MAX_BYTES} "
            "(last-applied annotation); Flux applies server-side and is fine, by hand use 'kubectl apply --server-side'"))]
    return []


def _check_dashboards(dashboards: list[Dashboard]) -> list[Problem]:
    problems = []
    by_uid: dict[str, list[Dashboard]] = defaultdict(list)
    by_title: dict[tuple[str, str], list[Dashboard]] = defaultdict(list)
    for d in dashboards:
        uid = d.model.get("uid")
        if not d.title:
            problems.append(Problem("error", d.source, "dashboard has no title; set 'title'"))
        if uid is None or uid == "":
            problems.append(Problem("error", d.source, f"dashboard '{d.title}' has no uid; set a stable 'uid' (at most 40 of a-z A-Z 0-9 _ -)"))
            continue
        if not isinstance(uid, str) or not UID_RE.match(uid):
            problems.append(Problem("error", d.source, f"uid {uid!r} has characters Grafana rejects; use only a-z A-Z 0-9 _ -"))
            continue
        if len(uid) > UID_MAX:
            problems.append(Problem("error", d.source, f"uid '{uid}' is {len(uid)} characters; Grafana allows at most {UID_MAX}"))
            continue
        name = dashboard_configmap_name(uid)
        if not DNS_SUBDOMAIN_RE.match(name):
            problems.append(Problem("error", d.source, (
                f"uid '{uid}' makes the ConfigMap name '{name}', which Kubernetes rejects; "
                "use lowercase letters, digits and '-' in the uid")))
        by_uid[uid].append(d)
        if d.title:
            by_title[(d.folder.key, d.title.lower())].append(d)
    for uid, group in by_uid.items():
        if len(group) > 1:
            others = ", ".join(sorted({g.source for g in group[1:]}))
            problems.append(Problem("error", group[0].source, f"uid '{uid}' is also used by {others}; uids must be unique"))
    for (_, _), group in by_title.items():
        if len(group) > 1:
            others = ", ".join(sorted({g.source for g in group[1:]}))
            folder = group[0].folder.title
            problems.append(Problem("error", group[0].source, (
                f"title '{group[0].title}' is also used in folder '{folder}' by {others}; "
                "Grafana needs distinct titles within a folder")))
    return problems


def _check_folders(resources: Resources) -> list[Problem]:
    problems = []
    by_uid: dict[str, set[str]] = defaultdict(set)
    for folder in resources.folders:
        source = next(d.source for d in resources.dashboards if d.folder.key == folder.key)
        title = folder.title
        if not title.strip() or title.strip().lower() == "general" or "/" in title or title in (".", ".."):
            problems.append(Problem("error", source, (
                f"folder title {title!r} cannot be used: it must be non-empty, not 'General', without '/'; "
                f"set another in dashgen.yaml folders.{folder.key}")))
        if not UID_RE.match(folder.uid) or len(folder.uid) > UID_MAX or folder.uid.lower() == "general":
            problems.append(Problem("error", source, (
                f"folder uid {folder.uid!r} is not valid in Grafana (at most 40 of a-z A-Z 0-9 _ -, not 'general'); "
                f"set folders.{folder.key}.uid in dashgen.yaml")))
        by_uid[folder.uid].add(folder.key)
    for uid, keys in by_uid.items():
        if len(keys) > 1:
            problems.append(Problem("error", "dashgen.yaml", f"directories {', '.join(sorted(keys))} share folder uid '{uid}'"))
    return problems


def _check_datasources(resources: Resources) -> list[Problem]:
    problems = []
    names: dict[str, str] = {}
    uids: dict[str, str] = {}
    defaults = []
    for ds in resources.datasources:
        m = ds.model
        for key in ("name", "type"):
            if not isinstance(m.get(key), str) or not m.get(key):
                problems.append(Problem("error", ds.source, f"datasource {m.get('name', '?')!r} needs a '{key}'"))
        uid = m.get("uid")
        if uid is not None and (not isinstance(uid, str) or not UID_RE.match(uid) or len(uid) > UID_MAX):
            problems.append(Problem("error", ds.source, f"datasource uid {uid!r} is not valid (at most 40 of a-z A-Z 0-9 _ -)"))
        if ds.name in names:
            problems.append(Problem("error", ds.source, f"datasource name '{ds.name}' is also defined in {names[ds.name]}"))
        names.setdefault(ds.name, ds.source)
        if uid and uid in uids:
            problems.append(Problem("error", ds.source, f"datasource uid '{uid}' is also defined in {uids[uid]}"))
        if uid:
            uids.setdefault(uid, ds.source)
        if m.get("isDefault") is True:
            defaults.append(ds)
        secure = m.get("secureJsonData") or {}
        if not isinstance(secure, dict):
            problems.append(Problem("error", ds.source, f"datasource '{ds.name}': secureJsonData must be a mapping"))
            continue
        for key, value in sorted(secure.items()):
            if not isinstance(value, str) or not _ENV_REF_RE.match(value):
                problems.append(Problem("error", ds.source, (
                    f"datasource '{ds.name}': secureJsonData.{key} must be an environment reference like "
                    "'${GRAFANA_DS_PASSWORD}' that Grafana expands; dashgen never writes secrets into the repository")))
    if len(defaults) > 1:
        problems.append(Problem("error", defaults[1].source, (
            f"more than one datasource has isDefault: true ({', '.join(d.name for d in defaults)}); Grafana allows one per org")))
    return problems


def _check_manifests(resources: Resources) -> list[Problem]:
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for m in resources.manifests:
        obj = m.model
        meta = obj.get("metadata")
        kind, api = obj.get("kind"), obj.get("apiVersion")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not (isinstance(api, str) and api and isinstance(kind, str) and kind):
            problems.append(Problem("error", m.source, "a manifest needs 'apiVersion' and 'kind'"))
            continue
        if not isinstance(name, str) or not DNS_SUBDOMAIN_RE.match(name) or len(name) > 253:
            problems.append(Problem("error", m.source, f"{kind} name {name!r} is not a valid Kubernetes name"))
            continue
        key = (kind.lower(), name)
        if key in seen:
            problems.append(Problem("error", m.source, f"{kind} '{name}' is also defined in {seen[key]}"))
        seen.setdefault(key, m.source)
    return problems


def _check_config(config: Config) -> list[Problem]:
    problems = []
    where = "dashgen.yaml"
    if not DNS_LABEL_RE.match(config.namespace) or len(config.namespace) > 63:
        problems.append(Problem("error", where, f"namespace {config.namespace!r} is not a valid Kubernetes namespace name"))
    labels = {**config.labels, **config.sidecar.dashboard_labels, **config.sidecar.datasource_labels}
    for key, value in sorted(labels.items()):
        if not valid_qualified_name(key):
            problems.append(Problem("error", where, f"label key {key!r} is not valid in Kubernetes"))
        if len(value) > 63 or (value and not _QUALIFIED_NAME_RE.match(value)):
            problems.append(Problem("error", where, f"label value {value!r} (of {key}) is not valid in Kubernetes"))
    if not valid_qualified_name(config.sidecar.folder_annotation):
        problems.append(Problem("error", where, f"sidecar.folder_annotation {config.sidecar.folder_annotation!r} is not a valid annotation key"))
    return problems


def valid_qualified_name(key: str) -> bool:
    """A label or annotation key: optional DNS-subdomain prefix, '/', name of at most 63."""
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN_RE.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))


def compact_size(obj: object) -> int:
    """Bytes of ``obj`` as compact JSON: what kubectl stores in last-applied-configuration."""
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
