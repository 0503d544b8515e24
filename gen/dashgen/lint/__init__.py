"""dashgen lint engine: checks dashboard JSON and Prometheus rule groups.

    from dashgen.lint import lint_dashboard, lint_rule_groups, LintSettings, RULES, has_failures

    settings = config.lint_settings()              # dashgen.yaml's lint: section (config.Lint)
    findings = lint_dashboard(model, name="flux-cluster", settings=settings,
                              configmap_bytes=len(configmap_yaml.encode()))
    findings += lint_rule_groups(groups, name="flux-alerts", settings=settings)
    for f in findings:
        print(f.severity, f.rule, f.dashboard, f.panel, f.target, f.message, "->", f.fix)
    exit_code = 1 if has_failures(findings, strict=settings.strict) else 0

- ``RULES`` maps each rule name to ``RuleInfo(kind, severity, description)``; kind is
  "dashboard" or "rules", severity the default ("error", "warning" or "off").
- ``LintSettings(rules={name: error|warning|off}, exclusions=(Exclusion(rule, reason,
  dashboard?, panel?), ...), strict=bool, paths=(PathRules(glob, rules), ...))`` raises
  ``ValueError`` naming an unknown rule or an empty reason. ``"*"`` in a rules map is every
  rule on by default; ``settings.for_source(path)`` applies the ``paths`` entries matching
  ``path`` (last match wins). An exclusion's ``dashboard`` matches the name passed to lint, the uid or the
  title (the rule-file name for rule files); ``panel`` matches the panel title (the
  alert/record name for rule files).
- Modules: ``registry`` (RULES, register), ``rules/`` (the rules by concern), ``context`` (what
  a rule sees), ``settings``, ``engine``, ``project`` (files and loaded sources to lint). The
  dashboard model they read (panels, variables, datasources, PromQL) is ``dashgen.dashboard``.
- ``strict`` is not applied by the engine; ``has_failures(findings, strict=True)`` treats
  warnings as errors.
- Neither function raises on the content of the JSON they get.
"""

from .engine import lint_dashboard, lint_rule_groups
from .registry import RULES, Finding, RuleInfo, Severity
from .settings import Exclusion, LintSettings, PathRules, has_failures

__all__ = [
    "RULES",
    "Exclusion",
    "Finding",
    "LintSettings",
    "PathRules",
    "RuleInfo",
    "Severity",
    "has_failures",
    "lint_dashboard",
    "lint_rule_groups",
]
