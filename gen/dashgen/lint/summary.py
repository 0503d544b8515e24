"""Many findings of one rule, summarised: what `dashgen lint` and `dashgen build` print.

A team importing fifty dashboards gets hundreds of identical findings (no panel
descriptions, Angular panels). Text output lists a rule's findings of one severity one by
one up to :data:`LIST_UP_TO`; past that it prints the count and the first :data:`EXAMPLES`,
and ``--verbose`` (or ``-o json``, which is always complete) shows them all. lint
summarises errors and warnings alike; build summarises its warnings (its errors stop it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

LIST_UP_TO = 10
EXAMPLES = 3

T = TypeVar("T")


class Summary(NamedTuple):
    rule: str
    severity: str  # "error" | "warning"
    items: list  # every finding of the rule with this severity, in order
    files: int  # how many files they are in

    def heading(self) -> str:
        n = len(self.items)
        return (
            f"{self.rule}: {n} {self.severity}s in {self.files} file{'s' * (self.files != 1)}; "
            f"the first {EXAMPLES} (--verbose lists all):"
        )


def summarise(
    items: Sequence[T],
    rule_of: Callable[[T], str],
    source_of: Callable[[T], str],
    severity_of: Callable[[T], str] = lambda _: "warning",
    *,
    verbose: bool = False,
) -> tuple[list[T], list[Summary]]:
    """``(items to list one by one, summaries)``: the items of each (rule, severity) with more
    than :data:`LIST_UP_TO` become one :class:`Summary` (unless ``verbose``); order is kept.
    Items whose rule is empty are always listed."""
    if verbose:
        return list(items), []
    groups: dict[tuple[str, str], list[T]] = {}
    for item in items:
        groups.setdefault((rule_of(item), severity_of(item)), []).append(item)
    many = {key for key, group in groups.items() if key[0] and len(group) > LIST_UP_TO}
    listed = [item for item in items if (rule_of(item), severity_of(item)) not in many]
    summaries = [
        Summary(rule, severity, group, len({source_of(i) for i in group}))
        for (rule, severity), group in groups.items()
        if (rule, severity) in many
    ]
    return listed, summaries
