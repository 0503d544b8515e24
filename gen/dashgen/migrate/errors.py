"""The error a migration raises (a dashboard it cannot migrate without losing panels), and how
notes and errors name a panel."""

from __future__ import annotations

from typing import Any

from ..errors import DashgenError


class MigrationError(DashgenError):
    """A dashboard dashgen cannot migrate; ``panels`` names each panel that stops it.

    ``str()`` is one line, e.g. ``panel 'Status' (id 7): 'vonage-status-panel' is an
    AngularJS panel Grafana 12 cannot show and dashgen cannot migrate; replace it with ...``.
    """

    def __init__(self, message: str, *, panels: list[str] | None = None, path: str | None = None):
        self.panels = list(panels or [])
        super().__init__(message, path=path)


def label(panel: dict[str, Any]) -> str:
    """How notes and errors name a panel: ``panel 'CPU' (id 4)``."""
    title = panel.get("title")
    name = f"'{title}'" if isinstance(title, str) and title else "(untitled)"
    pid = panel.get("id")
    return (
        f"panel {name} (id {pid})"
        if isinstance(pid, (int, float, str)) and not isinstance(pid, bool)
        else f"panel {name}"
    )
