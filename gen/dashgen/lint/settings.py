"""Lint settings: per-rule severity overrides, exclusions and strict mode.

``dashgen.yaml``'s ``lint:`` section is declared in ``config.py`` (``config.Lint``) and
turned into these by ``Config.lint_settings()``; the rule names are checked here, against
the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from . import rules as _rules  # noqa: F401  (fills the registry)
from .registry import RULES, SEVERITIES, Finding, Severity


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Silence ``rule`` for one dashboard (uid, title or name) and/or one panel (title).

    For rule files, ``dashboard`` matches the rule-file name and ``panel`` the alert/record name.
    """

    rule: str
    reason: str
    dashboard: str | None = None
    panel: str | None = None

    def matches(self, finding: Finding, dashboard_keys: Iterable[str]) -> bool:
        if finding.rule != self.rule:
            return False
        if self.dashboard is not None and self.dashboard not in dashboard_keys:
            return False
        if self.panel is not None and self.panel != finding.panel:
            return False
        return True


@dataclass(frozen=True)
class LintSettings:
    """Per-rule severity overrides and exclusions.

    ``rules`` maps a rule name to "error", "warning" or "off". ``strict`` is only carried for
    the caller (see ``has_failures``); the engine itself never promotes warnings.
    """

    rules: Mapping[str, str] = field(default_factory=dict)
    exclusions: tuple[Exclusion, ...] = ()
    strict: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.rules, Mapping):
            raise ValueError("rules: expected a mapping of rule name to severity")
        for name, sev in self.rules.items():
            if name not in RULES:
                raise ValueError(f"rules: unknown rule {name!r}")
            if sev not in SEVERITIES:
                raise ValueError(f"rules.{name}: unknown severity {sev!r} (use error, warning or off)")
        excl = tuple(self.exclusions)
        for i, e in enumerate(excl):
            if not isinstance(e, Exclusion):
                raise ValueError(f"exclusions[{i}]: expected an Exclusion")
            if e.rule not in RULES:
                raise ValueError(f"exclusions[{i}].rule: unknown rule {e.rule!r}")
            if not isinstance(e.reason, str) or not e.reason.strip():
                raise ValueError(f"exclusions[{i}].reason: a non-empty reason is required")
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))
        object.__setattr__(self, "exclusions", excl)

    def severity(self, rule: str) -> str:
        """Effective severity of ``rule``: the override, else the rule's default."""
        sev = self.rules.get(rule)
        if sev is not None:
            return sev
        info = RULES.get(rule)
        return info.severity if info else Severity.ERROR.value

    def excluded(self, finding: Finding, dashboard_keys: Iterable[str]) -> bool:
        keys = set(dashboard_keys)
        return any(e.matches(finding, keys) for e in self.exclusions)


def has_failures(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail ``dashgen lint``/``build``: any error, or any
    warning when ``strict`` (warnings are promoted to errors)."""
    failing = {"error", "warning"} if strict else {"error"}
    return any(f.severity in failing for f in findings)
