"""names.py: the naming rules and limits of Grafana and Kubernetes, in one neutral module."""

from __future__ import annotations

import ast
import datetime
import json
from pathlib import Path

import dashgen
from dashgen import names

PACKAGE = Path(dashgen.__file__).parent


def _imports(path: Path) -> set[str]:
    """The dashgen modules ``path`` imports, as dotted names relative to the package."""
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if "." in module else ""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            out.add(target)
            out.update(f"{target}.{a.name}" if target else a.name for a in node.names)
    return out


def test_render_does_not_import_checks_and_checks_does_not_import_render():
    for path in sorted((PACKAGE / "render").glob("*.py")):
        assert not any(m == "checks" or m.startswith("checks.") for m in _imports(path)), path
    assert not any(m == "render" or m.startswith("render.") for m in _imports(PACKAGE / "checks.py"))


# docs/architecture.md: sources -> resources -> checks -> (lint) -> render -> writer, build chains them.
LATER = {
    "sources.py": {"checks", "lint", "render", "writer", "build"},
    "checks.py": {"render", "writer", "build"},
    "render": {"sources", "checks", "lint", "writer", "build"},
    "writer.py": {"sources", "checks", "lint", "render", "build", "config"},
    "names.py": {"sources", "checks", "lint", "render", "writer", "build", "config", "resources"},
}


def test_stages_never_import_a_later_stage():
    for where, later in LATER.items():
        paths = sorted((PACKAGE / where).glob("*.py")) if (PACKAGE / where).is_dir() else [PACKAGE / where]
        for path in paths:
            bad = {m for m in _imports(path) if m.split(".")[0] in later}
            assert not bad, (path.name, bad)
    assert not {m for m in _imports(PACKAGE / "checks.py") if m.startswith("lint")}


def test_names_imports_nothing_of_dashgen():
    assert _imports(PACKAGE / "names.py") == set()


def test_configmap_sizes_counts_data_values_and_the_compact_object():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"},
           "data": {"a.json": "é\n", "b": "xy"}, "binaryData": {"c": "AAAA"}}
    data_bytes, object_bytes = names.configmap_sizes(obj)
    assert data_bytes == len("é\n".encode()) + 2 + 4
    assert object_bytes == len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())
    assert names.configmap_sizes({"metadata": {}}) == (0, len(b'{"metadata":{}}'))


def test_configmap_sizes_of_odd_yaml_does_not_raise():
    # What yaml.safe_load gives for a hand-written ConfigMap: a date, a list where a mapping belongs.
    obj = {"metadata": {"annotations": {"reviewed": datetime.date(2024, 1, 1)}}, "data": {"a": "xy"},
           "binaryData": [1]}
    assert names.configmap_sizes(obj) == (2, len('{"metadata":{"annotations":{"reviewed":"2024-01-01"}},'
                                                 '"data":{"a":"xy"},"binaryData":[1]}'))


def test_names_dashgen_gives():
    assert names.dashboard_configmap_name("flux") == "grafana-dashboard-flux"
    assert names.prometheus_rule_name("dashboards/alerts/flux.py", "dashboards") == "dashgen-alerts-flux"
    assert names.prometheus_rule_name("dashboards/alerts/__init__.py", "dashboards") == "dashgen-alerts"
    assert names.prometheus_rule_name("other/My Rules.py", "dashboards") == "dashgen-other-my-rules"


def test_lint_and_push_take_the_names_from_names_py():
    for rel in (*(f"lint/rules/{p.name}" for p in (PACKAGE / "lint/rules").glob("*.py")), "grafana/apply.py"):
        assert not any(m == "checks" or m.startswith("checks.") for m in _imports(PACKAGE / rel)), rel


def test_no_rule_accepts_a_trailing_newline():
    # "$" matches before a final newline: every rule must refuse "valid\n".
    checks = [
        (names.is_uid, "abc"),
        (names.is_dns_label, "monitoring"),
        (names.is_dns_subdomain, "grafana-dashboard-abc"),
        (names.is_qualified_name, "app.kubernetes.io/name"),
        (names.is_label_value, "platform"),
        (names.is_configmap_key, "abc.json"),
    ]
    for check, valid in checks:
        assert check(valid), (check, valid)
        assert not check(valid + "\n"), (check, valid)
    for pattern, valid in [(names.UID_RE, "abc"), (names.DNS_LABEL_RE, "a"), (names.DNS_SUBDOMAIN_RE, "a.b"),
                           (names.QUALIFIED_NAME_RE, "a"), (names.CONFIGMAP_KEY_RE, "a"), (names.LABEL_NAME_RE, "a"),
                           (names.ENV_NAME_RE, "A"), (names.ENV_REF_RE, "${A}"), (names.ENV_REF_RE, "$A")]:
        assert pattern.fullmatch(valid) and pattern.match(valid)
        assert not pattern.match(valid + "\n") and not pattern.fullmatch(valid + "\n"), pattern.pattern
