"""The build side's code and the dashboard model: no public function or class that nothing uses."""

from __future__ import annotations

import ast
from pathlib import Path

import dashgen

PACKAGE = Path(dashgen.__file__).parent
BUILD_MODULES = ["build", "checks", "config", "errors", "formats", "names", "normalise", "promtool", "resources",
                 "sources", "values", "writer", "render/__init__", "render/dashboards", "render/grafana",
                 "render/kubernetes", "render/monitoring", "redact", "credentials",
                 "dashboard/walk", "dashboard/variables", "dashboard/datasources", "dashboard/angular",
                 "dashboard/view", "dashboard/document"]


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(path: Path, tree: ast.AST):
    """(module, name) of every ``from .module import name`` in ``path``, module made absolute."""
    module = _dotted(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[:len(base) - (node.level - 1)]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                yield target, alias.name


def test_every_public_function_and_class_of_the_build_side_is_used():
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}
    imported = {pair for p, tree in trees.items() for pair in _imported_names(p, tree)}
    attributes = {(n.value.id, n.attr) for tree in trees.values() for n in ast.walk(tree)
                  if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    unused = []
    for rel in BUILD_MODULES:
        path = PACKAGE / f"{rel}.py"
        module = _dotted(path)
        local = {n.id for n in ast.walk(trees[path]) if isinstance(n, ast.Name)}
        for node in trees[path].body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                name = node.name
                if (module, name) not in imported and (module.rpartition(".")[2], name) not in attributes \
                        and name not in local:
                    unused.append(f"{module}.{name}")
    assert unused == []
