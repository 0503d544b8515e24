"""lint_dashboard / lint_rule_groups: run the registered rules and apply the settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..dashboard.document import unwrap
from ..dashboard.walk import text
from . import rules as _rules  # noqa: F401  (fills the registry)
from .context import DashboardCtx, RuleFileCtx
from .registry import IMPLEMENTATIONS, RULES, Finding, Hit
from .settings import LintSettings

_DEFAULT = LintSettings()


def _run(kind: str, ctx: Any, name: str, settings: LintSettings, keys: Iterable[str]) -> list[Finding]:
    keys = set(keys)
    out: list[Finding] = []
    for rule, info in RULES.items():
        if info.kind != kind:
            continue
        sev = settings.severity(rule)
        if sev == "off":
            continue
        overridden = settings.overrides(rule)
        try:
            hits = list(IMPLEMENTATIONS[rule](ctx))
        except Exception as exc:  # a rule bug must not take `dashgen build` down
            hits = [Hit(f"internal error in rule: {type(exc).__name__}: {exc}", "please report this dashgen bug")]
        for h in hits:
            severity = sev if overridden or h.severity is None else h.severity
            f = Finding(rule, severity, name, h.panel, h.panel_id, h.target, h.message, h.fix)
            if settings.exclusions and settings.excluded(f, keys):
                continue
            out.append(f)
    return out


def _single(rule: str, name: str, message: str, fix: str, settings: LintSettings) -> list[Finding]:
    sev = settings.severity(rule)
    if sev == "off":
        return []
    f = Finding(rule, sev, name, None, None, None, message, fix)
    return [] if settings.excluded(f, {name}) else [f]


def lint_dashboard(
    model: Any,
    *,
    name: str,
    settings: LintSettings = _DEFAULT,
    configmap_bytes: int | None = None,
    configmap_object_bytes: int | None = None,
) -> list[Finding]:
    """Lint one dashboard (plain JSON as exported by Grafana or rendered by dashgen).

    Never raises on the content of ``model``: wrong types are skipped or reported.
    ``configmap_bytes`` (the dashboard ConfigMap's data, as ``names.configmap_sizes`` counts it)
    enables dashboard-configmap-size-rule; ``configmap_object_bytes`` (the whole object as
    compact JSON, what kubectl's last-applied annotation holds) defaults to it.
    """
    if not isinstance(settings, LintSettings):
        raise TypeError("settings must be a LintSettings")
    name = text(name) or "<dashboard>"
    model = unwrap(model)
    if not isinstance(model, dict):
        kind = "null" if model is None else type(model).__name__
        return _single(
            "dashboard-json-rule",
            name,
            f"the dashboard JSON is {kind}, not an object",
            "pass the dashboard object (the JSON document's top level)",
            settings,
        )
    if isinstance(model.get("elements"), dict) and isinstance(model.get("layout"), dict):
        return _single(
            "dashboard-json-rule",
            name,
            "this is a Grafana v2 (elements/layout) dashboard, which dashgen lint does not check",
            "lint the classic (v1) JSON model instead",
            settings,
        )
    try:
        ctx = DashboardCtx(model, name)
    except Exception as exc:  # pragma: no cover - defensive
        return _single(
            "dashboard-json-rule",
            name,
            f"internal error reading the dashboard: {type(exc).__name__}: {exc}",
            "please report this dashgen bug",
            settings,
        )
    ctx.configmap_bytes = configmap_bytes
    ctx.configmap_object_bytes = configmap_object_bytes if configmap_object_bytes is not None else configmap_bytes
    return _run("dashboard", ctx, name, settings, ctx.dashboard_keys)


def lint_rule_groups(groups: Any, *, name: str, settings: LintSettings = _DEFAULT) -> list[Finding]:
    """Lint Prometheus rule groups (``[{name, rules: [...]}, ...]``).

    Also accepts a whole rule file (``{groups: [...]}``) or a PrometheusRule object
    (``{spec: {groups: [...]}}``). Never raises on the content of ``groups``.
    """
    if not isinstance(settings, LintSettings):
        raise TypeError("settings must be a LintSettings")
    name = text(name) or "<rules>"
    if isinstance(groups, dict):
        if "groups" in groups:
            groups = groups["groups"]
        elif isinstance(groups.get("spec"), dict) and "groups" in groups["spec"]:
            groups = groups["spec"]["groups"]
    ctx = RuleFileCtx(groups, name)
    return _run("rules", ctx, name, settings, {name})
