"""``dashgen build``: sources → resources → checks → renderers → writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import checks, sources, writer
from .config import Config
from .errors import DashgenError, DashgenErrors
from .render import dashboards as dashboard_files
from .render import kubernetes as kubernetes_files
from .render import render
from .resources import Resources


@dataclass
class BuildResult:
    output: Path
    changes: writer.Changes
    warnings: list[checks.Problem] = field(default_factory=list)
    written: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def load_checked(config: Config) -> tuple[Resources, list[checks.Problem]]:
    """Load the sources and run the structural checks; errors raise, warnings return."""
    resources = sources.load(config)
    problems = checks.check(resources, config)
    _raise_errors(problems)
    return resources, [p for p in problems if p.severity == "warning"]


def build(config: Config, *, check: bool = False) -> BuildResult:
    """Render everything; write it unless ``check``. Nothing is written on any error."""
    resources, warnings = load_checked(config)
    texts = dashboard_files.texts(resources)
    size_problems = []
    for d in resources.dashboards:
        obj = kubernetes_files.dashboard_configmap(d, config, texts[d.uid])
        data_bytes = len(texts[d.uid].encode("utf-8"))
        size_problems += checks.check_configmap_size(
            obj["metadata"]["name"], d.source, data_bytes, checks.compact_size(obj))
    _raise_errors(size_problems)
    warnings += size_problems
    files = render(resources, config, texts)
    changes, files = writer.plan(config.output_dir, files)
    if not check:
        writer.apply(config.output_dir, files, changes)
    counts = {
        "dashboards": len(resources.dashboards),
        "folders": len(resources.folders),
        "datasources": len(resources.datasources),
        "rule_groups": len(resources.rule_groups),
        "manifests": len(resources.manifests),
    }
    return BuildResult(config.output_dir, changes, warnings, written=not check and changes.any, counts=counts)


def _raise_errors(problems: list[checks.Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DashgenErrors([DashgenError(p.message, path=p.source) for p in errors])
