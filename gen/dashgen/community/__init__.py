"""Community dashboards from grafana.com, vendored into the sources: pinned, reviewable, updatable.

- :func:`import_dashboards` is ``dashgen import --grafana-com ID[@REVISION]``
  (:mod:`.vendor`, over :mod:`.client`);
- :func:`status` is ``dashgen community [--check]`` (:mod:`.listing`).

The origin record each vendored dashboard keeps beside it is :mod:`dashgen.origin`; with
``output.operator.grafana_com: reference`` build emits such dashboards as grafana-operator
``grafanaCom`` references (:mod:`dashgen.render.operator`).
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from .client import DEFAULT_URL, URL_ENV, GrafanaCom
from .listing import Status
from .vendor import Planned


def import_dashboards(
    config: Config,
    wanted: list[str],
    *,
    url: str = DEFAULT_URL,
    folder: str | None = None,
    python: bool = False,
    force: bool = False,
    today: str | None = None,
) -> list[Planned]:
    """Vendor each ``ID[@REVISION]`` of ``wanted``; nothing is written unless all of them succeed."""
    from .. import sources
    from . import vendor

    for text in wanted:
        vendor.parse(text)  # a typo fails before any request
    resources = sources.load(config)
    with GrafanaCom(url) as client:
        planned = vendor.plan(
            wanted,
            config,
            client,
            datasources=resources.datasources,
            taken_uids=vendor.uids_of(resources.dashboards),
            folder=folder,
            python=python,
            force=force,
            today=today,
            convert_python=_python_converter(config) if python or _any_python(config, wanted) else None,
        )
    vendor.write(planned)
    return planned


def status(config: Config, *, url: str = DEFAULT_URL) -> list[Status]:
    """Every vendored dashboard with the latest revision grafana.com has."""
    from . import listing, vendor

    items = vendor.vendored(config.sources_dir, config.root)
    if not items:
        return []
    with GrafanaCom(url) as client:
        return listing.status(items, client, config.root, config.sources_dir)


def _any_python(config: Config, wanted: list[str]) -> bool:
    """Whether one of ``wanted`` is vendored as a module already (its upgrade is Python too)."""
    from . import vendor

    ids = {vendor.parse(w).id for w in wanted}
    return any(v.origin.id in ids and v.dashboard.suffix == ".py" for v in vendor.vendored(config.sources_dir))


def _python_converter(config: Config) -> Any:
    """``(model, origin) -> (module text, the dashboard it builds)`` with ``dashgen import``'s converter."""
    from .. import sources
    from ..pycode import helpers, module

    root = config.sources_dir
    formatter = module.ruff_binary()

    def convert(model: dict[str, Any], origin: str) -> tuple[str, dict[str, Any]]:
        with sources._package(root):
            found = helpers.discover(root)
            conversion = module.convert(
                model, origin=origin, helpers=found, formatter=formatter, config_dir=config.root
            )
            return conversion.text, module.build(conversion.text)

    return convert


__all__ = ["DEFAULT_URL", "URL_ENV", "GrafanaCom", "Planned", "Status", "import_dashboards", "status"]
