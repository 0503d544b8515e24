"""What a push would do: local resources and live state in, actions out. Pure: no I/O.

Each folder, datasource and selected dashboard gets one :class:`Action`:

- ``create`` / ``update`` / ``unchanged``: from comparing the live object with the local one,
  dashboards both in the canonical form (:mod:`dashgen.canonical`: ``id``, ``version`` and
  what Grafana adds are ignored, so a dashboard pushed by an older dashgen still compares
  equal); a dashboard is compared *with* the ownership tag it is pushed with;
- ``skip``: differs but dashgen leaves it alone (a read-only, provisioned datasource);
- ``conflict``: cannot be pushed as it is (a title clash before Grafana 11.3, a
  datasource name taken by another uid, a dashboard with the same uid that dashgen does
  not own); reported as a failure;
- ``delete`` (with prune) or ``orphan`` (without): dashboards in Grafana that carry the
  ownership tag and are no longer in the sources. Nothing without the tag is ever deleted.

Ownership: a dashboard in Grafana is dashgen's when it carries the ownership tag. One with
the uid of a source but without the tag belongs to someone else: it is a ``conflict``, never
overwritten, unless the user passes ``--adopt`` (``adopt=True``); then it is an ``update``
with ``takeover`` set, announced like drift, and the push tags it as dashgen's.

Drift: every dashboard version dashgen saves has the message ``... [dashgen:<hash>]``,
the fingerprint of the model it pushed. When a dashboard's content differs, its latest
version tells why: written by dashgen with the hash of what is live → the *sources*
changed; anything else (another author, or content that no longer matches the hash) →
it was changed in Grafana since dashgen pushed it: *drift*, reported before overwriting.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import normalise
from ..canonical import MANAGED_KEYS, canonical
from ..errors import DashgenError
from ..resources import GENERAL, Dashboard, Datasource
from . import secrets
from .live import LatestVersion, LiveDashboard, LiveState
from .select import Selected

DIFFERS = ("create", "update", "delete", "skip", "conflict")
MESSAGE_LIMIT = 500  # Grafana rejects longer version messages
_HASH_RE = re.compile(r"\[dashgen:([0-9a-f]{12})\]")

# Datasource fields compared, with the value Grafana stores when the source leaves them out.
DATASOURCE_FIELDS: dict[str, Any] = {
    "name": "",
    "type": "",
    "url": "",
    "access": "proxy",
    "user": "",
    "database": "",
    "basicAuth": False,
    "basicAuthUser": "",
    "withCredentials": False,
    "jsonData": {},
}
# Provisioning keys the HTTP API also takes (orgId, version and editable are provisioning-only).
DATASOURCE_API_KEYS = (*DATASOURCE_FIELDS, "uid", "isDefault", "secureJsonData", "apiVersion")


@dataclass
class Action:
    kind: str  # "folder" | "datasource" | "dashboard"
    op: str  # create | update | unchanged | skip | conflict | delete | orphan
    uid: str
    title: str
    source: str = ""
    folder: str = ""  # dashboards: the folder title
    folder_uid: str = ""
    reason: str = ""
    drift: str = ""  # set when the live object was changed in Grafana since dashgen pushed it
    takeover: str = ""  # set when --adopt takes over a dashboard dashgen does not own
    notes: list[str] = field(default_factory=list)
    hint: str = ""  # for conflicts
    payload: Any = None  # what to send (the secrets still as ${VAR} references)
    message: str = ""  # dashboard version message
    current: Any = None  # normalised live object, for diffs
    wanted: Any = None  # normalised local object, for diffs

    @property
    def differs(self) -> bool:
        return self.op in DIFFERS

    @property
    def label(self) -> str:
        return f'{self.kind} "{self.title}" ({self.uid})' if self.uid else f'{self.kind} "{self.title}"'


@dataclass
class Plan:
    actions: list[Action]

    @property
    def differs(self) -> bool:
        return any(a.differs for a in self.actions)

    def of(self, *ops: str) -> list[Action]:
        return [a for a in self.actions if a.op in ops]

    def counts(self) -> dict[str, int]:
        out = {op: 0 for op in ("create", "update", "delete", "unchanged", "skip", "conflict", "orphan")}
        for a in self.actions:
            out[a.op] += 1
        out["drift"] = sum(1 for a in self.actions if a.drift)
        out["takeover"] = sum(1 for a in self.actions if a.takeover)
        return out


# ------------------------------------------------------------------------------ dashboards


def desired_dashboard(d: Dashboard, marker: str) -> dict[str, Any]:
    """The model dashgen saves: the source's, tagged with the ownership marker."""
    model = dict(d.model)
    tags = model.get("tags")
    tags = list(tags) if isinstance(tags, list) else []
    if marker not in tags:
        tags.append(marker)
    model["tags"] = tags
    return model


def live_dashboard(model: dict[str, Any]) -> dict[str, Any]:
    """A dashboard read back from Grafana's API, in the form its source compares equal to.

    Grafana stores the JSON as sent, plus ``id``, ``uid`` and ``version`` (the frontend adds
    ``iteration``): its canonical form is the source's when nothing changed. A dashboard
    pushed before the canonical form changed (an older dashgen) reads the same way.
    """
    try:
        return canonical(model)
    except DashgenError:  # an input it cannot resolve: someone else's dashboard, compared as it is
        return normalise.dashboard(model)


def compared(have: LiveDashboard, want: dict[str, Any]) -> dict[str, Any]:
    """:func:`live_dashboard` of ``have``, computed once per dashboard.

    Grafana stores the JSON as sent plus ``id``, ``uid`` and ``version``: when the rest is
    exactly ``want``, Grafana holds what dashgen would send, and canonicalising (the bulk of a
    re-push's CPU time) cannot change the answer.
    """
    if have.compared is None:
        model = have.model
        if {k: v for k, v in model.items() if k not in MANAGED_KEYS or k in want} == want:
            have.compared = want
        else:
            have.compared = live_dashboard(model)
    return have.compared


def version_message(source: str, fp: str) -> str:
    """The version message: who pushed it, from where, and the fingerprint drift checks read."""
    from .. import __version__

    tail = f" [dashgen:{fp}]"
    head = f"dashgen {__version__} push from {source}"
    if len(head) + len(tail) > MESSAGE_LIMIT:
        head = head[: MESSAGE_LIMIT - len(tail) - 1] + "…"
    return head + tail


def recorded_fingerprint(message: str) -> str | None:
    m = _HASH_RE.search(message or "")
    return m.group(1) if m else None


def dashboards_to_explain(selected: Selected, live: LiveState, marker: str) -> list[str]:
    """Uids of existing dashboards whose content or folder differs: their versions are read."""
    out = []
    for d in selected.dashboards:
        have = live.dashboards.get(d.uid)
        if have is None:
            continue
        if compared(have, desired_dashboard(d, marker)) != desired_dashboard(d, marker) or (
            have.folder_uid != d.folder.uid
        ):
            out.append(d.uid)
    return out


def _plan_dashboard(d: Dashboard, live: LiveState, marker: str, adopt: bool) -> Action:
    want = desired_dashboard(d, marker)
    fp = normalise.fingerprint(want)
    action = Action(
        "dashboard",
        "create",
        d.uid,
        d.title,
        source=d.source,
        folder=d.folder.title,
        folder_uid=d.folder.uid,
        payload=want,
        message=version_message(d.source, fp),
        wanted=want,
    )
    have = live.dashboards.get(d.uid)
    if have is None:
        action.reason = "not in Grafana"
        return action
    current = compared(have, want)
    action.current = current
    reasons = []
    if current != want:
        reasons.append("content differs")
    if have.folder_uid != d.folder.uid:
        hit = live.hits.get(d.uid)
        where = (hit.folder_title if hit and hit.folder_title else have.folder_uid) or GENERAL.title
        reasons.append(f"in folder '{where}' in Grafana")
    if not reasons:
        action.op = "unchanged"
        return action
    action.op = "update"
    action.reason = ", ".join(reasons)
    if have.provisioned:
        action.notes.append("provisioned (file provisioning or the sidecar): Grafana refuses API saves of it")
    latest = live.versions.get(d.uid)
    tags = current.get("tags")
    if marker not in (tags if isinstance(tags, list) else []):
        return _not_owned(action, marker, latest, adopt, have.provisioned)
    if latest is None:
        error = live.version_errors.get(d.uid)
        if error:
            action.notes.append(f"could not read its version history ({error}): drift unknown")
        return action
    recorded = recorded_fingerprint(latest.message)
    if recorded is None:
        action.drift = f"changed in Grafana {_who(latest)} since dashgen pushed it"
    elif recorded not in (normalise.fingerprint(current), normalise.fingerprint(normalise.dashboard(have.model))) and (
        current != want
    ):
        action.drift = f"changed in Grafana since dashgen pushed it (version {latest.version} no longer matches it)"
    else:
        action.reason = "changed in the sources" if current != want else "moved in the sources"
    return action


def _not_owned(action: Action, marker: str, latest: LatestVersion | None, adopt: bool, provisioned: bool) -> Action:
    """A dashboard with the source's uid that dashgen does not own: a conflict, or taken over with --adopt."""
    who = _who(latest) if latest is not None else ""
    what = f"exists in Grafana without the '{marker}' tag" + (f" (saved {who})" if who else "")
    if adopt:
        action.takeover = what
        return action
    action.op = "conflict"
    action.reason = f"a dashboard with this uid {what}: dashgen does not own it, so it is left alone"
    action.hint = (
        "pass --adopt to take it over (push then tags it as dashgen's, so a later --prune may delete it), "
        "or give the source another uid"
    )
    if provisioned:
        action.hint = (
            "it is provisioned from files (file provisioning or the sidecar), and Grafana refuses API "
            "saves of it: change it there, or give the source another uid"
        )
    elif latest is not None and recorded_fingerprint(latest.message) is not None:
        action.hint += "; its latest version was pushed by dashgen: was push.marker_tag changed?"
    return action


def _who(v: LatestVersion) -> str:
    parts = [
        f"by {v.created_by}" if v.created_by else "",
        f"at {v.created}" if v.created else "",
        f"(version {v.version})" if v.version else "",
    ]
    return " ".join(p for p in parts if p)


def _same_title(a: str, b: str) -> bool:
    return _slug(a) == _slug(b) or a.strip().lower() == b.strip().lower()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.strip().lower()).strip("-")


def _title_conflicts(actions: list[Action], live: LiveState, grafana_version: str | None) -> None:
    """Before 11.3 a save with overwrite replaces another dashboard with the same title in the folder."""
    leaving = {a.uid for a in actions if a.op in ("create", "update")}
    for a in actions:
        if a.op not in ("create", "update"):
            continue
        for hit in live.hits.values():
            if hit.uid == a.uid or hit.folder_uid != a.folder_uid or not _same_title(hit.title, a.title):
                continue
            if hit.uid in leaving and not _stays(hit, actions):
                continue  # one of ours, renamed or moved away in this push
            a.op = "conflict"
            a.reason = (
                f"Grafana {grafana_version or '(version hidden)'} requires unique titles in a folder, and "
                f"dashboard '{hit.title}' ({hit.uid}) already has this title in '{a.folder}'; "
                "saving would replace it"
            )
            a.hint = (
                "rename one of the two, or move or delete the other dashboard; Grafana 11.3 and later allow "
                "duplicate titles"
            )
            break


def _stays(hit: Any, actions: list[Action]) -> bool:
    for a in actions:
        if a.uid == hit.uid and a.kind == "dashboard":
            return a.folder_uid == hit.folder_uid and _same_title(a.title, hit.title)
    return True


# ----------------------------------------------------------------------------- datasources


def datasource_payload(ds: Datasource) -> dict[str, Any]:
    """The HTTP API body for a datasource in provisioning shape (secrets still references)."""
    return {k: ds.model[k] for k in DATASOURCE_API_KEYS if k in ds.model}


def _ds_view(obj: dict[str, Any], local: dict[str, Any], secure_keys: list[str]) -> dict[str, Any]:
    view = {k: obj.get(k, default) if obj.get(k) is not None else default for k, default in DATASOURCE_FIELDS.items()}
    if "isDefault" in local:
        view["isDefault"] = bool(obj.get("isDefault"))
    if local.get("uid"):
        view["uid"] = obj.get("uid", "")
    view["secureJsonFields"] = sorted(secure_keys)
    return view


def _plan_datasource(
    ds: Datasource, live: LiveState, env: Mapping[str, str] | None = None, force_secrets: bool = False
) -> Action:
    """Create, update, unchanged, skip or conflict; with ``env``, secret values are compared
    with the hashes of what dashgen last pushed (``secrets.py``)."""
    payload = datasource_payload(ds)
    action = Action("datasource", "create", ds.uid, ds.name, source=ds.source, payload=payload)
    local_secure = sorted((payload.get("secureJsonData") or {}).keys())
    action.wanted = _ds_view(payload, payload, local_secure)
    by_uid = {d.get("uid"): d for d in live.datasources}
    by_name = {d.get("name"): d for d in live.datasources}
    item = by_uid.get(ds.uid) if ds.uid else by_name.get(ds.name)
    if item is None:
        other = by_name.get(ds.name)
        if other is not None:
            other_uid = other.get("uid", "")
            if other.get("readOnly"):
                action.op = "skip"
                action.reason = (
                    f"a read-only (provisioned) datasource named '{ds.name}' exists with uid '{other_uid}': left alone"
                )
            else:
                action.op = "conflict"
                action.reason = f"a datasource named '{ds.name}' already exists in Grafana with uid '{other_uid}'"
                action.hint = (
                    f"set uid: {other_uid} in {ds.source} to manage that one, or rename or delete it in Grafana"
                )
            return action
        action.reason = "not in Grafana"
        return action
    uid = item.get("uid")
    detail = (live.datasource_details.get(uid) if isinstance(uid, str) else None) or item
    record = secrets.recorded(detail.get("jsonData"))
    detail = {**detail, "jsonData": secrets.without_record(detail.get("jsonData"))}
    if not ds.uid:
        action.uid = str(item.get("uid") or "")
    live_secure = [k for k, v in (detail.get("secureJsonFields") or {}).items() if v]
    current = _ds_view(
        detail,
        payload,
        [k for k in live_secure if k in local_secure] + [k for k in live_secure if k not in local_secure],
    )
    action.current = current
    differences = [k for k in action.wanted if k != "secureJsonFields" and action.wanted[k] != current.get(k)]
    differences += [f"secureJsonData.{k} (not set in Grafana)" for k in local_secure if k not in live_secure]
    read_only = bool(detail.get("readOnly"))
    if not read_only:
        differences += _secret_differences(payload, live_secure, record, env, action.notes)
        if force_secrets and local_secure:
            differences.append("secureJsonData (--force-secrets)")
    if not differences:
        action.op = "unchanged"
        if read_only:
            action.notes.append("read-only (provisioned) in Grafana")
        return action
    if read_only:
        action.op = "skip"
        action.reason = (
            f"read-only in Grafana (provisioned from a file or the sidecar), so left alone; it differs "
            f"in {', '.join(differences)}"
        )
        return action
    action.op = "update"
    action.reason = "differs in " + ", ".join(differences)
    return action


def _secret_differences(
    payload: dict[str, Any],
    live_secure: list[str],
    record: dict[str, Any],
    env: Mapping[str, str] | None,
    notes: list[str],
) -> list[str]:
    """The secrets set in Grafana whose value is not the one dashgen last pushed."""
    if env is None:
        return []
    out = []
    for s in secrets.of(payload, env):
        if s.key not in live_secure:
            continue  # reported as not set
        if s.value is None:
            if s.variable:
                notes.append(f"secureJsonData.{s.key} not compared: ${s.variable} is not set")
            continue
        recorded = record.get(s.key)
        if recorded is None:
            out.append(f"secureJsonData.{s.key} (no record of what dashgen pushed)")
        elif not secrets.matches(s.key, s.value, recorded):
            out.append(f"secureJsonData.{s.key} (another value than dashgen last pushed)")
    return out


# ----------------------------------------------------------------------------------- plan


def make(
    selected: Selected,
    live: LiveState,
    *,
    marker: str,
    prune: bool,
    unique_titles: bool,
    grafana_version: str | None = None,
    adopt: bool = False,
    env: Mapping[str, str] | None = None,
    force_secrets: bool = False,
) -> Plan:
    actions: list[Action] = []
    for f in selected.folders:
        a = Action(
            "folder",
            "create",
            f.uid,
            f.title,
            payload={"uid": f.uid, "title": f.title, "key": f.key, "parent_uid": f.parent_uid},
            wanted={"uid": f.uid, "title": f.title},
        )
        have = live.folders.get(f.uid)
        parent = (have or {}).get("parentUid") or ""
        if f.parent_uid or parent:  # nested folders only: flat ones read as before
            a.wanted["parentUid"] = f.parent_uid
        if have is None:
            a.reason = "not in Grafana"
        else:
            a.current = {"uid": f.uid, "title": have.get("title")}
            if f.parent_uid or parent:
                a.current["parentUid"] = parent
            if have.get("title") == f.title and parent == f.parent_uid:
                a.op = "unchanged"
            elif have.get("title") != f.title:
                a.op, a.reason = "update", f"titled '{have.get('title')}' in Grafana"
            else:
                a.op, a.reason = "update", f"in folder '{parent or 'the top level'}' in Grafana"
        actions.append(a)
    actions.extend(
        _plan_datasource(ds, live, env, force_secrets)
        for ds in sorted(selected.datasources, key=lambda d: d.name.lower())
    )
    boards = [
        _plan_dashboard(d, live, marker, adopt)
        for d in sorted(selected.dashboards, key=lambda d: (d.folder.key, d.title.lower(), d.uid))
    ]
    if unique_titles:
        _title_conflicts(boards, live, grafana_version)
    actions.extend(boards)
    if selected.live_scope:
        for hit in sorted(live.hits.values(), key=lambda h: (h.folder_title.lower(), h.title.lower(), h.uid)):
            if marker not in hit.tags or hit.uid in selected.all_dashboard_uids:
                continue
            if selected.prune_uids is not None and hit.uid not in selected.prune_uids:
                continue
            if selected.prune_folder_uids is not None and hit.folder_uid not in selected.prune_folder_uids:
                continue
            a = Action(
                "dashboard",
                "delete" if prune else "orphan",
                hit.uid,
                hit.title,
                folder=hit.folder_title or GENERAL.title,
                folder_uid=hit.folder_uid,
            )
            a.reason = (
                f"tagged '{marker}' and no longer in the sources"
                if prune
                else f"tagged '{marker}'; push --prune would delete it"
            )
            actions.append(a)
    return Plan(actions)


# ----------------------------------------------------------------------------------- diffs


def unified_diff(action: Action) -> str:
    """The unified diff, live → local, of the normalised JSON of an update."""
    if action.op not in ("update", "skip", "conflict") or action.current is None or action.wanted is None:
        return ""
    before = _pretty(action.current)
    after = _pretty(action.wanted)
    lines = list(
        difflib.unified_diff(
            before,
            after,
            fromfile=f"grafana/{action.kind}/{action.uid}",
            tofile=action.source or "sources",
            lineterm="",
            n=3,
        )
    )
    return "\n".join(lines)


def _pretty(obj: Any) -> list[str]:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
