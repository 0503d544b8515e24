"""Lint what a user points at: the project's loaded sources, or files and directories.

The engine (``lint_dashboard``, ``lint_rule_groups``) works on one JSON value; this
module finds the values, names them after the file they came from, and turns unreadable
files into findings so one broken file never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..dashboard.document import Document, document_of, named_files
from ..names import configmap_sizes
from .engine import lint_dashboard, lint_rule_groups
from .registry import RULES, Finding, RuleInfo
from .settings import LintSettings


@dataclass(frozen=True)
class Located:
    """A finding and the file it belongs to."""

    source: str
    finding: Finding

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, **self.finding.to_dict()}

    def detail(self) -> str:
        """One line after the source: dashboard, panel or alert, rule, message and fix."""
        f = self.finding
        where = [f.dashboard] if f.dashboard and f.dashboard != self.source else []
        if RULES.get(f.rule, RuleInfo("dashboard", "", "")).kind == "rules":
            # For rule files the engine puts the group in ``target`` and the alert in ``panel``.
            where += [f"group {f.target}"] if f.target else []
            where += [f"alert {f.panel}"] if f.panel else []
            return ": ".join([*where, f"{f.rule}: {f.message}; fix: {f.fix}"])
        if f.panel:
            where.append(f"panel '{f.panel}'" + (f" (id {f.panel_id})" if f.panel_id is not None else ""))
        if f.target:
            where.append(f"target {f.target}")
        return ": ".join([*where, f"{f.rule}: {f.message}; fix: {f.fix}"])


def lint_resources(
    resources, settings: LintSettings, *, sizes: dict[str, tuple[int, int]] | None = None
) -> list[Located]:
    """Findings for loaded project resources.

    ``sizes`` maps a uid to its ConfigMap's ``(data_bytes, object_bytes)``
    (``names.configmap_sizes``); without it the size rule stays silent.
    """
    out = []
    for d in resources.dashboards:
        data, whole = (sizes or {}).get(d.uid, (None, None))
        out += lint_loaded_dashboard(d, settings, data, whole)
    return out + lint_loaded_rule_groups(resources.rule_groups, settings)


def lint_loaded_dashboard(
    d, settings: LintSettings, data: int | None = None, whole: int | None = None
) -> list[Located]:
    """One loaded dashboard's findings, with its source's settings (vendored ones milder)."""
    own = settings.for_source(d.source)
    found = lint_dashboard(
        d.model, name=d.uid or d.title, settings=own, configmap_bytes=data, configmap_object_bytes=whole
    )
    if getattr(d, "origin", None) is not None:
        found = [_as_vendored(f, own) for f in found]
    return [Located(d.source, f) for f in found]


def lint_loaded_rule_groups(rule_groups, settings: LintSettings) -> list[Located]:
    """The rule groups' findings, one source file at a time."""
    out = []
    by_source: dict[str, list[dict]] = {}
    for group in rule_groups:
        by_source.setdefault(group.source, []).append(group.model)
    for source, groups in by_source.items():
        out += [Located(source, f) for f in lint_rule_groups(groups, name=source, settings=settings.for_source(source))]
    return out


# How a project writes its own dashboards. In a dashboard vendored from grafana.com (one with
# an origin record) these are its author's choices: reported, as warnings, unless dashgen.yaml
# sets the rule's severity. What breaks a dashboard (PromQL that does not parse, undefined
# variables, Angular panels, duplicate ids, bad uids) stays an error.
AUTHORING_RULES = frozenset(
    {
        "panel-datasource-rule",
        "panel-title-description-rule",
        "panel-units-rule",
        "target-counter-agg-rule",
        "target-rate-interval-rule",
        "template-datasource-rule",
        "template-label-promql-rule",
        "template-on-time-change-reload-rule",
    }
)


def _as_vendored(finding: Finding, settings: LintSettings) -> Finding:
    if finding.severity == "error" and finding.rule in AUTHORING_RULES and finding.rule not in settings.rules:
        return replace(finding, severity="warning")
    return finding


def lint_paths(paths: Iterable[str], settings: LintSettings) -> tuple[list[Located], list[str]]:
    """Findings for dashboard JSON, rule files, PrometheusRules and dashboard ConfigMaps.

    Returns the findings and the files skipped: found in a directory but neither a
    dashboard nor rules (dashgen's own kustomization, a PodMonitor, dashgen-files.json).
    A file named explicitly that is neither is a finding instead.
    """
    from ..formats import dump_json

    out: list[Located] = []
    skipped: list[str] = []
    for path, explicit in _files(paths):
        source = str(path)
        if path.suffix not in (".json", ".yaml", ".yml"):
            out.append(
                _unreadable(
                    source,
                    "not a JSON or YAML file; to lint the sources, run dashgen lint without paths",
                    rule="dashboard-json-rule",
                )
            )
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.append(_unreadable(source, f"cannot read the file: {exc}"))
            continue
        if path.suffix == ".json":
            try:
                documents = [json.loads(text)]
            except json.JSONDecodeError as exc:
                out.append(_unreadable(source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"))
                continue
        else:
            import yaml

            try:
                documents = [d for d in yaml.safe_load_all(text) if d is not None]
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                at = f" at line {mark.line + 1}" if mark is not None else ""
                out.append(
                    _unreadable(
                        source, f"invalid YAML{at}: {getattr(exc, 'problem', None) or exc}", rule="rule-format-rule"
                    )
                )
                continue
        for doc in documents:
            out += _lint_document(source, doc, settings.for_source(source), dump_json)
        if documents and all(_kind(doc) is None for doc in documents):
            if explicit:
                out.append(
                    _unreadable(
                        source,
                        "neither a dashboard nor rules (a rule file, PrometheusRule or dashboard ConfigMap)",
                        rule="dashboard-json-rule",
                    )
                )
            else:
                skipped.append(source)
    return out, skipped


def _kind(doc: Any) -> str | None:
    """What a document is to lint: "rules", "dashboard" (any shape but a ConfigMap), "configmap", or None."""
    if isinstance(doc, list):
        return "rules"
    if not isinstance(doc, dict):
        return None
    if doc.get("kind") == "PrometheusRule" or "groups" in doc:
        return "rules"
    if doc.get("kind") == "ConfigMap":
        return "configmap" if document_of(doc).kind == "configmap" else None
    if "panels" in doc or "rows" in doc or document_of(doc).wrapped:
        return "dashboard"
    return None


def _lint_document(source: str, doc: Any, settings: LintSettings, dump_json) -> list[Located]:
    kind = _kind(doc)
    if kind == "rules":
        return [Located(source, f) for f in lint_rule_groups(doc, name=source, settings=settings)]
    if kind == "dashboard":
        size = _size(doc, dump_json)
        return [Located(source, f) for f in lint_dashboard(doc, name=source, settings=settings, configmap_bytes=size)]
    if kind == "configmap":
        return _lint_configmap(source, document_of(doc), settings)
    return []


def _lint_configmap(source: str, doc: Document, settings: LintSettings) -> list[Located]:
    """Each dashboard of the ConfigMap, in key order; sizes are the ConfigMap's."""
    data, whole = configmap_sizes(doc.original)
    out = []
    problems = dict(doc.errors)
    models = dict(zip(doc.keys, doc.dashboards))
    for key in sorted([*models, *problems], key=str):
        name = f"{source}#{key}"
        if key in problems:
            out.append(_unreadable(name, problems[key]))
            continue
        out += [
            Located(name, f)
            for f in lint_dashboard(
                models[key], name=name, settings=settings, configmap_bytes=data, configmap_object_bytes=whole
            )
        ]
    return out


def _size(model: Any, dump_json) -> int | None:
    try:
        return len(dump_json(model).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return None


def _unreadable(source: str, message: str, rule: str = "dashboard-json-rule") -> Located:
    finding = Finding(
        rule=rule,
        severity="error",
        dashboard=source,
        panel=None,
        panel_id=None,
        target=None,
        message=message,
        fix="fix or remove the file",
    )
    return Located(source, finding)


def _files(paths: Iterable[str]) -> Iterator[tuple[Path, bool]]:
    """(path, named explicitly) for each file: directories give their JSON and YAML files."""
    yield from named_files(paths, (".json", ".yaml", ".yml"))
