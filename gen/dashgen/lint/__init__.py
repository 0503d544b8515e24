"""dashgen lint engine: checks dashboard JSON and Prometheus rule groups.

    from dashgen.lint import lint_dashboard, lint_rule_groups, LintSettings, RULES, has_failures

    settings = LintSettings.from_mapping(config.get("lint"), where="dashgen.yaml: lint")
    findings = lint_dashboard(model, name="flux-cluster", settings=settings,
                              configmap_bytes=len(configmap_yaml.encode()))
    findings += lint_rule_groups(groups, name="flux-alerts", settings=settings)
    for f in findings:
        print(f.severity, f.rule, f.dashboard, f.panel, f.target, f.message, "->", f.fix)
    exit_code = 1 if has_failures(findings, strict=settings.strict) else 0

- ``RULES`` maps each rule name to ``RuleInfo(kind, severity, description)``; kind is
  "dashboard" or "rules", severity the default ("error", "warning" or "off").
- ``LintSettings.from_mapping`` takes ``{rules: {name: error|warning|off}, exclusions:
  [{rule, dashboard?, panel?, reason}], strict: bool}`` and raises ``ValueError`` with a one-line
  message naming the bad key. An exclusion's ``dashboard`` matches the name passed to lint, the
  uid or the title (the rule-file name for rule files); ``panel`` matches the panel title (the
  alert/record name for rule files).
- ``strict`` is not applied by the engine; ``has_failures(findings, strict=True)`` treats
  warnings as errors.
- Neither function raises on the content of the JSON they get.
"""

from .engine import lint_dashboard, lint_rule_groups
from .model import RULES, Exclusion, Finding, LintSettings, RuleInfo, Severity, has_failures

__all__ = [
    "RULES",
    "Exclusion",
    "Finding",
    "LintSettings",
    "RuleInfo",
    "Severity",
    "has_failures",
    "lint_dashboard",
    "lint_rule_groups",
]
