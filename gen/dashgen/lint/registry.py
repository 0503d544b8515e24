"""The rule registry: every rule's name, kind, default severity and implementation.

Rule modules (``lint/rules/``) add themselves with :func:`register` when imported; importing
``dashgen.lint`` imports them all, so ``dashgen.lint.RULES`` is always complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    OFF = "off"


SEVERITIES: frozenset[str] = frozenset(s.value for s in Severity)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a rule.

    For dashboards ``dashboard`` is the name given to ``lint_dashboard``, ``panel``/``panel_id``
    the panel title/id and ``target`` the query's refId (or its index). For rule files
    ``dashboard`` is the rule-file name, ``panel`` the alert/record name and ``target`` the
    group name.
    """

    rule: str
    severity: str  # "error" | "warning"
    dashboard: str
    panel: str | None
    panel_id: int | None
    target: str | None
    message: str
    fix: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RuleInfo(NamedTuple):
    kind: str  # "dashboard" | "rules"
    severity: str  # default: "error" | "warning" | "off"
    description: str


class Hit(NamedTuple):
    """What a rule function yields; the engine turns it into a Finding."""

    message: str
    fix: str
    panel: str | None = None
    panel_id: int | None = None
    target: str | None = None
    severity: str | None = None  # per-hit default, used unless the user overrides the rule


RuleFn = Callable[[Any], Iterable[Hit]]

#: rule name -> RuleInfo, in registration order. Filled by the modules of lint/rules/ when imported.
RULES: dict[str, RuleInfo] = {}
#: rule name -> implementation, same keys as RULES.
IMPLEMENTATIONS: dict[str, RuleFn] = {}


def register(name: str, kind: str, severity: str, description: str) -> Callable[[RuleFn], RuleFn]:
    if kind not in ("dashboard", "rules"):
        raise ValueError(f"bad rule kind {kind!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"bad default severity {severity!r}")
    if name in RULES:
        raise ValueError(f"rule {name!r} registered twice")

    def deco(fn: RuleFn) -> RuleFn:
        RULES[name] = RuleInfo(kind, severity, description)
        IMPLEMENTATIONS[name] = fn
        return fn

    return deco
