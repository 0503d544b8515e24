"""``dashgen build``: sources → resources → checks → renderers → writer."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import orjson

from . import checks, environments, promtool, sources
from .cache import Cache, file_hash, sha
from .config import Config
from .errors import DashgenError, DashgenErrors, in_environment
from .formats import dump_json
from .names import configmap_sizes
from .render import dashboard_files, shared_files
from .render.kubernetes import dashboard_configmap
from .resources import Dashboard, DashboardSummary, Datasource, GrafanaComOrigin, Manifest, Resources, RuleGroup
from .writer import RECORD, Changes, OutputWriter, apply_all, open_writers, stage_file

if TYPE_CHECKING:
    from .lint import LintSettings
    from .lint.project import Located


@dataclass
class BuildResult:
    output: Path
    changes: Changes
    warnings: list[checks.Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was skipped, e.g. promtool missing
    written: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    environment: str | None = None
    retired: bool = False  # a tree no longer built, removed (the layout before environments, a removed environment)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the pipeline builds its data.

    Loaded dashboards are plain JSON (no reference cycles), but thousands of them alive at
    once make every full collection walk all of them: about 13% of a 1000-dashboard build.
    Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_no_cyclic_gc()
def load_checked(
    config: Config,
    *,
    lint: bool = True,
    progress: Callable[[int, int], None] | None = None,
    use_cache: bool = False,
) -> tuple[Resources, list[checks.Problem]]:
    """Load the sources, run the structural checks, then lint; errors raise, warnings return.

    build, push and diff go through here, so none of them ships what another would
    refuse. With ``lint.strict`` in dashgen.yaml, lint warnings are errors too. verify
    passes ``lint=False``: a query lint rejects is one whose live answer it should show.
    ``use_cache`` (push, diff): an unchanged source's canonical models, warnings and lint
    findings come from the build cache, read only (``_load_cached``); the result is the same.
    """
    cache = _cache(config, use_cache)
    cached_findings: dict[int, list[list[str]]] = {}
    if cache is None:
        loaded = sources.load(config, progress)
    else:
        loaded, cached_findings = _load_cached(config, cache, progress)
    resources = environments.ship(loaded, config)
    problems = checks.check(resources, config)
    problems += [checks.Problem("warning", source, message) for source, message in resources.warnings]
    _raise_errors(problems)
    if not lint:
        return resources, [p for p in problems if p.severity == "warning"]
    strict = config.lint.strict
    settings = None  # lint is imported only for what the cache did not have
    for d in resources.dashboards:
        if id(d) in cached_findings:
            problems += [_lint_problem(strict, d.source, *f) for f in cached_findings[id(d)]]
            continue
        from .lint.project import lint_loaded_dashboard

        settings = settings or config.lint_settings()
        problems += _lint_problems(strict, lint_loaded_dashboard(d, settings))
    if resources.rule_groups:
        from .lint.project import lint_loaded_rule_groups

        problems += _lint_problems(strict, lint_loaded_rule_groups(resources.rule_groups, config.lint_settings()))
    _raise_errors(problems)
    return resources, [p for p in problems if p.severity == "warning"]


def _lint_problems(strict: bool, located: list[Located]) -> list[checks.Problem]:
    return [_lint_problem(strict, x.source, x.finding.severity, x.detail(), x.finding.rule) for x in located]


def _lint_problem(strict: bool, source: str, severity: str, detail: str, rule: str) -> checks.Problem:
    """A lint finding as build, push and diff report it: with ``lint.strict`` every finding is an error."""
    level: Literal["error", "warning"] = "error" if strict or severity == "error" else "warning"
    return checks.Problem(level, source, detail, rule)


def _load_cached(
    config: Config, cache: Cache, progress: Callable[[int, int], None] | None
) -> tuple[Resources, dict[int, list[list[str]]]]:
    """``sources.load`` with the build cache: a source whose entry is current is not run, its
    dashboards' canonical models come from their blobs, with the warnings and (by ``id`` of the
    dashboard) the lint findings the build stored. Only sources run now, or every dashboard when
    the datasources changed, are made canonical here. The cache is read, never written: only
    build makes entries. A source whose models do not read back intact is run."""
    hashes: dict[str, str] = {}
    root = str(config.root)
    models: dict[str, bytes] = {}

    def cached(path: Path, source: str) -> dict[str, Any] | None:
        """A current entry whose models all read back intact (else the source is run now)."""
        entry = _current_entry(cache, root, hashes, source, ("raw", "model"))
        if entry is None:
            return None
        for d in entry["dashboards"]:
            blob = cache.blob(d["model"])
            if blob is None:
                return None
            models[d["model"]] = blob
        return entry

    units, not_sources = sources.load_units(config, progress, cached)
    datasources = [ds for u in units for ds in _unit_datasources(u)]
    known = _known_key(datasources)
    resources = Resources(datasources=datasources, not_sources=not_sources)
    warnings: dict[int, list[str]] = {}
    findings: dict[int, list[list[str]]] = {}
    for unit in units:
        entry = unit.entry
        if entry is None:
            resources.dashboards += unit.dashboards
            resources.rule_groups += unit.rule_groups
            resources.manifests += unit.manifests
            continue
        current = entry["known"] == known  # else every dashboard is made again from what the source gave
        for d in entry["dashboards"]:
            blob = models[d["model"]] if current else cache.blob(d["raw"])
            if blob is None:  # a damaged blob, seen only now the sources are run: run them all
                return sources.load(config, progress), {}
            dashboard = _entry_dashboard(unit, d, config)
            dashboard.model = _expand(blob)
            if current:
                warnings[id(dashboard)] = d["warnings"]
                findings[id(dashboard)] = d["findings"]
            resources.dashboards.append(dashboard)
        resources.rule_groups += [RuleGroup(m, unit.source) for m in entry["rule_groups"]]
        resources.manifests += [Manifest(m, unit.source) for m in entry["manifests"]]
    errors = sources.canonicalise(resources, config, warnings)
    if errors:
        raise DashgenErrors(errors)
    return resources, findings


def _current_entry(
    cache: Cache, root: str, hashes: dict[str, str], source: str, blobs: tuple[str, ...]
) -> dict[str, Any] | None:
    """``source``'s entry if every file it depends on is as it was, and its dashboards' ``blobs`` are there."""
    entry = cache.entry(source)
    if entry is None:
        return None
    for name, digest in entry["deps"].items():
        path = os.path.join(root, name)
        if path not in hashes:
            hashes[path] = file_hash(path)
        if hashes[path] != digest:
            return None
    if not all(cache.has_blob(d[key]) for d in entry["dashboards"] for key in blobs):
        return None
    return entry


def _unit_datasources(unit: sources.Unit) -> list[Datasource]:
    if unit.entry is None:
        return unit.datasources
    return [Datasource(m, unit.source) for m in unit.entry["datasources"]]


def _known_key(datasources: list[Datasource]) -> str:
    """What canonical.known_datasources reads, and more: any change makes every dashboard again."""
    return sha(orjson.dumps([ds.model for ds in datasources]))


def _entry_dashboard(unit: sources.Unit, d: dict[str, Any], config: Config) -> Dashboard:
    """A cached dashboard as its source gave it; the model is the caller's to set."""
    folder = sources.folder_of(unit.parts, unit.source, config)
    return Dashboard({"uid": d["uid"]}, folder, unit.source, uid_from_path=d["uid_from_path"], origin=_origin(d))


def _origin(d: dict[str, Any]) -> GrafanaComOrigin | None:
    """The grafana.com origin a cache entry's dashboard records, if it was vendored."""
    return GrafanaComOrigin(**d["origin"]) if d["origin"] is not None else None


@dataclass
class ProjectLint:
    """What ``dashgen lint`` reports for a sources directory: every check build runs."""

    located: list[Located]
    resources: Resources
    notes: list[str] = field(default_factory=list)


@_no_cyclic_gc()
def lint_project(config: Config) -> ProjectLint:
    """Every check that can fail (or warn in) a build, as lint findings, never raising on one.

    The same functions as build's, on the same files (those ``config.environment`` ships):
    the structural checks (as ``build-check`` findings), the lint rules with ConfigMap
    sizes, and promtool. Only a source that cannot be loaded at all raises, as it does for
    build, and so does what ``environments.ship`` refuses.
    """
    from .lint.project import lint_resources

    resources = environments.ship(sources.load(config), config)
    problems = checks.check(resources, config) + checks.check_sidecar_folders(resources, config)
    checked = _promtool(resources)
    problems += [checks.Problem("error", source, message) for source, message in checked.errors]
    located = [_as_finding(p) for p in problems]
    located += lint_resources(resources, config.lint_settings(), sizes=configmap_sizes_by_uid(resources, config))
    return ProjectLint(located, resources, [checked.note] if checked.note else [])


def _as_finding(problem: checks.Problem) -> Located:
    from .lint.project import Located
    from .lint.registry import Finding

    finding = Finding(
        rule="build-check",
        severity=problem.severity,
        dashboard=problem.source,
        panel=None,
        panel_id=None,
        target=None,
        message=problem.message,
        fix="",
    )
    return Located(problem.source, finding)


def _promtool(resources: Resources) -> promtool.Result:
    return promtool.check_rules(
        {source: {"groups": [g.model for g in groups]} for source, groups in resources.rule_groups_by_source().items()}
    )


def configmap_sizes_by_uid(resources: Resources, config: Config) -> dict[str, tuple[int, int]]:
    """Each dashboard's ConfigMap ``(data_bytes, object_bytes)``, as build renders it."""
    sizes = {}
    for d in resources.dashboards:
        try:
            text = dump_json(d.model)
        except (TypeError, ValueError):
            continue
        sizes[d.uid] = configmap_sizes(dashboard_configmap(d, config, text))
    return sizes


@_no_cyclic_gc()
def build(
    config: Config,
    *,
    check: bool = False,
    allow_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Render everything; write it unless ``check``. Nothing is written on any error.

    Dashboards are rendered and handed to the writer one at a time. Sources that define
    nothing while the output holds files from sources are refused unless ``allow_empty``:
    an empty checkout must not delete everything Flux applies. ``use_cache``: take what
    unchanged sources gave from the build cache (cache.py), and keep what the others give.
    """
    for reading in (True, False):
        try:
            with OutputWriter(config.output_dir, check=check) as out:
                cache = _cache(config, use_cache, reading)
                if cache is not None:
                    out.seen = cache.seen(out.output)
                result = _render(config, out, progress, allow_empty=allow_empty, cache=cache)
                result.changes = out.finish()
                if cache is not None:
                    cache.store_seen(out.output, out.seen_now())
            break
        except _CacheDamaged:  # nothing was applied: again, every source run
            continue
    result.written = not check and result.changes.any
    return result


def _cache(config: Config, use_cache: bool, reading: bool = True) -> Cache | None:
    """The build cache of ``config``'s project (every entry salted with the whole config)."""
    if not use_cache:
        return None
    from .cache import directory_for, salt_of

    cache = Cache(directory_for(config.root), salt_of(repr(config), str(config.root.resolve())))
    cache.reading = reading
    return cache


@_no_cyclic_gc()
def build_environments(
    config: Config,
    names: list[str] | None = None,
    *,
    check: bool = False,
    allow_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
    use_cache: bool = True,
) -> list[BuildResult]:
    """Each environment (``names``, default all) into ``<output>/<name>``, sources loaded once per
    environment. A build of all of them also removes the trees nothing builds any more
    (environments.retired_trees): that deletion is meant, so ``allow_empty`` does not apply
    to it, and the result says ``retired``.

    All or nothing: the locks of every tree are taken first (writer.open_writers), every
    environment is rendered and reviewed before any tree changes, and a tree that fails
    to apply undoes the ones applied before it (writer.apply_all).
    """
    for reading in (True, False):
        try:
            return _build_environments(config, names, check, allow_empty, progress, use_cache, reading)
        except _CacheDamaged:  # nothing was applied: again, every source run
            continue
    raise AssertionError("unreachable")


def _build_environments(
    config: Config,
    names: list[str] | None,
    check: bool,
    allow_empty: bool,
    progress: Callable[[int, int], None] | None,
    use_cache: bool,
    reading: bool,
) -> list[BuildResult]:
    names = list(dict.fromkeys(names or []))
    chosen = [config.for_environment(name) for name in (names or list(config.environments))]
    everything = not names or set(names) == set(config.environments)
    retired = environments.retired_trees(config) if everything else []
    gone = [
        BuildResult(tree, Changes(), retired=True, environment=None if tree == config.output_dir else tree.name)
        for tree in retired
    ]
    trees = [(c.output_dir, False, c.environment) for c in chosen] + [(r.output, True, r.environment) for r in gone]
    with contextlib.ExitStack() as stack:
        writers = open_writers(stack, trees, check=check)
        results = []
        caches = []
        for env_config, out in zip(chosen, writers):
            with in_environment(env_config.environment):
                cache = _cache(env_config, use_cache, reading)
                if cache is not None:
                    out.seen = cache.seen(out.output)
                    caches.append((cache, out))
                results.append(_render(env_config, out, progress, allow_empty=allow_empty, cache=cache))
        results += gone
        for result, out in zip(results, writers):
            with in_environment(result.environment):
                result.changes = out.review()
        apply_all(writers)
        for cache, out in caches:
            cache.store_seen(out.output, out.seen_now())
    for result in results:
        result.written = not check and result.changes.any
    return results


def _render(
    config: Config,
    out: OutputWriter,
    progress: Callable[[int, int], None] | None,
    *,
    allow_empty: bool = False,
    cache: Cache | None = None,
) -> BuildResult:
    """Load, check and render ``config`` into ``out`` (staged, not applied); refuse to
    delete every file of ``out`` when the sources give this tree nothing, unless ``allow_empty``.

    Each dashboard is made canonical, linted and rendered as soon as every source is in,
    its files staged and its model dropped: the checks across dashboards run on summaries.
    With a ``cache``, an unchanged source gives its summaries and its files' hashes from there.
    """
    stream = _Stream(config, out, cache)
    resources, warnings = stream.run(progress)
    notes = []
    checked = _promtool(resources)
    _raise_errors([checks.Problem("error", source, message) for source, message in checked.errors])
    if checked.note:
        notes.append(checked.note)
    _raise_errors(checks.check_sidecar_folders(resources, config))
    _raise_errors(stream.size_problems)
    if stream.refused:
        raise DashgenErrors(stream.refused)
    if stream.twice:
        raise ValueError(f"{stream.twice[0]} rendered twice")  # checks refuse what leads here: a renderer bug
    for path, content in shared_files(resources, config):
        out.add(path, content.encode("utf-8"))
    if not allow_empty and not resources.any and out.review().removed:
        raise _nothing_found(config, len(out.review().removed))
    counts = {
        "dashboards": len(resources.dashboards),
        "folders": len(resources.folders),
        "datasources": len(resources.datasources),
        "rule_groups": len(resources.rule_groups),
        "manifests": len(resources.manifests),
    }
    return BuildResult(
        config.output_dir,
        Changes(),
        warnings + stream.size_problems,
        notes,
        counts=counts,
        environment=config.environment,
    )


class _CacheDamaged(Exception):
    """A blob the cache lists is gone or damaged: the build starts again without reading the cache."""


def _json(model: Any) -> bytes:
    try:
        return orjson.dumps(model)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(model, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _compact(model: dict[str, Any]) -> bytes:
    """A loaded model as compressed JSON, a hundredth of its size as Python objects, until it is
    processed (and in the cache, to make it again when the datasources change)."""
    return zlib.compress(_json(model), 1)


def _parse(text: bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _expand(packed: bytes) -> dict[str, Any]:
    return _parse(zlib.decompress(packed))


# A file's dashboards made: (entry, whether each file was staged) of each, and errors as (message, path, line).
_Made = tuple[list[tuple[dict[str, Any], list[bool]]], list[tuple[str, str | None, int | None]]]
PARALLEL_FROM = 64  # dashboards to make before a pool of processes pays for itself (bench/incremental.py)


class _Stream:
    """One tree's sources, loaded or cached, each dashboard processed once and its files staged."""

    def __init__(self, config: Config, out: OutputWriter, cache: Cache | None):
        self.config = config
        self.out = out
        self.cache = cache
        self.size_problems: list[checks.Problem] = []
        self.refused: list[DashgenError] = []  # staging refused a path: reported only if the checks pass
        self.twice: list[str] = []
        self._hashes: dict[str, str] = {}
        self._root = str(config.root)
        self._summaries: dict[int, list[DashboardSummary]] = {}
        self._known: tuple[Any, ...] | None = None
        self._datasource_models: list[Any] = []
        self._guess: str | None = None  # the datasources' key the workers made dashboards with

    def run(self, progress: Callable[[int, int], None] | None) -> tuple[Resources, list[checks.Problem]]:
        """The tree's resources (dashboards as summaries), raising on errors as ``load_checked`` does."""
        config = self.config
        units, not_sources = sources.load_units(
            config, progress, self._cached, self._loaded, PARALLEL_FROM, self._before_fork
        )
        datasources = [ds for u in units for ds in _unit_datasources(u)]
        known_key = _known_key(datasources)
        if self._guess != known_key:  # a file the workers did not run first gave datasources too
            for unit in units:
                if unit.raw:  # made with the datasources (or failed): again, with the right ones
                    unit.made = None
        self._datasource_models, self._known = [ds.model for ds in datasources], None
        todo = [
            u
            for u in units
            if u.made is None and (u.entry is None or (u.entry["dashboards"] and u.entry["known"] != known_key))
        ]
        processed = {id(u) for u in units if u.made is not None} | {id(u) for u in todo}
        everything = Resources(datasources=datasources, not_sources=not_sources)
        errors: list[DashgenError] = []
        with contextlib.closing(self._make_all(todo)) as made:  # closing: the pool ends on any error too
            for unit in units:
                if unit.made is not None:
                    self._process(unit, known_key, errors, cast(_Made, _parse(unit.made)))  # tuples as lists
                elif id(unit) in processed:
                    self._process(unit, known_key, errors, next(made))
                summaries, warnings = self._from_entry(unit)
                everything.dashboards += summaries
                everything.warnings += warnings
                everything.rule_groups += [RuleGroup(m, unit.source) for m in self._entry(unit)["rule_groups"]]
                everything.manifests += [Manifest(m, unit.source) for m in self._entry(unit)["manifests"]]
        if errors:
            raise DashgenErrors(list({str(e): e for e in errors}.values()))
        resources = environments.ship(everything, config)
        problems = checks.check(resources, config, references=False)
        shipped = {id(d) for d in resources.dashboards}
        strict = config.lint.strict
        findings: list[checks.Problem] = []
        for unit in units:
            for d, summary in zip(self._entry(unit)["dashboards"], self._summaries[id(unit)]):
                if id(summary) not in shipped:
                    continue
                problems += [checks.Problem(s, unit.source, m) for s, m in d["problems"]]
                findings += [_lint_problem(strict, unit.source, *f) for f in d["findings"]]
        problems += [checks.Problem("warning", source, message) for source, message in resources.warnings]
        _raise_errors(problems)
        if resources.rule_groups:
            from .lint.project import lint_loaded_rule_groups

            findings += _lint_problems(strict, lint_loaded_rule_groups(resources.rule_groups, self.settings))
        problems += findings
        _raise_errors(problems)
        for unit in units:
            if id(unit) in processed:
                continue  # staged as it was made
            for d, summary in zip(self._entry(unit)["dashboards"], self._summaries[id(unit)]):
                if id(summary) in shipped:
                    self._stage(unit, d)
        return resources, [p for p in problems if p.severity == "warning"]

    # ---------------------------------------------------------------- the cache

    def _cached(self, path: Path, source: str) -> dict[str, Any] | None:
        """``source``'s entry if it is current (its raw blobs there, to make its files again)."""
        if self.cache is None:
            return None
        return _current_entry(self.cache, self._root, self._hashes, source, ("raw",))

    def _before_fork(self, first: list[sources.Unit]) -> None:
        """The files run before the workers fork gave (almost surely) every datasource: the
        workers make each dashboard as soon as they load it, with these. ``run`` checks the
        guess once every file is in, and makes them again if it was wrong."""
        self._datasource_models = [ds.model for u in first for ds in u.datasources]
        self._guess = _known_key([ds for u in first for ds in u.datasources])
        self._ready_to_fork()

    def _ready_to_fork(self) -> None:
        """What making a dashboard needs, computed once, before the workers fork."""
        from . import canonical  # noqa: F401
        from .lint import project  # noqa: F401

        self.known, self.settings, self.staging  # noqa: B018

    def _loaded(self, unit: sources.Unit) -> None:
        """A file just run: its dashboards made now in a worker (the datasources guessed);
        kept as bytes, not objects, until processed (or made again)."""
        texts = [_json(d.model) for d in unit.dashboards]
        # Compressed only to be kept: for the cache, or to make them again once every datasource is in.
        raws = [zlib.compress(text, 1) for text in texts] if self.cache is not None or self._guess is None else None
        reads = True
        if self._guess is not None:
            # their models are plain JSON that this process just made: used as they are, not parsed back
            made, reads = self._make_models(unit.dashboards, texts, raws, fresh=True)
            unit.made = _json(made)  # one object, not dozens, held until every file is in
        if reads:  # else made for good, whatever the datasources turn out to be
            unit.raw = raws if raws is not None else [zlib.compress(text, 1) for text in texts]
        for d in unit.dashboards:
            d.model = {}

    def _entry(self, unit: sources.Unit) -> dict[str, Any]:
        assert unit.entry is not None
        return unit.entry

    # ---------------------------------------------------------------- one dashboard

    @functools.cached_property
    def settings(self) -> LintSettings:
        """Lint's settings, imported only when a dashboard or rule group is linted."""
        return self.config.lint_settings()

    @functools.cached_property
    def staging(self) -> Path | None:
        """Where the makers stage files (made before the workers fork: they share it)."""
        return self.out.stage_dir()

    @property
    def known(self) -> tuple[Any, ...]:
        """The sources' datasources as canonicalisation knows them (only when a dashboard is made)."""
        if self._known is None:
            from . import canonical

            self._known = canonical.known_datasources(self._datasource_models)
        return self._known

    def _make_all(self, todo: list[sources.Unit]) -> Generator[_Made, None, None]:
        """``_make`` of each unit, in order; many dashboards are made by a pool of forked
        processes, one per core: each starts with what this one loaded and sends back the
        entries and files (the output is the same, and it is written here)."""
        count = sum(len(u.raw) if u.entry is None else len(u.entry["dashboards"]) for u in todo)
        if count < PARALLEL_FROM or sources.cores() < 2 or not sources.can_fork():
            yield from (self._make(u) for u in todo)
            return
        self._ready_to_fork()
        yield from sources.fork_map(self._make, todo, chunksize=4)

    def _make(self, unit: sources.Unit) -> _Made:
        """Canonical form, lint, render of a file's dashboards: (entry, files) of each, and the
        errors as (message, path, line) (a worker process sends them back)."""
        if unit.entry is None:
            raws = unit.raw
            loaded = unit.dashboards
        else:  # the datasources changed: every dashboard again, from what its source gave
            raws = [self._blob(d["raw"]) for d in unit.entry["dashboards"]]
            loaded = [_entry_dashboard(unit, d, self.config) for d in unit.entry["dashboards"]]
        return self._make_models(loaded, [zlib.decompress(raw) for raw in raws], raws)[0]

    def _make_models(
        self, loaded: list[Dashboard], texts: list[bytes], raws: list[bytes] | None, *, fresh: bool = False
    ) -> tuple[_Made, bool]:
        """``_make`` of dashboards whose JSON is at hand (``texts``, compressed as ``raws``
        when there is a cache), and whether other datasources could have made any of them
        otherwise (or failed); the files are staged here (a worker's share of the writing).
        ``fresh``: each dashboard's model is the one ``texts`` was just serialised from, and
        nothing else holds it (it is used up instead of parsing the text again)."""
        made, errors = [], []
        reads = False
        for index, (d, text) in enumerate(zip(loaded, texts)):
            try:
                entry_of_d, files, reads_d = self._dashboard_entry(
                    d, d.model if fresh else _parse(text), text, raws[index] if raws is not None else None
                )
            except DashgenError as exc:
                errors.append((exc.message, exc.path, exc.line))
                reads = True
                continue
            reads = reads or reads_d
            output = self.out.output
            made.append((entry_of_d, [stage_file(self.staging, output, path, content) for path, content in files]))
        return (made, errors), reads

    def _process(self, unit: sources.Unit, known_key: str, errors: list[DashgenError], made: _Made) -> None:
        """A file's dashboards as ``_make`` made them: staged, and the file's entry, stored in the
        cache when all went well."""
        dashboards, failed = made
        errors += [DashgenError(message, path=path, line=line) for message, path, line in failed]
        for entry_of_d, staged in dashboards:
            if staged:
                self._stage(unit, entry_of_d, staged)
        if unit.entry is None:
            unit.raw = []
            entry: dict[str, Any] = {
                "deps": unit.deps,
                "values_read": unit.values_read,
                "datasources": [ds.model for ds in unit.datasources],
                "rule_groups": [g.model for g in unit.rule_groups],
                "manifests": [m.model for m in unit.manifests],
            }
        else:
            entry = unit.entry
        unit.entry = {**entry, "known": known_key, "dashboards": [e for e, _ in dashboards]}
        unit.made = None
        if not failed and self.cache is not None:
            self.cache.store(unit.source, unit.entry)

    def _dashboard_entry(
        self, d: Dashboard, model: dict[str, Any], text: bytes, raw: bytes | None
    ) -> tuple[dict[str, Any], list[tuple[str, bytes]], bool]:
        """What the cache keeps of one dashboard, its files (none when the environment leaves it
        out), and whether other datasources could have given other files. ``model`` is the JSON
        of ``text``, the caller's own (canonicalised in place)."""
        from .lint.project import lint_loaded_dashboard

        config = self.config
        d.model, warnings, reads = sources.canonical_dashboard(model, d.source, self.known, config, text=text)
        entry: dict[str, Any] = {
            "model": self.cache.put_blob(_compact(d.model)) if self.cache is not None else "",  # for push and diff
            "uid": d.raw_uid,
            "title": d.model.get("title"),
            "uid_from_path": d.uid_from_path,
            "origin": asdict(d.origin) if d.origin is not None else None,
            "raw": self.cache.put_blob(raw or zlib.compress(text, 1)) if self.cache is not None else "",
            "warnings": warnings,
            "problems": [[p.severity, p.message] for p in checks.grafana_com_reference_problems(d, config)],
            "links": list(environments.linked_uids(d)) if config.environment is not None else [],
            "findings": [],
            "files": [],
            "size": None,
        }
        folders = config.environments[config.environment].folders if config.environment is not None else None
        if folders is not None and not folders.ships(d.folder.key):
            return entry, [], reads  # checked for links into it, never linted nor rendered
        entry["findings"] = [
            [located.finding.severity, located.detail(), located.finding.rule]
            for located in lint_loaded_dashboard(d, self.settings)
        ]
        files = self._files(d)
        entry["files"] = [[path, sha(content)] for path, content in files]
        if "sidecar" in config.output.kinds:
            obj = dashboard_configmap(d, config, files[0][1].decode("utf-8"))
            entry["size"] = [obj["metadata"]["name"], *configmap_sizes(obj)]
        d.model = {}
        return entry, files, reads

    def _files(self, d: Dashboard) -> list[tuple[str, bytes]]:
        try:
            text = dump_json(d.model)
        except (TypeError, ValueError) as exc:  # sources refuse these already; never write invalid JSON
            raise DashgenError(f"dashboard cannot be rendered as JSON: {exc}", path=d.source) from None
        return [(path, content.encode("utf-8")) for path, content in dashboard_files(d, self.config, text)]

    def _blob(self, digest: str) -> bytes:
        assert self.cache is not None
        content = self.cache.blob(digest)
        if content is None:
            raise _CacheDamaged(digest)
        return content

    def _from_entry(self, unit: sources.Unit) -> tuple[list[DashboardSummary], list[tuple[str, str]]]:
        entry = self._entry(unit)
        folder = sources.folder_of(unit.parts, unit.source, self.config) if entry["dashboards"] else None
        summaries, warnings = [], []
        for d in entry["dashboards"]:
            assert folder is not None
            summaries.append(
                DashboardSummary(
                    {"uid": d["uid"], "title": d["title"]},
                    folder,
                    unit.source,
                    d["uid_from_path"],
                    _origin(d),
                    tuple(d["links"]),
                )
            )
            warnings += [(unit.source, message) for message in d["warnings"]]
        self._summaries[id(unit)] = summaries
        return summaries, warnings

    def _stage(self, unit: sources.Unit, d: dict[str, Any], staged: list[bool] | None = None) -> None:
        """Hand a dashboard's files to the writer: as the maker staged them, or (cached) by their
        hashes, the bytes made again only if the writer needs them."""
        if d["size"] is not None:
            name, data, whole = d["size"]
            self.size_problems += checks.check_configmap_size(name, unit.source, data, whole)
        for index, (path, digest) in enumerate(d["files"]):
            if path in self.out.hashes:
                self.twice.append(path)
                continue
            try:
                if staged is not None:
                    self.out.add_staged(path, digest, staged[index])
                else:
                    self.out.add_known(path, digest, functools.partial(self._content, unit, d, index))
            except DashgenError as exc:
                self.refused.append(exc)

    def _content(self, unit: sources.Unit, d: dict[str, Any], index: int) -> bytes:
        dashboard = _entry_dashboard(unit, d, self.config)
        text = zlib.decompress(self._blob(d["raw"]))
        dashboard.model, _, _ = sources.canonical_dashboard(
            _parse(text), unit.source, self.known, self.config, text=text
        )
        path, content = self._files(dashboard)[index]
        if sha(content) != d["files"][index][1]:
            raise _CacheDamaged(path)
        return content


def _nothing_found(config: Config, doomed: int) -> DashgenError:
    sources = config.sources_dir.resolve()
    found, check = f"found no sources in {sources}", "that this is the sources directory"
    folders = config.environments[config.environment].folders if config.environment is not None else None
    if folders is not None and (folders.include is not None or folders.exclude):
        name = config.environment
        found = f"environment '{name}' ships nothing from {sources}"
        check = f"environments.{name}.folders, and {check}"
    return DashgenError(
        f"{found} (no dashboard, datasource, rule group or manifest), but this build would delete {doomed} of "
        f"the files {config.output_dir / RECORD} lists; check {check} (an uninitialised git submodule? a sparse "
        "checkout? the wrong working directory?), or pass --allow-empty to delete them"
    )


def _raise_errors(problems: list[checks.Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DashgenErrors([DashgenError(p.message, path=p.source) for p in errors])
