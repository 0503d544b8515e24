"""What the rules see: one dashboard (a :class:`DashboardView` plus what lint was told about
it), or one rule file's groups and rules; and the helpers that turn a problem into a Hit."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..dashboard.view import DashboardView
from ..dashboard.walk import PanelRef, as_list, text
from .registry import Hit

D = "dashboard"  # rule kinds
R = "rules"


class DashboardCtx(DashboardView):
    """A dashboard as the rules see it; ``name`` is what lint_dashboard was given."""

    def __init__(self, model: dict, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.configmap_bytes: int | float | None = None  # set by lint_dashboard
        self.configmap_object_bytes: int | float | None = None

    @property
    def dashboard_keys(self) -> set[str]:
        """What an exclusion's ``dashboard`` may name: the lint name, the uid or the title."""
        keys = {self.name}
        if isinstance(self.uid, str):
            keys.add(self.uid)
        if self.title is not None:
            keys.add(self.title)
        return keys


def hit(p: PanelRef | None, message: str, fix: str, target: str | None = None, severity: str | None = None) -> Hit:
    """A dashboard rule's Hit, on panel ``p`` (None: the whole dashboard)."""
    if p is None:
        return Hit(message, fix, None, None, target, severity)
    return Hit(message, fix, p.title, p.id, target, severity)


def short(s: str, n: int = 80) -> str:
    """``s`` on one line, cut to ``n`` characters for a message."""
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


class RuleEntry(NamedTuple):
    group: str | None  # group name
    path: str  # "groups[0].rules[3]"
    rule: dict
    kind: str | None  # "alert" | "record" | None
    name: str | None  # alert or record name


class RuleFileCtx:
    def __init__(self, groups: Any, name: str) -> None:
        self.name = name
        self.raw = groups
        self.groups: list[tuple[int, dict]] = []
        self.entries: list[RuleEntry] = []
        for gi, g in enumerate(as_list(groups)):
            if not isinstance(g, dict):
                continue
            self.groups.append((gi, g))
            gname = text(g.get("name"))
            for ri, r in enumerate(as_list(g.get("rules"))):
                if not isinstance(r, dict):
                    continue
                alert, record = text(r.get("alert")), text(r.get("record"))
                kind = (
                    "alert"
                    if alert is not None and record is None
                    else "record"
                    if record is not None and alert is None
                    else None
                )
                self.entries.append(RuleEntry(gname, f"groups[{gi}].rules[{ri}]", r, kind, alert or record))

    @property
    def alerts(self) -> list[RuleEntry]:
        return [e for e in self.entries if e.kind == "alert"]
