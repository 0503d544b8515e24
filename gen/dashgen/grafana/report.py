"""What push and diff print: text for people, one JSON document for automation.

Text: a header per target, the plan (diff, ``--dry-run``) or one line per change as it
completes (push), then a summary naming every failure with Grafana's message and a hint.
On a terminal, push shows a progress bar on stderr instead of the running lines. Warnings
(drift, --insecure) go to stderr. Every line passes through :func:`redact.scrub`.

Signs: ``+`` create, ``~`` update, ``-`` delete, ``=`` unchanged, ``!`` skipped,
``x`` failed or conflicting, ``?`` owned by dashgen but not in the sources (no --prune).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from .. import redact
from .plan import Action, unified_diff

if TYPE_CHECKING:
    from .apply import Outcome
    from .results import TargetResult

SIGNS = {"create": "+", "update": "~", "delete": "-", "unchanged": "=", "skip": "!", "conflict": "x", "orphan": "?"}
DONE = {"create": "created", "update": "updated", "delete": "deleted"}
PLANNED = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "unchanged": "unchanged",
    "skip": "skip",
    "conflict": "cannot push",
    "orphan": "not in the sources",
}


def _echo(text: str = "", err: bool = False) -> None:
    click.echo(redact.scrub(text), err=err)


class Reporter:
    def __init__(self, command: str, *, output: str, verbose: bool, dry_run: bool, prune: bool, marker: str):
        self.command = command
        self.json = output == "json"
        self.verbose = verbose
        self.dry_run = dry_run
        self.prune = prune
        self.marker = marker
        self.tty = not self.json and _isatty(sys.stderr)
        self.load_seconds = 0.0

    # ------------------------------------------------------------------------ messages

    def warning(self, text: str) -> None:
        _echo(f"warning: {text}", err=True)

    def planned(self, result: TargetResult) -> None:
        plan = result.plan
        if self.json or plan is None:
            return
        environment = f", environment {result.environment}" if result.environment else ""
        _echo(f"{result.connection.label}: Grafana {result.version or '(version hidden)'}{environment}")
        for a in plan.actions:
            if a.drift and self.command == "push" and not self.dry_run:
                self.warning(f"{a.label} was {a.drift}; overwriting it with the sources")
            if a.takeover and self.command == "push" and not self.dry_run:
                self.warning(
                    f"{a.label} {a.takeover}; taking it over (--adopt): it is overwritten with the sources "
                    "and tagged as dashgen's"
                )
        if self.command == "push" and not self.dry_run:
            for a in plan.of("orphan"):
                _echo(_plan_line(a))
            return
        for a in plan.actions:
            if a.op == "unchanged" and not self.verbose:
                continue
            _echo(_plan_line(a))
            if self.command == "diff":
                text = unified_diff(a)
                if text:
                    _echo(text)

    @contextlib.contextmanager
    def applying(self, result: TargetResult, total: int) -> Iterator[Callable[[Outcome], None]]:
        if self.json or total == 0:
            yield lambda outcome: None
            return
        if not self.tty:
            yield lambda outcome: _echo(_outcome_line(outcome))
            return
        done: list[Outcome] = []
        with click.progressbar(
            length=total, label=f"pushing to {redact.url(result.connection.url)}", file=sys.stderr, show_pos=True
        ) as bar:

            def step(outcome: Outcome) -> None:
                done.append(outcome)
                bar.update(1)

            yield step
        for outcome in done:
            _echo(_outcome_line(outcome))

    def target_done(self, result: TargetResult) -> None:
        if self.json:
            return
        label = result.connection.label
        prefix = f"target '{result.connection.name}': " if result.connection.name else ""
        if result.plan is None:
            if result.error:
                _echo(f"error: {prefix}{result.error}", err=True)
            return
        counts = result.plan.counts()
        if self.command == "diff" or self.dry_run:
            _echo(_plan_summary(label, counts, self.command, result))
        else:
            _echo(_push_summary(label, result))
            failures = result.failures
            if failures:
                _echo("failed:")
                for o in failures:
                    source = f" from {o.action.source}" if o.action.source else ""
                    _echo(f"  {o.action.label}{source}: {o.error}")
                    if o.hint:
                        _echo(f"    hint: {o.hint}")
        if result.error:
            _echo(f"error: {prefix}{result.error}", err=True)
        elif result.failures:
            _echo(f"error: {label}: {len(result.failures)} of the changes failed (listed above)", err=True)

    def finish(self, results: list[TargetResult]) -> None:
        if not self.json:
            return
        doc = {
            "command": self.command,
            "dry_run": self.dry_run,
            "prune": self.prune,
            "marker_tag": self.marker,
            "ok": not any(r.failed for r in results),
            "differs": any(r.differs for r in results),
            "targets": [self._target_doc(r) for r in results],
            "seconds": {"load": round(self.load_seconds, 4)},
        }
        _echo(json.dumps(redact.scrub_data(doc), indent=2, sort_keys=True, ensure_ascii=False))

    def _target_doc(self, r: TargetResult) -> dict[str, Any]:
        outcomes = {id(o.action): o for o in r.outcomes}
        actions = []
        for a in r.plan.actions if r.plan else []:
            item = _action_doc(a)
            o = outcomes.get(id(a))
            if o is not None:
                item.update(
                    status=o.status, error=o.error or None, hint=o.hint or a.hint or None, http_status=o.http_status
                )
            elif self.command == "push" and not self.dry_run and a.op in ("create", "update", "delete"):
                item.update(status="not attempted")
            if self.command == "diff":
                item["diff"] = unified_diff(a)
            actions.append(item)
        return {
            "target": r.connection.name,
            "environment": r.environment,
            "url": redact.url(r.connection.url),
            "org_id": r.connection.org_id,
            "grafana_version": r.version,
            "error": r.error or None,
            "differs": r.differs,
            "summary": r.plan.counts() if r.plan else None,
            "failed": len(r.failures),
            "writes": r.writes,
            "retries": r.retries,
            "seconds": r.seconds,
            "actions": actions,
        }


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _where(a: Action) -> str:
    return f" in {a.folder}" if a.kind == "dashboard" and a.folder else ""


def _plan_line(a: Action) -> str:
    text = f"  {SIGNS[a.op]} {a.label}{_where(a)}: {PLANNED[a.op]}"
    if a.reason and a.op != "create":
        text += f": {a.reason}"
    if a.drift:
        text += f"; DRIFT: {a.drift}"
    if a.takeover:
        text += f"; TAKEOVER (--adopt): {a.takeover}"
    for note in a.notes:
        text += f"; {note}"
    if a.hint:
        text += f" (hint: {a.hint})"
    return text


def _outcome_line(o: Outcome) -> str:
    a = o.action
    if o.status == "done":
        text = f"  {SIGNS[a.op]} {a.label}{_where(a)}: {DONE[a.op]}"
        if a.op == "update" and a.reason:
            text += f" ({a.reason})"
        if a.drift:
            text += f"; overwrote drift: {a.drift}"
        if a.takeover:
            text += "; taken over (--adopt)"
        return text
    if o.status == "skipped":
        return f"  ! {a.label}{_where(a)}: skipped: {a.reason}"
    return f"  x {a.label}{_where(a)}: FAILED: {o.error}"


def _plan_summary(label: str, counts: dict[str, int], command: str, result: TargetResult) -> str:
    parts = [
        f"{counts['create']} to create",
        f"{counts['update']} to update",
        f"{counts['delete']} to delete",
        f"{counts['unchanged']} unchanged",
    ]
    for key, word in (("skip", "skipped"), ("conflict", "conflicting"), ("orphan", "not in the sources")):
        if counts[key]:
            parts.append(f"{counts[key]} {word}")
    if counts["drift"]:
        parts.append(f"{counts['drift']} changed in Grafana (drift)")
    if counts["takeover"]:
        parts.append(f"{counts['takeover']} to take over (--adopt)")
    detail = ", ".join(parts)
    if command == "diff":
        state = "differs from the sources" if result.differs else "matches the sources"
        return f"{label}: {state} ({detail})"
    return f"{label}: dry run, nothing written ({detail})"


def _action_doc(a: Action) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "op": a.op,
        "uid": a.uid,
        "title": a.title,
        "source": a.source or None,
        "folder": a.folder or None,
        "reason": a.reason,
        "drift": a.drift or None,
        "takeover": a.takeover or None,
        "notes": a.notes,
        "hint": a.hint or None,
    }


def _push_summary(label: str, result: TargetResult) -> str:
    done: dict[str, int] = {}
    counts = {"failed": 0, "skipped": 0}
    for o in result.outcomes:
        if o.status == "done":
            done[o.action.op] = done.get(o.action.op, 0) + 1
        elif o.status in counts:
            counts[o.status] += 1
    assert result.plan is not None  # a summary is printed only for a target that got a plan
    c = result.plan.counts()
    parts = [
        f"{done.get('create', 0)} created",
        f"{done.get('update', 0)} updated",
        f"{done.get('delete', 0)} deleted",
        f"{c['unchanged']} unchanged",
        f"{counts['skipped']} skipped",
        f"{counts['failed']} failed",
    ]
    if c["orphan"]:
        parts.append(f"{c['orphan']} not in the sources (kept; --prune deletes them)")
    extra = f"{result.writes} write{'s' * (result.writes != 1)}"
    if result.retries:
        extra += f", {result.retries} retr{'ies' if result.retries != 1 else 'y'}"
    return f"{label}: {', '.join(parts)} ({extra})"
