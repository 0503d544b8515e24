"""The dashboard frame: layout, links between the three dashboards, common settings."""

from __future__ import annotations

from grafanalib import core

from . import variables
from .panels import Row

# The uids are part of the contract: alert rules and links point at them.
FLUX_UID = "flux-gitops"
KUBERNETES_UID = "kubernetes-cluster"
EMPULSE_UID = "empulse-music"

DASHBOARDS = {
    FLUX_UID: "Flux GitOps",
    KUBERNETES_UID: "Kubernetes cluster",
    EMPULSE_UID: "EmPulse Music",
}
TAGS = ["dashgen"]


def layout(*sections) -> list:
    """Place panels on Grafana's 24-column grid, left to right, wrapping.

    Each section is ``(row_title_or_None, [panels])``; a section with a title starts with a
    row header. A panel's width and height come from its ``gridPos``; a panel that does not
    fit on the current line starts a new line below the tallest panel of the line, so no two
    panels overlap.
    """
    out = []
    y = 0
    for title, panels in sections:
        if title:
            out.append(Row(title=title, gridPos=core.GridPos(h=1, w=24, x=0, y=y)))
            y += 1
        x, line_h = 0, 0
        for panel in panels:
            w, h = panel.gridPos.w, panel.gridPos.h
            if x + w > 24:
                y += line_h
                x, line_h = 0, 0
            panel.gridPos = core.GridPos(h=h, w=w, x=x, y=y)
            out.append(panel)
            x += w
            line_h = max(line_h, h)
        y += line_h
    return out


def links(current: str) -> list:
    """Links to the other two dashboards, keeping the time range."""
    return [
        core.DashboardLink(type="link", title=title, uri=f"/d/{uid}", icon="dashboard", keepTime=True,
                           tooltip=f"Open the {title} dashboard")
        for uid, title in DASHBOARDS.items() if uid != current
    ]


def make(uid: str, *, description: str, variables_, panels, time_from: str = "now-6h") -> core.Dashboard:
    return core.Dashboard(
        title=DASHBOARDS[uid],
        uid=uid,
        description=description,
        tags=TAGS,
        editable=False,  # provisioned from git: edit the source and rebuild
        graphTooltip=core.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR,
        refresh="1m",
        timezone="browser",
        time=core.Time(time_from, "now"),
        templating=core.Templating(list=[variables.datasource(), *variables_]),
        links=links(uid),
        panels=panels,
    )
