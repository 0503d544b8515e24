"""The error a migration raises: a dashboard it cannot migrate without losing panels."""

from __future__ import annotations

from ..errors import DashgenError


class MigrationError(DashgenError):
    """A dashboard dashgen cannot migrate; ``panels`` names each panel that stops it.

    ``str()`` is one line, e.g. ``panel 'Status' (id 7): 'vonage-status-panel' is an
    AngularJS panel Grafana 12 cannot show and dashgen cannot migrate; replace it with ...``.
    """

    def __init__(self, message: str, *, panels: list[str] | None = None, path: str | None = None):
        self.panels = list(panels or [])
        super().__init__(message, path=path)
