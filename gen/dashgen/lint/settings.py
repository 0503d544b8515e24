"""Lint settings: per-rule and per-path severity overrides, exclusions and strict mode.

``dashgen.yaml``'s ``lint:`` section is declared in ``config.py`` (``config.Lint``) and
turned into these by ``Config.lint_settings()``; the rule names are checked here, against
the registry.

A severity map (``rules``) maps rule names, or ``"*"``, to error, warning or off. ``"*"``
stands for every rule that is on by default; a rule off by default is only turned on by
name. The severity of a rule for a source file is found by applying, in order: the rule's
default, ``rules``, then each ``paths`` entry whose glob matches the file, in the order
written; within one map the rule's own name beats ``"*"``. So the last match wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from ..names import did_you_mean
from . import rules as _rules  # noqa: F401  (fills the registry)
from .registry import RULES, SEVERITIES, Finding, Severity

ALL = "*"  # in a severity map: every rule on by default


def _check_severities(rules: object, where: str) -> Mapping[str, str]:
    if not isinstance(rules, Mapping):
        raise ValueError(f"{where}: expected a mapping of rule name to severity")
    for name, sev in rules.items():
        if name != ALL and name not in RULES:
            close = did_you_mean(str(name), RULES)
            hint = (
                f" (did you mean '{close}'?)" if close else f" ('{ALL}' for every rule; dashgen lint --help lists them)"
            )
            raise ValueError(f"{where}: unknown rule {name!r}{hint}")
        if sev not in SEVERITIES:
            raise ValueError(f"{where}.{name}: unknown severity {sev!r} (use error, warning or off)")
    return MappingProxyType(dict(rules))


def glob_regex(glob: str) -> re.Pattern[str]:
    """A path glob as a regex over ``/``-separated paths: ``**/`` any number of directories,
    ``**`` anything, ``*`` and ``?`` within one name; every other character is itself."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(glob[i]) or re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def normal_path(source: str) -> str:
    """A source path as globs see it: ``/`` separators, no leading ``./``."""
    path = source.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


@dataclass(frozen=True)
class PathRules:
    """Severities for the source files ``glob`` matches (relative to dashgen.yaml's directory)."""

    glob: str
    rules: Mapping[str, str]

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return glob_regex(normal_path(self.glob))

    def matches(self, source: str) -> bool:
        return self._regex.match(normal_path(source)) is not None


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
    """Per-rule and per-path severity overrides and exclusions.

    ``rules`` maps a rule name (or ``"*"``) to "error", "warning" or "off"; ``paths`` holds
    the per-glob maps, which the engine applies through :meth:`for_source`. ``strict`` is
    only carried for the caller (see ``has_failures``); the engine never promotes warnings.
    """

    rules: Mapping[str, str] = field(default_factory=dict)
    exclusions: tuple[Exclusion, ...] = ()
    strict: bool = False
    paths: tuple[PathRules, ...] = ()
    _by_layers: dict[tuple[int, ...], LintSettings] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        rules = _check_severities(self.rules, "rules")
        paths = tuple(self.paths)
        for i, entry in enumerate(paths):
            if not isinstance(entry, PathRules):
                raise ValueError(f"paths[{i}]: expected a PathRules")
            if not isinstance(entry.glob, str) or not entry.glob.strip():
                raise ValueError(f"paths[{i}].glob: a non-empty glob is required (dashboards/vendor/**)")
            _check_severities(entry.rules, f"paths[{i}].rules")
        excl = tuple(self.exclusions)
        for i, e in enumerate(excl):
            if not isinstance(e, Exclusion):
                raise ValueError(f"exclusions[{i}]: expected an Exclusion")
            if e.rule not in RULES:
                raise ValueError(f"exclusions[{i}].rule: unknown rule {e.rule!r}")
            if not isinstance(e.reason, str) or not e.reason.strip():
                raise ValueError(f"exclusions[{i}].reason: a non-empty reason is required")
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "exclusions", excl)
        object.__setattr__(self, "paths", paths)

    def severity(self, rule: str) -> str:
        """Effective severity of ``rule`` (``paths`` aside: see :meth:`for_source`)."""
        sev = _override(self.rules, rule)
        if sev is not None:
            return sev
        info = RULES.get(rule)
        return info.severity if info else Severity.ERROR.value

    def overrides(self, rule: str) -> bool:
        """Whether the settings set ``rule``'s severity (then it applies to every hit of the rule,
        also to hits that carry their own, like the ConfigMap size rule's warning)."""
        return _override(self.rules, rule) is not None

    def for_source(self, source: str) -> LintSettings:
        """The settings for one source file: ``rules`` with the matching ``paths`` entries
        applied over it, in order."""
        matched = tuple(i for i, p in enumerate(self.paths) if p.matches(source))
        if not matched:
            return self
        settings = self._by_layers.get(matched)
        if settings is None:
            merged = {}
            for rule in RULES:
                sev = _override(self.rules, rule)
                for i in matched:
                    sev = _override(self.paths[i].rules, rule) or sev
                if sev is not None:
                    merged[rule] = sev
            settings = self._by_layers[matched] = LintSettings(merged, self.exclusions, self.strict)
        return settings

    def excluded(self, finding: Finding, dashboard_keys: Iterable[str]) -> bool:
        keys = set(dashboard_keys)
        return any(e.matches(finding, keys) for e in self.exclusions)


def has_failures(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    """True when the findings should fail ``dashgen lint``/``build``: any error, or any
    warning when ``strict`` (warnings are promoted to errors)."""
    failing = {"error", "warning"} if strict else {"error"}
    return any(f.severity in failing for f in findings)


def _override(rules: Mapping[str, str], rule: str) -> str | None:
    """What one severity map says of ``rule``: its name, else ``"*"`` for rules on by default."""
    sev = rules.get(rule)
    info = RULES.get(rule)
    if sev is None and ALL in rules and info is not None and info.severity != Severity.OFF:
        sev = rules[ALL]
    return sev
