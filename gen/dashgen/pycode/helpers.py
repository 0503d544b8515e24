"""The project's own helpers in ``dashboards/lib/`` that an imported module may use.

Only where a helper produces exactly the JSON at hand: the shared datasource reference
(``DATASOURCE`` of ``lib/panels.py``) and the datasource variable (``datasource()`` of
``lib/variables.py``). A project without them, or whose helpers fail to load, gets none.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from . import probe
from .code import key
from .convert import Helpers

PANELS, VARIABLES = "dashboards.lib.panels", "dashboards.lib.variables"


def discover(sources_dir: Path) -> Helpers:
    """Load the helpers; call within ``sources.package(sources_dir)``, as the modules are run there."""
    helpers = Helpers()
    if not (sources_dir / "lib").is_dir():
        return helpers
    try:
        panels = importlib.import_module(PANELS) if (sources_dir / "lib" / "panels.py").is_file() else None
        reference = getattr(panels, "DATASOURCE", None)
        if isinstance(reference, dict) and reference:
            helpers.constants[key(reference)] = (PANELS, "DATASOURCE")
        variables = importlib.import_module(VARIABLES) if (sources_dir / "lib" / "variables.py").is_file() else None
        make = getattr(variables, "datasource", None)
        if callable(make):
            obj = make()
            helpers.variables.append((VARIABLES, "datasource", obj, probe.render(obj, "variable")))
    except Exception:  # noqa: BLE001 - the project's code: without working helpers, import writes plain grafanalib
        return Helpers()
    return helpers
