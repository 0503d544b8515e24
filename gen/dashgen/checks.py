"""Build-time checks: what Grafana or Kubernetes would reject, caught before writing.

Each problem names the source file and says what to change. Errors stop the build;
warnings are printed and the build goes on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from .config import Config
from .names import (
    ANNOTATIONS_MAX_BYTES,
    CONFIGMAP_MAX_BYTES,
    ENV_REF_RE,
    LABEL_NAME_RE,
    UID_MAX,
    UID_RE,
    configmap_size_problem,
    dashboard_configmap_name,
    dashboard_file_name,
    is_configmap_key,
    is_dns_label,
    is_dns_subdomain,
    is_kind,
    is_label_value,
    is_qualified_name,
    is_uid,
    prometheus_rule_name,
)
from .normalise import fingerprint
from .resources import Dashboard, Folder, Resources


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    source: str
    message: str
    rule: str = ""  # a lint rule, or another stable key: what output summarises many of by

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def check(resources: Resources, config: Config, *, references: bool = True) -> list[Problem]:
    """Structural problems of the loaded resources and the config.

    ``references=False``: the dashboards are summaries, their grafana.com reference
    problems were found with their models (``grafana_com_reference_problems``).
    """
    problems: list[Problem] = []
    problems += _check_config(config)
    problems += [
        Problem(
            "warning",
            path,
            f"not a source, so not built (dashgen reads *.py and *.json here); move it out of {config.sources}/ "
            f"or list it under sources_ignore in {config.file}",
        )
        for path in resources.not_sources
    ]
    problems += _check_dashboards(resources.dashboards)
    if references:
        problems += [p for d in resources.dashboards for p in grafana_com_reference_problems(d, config)]
    problems += _check_folders(resources, config)
    problems += _check_datasources(resources)
    problems += _check_manifests(resources, config)
    problems += check_rule_groups(resources)
    problems += _check_alertmanager(config)
    return problems


def grafana_com_reference_problems(d: Dashboard, config: Config) -> list[Problem]:
    """With ``grafana_com: reference`` the operator ships grafana.com's revision, not the vendored file."""
    if "operator" not in config.output.kinds or config.output.operator.grafana_com != "reference":
        return []
    if d.origin is None or not d.origin.fingerprint or fingerprint(d.model) == d.origin.fingerprint:
        return []
    return [
        Problem(
            "warning",
            d.source,
            f"edited since it was vendored from grafana.com ({d.origin.id} revision {d.origin.revision}), but "
            "output.operator.grafana_com: reference has the operator fetch the revision as published: "
            "the edits do not reach Grafana; set grafana_com: inline to ship this file",
        )
    ]


def check_sidecar_folders(resources: Resources, config: Config) -> list[Problem]:
    """What build refuses and push accepts: nested folders rendered for the sidecar
    (Grafana's file provisioning makes one level of folders)."""
    if "sidecar" not in config.output.kinds:
        return []
    return [
        Problem(
            "error",
            config.file,
            f"key 'folders.{folder.key}.parent_uid': the sidecar cannot nest folders; render nested folders "
            "with output.kinds: [operator], or push them (dashgen push)",
        )
        for folder in resources.folders
        if folder.parent_uid
    ]


def check_configmap_size(name: str, source: str, data_bytes: int, object_bytes: int) -> list[Problem]:
    """Guard the sizes a ConfigMap must respect; sizes are of the rendered object."""
    problem = configmap_size_problem(data_bytes, object_bytes)
    if problem == "error":
        return [
            Problem(
                "error",
                source,
                (
                    f"ConfigMap {name} holds {data_bytes} bytes, over Kubernetes' 1 MiB limit ({CONFIGMAP_MAX_BYTES}); "
                    "split the dashboard or remove panels"
                ),
            )
        ]
    if problem == "warning":
        return [
            Problem(
                "warning",
                source,
                (
                    f"ConfigMap {name} is {object_bytes} bytes: client-side 'kubectl apply' fails above "
                    f"{ANNOTATIONS_MAX_BYTES} (last-applied annotation); Flux applies server-side and is fine, "
                    "by hand use 'kubectl apply --server-side'"
                ),
            )
        ]
    return []


def _check_dashboards(dashboards: list[Dashboard]) -> list[Problem]:
    problems = []
    by_uid: dict[str, list[Dashboard]] = defaultdict(list)
    by_title: dict[tuple[str, str], list[Dashboard]] = defaultdict(list)
    for d in dashboards:
        uid = d.raw_uid
        if not d.title:
            problems.append(Problem("error", d.source, "dashboard has no title; set 'title'"))
        if d.uid_from_path:
            problems.append(
                Problem(
                    "warning",
                    d.source,
                    (
                        f"dashboard '{d.title}' has no uid; built with uid '{uid}', derived from its path "
                        "(it changes if the file moves): set 'uid' in the source to keep links stable"
                    ),
                    rule=UID_FROM_PATH,
                )
            )
        if not isinstance(uid, str) or not UID_RE.fullmatch(uid):
            problems.append(
                Problem("error", d.source, f"uid {uid!r} has characters Grafana rejects; use only a-z A-Z 0-9 _ -")
            )
            continue
        if len(uid) > UID_MAX:
            problems.append(
                Problem("error", d.source, f"uid '{uid}' is {len(uid)} characters; Grafana allows at most {UID_MAX}")
            )
            continue
        by_uid[uid].append(d)
        if d.title:
            by_title[(d.folder.key, d.title.lower())].append(d)
    for uid, group in by_uid.items():
        if len(group) > 1:
            others = ", ".join(sorted({g.source for g in group[1:]}))
            problems.append(
                Problem("error", group[0].source, f"uid '{uid}' is also used by {others}; uids must be unique")
            )
    problems += _check_names({uid: group[0] for uid, group in by_uid.items()})
    for (_, _), group in by_title.items():
        if len(group) > 1:
            others = ", ".join(sorted({g.source for g in group[1:]}))
            folder = group[0].folder.title
            problems.append(
                Problem(
                    "error",
                    group[0].source,
                    (
                        f"title '{group[0].title}' is also used in folder '{folder}' by {others}; "
                        "Grafana needs distinct titles within a folder"
                    ),
                )
            )
    return problems


UID_FROM_PATH = "dashboard-uid-from-path"  # the key build's summary groups these warnings by


def _check_names(by_uid: dict[str, Dashboard]) -> list[Problem]:
    """Distinct uids must get distinct object and file names. ``names.kubernetes_name`` keeps
    them apart (unless 32 bits of two sha256 agree); file names keep the uid's case, and
    ``X.json`` and ``x.json`` in one folder are one file on macOS and Windows checkouts."""
    problems = []
    taken: dict[tuple[str, ...], tuple[str, Dashboard]] = {}
    for uid, d in sorted(by_uid.items()):
        configmap = dashboard_configmap_name(uid)
        for key, clash in (
            (("configmap", configmap), f"the ConfigMap name '{configmap}'"),
            (
                ("file", d.folder.key, dashboard_file_name(uid).lower()),
                "file names that differ only in case (one file on case-insensitive file systems)",
            ),
        ):
            other_uid, other = taken.setdefault(key, (uid, d))
            if other_uid != uid:
                problems.append(
                    Problem(
                        "error",
                        d.source,
                        f"uid '{uid}' and uid '{other_uid}' of {other.source} give {clash}; change one of the uids",
                    )
                )
    return problems


def _check_folders(resources: Resources, config: Config) -> list[Problem]:
    problems = []
    by_uid: dict[str, set[str]] = defaultdict(set)
    for folder in resources.folders:
        source = next(d.source for d in resources.dashboards if d.folder.key == folder.key)
        title = folder.title
        if not title.strip() or title.strip().lower() == "general" or "/" in title or title in (".", ".."):
            problems.append(
                Problem(
                    "error",
                    source,
                    (
                        f"folder title {title!r} cannot be used: it must be non-empty, not 'General', without '/'; "
                        f"set another in {config.file} folders.{folder.key}"
                    ),
                )
            )
        if not is_uid(folder.uid) or folder.uid.lower() == "general":
            problems.append(
                Problem(
                    "error",
                    source,
                    (
                        f"folder uid {folder.uid!r} is not valid in Grafana "
                        "(at most 40 of a-z A-Z 0-9 _ -, not 'general'); "
                        f"set folders.{folder.key}.uid in {config.file}"
                    ),
                )
            )
        by_uid[folder.uid].add(folder.key)
    for uid, keys in by_uid.items():
        if len(keys) > 1:
            problems.append(
                Problem("error", config.file, f"directories {', '.join(sorted(keys))} share folder uid '{uid}'")
            )
    return problems + _check_nesting(resources.folders, config)


def _check_nesting(folders: list[Folder], config: Config) -> list[Problem]:
    """``folders.<dir>.parent_uid``: a valid uid, and no folder inside itself through dashgen's folders."""
    problems = []
    parents = {f.uid: f.parent_uid for f in folders}
    for f in folders:
        if not f.parent_uid:
            continue
        key = f"folders.{f.key}.parent_uid"
        if not is_uid(f.parent_uid) or f.parent_uid.lower() == "general":
            problems.append(Problem("error", config.file, f"key '{key}': {f.parent_uid!r} is not a folder uid"))
            continue
        seen, uid = [f.uid], f.parent_uid
        while uid in parents and uid not in seen:
            seen.append(uid)
            uid = parents[uid]
        if uid in seen:
            problems.append(Problem("error", config.file, f"key '{key}': folder '{f.uid}' would be inside itself"))
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
        if uid is not None and not is_uid(uid):
            problems.append(
                Problem("error", ds.source, f"datasource uid {uid!r} is not valid (at most 40 of a-z A-Z 0-9 _ -)")
            )
        if ds.name in names:
            problems.append(
                Problem("error", ds.source, f"datasource name '{ds.name}' is also defined in {names[ds.name]}")
            )
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
            if not isinstance(value, str) or not ENV_REF_RE.fullmatch(value):
                problems.append(
                    Problem(
                        "error",
                        ds.source,
                        (
                            f"datasource '{ds.name}': secureJsonData.{key} must be an environment reference like "
                            "'${GRAFANA_DS_PASSWORD}' that Grafana expands; "
                            "dashgen never writes secrets into the repository"
                        ),
                    )
                )
    if len(defaults) > 1:
        problems.append(
            Problem(
                "error",
                defaults[1].source,
                (
                    f"more than one datasource has isDefault: true ({', '.join(d.name for d in defaults)}); "
                    "Grafana allows one per org"
                ),
            )
        )
    return problems


def _check_manifests(resources: Resources, config: Config) -> list[Problem]:
    problems = []
    rule_sources = list(resources.rule_groups_by_source())
    # Objects dashgen generates itself take their names first.
    seen: dict[tuple[str, str], str] = {
        ("prometheusrule", prometheus_rule_name(source, config.sources)): source for source in rule_sources
    }
    if config.alertmanager.receivers:
        seen[("alertmanagerconfig", config.alertmanager.name)] = f"{config.file} (alertmanager)"
    rule_names: dict[str, str] = {}
    for source in rule_sources:
        name = prometheus_rule_name(source, config.sources)
        if name in rule_names and rule_names[name] != source:
            problems.append(
                Problem(
                    "error",
                    source,
                    (
                        f"its rules would be the PrometheusRule '{name}', like those of {rule_names[name]}; "
                        "rename one file"
                    ),
                )
            )
        rule_names.setdefault(name, source)
    for m in resources.manifests:
        obj = m.model
        meta = obj.get("metadata")
        kind, api = obj.get("kind"), obj.get("apiVersion")
        obj_name = meta.get("name") if isinstance(meta, dict) else None
        if not (isinstance(api, str) and api and isinstance(kind, str) and kind):
            problems.append(Problem("error", m.source, "a manifest needs 'apiVersion' and 'kind'"))
            continue
        if not is_kind(kind):
            problems.append(
                Problem(
                    "error",
                    m.source,
                    (
                        f"kind {kind!r} is not a Kubernetes kind; a kind is a name like PodMonitor "
                        "(a letter, then letters and digits)"
                    ),
                )
            )
            continue
        if not isinstance(obj_name, str) or not is_dns_subdomain(obj_name):
            problems.append(Problem("error", m.source, f"{kind} name {obj_name!r} is not a valid Kubernetes name"))
            continue
        key = (kind.lower(), obj_name)
        if key in seen:
            problems.append(Problem("error", m.source, f"{kind} '{obj_name}' is also defined in {seen[key]}"))
        seen.setdefault(key, m.source)
    return problems


# ------------------------------------------------------------------------ alert rules

_DASHBOARD_UID_RE = re.compile(r"/d/([A-Za-z0-9_-]+)")


def check_rule_groups(resources: Resources) -> list[Problem]:
    """What per-file lint cannot see: alert names unique across files, and dashboard
    links that point at a dashboard the sources define. (mixtool's rules, CamelCase names,
    severity, summary and description, run through lint with the rest.)"""
    if not resources.rule_groups:
        return []
    problems = []
    seen: dict[tuple, str] = {}
    uids = {d.uid for d in resources.dashboards}
    for source, groups in resources.rule_groups_by_source().items():
        missing: dict[str, list[str]] = defaultdict(list)
        for group in groups:
            rules = group.model.get("rules")
            for rule in rules if isinstance(rules, list) else []:
                if not isinstance(rule, dict) or not isinstance(rule.get("alert"), str):
                    continue
                name = rule["alert"]
                labels = rule["labels"] if isinstance(rule.get("labels"), dict) else {}
                key = (name, tuple(sorted((str(k), str(v)) for k, v in labels.items())))
                if key in seen and seen[key] != source:
                    problems.append(
                        Problem(
                            "error",
                            source,
                            (
                                f"alert {name} is also defined in {seen[key]} with the same labels; "
                                "alert names must be unique (or differ by labels such as severity)"
                            ),
                        )
                    )
                seen.setdefault(key, source)
                annotations = rule["annotations"] if isinstance(rule.get("annotations"), dict) else {}
                url = annotations.get("dashboard_url")
                match = _DASHBOARD_UID_RE.search(url) if isinstance(url, str) else None
                if match and match.group(1) not in uids:
                    missing[match.group(1)].append(name)
        for uid, names in sorted(missing.items()):
            problems.append(
                Problem(
                    "warning",
                    source,
                    (f"dashboard_url of {', '.join(names)} links to dashboard uid '{uid}', which no source defines"),
                )
            )
    return problems


def _check_alertmanager(config: Config) -> list[Problem]:
    """What the AlertmanagerConfig needs that the schema cannot say: each receiver has an
    integration, routes name defined receivers, secrets are references with valid names."""
    am = config.alertmanager
    where = config.file
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem("error", where, message))

    if not am.receivers:
        if am.routes or am.default_receiver:
            error(
                "alertmanager.routes and alertmanager.default_receiver need receivers: "
                "define them under alertmanager.receivers"
            )
        return problems
    if not is_dns_subdomain(am.name):
        error(f"alertmanager.name {am.name!r} is not a valid Kubernetes name")
    for name, r in sorted(am.receivers.items()):
        key = f"alertmanager.receivers.{name}"
        if not name or name == "null":
            error(f"key '{key}': receiver name {name!r} is reserved; choose another")
        if not (r.slack or r.email or r.pagerduty):
            error(f"key '{key}': the receiver has no settings; set slack, email or pagerduty")
        refs = []
        if r.slack:
            refs.append((f"{key}.slack.api_url", r.slack.api_url))
            if r.slack.channel is not None and not r.slack.channel.startswith(("#", "@")) and "://" in r.slack.channel:
                error(
                    f"key '{key}.slack.channel' looks like a webhook URL; the webhook URL is a secret: "
                    "put it in a Kubernetes Secret and reference it with api_url: {secret: NAME, key: KEY}"
                )
        if r.email:
            e = r.email
            for field_key, value in (("to", e.to), ("from", e.sender), ("smarthost", e.smarthost)):
                if not value.strip():
                    error(f"key '{key}.email.{field_key}' is empty")
            host, _, port = e.smarthost.rpartition(":")
            if e.smarthost.strip() and (not host or not port.isdigit()):
                error(f"key '{key}.email.smarthost': expected host:port, like smtp.example.com:587")
            if e.auth_username and not e.auth_password:
                error(
                    f"missing required key '{key}.email.auth_password' (auth_username is set): "
                    "reference the SMTP password in a Kubernetes Secret, {secret: NAME, key: KEY}"
                )
            if e.auth_password:
                refs.append((f"{key}.email.auth_password", e.auth_password))
        if r.pagerduty:
            refs.append((f"{key}.pagerduty.routing_key", r.pagerduty.routing_key))
        for ref_key, ref in refs:
            if not is_dns_subdomain(ref.secret):
                error(f"key '{ref_key}.secret': {ref.secret!r} is not a valid Secret name")
            if not is_configmap_key(ref.key):
                error(f"key '{ref_key}.key': {ref.key!r} is not a valid Secret key (letters, digits, '-', '_', '.')")
    defined = ", ".join(sorted(am.receivers))
    for severity, names in sorted(am.routes.items()):
        if not names:
            error(f"key 'alertmanager.routes.{severity}' lists no receiver")
        for name in names:
            if name not in am.receivers:
                error(
                    f"key 'alertmanager.routes.{severity}': receiver '{name}' is not defined "
                    f"under alertmanager.receivers (defined: {defined})"
                )
    if am.default_receiver and am.default_receiver not in am.receivers:
        error(
            f"key 'alertmanager.default_receiver': receiver '{am.default_receiver}' is not defined "
            f"under alertmanager.receivers (defined: {defined})"
        )
    used = {n for names in am.routes.values() for n in names} | {am.default_receiver}
    for name in sorted(set(am.receivers) - used):
        problems.append(
            Problem(
                "warning",
                where,
                (
                    f"receiver '{name}' is used by no route; "
                    "add it under alertmanager.routes.<severity> or as default_receiver"
                ),
            )
        )
    for label in [*am.group_by, *am.matchers]:
        if label != "..." and not LABEL_NAME_RE.fullmatch(label):
            error(f"alertmanager: {label!r} is not a valid label name")
    from .dashboard.promql import parse_prom_duration

    for field_key in ("group_wait", "group_interval", "repeat_interval"):
        value = getattr(am, field_key)
        duration = parse_prom_duration(value) if value == value.strip() else None
        if duration is None or (field_key != "group_wait" and not duration):
            error(f"key 'alertmanager.{field_key}': {value!r} is not a positive duration like 5m or 4h")
    return problems


def _check_config(config: Config) -> list[Problem]:
    problems = []
    where = config.file
    if not is_dns_label(config.namespace):
        problems.append(
            Problem("error", where, f"namespace {config.namespace!r} is not a valid Kubernetes namespace name")
        )
    labels = {
        **config.labels,
        **config.sidecar.dashboard_labels,
        **config.sidecar.datasource_labels,
        **config.prometheus.selector_labels,
        **config.alertmanager.labels,
    }
    for key, value in sorted(labels.items()):
        if not is_qualified_name(key):
            problems.append(Problem("error", where, f"label key {key!r} is not valid in Kubernetes"))
        if not is_label_value(value):
            problems.append(Problem("error", where, f"label value {value!r} (of {key}) is not valid in Kubernetes"))
    if not is_qualified_name(config.sidecar.folder_annotation):
        problems.append(
            Problem(
                "error",
                where,
                f"sidecar.folder_annotation {config.sidecar.folder_annotation!r} is not a valid annotation key",
            )
        )
    return problems
