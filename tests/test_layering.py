"""Every module of gen/dashgen has its place in one declared order, and imports only below it.

LAYERS lists, from the bottom up, groups of modules (or packages, which have their own
LAYERS entry). A module may import modules of lower groups only: never one of its own group
(so the modules of a group stay independent of each other, as sources, checks and render
are) and never one above. Every import counts, function-local and ``TYPE_CHECKING`` ones
included, so there are no cycles and no arrow back up. The package root (``dashgen``,
``__version__`` and ``setting`` for source modules) is loaded first and exempt.

A new module must be placed here; docs/architecture.md draws the same order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dashgen

PACKAGE = Path(dashgen.__file__).parent

LAYERS: dict[str, list[set[str]]] = {
    "": [
        {"errors", "redact", "names", "formats", "resources", "normalise", "extrajson"},  # neutral: nothing of dashgen
        {"lock", "usercode", "cache"},  # one build at a time per output directory; guards around the sources' code
        {"values", "writer", "promtool", "credentials", "origin", "lean_http"},  # origin: a vendored dashboard's record;
        # lean_http: the HTTP layer's requests over http.client
        {"dashboard", "http"},  # the dashboard model; the one HTTP layer
        {"migrate"},  # old dashboard JSON to what Grafana 12 saves
        {"canonical"},  # the one canonical form of a dashboard
        {"lint"},
        {"config"},
        {"sources", "checks", "render", "environments"},  # the stages of build, independent of each other
        {"build", "fmt"},  # fmt: dashboard files in the canonical form
        {"verify", "grafana"},
        {"preview", "pycode"},
        {"community"},  # grafana.com dashboards vendored: import --grafana-com, community
        {"cli"},
        {"__main__"},
    ],
    "dashboard": [
        {"__init__", "walk", "document"},
        {"variables", "angular"},
        {"datasources", "promql"},
        {"view"},
    ],
    "lint": [
        {"data", "registry", "summary"},
        {"context"},
        {"rules"},
        {"settings"},
        {"engine"},
        {"__init__", "project"},
    ],
    "lint.rules": [
        {"dashboard", "template", "panel", "target", "alert"},
        {"__init__"},
    ],
    "migrate": [
        {"numbers", "errors"},
        {"datasources", "grid", "mappings"},
        {"schema"},
        {"panels"},
        {"engine"},
        {"__init__"},
    ],
    "migrate.panels": [
        {"common"},
        {"discrete", "graph", "piechart", "singlestat", "table", "worldmap"},
        {"__init__"},
    ],
    "pycode": [
        {"__init__", "code"},
        {"probe"},
        {"convert"},
        {"helpers", "module"},
        {"files"},
    ],
    "community": [
        {"client"},
        {"vendor"},
        {"listing"},
        {"__init__"},
    ],
    "preview": [
        {"units", "colors", "chromium"},
        {"frames"},
        {"charts"},
        {"panels"},
        {"page"},
        {"__init__"},
        {"serve"},
    ],
    "render": [
        {"dashboards", "grafana", "monitoring"},
        {"kubernetes"},
        {"operator"},  # grafana-operator objects, beside the ConfigMaps
        {"__init__"},
    ],
    "verify": [
        {"grafana", "client"},
        {"variables"},
        {"runner"},
        {"report"},
        {"__init__"},
    ],
    "grafana": [
        {"__init__", "client", "secrets"},
        {"targets", "health", "live", "select"},
        {"plan", "export"},
        {"apply"},
        {"results"},
        {"report"},
        {"pipeline", "pull"},
    ],
}


def _name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)  # "lint.rules.__init__"


MODULES = {_name(p) for p in PACKAGE.rglob("*.py")}


def _as_module(dotted: str) -> str | None:
    """``lint.rules`` -> ``lint.rules.__init__``; ``lint.engine`` -> itself; else None."""
    if dotted in MODULES:
        return dotted
    if f"{dotted}.__init__" in MODULES:
        return f"{dotted}.__init__"
    return None


def imports(module: str) -> set[str]:
    """The dashgen modules ``module`` imports, anywhere in it."""
    path = PACKAGE / (module.replace(".", "/") + ".py")
    package = module.rsplit(".", 1)[0] if "." in module else ""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[tuple[str, list[str]]] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and (node.module == "dashgen" or node.module.startswith("dashgen.")):
                target = node.module[len("dashgen.") :] if node.module != "dashgen" else ""
            else:
                continue
            targets.append((target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            targets += [(a.name[len("dashgen.") :], []) for a in node.names if a.name.startswith("dashgen.")]
        for target, names in targets:
            # ``from . import x`` names modules of a package, not the package's own __init__
            own = [] if isinstance(node, ast.ImportFrom) and node.level and not node.module else [target]
            for dotted in [*own, *(f"{target}.{n}" if target else n for n in names)]:
                found = _as_module(dotted) if dotted else None
                if found is not None:
                    out.add(found)
    return out


def rank(module: str) -> list[tuple[str, str, int]]:
    """Where ``module`` sits: (package, unit, layer index) from the top of the tree down."""
    parts = module.split(".")
    out = []
    for depth, unit in enumerate(parts):
        package = ".".join(parts[:depth])
        index = next((i for i, group in enumerate(LAYERS[package]) if unit in group), None)
        assert index is not None, f"{module}: place '{unit}' in LAYERS[{package!r}] (tests/test_layering.py)"
        out.append((package, unit, index))
    return out


def _violation(importer: str, imported: str) -> str | None:
    if "__init__" in (importer, imported):  # the package root: __version__, setting
        return None
    for (_, unit_a, layer_a), (_, unit_b, layer_b) in zip(rank(importer), rank(imported)):
        if unit_a == unit_b:
            continue  # the same package: compare one level down
        if layer_b < layer_a:
            return None
        where = "above it" if layer_b > layer_a else "in its own group"
        return f"{importer} imports {imported}, which is {where}"
    return None


def test_every_module_has_a_place():
    for module in sorted(MODULES - {"__init__"}):
        rank(module)  # asserts with a message naming the module


def test_no_module_imports_its_own_group_or_above():
    bad = [v for m in sorted(MODULES) for i in sorted(imports(m)) if i != m and (v := _violation(m, i))]
    assert bad == []


def test_the_guard_sees_function_local_and_type_checking_imports():
    # cli imports its commands' modules inside the click functions; report names QueryResult for types only.
    assert {"build", "lint.project", "grafana.pipeline", "verify.__init__"} <= imports("cli")
    assert "grafana.results" in imports("grafana.report")
    assert _violation("checks", "render.kubernetes") and _violation("render.kubernetes", "checks")
    assert _violation("config", "build") and not _violation("build", "config")
    assert _violation("lint.rules.panel", "lint.rules.target")
    assert not _violation("lint.engine", "lint.rules.__init__") and _violation("lint.rules.__init__", "lint.engine")


def test_names_imports_nothing_of_dashgen():
    assert imports("names") == set()


def test_push_has_no_import_circle_through_cli_or_report():
    # issue 13 item 5: exit codes live in errors.py, which cli and grafana/pipeline both use; report
    # knows results (below it), never the pipeline that calls it.
    assert "cli" not in imports("grafana.pipeline")
    assert "errors" in imports("grafana.pipeline") and "errors" in imports("cli")
    assert "grafana.pipeline" not in imports("grafana.report")
    assert _violation("grafana.pipeline", "cli") and _violation("grafana.report", "grafana.pipeline")
