"""Carry out a plan: folders, then datasources, then dashboards, then deletions.

Each phase runs on the shared worker pool (``--concurrency``); a phase starts when the one
before it has finished, so a dashboard never arrives before its folder. One failure does
not stop the others: it becomes an :class:`Outcome` with Grafana's own message and a hint.
A dashboard whose folder could not be made is not sent. Only ``create``, ``update`` and
``delete`` actions send anything; unchanged objects are never written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any

from .. import redact
from ..errors import DashgenError, DashgenErrors
from ..names import ENV_REF_RE
from . import secrets
from .client import ApiError, Grafana
from .plan import Action, Plan


@dataclass
class Outcome:
    action: Action
    status: str  # done | failed | skipped | unchanged | orphan
    error: str = ""
    hint: str = ""
    http_status: int | None = None


# --------------------------------------------------------------------------------- secrets


def resolve_secrets(plan: Plan, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``secureJsonData`` of the datasources to write, ``${VAR}`` expanded from ``env``.

    All missing variables are reported together, before anything is written; the values
    are registered for redaction and never shown.
    """
    out: dict[str, dict[str, str]] = {}
    errors = []
    for a in plan.of("create", "update"):
        if a.kind != "datasource":
            continue
        secure = (a.payload or {}).get("secureJsonData") or {}
        values = {}
        for key, ref in sorted(secure.items()):
            m = ENV_REF_RE.match(ref) if isinstance(ref, str) else None
            if m is None:
                errors.append(
                    DashgenError(
                        f"datasource '{a.title}': secureJsonData.{key} must be a ${{VAR}} reference", path=a.source
                    )
                )
                continue
            name = m.group(1) or m.group(2)
            value = env.get(name)
            if not value:
                errors.append(
                    DashgenError(
                        f"datasource '{a.title}': secureJsonData.{key} refers to ${name}, which is not set in the "
                        "environment; export it before dashgen push",
                        path=a.source,
                    )
                )
                continue
            redact.register(value)
            values[key] = value
        out[a.title] = values
    if errors:
        raise DashgenErrors(errors)
    return out


# ------------------------------------------------------------------------------------ apply


def run(
    grafana: Grafana,
    plan: Plan,
    executor: Executor,
    secrets: dict[str, dict[str, str]],
    on_done: Callable[[Outcome], None],
) -> list[Outcome]:
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        on_done(outcome)

    for a in plan.actions:
        if a.op == "conflict":
            report(Outcome(a, "failed", error=a.reason, hint=a.hint))
        elif a.op == "skip":
            report(Outcome(a, "skipped"))
    failed_folders: dict[str, str] = {}
    phases: list[tuple[list[Action], Callable[[Action], None]]] = [
        (level, lambda a: _folder(grafana, a)) for level in _folder_levels(plan)
    ]
    phases += [
        (
            [a for a in plan.of("create", "update") if a.kind == "datasource"],
            lambda a: _datasource(grafana, a, secrets.get(a.title, {})),
        ),
        ([a for a in plan.of("create", "update") if a.kind == "dashboard"], lambda a: _dashboard(grafana, a)),
        (plan.of("delete"), lambda a: _delete(grafana, a)),
    ]
    for actions, do in phases:
        jobs = {}
        for a in actions:
            parent = (a.payload or {}).get("parent_uid") if a.kind == "folder" else None
            if parent and parent in failed_folders:
                report(
                    Outcome(
                        a,
                        "failed",
                        error="not sent: its parent folder could not be created",
                        hint=failed_folders[parent],
                    )
                )
                failed_folders[a.uid] = failed_folders[parent]
                continue
            if a.kind == "dashboard" and a.op != "delete" and a.folder_uid in failed_folders:
                report(
                    Outcome(
                        a,
                        "failed",
                        error=f"not sent: its folder '{a.folder}' could not be created",
                        hint=failed_folders[a.folder_uid],
                    )
                )
                continue
            jobs[executor.submit(do, a)] = a
        for job in as_completed(jobs):
            a = jobs[job]
            try:
                job.result()
            except ApiError as exc:
                hint = hint_for(a, exc)
                if a.kind == "folder":
                    failed_folders[a.uid] = f"see the failure of folder '{a.title}'"
                    hint = _folder_hint(grafana, a, exc) or hint
                report(Outcome(a, "failed", error=_error_text(exc), hint=hint, http_status=exc.status))
            else:
                report(Outcome(a, "done"))
    for a in plan.actions:
        if a.op in ("unchanged", "orphan"):
            outcomes.append(Outcome(a, a.op))
    return outcomes


def _error_text(exc: ApiError) -> str:
    return f"{exc.status} {exc.grafana_message}" if exc.status else exc.grafana_message


def _folder_levels(plan: Plan) -> list[list[Action]]:
    """The folders to write, parents before the folders nested in them (each level runs concurrently)."""
    todo = [a for a in plan.of("create", "update") if a.kind == "folder"]
    uids = {a.uid for a in todo}
    levels: list[list[Action]] = []
    done: set[str] = set()
    while todo:
        level = [a for a in todo if a.payload.get("parent_uid") not in uids - done]
        if not level:  # a cycle (checks refuse them): write the rest together
            level = todo
        levels.append(level)
        done |= {a.uid for a in level}
        todo = [a for a in todo if a not in level]
    return levels


def _folder(grafana: Grafana, a: Action) -> None:
    uid, title, parent = a.payload["uid"], a.payload["title"], a.payload.get("parent_uid") or ""
    if a.op == "create":
        try:
            grafana.call(
                f"create folder {uid}",
                lambda api: api.folder.create_folder(title, uid=uid, parent_uid=parent or None),
                write=True,
            )
            return
        except ApiError as exc:
            if exc.status != 412:
                raise
        # The uid exists: created by an earlier attempt whose answer was lost, or concurrently.
        have = grafana.call(f"read folder {uid}", lambda api: api.folder.get_folder(uid))
        have = have if isinstance(have, dict) else {}
    else:
        have = {"title": (a.current or {}).get("title"), "parentUid": (a.current or {}).get("parentUid", "")}
    if have.get("title") != title:
        grafana.call(
            f"update folder {uid}", lambda api: api.folder.update_folder(uid, title=title, overwrite=True), write=True
        )
    if (have.get("parentUid") or "") != parent:  # PUT cannot move a folder: POST /api/folders/:uid/move
        grafana.call(f"move folder {uid}", lambda api: api.folder.move_folder(uid, parent), write=True)


def _datasource(grafana: Grafana, a: Action, secure: dict[str, str]) -> None:
    body = dict(a.payload)
    body.setdefault("access", "proxy")
    body.pop("secureJsonData", None)
    if secure:
        body["secureJsonData"] = secure
        # the hashes of what is sent, so the next plan sees a changed value (secrets.py)
        body["jsonData"] = {**(body.get("jsonData") or {}), secrets.RECORD_KEY: secrets.record(secure)}
    if a.op == "update":
        grafana.call(
            f"update datasource {a.uid}", lambda api: api.datasource.update_datasource_by_uid(a.uid, body), write=True
        )
        return
    try:
        grafana.call(
            f"create datasource {a.uid or a.title}", lambda api: api.datasource.create_datasource(body), write=True
        )
    except ApiError as exc:
        if exc.status != 409 or not a.uid:
            raise
        # Created by an earlier attempt whose answer was lost? Then it is there, with this name.
        try:
            have = grafana.call(f"read datasource {a.uid}", lambda api: api.datasource.get_datasource_by_uid(a.uid))
        except ApiError:
            raise exc from None
        if not isinstance(have, dict) or have.get("name") != a.title:
            raise exc from None


def _dashboard(grafana: Grafana, a: Action) -> None:
    body: dict[str, Any] = {"dashboard": a.payload, "overwrite": True, "message": a.message}
    if a.folder_uid:
        body["folderUid"] = a.folder_uid
    grafana.call(f"save dashboard {a.uid}", lambda api: api.dashboard.update_dashboard(body), write=True)


def _delete(grafana: Grafana, a: Action) -> None:
    try:
        grafana.call(f"delete dashboard {a.uid}", lambda api: api.dashboard.delete_dashboard(a.uid), write=True)
    except ApiError as exc:
        if exc.status != 404:  # already gone is what was wanted
            raise


# ------------------------------------------------------------------------------------ hints


def hint_for(a: Action, exc: ApiError) -> str:
    msg = exc.grafana_message.lower()
    status = exc.status
    if status is None:
        if "tls" in msg:
            return ""
        if "no answer within" in msg:
            return "Grafana is slow to answer: raise --timeout or lower --concurrency"
        return "Grafana could not be reached for this request, even after retries; run dashgen push again"
    if status == 401:
        return "the credentials stopped working during the push (token revoked or expired?)"
    if status == 403:
        if "quota" in msg:
            return "the organisation's quota for this kind of object is reached ([quota] in grafana.ini)"
        if "read-only" in msg:
            return "it is provisioned (read-only) in Grafana: change it where it is provisioned"
        if a.kind == "datasource":
            return "writing datasources needs the Admin role (datasources:write); this account does not have it"
        return (
            "the account may not write here: it needs the Editor role in this organisation, or edit permission "
            "on the folder"
        )
    if status == 412:
        if exc.grafana_status == "plugin-dashboard" or "plugin" in msg:
            return "the dashboard belongs to a plugin; give the source another uid"
        if exc.grafana_status == "name-exists":
            return "another dashboard in the folder has this title (Grafana before 11.3); rename one"
        return (
            "version-mismatch: someone saved it while dashgen was pushing; run dashgen push again "
            "(dashgen saves with overwrite, so this only happens in a race)"
        )
    if status == 400:
        if "cannot save provisioned dashboard" in msg:
            return (
                "the dashboard is provisioned from files (Grafana file provisioning or the Grafana sidecar, "
                "allowUiUpdates: false), so Grafana only takes changes there: change it through provisioning "
                "(dashgen build), or remove it from there to manage it with push"
            )
        if "provisioned dashboard cannot be deleted" in msg:
            return "the dashboard is provisioned from files (file provisioning or the sidecar); remove it there instead"
        if "folder not found" in msg:
            return (
                "its folder does not exist in Grafana (deleted during the push?); run dashgen push again, which "
                "creates folders first"
            )
        if exc.grafana_status == "name-match" or "same as folder" in msg:
            return "a folder at the top level has the same title (Grafana before 11.3); rename one"
        return "Grafana rejected the content; fix the source"
    if status == 404:
        return "it disappeared from Grafana during the push; run dashgen push again"
    if status == 409:
        if a.kind == "datasource":
            return "another datasource already has this name or uid; rename one, or set the uid of the existing one"
        return "a conflicting object exists in Grafana"
    if status == 429:
        return "Grafana kept rate-limiting beyond the retry budget; lower --concurrency"
    if status >= 500:
        return "Grafana failed internally, even after retries; see Grafana's log and run dashgen push again"
    return ""


def _folder_hint(grafana: Grafana, a: Action, exc: ApiError) -> str:
    if exc.status != 409 and "already exists" not in exc.grafana_message.lower():
        return ""
    try:
        folders = grafana.call("list folders", lambda api: api.folder.get_all_folders())
    except ApiError:
        folders = []
    for f in folders if isinstance(folders, list) else []:
        if isinstance(f, dict) and str(f.get("title", "")).lower() == a.title.lower() and f.get("uid") != a.uid:
            key = a.payload.get("key", "")
            where = f"folders.{key}.uid" if key else "the folder's uid in dashgen.yaml"
            return (
                f"a folder titled '{f.get('title')}' already exists with uid '{f.get('uid')}' (Grafana before 11.3 "
                f"wants unique folder titles): set {where}: {f.get('uid')} in dashgen.yaml to use it, or retitle "
                "one of them"
            )
    return "a folder with this title already exists (Grafana before 11.3 wants unique folder titles)"
