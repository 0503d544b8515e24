"""Find and load the sources under ``dashboards/`` into plain resources.

A Python module contributes through module-level names:

- ``dashboard`` (a grafanalib ``Dashboard`` or a dashboard dict) or ``dashboards`` (a list),
- ``datasources`` (a list of dicts in Grafana's provisioning shape),
- ``rule_groups`` (a list of Prometheus rule groups),
- ``manifests`` (a list of Kubernetes objects, rendered as they are).

A module that defines none of them is a helper. ``*.json`` files are dashboards as
Grafana exports them. The first-level directory names the folder. Modules are imported
under the package ``dashboards`` whatever the directory is called, so helpers are shared
with ``from dashboards.lib import panels``; grafanalib's ``*.dashboard.py`` files work too.
"""

from __future__ import annotations

import builtins
import contextlib
import fnmatch
import importlib
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import traceback
import types
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from . import normalise, origin, values
from .cache import file_hash
from .config import Config
from .errors import DashgenError, DashgenErrors
from .names import uid_from_path
from .resources import GENERAL, Dashboard, Datasource, Folder, GrafanaComOrigin, Manifest, Resources, RuleGroup
from .usercode import SourceTimeout, stdout_to_stderr, time_limit

T = TypeVar("T")
R = TypeVar("R")

PACKAGE = "dashboards"
CONTRIBUTIONS = ("dashboard", "dashboards", "datasources", "rule_groups", "manifests")


@dataclass
class Unit:
    """One source file's contributions: loaded now, or (``entry``) as the cache kept them.

    A dashboard loaded now is not canonical yet (that waits for every datasource); its
    model is kept in ``dashboards`` until the build takes it.
    """

    path: Path
    source: str
    parts: tuple[str, ...]
    deps: dict[str, str] = field(default_factory=dict)  # file (relative to the project) -> sha256
    values_read: list[str] = field(default_factory=list)
    dashboards: list[Dashboard] = field(default_factory=list)
    datasources: list[Datasource] = field(default_factory=list)
    rule_groups: list[RuleGroup] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    entry: dict[str, Any] | None = None
    raw: list[bytes] = field(default_factory=list)  # the dashboards as the build keeps them until made
    made: bytes | None = None  # the dashboards made as they loaded, as JSON (the build's, in a worker)


def load(config: Config, progress: Callable[[int, int], None] | None = None) -> Resources:
    """Load every source; all problems are collected and raised together.

    ``progress(done, total)`` is called after each file (the CLI draws a bar from it).
    What the sources print goes to stderr, and each file has ``sources_timeout`` to load.
    """
    units, not_sources = load_units(config, progress)
    resources = Resources(not_sources=not_sources)
    for unit in units:
        resources.dashboards += unit.dashboards
        resources.datasources += unit.datasources
        resources.rule_groups += unit.rule_groups
        resources.manifests += unit.manifests
    errors = canonicalise(resources, config)
    if errors:
        raise DashgenErrors(errors)
    return resources


def load_units(
    config: Config,
    progress: Callable[[int, int], None] | None = None,
    cached: Callable[[Path, str], dict[str, Any] | None] | None = None,
    loaded: Callable[[Unit], None] | None = None,
    parallel_from: int | None = None,
    before_fork: Callable[[list[Unit]], None] | None = None,
) -> tuple[list[Unit], list[str]]:
    """Every source file's contributions, in a stable order, and the files that are no source.

    ``cached(path, source)`` may give a file's cache entry instead: the file is not run
    then (the caller has checked the entry's ``deps``). Files run now record the hash of
    every file they depend on, and are handed to ``loaded`` as soon as they are in (in the
    process that ran them). With ``parallel_from`` files or more to run, and several cores,
    forked processes run them, each file once, results taken in order: this process runs
    the first file and those that assign ``datasources`` before the others fork, and hands
    what they gave to ``before_fork`` (so the workers may make dashboards as they load them).
    All problems are collected and raised together.
    """
    root = config.sources_dir
    if not root.is_dir():
        raise DashgenError(
            f"sources directory not found (set 'sources' in {config.file})", path=_rel(root, config.root)
        )
    names: dict[str, Path] = {}
    with (
        values.provide(config.values, config.file, config.environment) as provided,
        _package(root),
        stdout_to_stderr(),
        _Imports() as imports,
    ):
        others: list[Path] = []
        paths = discover(root, config.sources_ignore, others=others, base=config.root)
        not_sources = [_rel(p, config.root) for p in others]
        top = _rel(root, config.root)  # discover's paths are written under root: the rest is their parts
        slots: list[_Ran] = []
        to_run: list[int] = []
        for path in paths:
            parts = path.relative_to(root).parts
            source = "/".join(parts if top == "." else (top, *parts))
            name = _module_name(parts)
            if path.suffix == ".py" and names.setdefault(name, path) != path:
                clash = f"module name '{name}' is also taken by {_rel(names[name], config.root)}; rename one"
                slots.append((None, [(clash, source, None)], False))
                continue
            unit = Unit(path, source, parts, entry=cached(path, source) if cached is not None else None)
            if unit.entry is not None:
                unit.values_read = unit.entry["values_read"]
            else:
                to_run.append(len(slots))
            slots.append((unit, [], False))
        run = _FileRunner(config, provided, imports, loaded)
        units_to_run = [slots[i][0] for i in to_run]
        if parallel_from is not None and len(to_run) >= parallel_from and cores() >= 2 and can_fork():
            results: Iterator[_Ran] = _run_in_workers(run, units_to_run, before_fork)
        else:
            results = (run(unit) for unit in units_to_run if unit is not None)
        last = len(slots)
        with contextlib.closing(results) if isinstance(results, Generator) else contextlib.nullcontext():
            for index, ran in zip(to_run, results):
                slots[index] = ran
                if progress is not None:
                    progress(index + 1, len(paths))  # the files before it are in too (run, or cached)
                if ran[2]:  # timed out: the next files may wait on the same thing, stop here
                    last = index + 1
                    break
        if progress is not None and last == len(slots):
            progress(len(paths), len(paths))
        units: list[Unit] = []
        errors: list[DashgenError] = []
        for ran_unit, failed, _ in slots[:last]:
            errors += [DashgenError(message, path=where, line=line) for message, where, line in failed]
            if ran_unit is not None and not failed:
                units.append(ran_unit)
                provided.read.update(ran_unit.values_read)
        if not errors:
            errors.extend(
                DashgenError(
                    f"key '{_values_key(key, config)}' is not read by any source (a typo?)", path=provided.where
                )
                for key in values.unread_keys(provided)
            )
    if errors:
        # A helper that fails fails again for every module importing it: say it once.
        unique = list({str(e): e for e in errors}.values())
        raise DashgenErrors(unique)
    return units, not_sources


# One file run: the unit (None when it failed), its errors as (message, path, line), and
# whether it ran out of time. Plain data: a worker process sends it back.
_Ran = tuple["Unit | None", list[tuple[str, str | None, int | None]], bool]


def can_fork() -> bool:
    import multiprocessing  # only a large build needs it

    return "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _FileRunner:
    """Runs one source file with the time limit, recording what it reads and imports."""

    def __init__(self, config: Config, provided: Any, imports: _Imports, loaded: Callable[[Unit], None] | None):
        self.config = config
        self.provided = provided
        self.imports = imports
        self.loaded = loaded
        self.hashes: dict[Path, str] = {}

    def __call__(self, unit: Unit | None) -> _Ran:
        assert unit is not None
        config, path = self.config, unit.path
        root = config.sources_dir
        name = _module_name(unit.parts)
        read, self.provided.read = self.provided.read, set()
        try:
            try:
                with time_limit(config.sources_timeout), self.imports.running(name):
                    _load_file(path, root, config, unit)
            finally:
                unit.values_read = sorted(self.provided.read)
                self.provided.read = read
        except SourceTimeout as exc:
            timed_out = _timed_out(exc, path, root, config)
            return None, [(timed_out.message, timed_out.path, timed_out.line)], True
        except DashgenErrors as exc:
            return None, [(e.message, e.path, e.line) for e in exc.errors], False
        except DashgenError as exc:
            return None, [(exc.message, exc.path, exc.line)], False
        files = [path, origin.path_for(path), *self.imports.files_of(name)] if path.suffix == ".py" else []
        files = files or [path, origin.path_for(path)]
        for f in files:
            if f not in self.hashes:
                self.hashes[f] = file_hash(f)
        unit.deps = {_rel(f, config.root): self.hashes[f] for f in files}
        if self.loaded is not None:
            self.loaded(unit)
        return unit, [], False


def _run_in_workers(
    run: _FileRunner, units: list[Unit | None], before_fork: Callable[[list[Unit]], None] | None
) -> Generator[_Ran, None, None]:
    """``run`` of each unit, in order: the first here, so that what it imports (grafanalib,
    the helpers) the workers start with, and the few that assign ``datasources`` (handed to
    ``before_fork``), then the rest by :func:`fork_map`. A file here that runs out of time
    ends it as in order: the files before it run, those after it do not."""
    here = [0, *[i for i, u in enumerate(units) if i and u is not None and _may_give_datasources(u.path)]]
    if len(here) > 1 + MAX_RUN_HERE:
        here, before_fork = [0], None  # too many to run one after the other: the workers only load
    ran: dict[int, _Ran] = {}
    end = len(units)
    for index in here:
        ran[index] = run(units[index])
        if ran[index][2]:
            end = index
            break
    if end == len(units) and before_fork is not None:
        before_fork([ran[i][0] for i in here if ran[i][0] is not None])  # type: ignore[misc]
    rest = [i for i in range(end) if i not in ran]
    pooled = fork_map(run, [units[i] for i in rest], chunksize=8) if rest else None
    with contextlib.closing(pooled) if pooled is not None else contextlib.nullcontext():
        for index in range(end):
            yield ran[index] if index in ran else next(pooled)  # type: ignore[arg-type]
    if end < len(units):
        yield ran[end]  # timed out: the caller stops here


MAX_RUN_HERE = 8  # files that assign datasources run before the workers fork, at most (else none of them)


def _may_give_datasources(path: Path) -> bool:
    """Whether a source assigns ``datasources`` (a cheap look first: most files never say the word)."""
    if path.suffix != ".py":
        return False
    try:
        if b"datasources" not in path.read_bytes():
            return False
    except OSError:
        return False
    return _assigns_datasources(path)


MAX_WORKERS = 4  # forked processes at most, one per core (bench/incremental.py)
_FORKED: Callable[[int], Any] | None = None  # what the forked workers inherit: item index -> result


def _call_forked(index: int) -> Any:
    assert _FORKED is not None
    return _FORKED(index)


def fork_map(function: Callable[[T], R], items: list[T], *, chunksize: int) -> Generator[R, None, None]:
    """``function`` of each item, in order, by a pool of forked processes, one per core (at most
    ``MAX_WORKERS``). They start with what this process has loaded, so neither ``function`` nor
    the items are pickled, only the results. Ctrl-C and SIGTERM are this process's to handle:
    the workers end when it ends them (also when the caller closes the generator early)."""
    import multiprocessing

    global _FORKED
    _FORKED = lambda index: function(items[index])  # noqa: E731 - the one thing the workers call
    try:
        pool = multiprocessing.get_context("fork").Pool(min(cores(), MAX_WORKERS), initializer=_quiet_worker)
        try:
            yield from pool.imap(_call_forked, range(len(items)), chunksize=chunksize)
            pool.close()
            pool.join()
        finally:
            pool.terminate()
    finally:
        _FORKED = None


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Imports:
    """Which local modules (``dashboards.*``) each local module imports, recorded while sources load.

    A source's cache entry must change when any helper it uses changes, also one imported
    through another helper, or one an earlier source imported already (then no file is run
    again, only the ``import`` statement): ``__import__`` is wrapped to see every import
    statement, and a finder wraps the loaders of local modules to know which one runs.
    """

    def __init__(self) -> None:
        self.edges: dict[str, set[str]] = {}
        self.candidates: dict[str, list[Path]] = {}  # module -> the files that make it (or would)
        self._stack: list[str] = []

    def __enter__(self) -> _Imports:
        self._real_import = builtins.__import__
        builtins.__import__ = self._import
        self._finder = _TrackingFinder(self)
        sys.meta_path.insert(0, self._finder)
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.__import__ = self._real_import
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self._finder)

    @contextlib.contextmanager
    def running(self, name: str) -> Iterator[None]:
        """Imports made while ``name`` runs (its body, or code it calls later) are its own."""
        if self._stack:
            self.edges.setdefault(self._stack[-1], set()).add(name)
        self._stack.append(name)
        try:
            yield
        finally:
            self._stack.pop()

    def files_of(self, name: str) -> list[Path]:
        """The files of every local module ``name`` imports, directly or not."""
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.add(current)
                pending.extend(self.edges.get(current, ()))
        seen.discard(name)
        return sorted({f for n in seen for f in self.candidates.get(n, ())})

    def _import(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        module = self._real_import(name, globals, locals, fromlist, level)
        if self._stack:
            absolute = name
            if level:
                package = (globals or {}).get("__package__") or ""
                with contextlib.suppress(ImportError, ValueError):
                    absolute = importlib.util.resolve_name("." * level + name, package)
            if absolute == PACKAGE or absolute.startswith(PACKAGE + "."):
                self._note(absolute, fromlist or ())
        return module

    def _note(self, absolute: str, fromlist: Any) -> None:
        parts = absolute.split(".")
        names = [".".join(parts[:i]) for i in range(2, len(parts) + 1)]
        parent = sys.modules.get(absolute)
        for item in fromlist:  # ``from package import x``: x is a module, or a name the package defines
            if not isinstance(item, str) or item == "*":
                continue
            value = getattr(parent, item, None)
            if value is None:  # a submodule that is not (yet) an attribute of its package
                value = sys.modules.get(f"{absolute}.{item}")
            if isinstance(value, types.ModuleType) and value.__name__.startswith(PACKAGE + "."):
                names.append(value.__name__)
        edges = self.edges.setdefault(self._stack[-1], set())
        for name in names:
            edges.add(name)
            if name not in self.candidates:
                self.candidates[name] = _module_files(name)

    def loading(self, name: str) -> None:
        if name not in self.candidates:
            self.candidates[name] = _module_files(name)


def _module_files(name: str) -> list[Path]:
    """The files a local module is made of, or the ones that would make it (a later new file
    changes what ``import`` finds)."""
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if path:
        return [Path(path)]
    package = sys.modules.get(PACKAGE)
    roots = list(getattr(package, "__path__", []) or [])
    rel = Path(*name.split(".")[1:])
    return [Path(r) / rel.with_suffix(".py") for r in roots] + [Path(r) / rel / "__init__.py" for r in roots]


class _TrackingFinder:
    """Finds local modules as Python does, with loaders that tell ``_Imports`` which one runs."""

    def __init__(self, imports: _Imports):
        self.imports = imports

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith(PACKAGE + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = cast(Any, _TrackingLoader(spec.loader, self.imports))  # a Loader, by what it does
        return spec


class _TrackingLoader:
    def __init__(self, loader: Any, imports: _Imports):
        self._loader = loader
        self._imports = imports

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        with self._imports.running(module.__name__):
            self._loader.exec_module(module)
        self._imports.loading(module.__name__)

    def __getattr__(self, name: str) -> Any:  # get_source, get_resource_reader...: the real loader's
        return getattr(self._loader, name)


def canonicalise(resources: Resources, config: Config, done: dict[int, list[str]] | None = None) -> list[DashgenError]:
    """Every dashboard in the canonical form; JSON sources also migrated (``migrate`` in the config).

    Runs once every file is loaded: ``${DS_X}`` inputs and datasource names resolve to the
    sources' datasources, wherever they are defined. ``done``: by ``id``, the dashboards
    already canonical (from the build cache) and their migration warnings.
    """
    errors = []
    known = None
    for d in resources.dashboards:
        if done is not None and id(d) in done:
            resources.warnings += [(d.source, message) for message in done[id(d)]]
            continue
        if known is None:
            from . import canonical

            known = canonical.known_datasources(ds.model for ds in resources.datasources)
        try:
            d.model, warnings, _ = canonical_dashboard(d.model, d.source, known, config)
        except DashgenError as exc:
            errors.append(exc)
            continue
        resources.warnings += [(d.source, message) for message in warnings]
    return errors


def canonical_dashboard(
    model: dict[str, Any], source: str, known: Any, config: Config, *, text: bytes | None = None
) -> tuple[dict[str, Any], list[str], bool]:
    """One dashboard of ``source`` in the canonical form (a JSON source also migrated, as
    ``migrate`` in the config says), its migration warning, and whether other datasources
    could have given another form; errors name ``source``. ``text``: ``model`` as JSON, the
    text it was just parsed from or serialised to (the model is the caller's own: used up,
    not copied)."""
    from . import canonical
    from .formats import holds

    try:
        migrate = source.endswith(".json") and config.migrate
        owned = text is not None
        nulls = text is None or holds(text, b"null")
        result = canonical.canonicalise(model, known, migrate=migrate, owned=owned, nulls=nulls)
    except DashgenError as exc:
        raise DashgenError(exc.message, path=source) from None
    summary = result.migration_summary()
    warnings = [f"migrated {summary}; run `dashgen fmt --migrate` to commit the migration"] if summary else []
    return result.model, warnings, result.reads_datasources


def load_datasources(config: Config) -> list[Datasource]:
    """Only the datasources of the sources, for ``dashgen fmt``: the modules that assign a
    top-level ``datasources`` are imported, nothing else."""
    root = config.sources_dir
    if not root.is_dir():
        return []
    found: list[Datasource] = []
    errors: list[DashgenError] = []
    with values.provide(config.values, config.file, config.environment), _package(root), stdout_to_stderr():
        for path in discover(root, config.sources_ignore):
            if path.suffix != ".py" or not _assigns_datasources(path):
                continue
            source = _rel(path, config.root)
            try:
                with time_limit(config.sources_timeout):
                    module = _import(path, root, source, config.root)
                for item in _as_list(getattr(module, "datasources", []), "datasources", source):
                    found.append(Datasource(_mapping(item, "datasources", source), source))
            except SourceTimeout as exc:
                errors.append(_timed_out(exc, path, root, config))
                break
            except DashgenError as exc:
                errors.append(exc)
    if errors:
        raise DashgenErrors(errors)
    return found


def _assigns_datasources(path: Path) -> bool:
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == "datasources" for t in targets):
            return True
    return False


def _values_key(key: str, config: Config) -> str:
    """Where an unread value was set: the environment's ``values`` when it sets it."""
    env = config.environments.get(config.environment or "")
    node: Any = env.values if env is not None else None
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return f"environments.{config.environment}.values.{key}" if node is not None else f"values.{key}"


SOURCE_SUFFIXES = (".py", ".json")


def discover(
    root: Path, ignore: tuple[str, ...] | list[str] = (), *, others: list[Path] | None = None, base: Path | None = None
) -> list[Path]:
    """The source files under ``root``, in a stable order (hidden and cache dirs skipped).

    Symbolic links to directories are followed; one that leads back to a directory already
    read (a loop, or the same files twice) is an error naming it. Files that are neither
    a source nor matched by an ``ignore`` pattern (relative to ``root``) go into ``others``.
    """
    found: list[Path] = []
    seen = {os.path.realpath(root): root}
    pending = [root]
    while pending:
        directory = pending.pop()
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            path = directory / entry.name
            rel = path.relative_to(root).as_posix()
            if entry.is_dir():
                real = os.path.realpath(path)
                if real in seen:
                    raise DashgenError(
                        f"links to a directory already read ({_rel(seen[real], base or root)}); "
                        "remove the link or point it elsewhere",
                        path=_rel(path, base or root),
                    )
                seen[real] = path
                pending.append(path)
            elif any(fnmatch.fnmatchcase(rel, pattern) for pattern in ignore):
                continue
            elif path.suffix in SOURCE_SUFFIXES and entry.is_file():
                found.append(path)
            elif origin.is_record(path):
                continue  # read with the dashboard it sits beside (origin.beside)
            elif others is not None:
                others.append(path)
    if others is not None:
        others.sort(key=lambda p: p.relative_to(root).parts)
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def _load_file(path: Path, root: Path, config: Config, resources: Unit) -> None:
    source = _rel(path, config.root)
    parts = path.relative_to(root).parts
    if path.suffix == ".json":
        folder = folder_of(parts, source, config)
        resources.dashboards.append(
            _dashboard(_json_dashboard(path, source), folder, source, parts, 0, origin.beside(path, source))
        )
        return

    module = _import(path, root, source, config.root)
    found = {name: getattr(module, name) for name in CONTRIBUTIONS if hasattr(module, name)}
    if not found:
        _reject_misnamed(module, source)
        return
    if "dashboard" in found and "dashboards" in found:
        raise DashgenError("defines both 'dashboard' and 'dashboards'; keep one", path=source)
    boards = found.get("dashboards", found.get("dashboard", _NOTHING))
    if boards is not _NOTHING:
        name = "dashboards" if "dashboards" in found else "dashboard"
        items = _as_list(boards, name, source) if name == "dashboards" else [boards]
        if not items:
            raise DashgenError("'dashboards' is empty: it defines no dashboard", path=source)
        folder = folder_of(parts, source, config)
        vendored = origin.beside(path, source) if len(items) == 1 else None  # a module import --grafana-com wrote
        for index, item in enumerate(items):
            resources.dashboards.append(
                _dashboard(_python_dashboard(item, name, source), folder, source, parts, index, vendored)
            )
        # The plain JSON is all that is needed from here on: let the grafanalib objects
        # go (a module importing this one keeps its own reference).
        sys.modules.pop(module.__name__, None)
    for item in _as_list(found.get("datasources", []), "datasources", source):
        resources.datasources.append(Datasource(_mapping(item, "datasources", source), source))
    for item in _as_list(found.get("rule_groups", []), "rule_groups", source):
        resources.rule_groups.append(RuleGroup(_mapping(item, "rule_groups", source), source))
    for item in _as_list(found.get("manifests", []), "manifests", source):
        resources.manifests.append(Manifest(_mapping(item, "manifests", source), source))


_NOTHING = object()


def _dashboard(
    model: dict[str, Any],
    folder: Folder,
    source: str,
    parts: tuple[str, ...],
    index: int,
    vendored: GrafanaComOrigin | None = None,
) -> Dashboard:
    """A loaded dashboard; one without a uid gets a stable one from its path (the file is not changed)."""
    if model.get("uid") is None or model.get("uid") == "":
        model["uid"] = uid_from_path("/".join(parts) + (f"#{index}" if index else ""))
        return Dashboard(model, folder, source, uid_from_path=True, origin=vendored)
    return Dashboard(model, folder, source, origin=vendored)


def folder_of(parts: tuple[str, ...], source: str, config: Config) -> Folder:
    if len(parts) == 1:
        return GENERAL
    if len(parts) > 2:
        raise DashgenError(
            "dashboards may sit at most one directory deep (Grafana folders from files are one level); "
            f"move it under '{parts[0]}/'",
            path=source,
        )
    key = parts[0]
    spec = config.folder(key)
    return Folder(key=key, title=spec.title, uid=spec.uid or folder_uid(key), parent_uid=spec.parent_uid or "")


def folder_uid(directory: str) -> str:
    """A stable folder uid from its directory name: ``dashgen-<dir>``, Grafana-safe."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in directory)
    return f"dashgen-{safe}"[:40]


def _json_dashboard(path: Path, source: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DashgenError(f"cannot read: {exc}", path=source) from None
    from .dashboard.document import read_document  # only for JSON sources (not for cached builds)

    doc = read_document(text, source)
    model = doc.dashboards[0]
    # A wrapper (API body, kind: Dashboard) says it holds a dashboard, even one without panels yet.
    wrapped = doc.kind in ("api", "resource") and isinstance(model, dict)
    if doc.kind == "configmap" or not (wrapped or _looks_like_dashboard(model)):
        raise DashgenError("defines no dashboard: expected a JSON object with 'title' and 'panels'", path=source)
    metadata = doc.original.get("metadata") if doc.kind == "resource" else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if "uid" not in model and isinstance(name, str):
        model = {**model, "uid": name}  # a resource's metadata.name is the dashboard's uid
    from .canonical import with_import_inputs

    return with_import_inputs(model, doc.original)


def _python_dashboard(item: Any, name: str, source: str) -> dict[str, Any]:
    if isinstance(item, dict):
        if not _looks_like_dashboard(item):
            raise DashgenError(f"'{name}' holds a dict that is not a dashboard (no 'title' and 'panels')", path=source)
    elif type(item).__name__ != "Dashboard" or not hasattr(item, "to_json_data"):
        raise DashgenError(
            f"'{name}' must be a grafanalib Dashboard or a dashboard dict, got {type(item).__name__}", path=source
        )
    try:
        if isinstance(item, dict):
            return normalise.dashboard(json.loads(json.dumps(item, allow_nan=False)))
        return normalise.from_grafanalib(item)
    except BaseException as exc:  # noqa: BLE001 - to_json_data is user code and may raise anything
        if isinstance(exc, (KeyboardInterrupt, SourceTimeout)):
            raise
        message = str(exc).splitlines()[0] if str(exc) else ""
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        raise DashgenError(f"dashboard cannot be rendered as JSON: {detail}", path=source) from None


def _looks_like_dashboard(model: Any) -> bool:
    return isinstance(model, dict) and "title" in model and ("panels" in model or "rows" in model)


def _as_list(value: Any, name: str, source: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise DashgenError(f"'{name}' must be a list, got {type(value).__name__}", path=source)
    return list(value)


def _mapping(item: Any, name: str, source: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise DashgenError(f"every item of '{name}' must be a dict, got {type(item).__name__}", path=source)
    try:
        return json.loads(json.dumps(item, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        raise DashgenError(f"an item of '{name}' is not plain JSON data: {exc}", path=source) from None


def _reject_misnamed(module: types.ModuleType, source: str) -> None:
    for attr, value in vars(module).items():
        if not attr.startswith("_") and type(value).__name__ == "Dashboard" and hasattr(value, "to_json_data"):
            raise DashgenError(
                f"defines a Dashboard as '{attr}', but dashgen reads only 'dashboard' or 'dashboards'", path=source
            )


def module_name(path: Path, root: Path) -> str:
    """``dashboards.<dir>.<file>``; names that are not identifiers (``svc.dashboard.py``) get ``_``."""
    return _module_name(path.relative_to(root).parts)


def _module_name(relative: tuple[str, ...]) -> str:
    parts = [*relative[:-1], os.path.splitext(relative[-1])[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *(_identifier(p) for p in parts)])


def _identifier(part: str) -> str:
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in part)
    return safe if safe.isidentifier() else f"_{safe}"


def _import(path: Path, root: Path, source: str, base: Path) -> types.ModuleType:
    name = module_name(path, root)
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None):  # already imported by another source
        return module
    package_dir = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package_dir)
    assert spec is not None and spec.loader is not None  # a .py file always has a spec and a loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        return module
    except values.MissingValue as exc:  # name the file that reads it, and the line
        sys.modules.pop(name, None)
        where, line = source, None
        for frame in traceback.extract_tb(exc.__traceback__):
            if _inside(frame.filename, root):
                where, line = _rel_or(frame.filename, root, source, base), frame.lineno
        raise DashgenError(exc.message, path=where, line=line) from None
    except DashgenError:  # a setting() problem: about dashgen.yaml, not the module
        sys.modules.pop(name, None)
        raise
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = _rel_or(exc.filename, root, source, base)
        raise DashgenError(f"SyntaxError: {exc.msg}", path=where, line=exc.lineno) from exc
    except BaseException as exc:  # noqa: BLE001 - user code may raise anything, even SystemExit
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, SourceTimeout)):
            raise
        where, line = _innermost(exc, root, source, base)
        message = str(exc).splitlines()[0] if str(exc) else ""
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        raise DashgenError(f"failed to import: {detail}", path=where, line=line) from exc


class _package:
    """Register ``dashboards`` as a package rooted at the sources directory.

    Earlier loads in the same process (tests, benchmarks) are forgotten first, and the
    modules are removed again afterwards, so each load sees the files as they are now.
    """

    def __init__(self, root: Path):
        self.root = root

    def __enter__(self):
        self._forget()
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(self.root)]
        package.__package__ = PACKAGE
        sys.modules[PACKAGE] = package
        importlib.invalidate_caches()
        return package

    def __exit__(self, *exc):
        self._forget()

    @staticmethod
    def _forget() -> None:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _innermost(exc: BaseException, root: Path, source: str, base: Path) -> tuple[str, int | None]:
    """The last place under the sources the traceback passes: (file, line), else (source, None)."""
    where, line = source, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if _inside(frame.filename, root):
            where, line = _rel_or(frame.filename, root, source, base), frame.lineno
    return where, line


def _timed_out(exc: SourceTimeout, path: Path, root: Path, config: Config) -> DashgenError:
    source = _rel(path, config.root)
    where, line = _innermost(exc, root, source, config.root)
    limit = f"still running after {config.sources_timeout:g} s (sources_timeout in {config.file})"
    fix = "a source must finish loading by then: make it faster or raise the limit"
    if where == source:
        return DashgenError(f"{limit}; {fix}", path=source, line=line)
    return DashgenError(f"{limit}, in {where}:{line}; {fix}", path=source)


def _inside(filename: str, root: Path) -> bool:
    """Whether a file is under ``root``, as written (a linked directory) or resolved."""
    path = Path(filename)
    for p, r in ((Path(os.path.abspath(path)), Path(os.path.abspath(root))), (path.resolve(), root.resolve())):
        if p.is_relative_to(r):
            return True
    return False


def _rel_or(filename: str | None, root: Path, fallback: str, base: Path) -> str:
    if not filename or not _inside(filename, root):
        return fallback
    return _rel(Path(filename), base)


def _rel(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` as written (through symbolic links), else as resolved."""
    written = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    if written != os.pardir and not written.startswith(os.pardir + os.sep):
        return Path(written).as_posix()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
