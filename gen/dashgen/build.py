"""``dashgen build``: sources → resources → checks → renderers → writer."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import checks, environments, promtool, sources
from .config import Config
from .errors import DashgenError, DashgenErrors, in_environment
from .formats import dump_json
from .names import configmap_sizes
from .render import dashboard_files, shared_files
from .render.kubernetes import dashboard_configmap
from .resources import Resources
from .writer import RECORD, Changes, OutputWriter, apply_all, open_writers

if TYPE_CHECKING:
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
    config: Config, *, lint: bool = True, progress: Callable[[int, int], None] | None = None
) -> tuple[Resources, list[checks.Problem]]:
    """Load the sources, run the structural checks, then lint; errors raise, warnings return.

    build, push and diff go through here, so none of them ships what another would
    refuse. With ``lint.strict`` in dashgen.yaml, lint warnings are errors too. verify
    passes ``lint=False``: a query lint rejects is one whose live answer it should show.
    """
    from .lint.project import lint_resources

    resources = environments.ship(sources.load(config, progress), config)
    problems = checks.check(resources, config)
    _raise_errors(problems)
    if not lint:
        return resources, [p for p in problems if p.severity == "warning"]
    settings = config.lint_settings()
    for located in lint_resources(resources, settings):
        severity: Literal["error", "warning"] = (
            "error" if settings.strict or located.finding.severity == "error" else "warning"
        )
        problems.append(checks.Problem(severity, located.source, located.detail()))
    _raise_errors(problems)
    return resources, [p for p in problems if p.severity == "warning"]


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
) -> BuildResult:
    """Render everything; write it unless ``check``. Nothing is written on any error.

    Dashboards are rendered and handed to the writer one at a time. Sources that define
    nothing while the output holds files from sources are refused unless ``allow_empty``:
    an empty checkout must not delete everything Flux applies.
    """
    with OutputWriter(config.output_dir, check=check) as out:
        result = _render(config, out, progress, allow_empty=allow_empty)
        result.changes = out.finish()
    result.written = not check and result.changes.any
    return result


@_no_cyclic_gc()
def build_environments(
    config: Config,
    names: list[str] | None = None,
    *,
    check: bool = False,
    allow_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[BuildResult]:
    """Each environment (``names``, default all) into ``<output>/<name>``, sources loaded once per
    environment. A build of all of them also removes the trees nothing builds any more
    (environments.retired_trees): that deletion is meant, so ``allow_empty`` does not apply
    to it, and the result says ``retired``.

    All or nothing: the locks of every tree are taken first (writer.open_writers), every
    environment is rendered and reviewed before any tree changes, and a tree that fails
    to apply undoes the ones applied before it (writer.apply_all).
    """
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
        for env_config, out in zip(chosen, writers):
            with in_environment(env_config.environment):
                results.append(_render(env_config, out, progress, allow_empty=allow_empty))
        results += gone
        for result, out in zip(results, writers):
            with in_environment(result.environment):
                result.changes = out.review()
        apply_all(writers)
    for result in results:
        result.written = not check and result.changes.any
    return results


def _render(
    config: Config, out: OutputWriter, progress: Callable[[int, int], None] | None, *, allow_empty: bool = False
) -> BuildResult:
    """Load, check and render ``config`` into ``out`` (staged, not applied); refuse to
    delete every file of ``out`` when the sources give this tree nothing, unless ``allow_empty``."""
    resources, warnings = load_checked(config, progress=progress)
    notes = []
    checked = _promtool(resources)
    _raise_errors([checks.Problem("error", source, message) for source, message in checked.errors])
    if checked.note:
        notes.append(checked.note)
    size_problems: list[checks.Problem] = []
    _raise_errors(checks.check_sidecar_folders(resources, config))
    sidecar = "sidecar" in config.output.kinds
    for d in resources.dashboards:
        try:
            text = dump_json(d.model)
        except (TypeError, ValueError) as exc:  # sources refuse these already; never write invalid JSON
            raise DashgenError(f"dashboard cannot be rendered as JSON: {exc}", path=d.source) from None
        if sidecar:
            obj = dashboard_configmap(d, config, text)
            size_problems += checks.check_configmap_size(obj["metadata"]["name"], d.source, *configmap_sizes(obj))
        for path, content in dashboard_files(d, config, text):
            out.add(path, content.encode("utf-8"))
    _raise_errors(size_problems)
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
        config.output_dir, Changes(), warnings + size_problems, notes, counts=counts, environment=config.environment
    )


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
