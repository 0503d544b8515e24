"""dashgen lint engine: checks dashboard JSON and Prometheus rule groups.

    from dashgen.lint import lint_dashboard, lint_rule_groups, LintSettings, Finding, RULES

    findings = lint_dashboard(model, name="flux-cluster")
    findings = lint_rule_groups(groups, name="flux-alerts")
    for f in findings:
        print(f.severity, f.rule, f.panel, f.message, "->", f.fix)

``RULES`` maps each rule name to ``RuleInfo(kind, severity, description)`` where kind is
"dashboard" or "rules" and severity the default ("error", "warning" or "off").
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
