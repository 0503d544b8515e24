"""A dashboard dict to the text of a grafanalib module, checked by building it.

``convert()`` is pure (a dict in, module text and notes out): it fits grafanalib classes
(:mod:`convert`), prints them (:mod:`code`), formats the module with ruff and then runs it
and builds its dashboard as ``dashgen build`` would, comparing with the target. A module that
does not reproduce the target exactly is never returned: the dashboard is then written as
a dict, which always does, and that is reported.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import normalise
from ..dashboard.document import unwrap
from ..formats import dump_json
from ..migrate import KnownDatasource
from . import convert as fitting
from .code import Lit, Names, Node, identifier, key, literal, string


def canonical(model: dict[str, Any], datasources: Iterable[KnownDatasource] = ()) -> dict[str, Any]:
    """The round-trip target: ``model`` in dashgen's canonical form (:mod:`dashgen.canonical`),
    migrated (schema steps, Angular panels replaced), as ``dashgen fmt --migrate`` writes it.

    ``datasources`` are the project's (what ``${DS_X}`` inputs and datasource names resolve
    to). Raises ``MigrationError`` for a panel dashgen cannot migrate and ``DashgenError`` for
    an input no datasource answers.
    """
    from ..canonical import canonical as canonical_form
    from ..canonical import with_import_inputs

    return canonical_form(with_import_inputs(unwrap(model), model), datasources, migrate=True)


def reachable(target: dict[str, Any]) -> dict[str, Any]:
    """What a Python source can build that is closest to ``target``.

    A grafanalib dashboard is built through ``normalise.from_grafanalib`` (which numbers
    panels, raises ``schemaVersion`` and drops legacy keys at grafanalib's values unless the
    source set them, as a dict does), then takes the canonical form.
    """
    from ..canonical import canonical as canonical_form

    return canonical_form(normalise.from_grafanalib(copy.deepcopy(target)))


@dataclass
class Conversion:
    """A module's text and what it could not write idiomatically."""

    text: str
    title: str
    notes: list[fitting.Note] = field(default_factory=list)  # kept, but not idiomatically
    lost: list[str] = field(default_factory=list)  # differences from the target no module can avoid
    exact: bool = True  # the module builds byte for byte to canonical(model)
    as_dict: bool = False  # the whole dashboard had to be written as a dict


def convert(
    model: dict[str, Any],
    *,
    origin: str,
    helpers: fitting.Helpers | None = None,
    formatter: str | None = None,
    config_dir: Path | None = None,
    datasources: Iterable[KnownDatasource] = (),
) -> Conversion:
    """The grafanalib module for ``model`` (a dashboard dict, any saved shape).

    ``origin`` is named in the docstring. ``formatter`` is the ruff binary (default: the
    one installed with dashgen); ``config_dir`` is where ruff looks for its configuration.
    """
    known = tuple(datasources)
    target = canonical(model, known)
    want = reachable(target)
    title = str(want.get("title", ""))
    lost = lost_fields(target, want)
    converter = fitting.Converter(helpers)
    as_dict = False
    try:
        root = converter.dashboard(want)
    except ValueError:
        root, as_dict = Lit(want), True
    names = _names(want, helpers)
    text = format_source(_module(root, names, title, origin), formatter, config_dir)
    built = build(text, known)
    notes = converter.notes
    if as_dict or key(built) != key(want):
        # A bug in the fitting must never cost a field: fall back to the dict, which is exact.
        notes = [fitting.Note("dashboard", "the whole dashboard", "written as a dict")]
        text = format_source(
            _module(Lit(want), _names(want, helpers), title, origin, as_dict=True), formatter, config_dir
        )
        built = build(text, known)
        as_dict = True
    return Conversion(text, title, notes, lost, exact=dump_json(built) == dump_json(target), as_dict=as_dict)


def build(text: str, datasources: Iterable[KnownDatasource] = ()) -> dict[str, Any]:
    """Run a module's text and build its ``dashboard`` as ``dashgen build`` does."""
    namespace: dict[str, Any] = {"__name__": "dashboards._imported"}
    exec(compile(text, "<imported module>", "exec"), namespace)  # noqa: S102 - text we just generated
    from ..canonical import canonical as canonical_form

    board = namespace["dashboard"]
    if isinstance(board, dict):
        return canonical_form(normalise.dashboard(board), datasources)
    return canonical_form(normalise.from_grafanalib(board), datasources)


def format_source(text: str, formatter: str | None = None, config_dir: Path | None = None) -> str:
    """``ruff format`` of a module's text (the project's ruff configuration applies)."""
    if formatter is None:
        formatter = ruff_binary()
    result = subprocess.run(
        [formatter, "format", "--stdin-filename", "dashboard.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=config_dir,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ruff format failed: {result.stderr.strip().splitlines()[-1:]}")
    return result.stdout


def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is a dependency
        return "ruff"
    return str(find_ruff_bin())


# ---------------------------------------------------------------------- the module
def _module(root: Node, names: Names, title: str, origin: str, *, as_dict: bool = False) -> str:
    body = f"dashboard = {root.code(names)}\n"
    lines = [_docstring(title, origin, as_dict), ""]
    imports = _imports(names.imports)
    lines += imports + ([""] if imports else [])
    constants = [f"{name} = {literal(value, Names())}" for name, value in names.defined() if name in names.used]
    lines += constants + ([""] if constants else [])
    lines.append(body)
    return "\n".join(lines)


def _docstring(title: str, origin: str, as_dict: bool) -> str:
    text = f"{title or 'Untitled dashboard'}.\n\nImported by ``dashgen import`` from {origin}."
    if as_dict:
        text += "\nWritten as a dict: grafanalib's classes could not reproduce it exactly."
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}\n"""'


def _imports(imports: dict[str, set[str]]) -> list[str]:
    both = imports.get(fitting.CORE, set()) & imports.get(fitting.EXTRA, set())
    if both:  # one name, one class: the extraJson variant writes the same JSON for the rest
        imports[fitting.CORE] -= both
    groups = [
        sorted(m for m in imports if not m.startswith("dashboards.")),
        sorted(m for m in imports if m.startswith("dashboards.")),
    ]
    lines: list[str] = []
    for group in groups:
        if lines and group:
            lines.append("")
        for module in group:
            if imports[module]:
                lines.append(f"from {module} import {', '.join(sorted(imports[module]))}")
    return lines


def _names(want: dict[str, Any], helpers: fitting.Helpers | None) -> Names:
    """Constants for datasource references used more than once."""
    names = Names()
    counts = Counter(key(ref) for ref in _datasources(want))
    values = {key(ref): ref for ref in _datasources(want)}
    taken: set[str] = set()
    for ref_key, count in counts.most_common():
        if count < 2:
            continue
        imported = helpers.constants.get(ref_key) if helpers else None
        if imported:
            names.constant(ref_key, imported[1], values[ref_key], module=imported[0])
            taken.add(imported[1])
            continue
        uid = str(values[ref_key].get("uid") or values[ref_key].get("type") or "datasource")
        name = identifier(uid.strip("${}"), "datasource").upper()
        if name in taken or name in _RESERVED:
            name = f"DATASOURCE_{len(taken) + 1}"
        taken.add(name)
        names.constant(ref_key, name, values[ref_key])
    return names


_RESERVED = {"dashboard"}


def _datasources(value: Any) -> Iterator[dict]:
    if isinstance(value, dict):
        ref = value.get("datasource")
        if isinstance(ref, dict) and ref:
            yield ref
        for v in value.values():
            yield from _datasources(v)
    elif isinstance(value, list):
        for v in value:
            yield from _datasources(v)


def lost_fields(target: dict[str, Any], built: dict[str, Any]) -> list[str]:
    """Each field where ``built`` differs from ``target``, named with its panel (or the dashboard)
    and what happened: ``panel 'Requests' (id 2): targets[0].step (dropped by ...)``."""
    out = []
    for path, how in differences(target, built):
        where, field = _owner(target, path)
        out.append(f"{where}: {field or 'the whole panel'} ({how})")
    return out


_IN_PANEL = re.compile(r"(panels\[\d+\](?:\.panels\[\d+\])*)(?:\.(.+))?")


def _owner(target: dict[str, Any], path: str) -> tuple[str, str]:
    """The panel a dotted path is in (or the dashboard) and the path within it."""
    match = _IN_PANEL.fullmatch(path)
    if match is None:
        return "dashboard", path
    panel: Any = target
    for index in re.findall(r"\[(\d+)\]", match.group(1)):
        panels = panel.get("panels") if isinstance(panel, dict) else None
        if not isinstance(panels, list) or int(index) >= len(panels):
            return "dashboard", path
        panel = panels[int(index)]
    return fitting.panel_name(panel), match.group(2) or ""


def differences(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Where ``b`` differs from ``a``, as (dotted path, what happened)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            here = f"{path}.{k}" if path else k
            if k not in b:
                yield here, "null dropped" if a[k] is None else "dropped by dashgen's Python build"
            else:
                yield from differences(a[k], b[k], here)
        for k in b:
            if k not in a:
                yield (f"{path}.{k}" if path else k), "added by dashgen's Python build"
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif key(a) != key(b):
        yield path, f"{string(_short(a))} became {string(_short(b))}"


def _short(value: Any) -> str:
    text = key(value)
    return text if len(text) <= 40 else text[:37] + "..."


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m dashgen.pycode.module FILE
    import json

    conversion = convert(json.loads(Path(sys.argv[1]).read_text()), origin=sys.argv[1])
    print(conversion.text)
    for note in conversion.notes:
        print("#", note, file=sys.stderr)
