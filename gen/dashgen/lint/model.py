"""Findings, the rule registry and lint settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Callable, Iterable, NamedTuple

from .walk import kind_name


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

#: rule name -> RuleInfo. Filled by dashboard_rules / rule_rules at import.
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


def _ensure_rules_loaded() -> None:
    # Importing the rule modules fills RULES; cheap after the first time.
    from . import dashboard_rules, rule_rules  # noqa: F401


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


_TOP_KEYS = ("rules", "exclusions", "strict")
_EXCLUSION_KEYS = ("rule", "dashboard", "panel", "reason")


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
        _ensure_rules_loaded()
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

    @classmethod
    def from_mapping(cls, data: Any, where: str = "lint") -> "LintSettings":
        """Build settings from plain config data (e.g. the ``lint:`` section of dashgen.yaml).

        Shape::

            rules: {panel-units-rule: warning, target-job-rule: error}
            exclusions:
              - {rule: panel-units-rule, dashboard: flux-cluster, panel: CPU, reason: "..."}
            strict: false

        Raises ValueError with a one-line message naming the bad key.
        """
        _ensure_rules_loaded()
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected a mapping, got {kind_name(data)}")
        for key in data:
            if key not in _TOP_KEYS:
                raise ValueError(f"{where}: unknown key {key!r} (expected one of: {', '.join(_TOP_KEYS)})")

        rules_in = data.get("rules")
        rules: dict[str, str] = {}
        if rules_in is not None:
            if not isinstance(rules_in, Mapping):
                raise ValueError(f"{where}.rules: expected a mapping of rule name to severity")
            for name, sev in rules_in.items():
                if not isinstance(name, str) or name not in RULES:
                    raise ValueError(f"{where}.rules: unknown rule {name!r}")
                if sev is False:  # YAML `off` without quotes parses as false
                    sev = "off"
                if not isinstance(sev, str) or sev.strip().lower() not in SEVERITIES:
                    raise ValueError(
                        f"{where}.rules.{name}: unknown severity {sev!r} (use error, warning or off)"
                    )
                rules[name] = sev.strip().lower()

        excl_in = data.get("exclusions")
        exclusions: list[Exclusion] = []
        if excl_in is not None:
            if not isinstance(excl_in, list):
                raise ValueError(f"{where}.exclusions: expected a list")
            for i, item in enumerate(excl_in):
                here = f"{where}.exclusions[{i}]"
                if not isinstance(item, Mapping):
                    raise ValueError(f"{here}: expected a mapping, got {kind_name(item)}")
                for key in item:
                    if key not in _EXCLUSION_KEYS:
                        raise ValueError(
                            f"{here}: unknown key {key!r} (expected one of: {', '.join(_EXCLUSION_KEYS)})"
                        )
                rule = item.get("rule")
                if rule is None:
                    raise ValueError(f"{here}: missing 'rule'")
                if not isinstance(rule, str) or rule not in RULES:
                    raise ValueError(f"{here}.rule: unknown rule {rule!r}")
                reason = item.get("reason")
                if reason is None:
                    raise ValueError(f"{here}: missing 'reason' (say why the rule does not apply)")
                if not isinstance(reason, str) or not reason.strip():
                    raise ValueError(f"{here}.reason: must be a non-empty string")
                scope: dict[str, str | None] = {}
                for key in ("dashboard", "panel"):
                    val = item.get(key)
                    if val is None:
                        scope[key] = None
                    elif isinstance(val, bool) or not isinstance(val, (str, int, float)):
                        raise ValueError(f"{here}.{key}: expected a string")
                    else:
                        scope[key] = str(val)
                exclusions.append(Exclusion(rule=rule, reason=reason.strip(), **scope))

        strict = data.get("strict", False)
        if strict is None:
            strict = False
        if not isinstance(strict, bool):
            raise ValueError(f"{where}.strict: expected true or false")
        return cls(rules=rules, exclusions=tuple(exclusions), strict=strict)


def has_failures(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail ``dashgen lint``/``build``: any error, or any
    warning when ``strict`` (warnings are promoted to errors)."""
    failing = {"error", "warning"} if strict else {"error"}
    return any(f.severity in failing for f in findings)
