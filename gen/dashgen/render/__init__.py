"""Renderers: loaded resources in, output files (path relative to the output dir → bytes) out.

Each renderer is a pure function of the resources and the config, so the same sources
give the same bytes. ``render()`` is the whole output of ``dashgen build``.
"""

from __future__ import annotations

from ..config import Config
from ..resources import Resources
from . import dashboards, grafana, kubernetes


def render(resources: Resources, config: Config, texts: dict[str, str]) -> dict[str, bytes]:
    """All output files; ``texts`` maps dashboard uid to its canonical JSON."""
    files: dict[str, str] = {}
    files.update(dashboards.render(resources, texts))
    files.update(grafana.render(resources, config))
    files.update(kubernetes.render(resources, config, texts))
    return {path: text.encode("utf-8") for path, text in sorted(files.items())}
