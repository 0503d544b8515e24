"""Many warnings of one rule, summarised: what `dashgen lint` and `dashgen build` print.

A team importing fifty dashboards gets hundreds of identical warnings (no panel
descriptions, no units). Text output lists a rule's warnings one by one up to
:data:`LIST_UP_TO`; past that it prints the count and the first :data:`EXAMPLES`, and
``--verbose`` (or ``-o json``, which is always complete) shows them all. Errors are never
summarised: each one must be fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

LIST_UP_TO = 10
EXAMPLES = 3

T = TypeVar("T")


class Summary(NamedTuple):
    rule: str
    items: list  # every warning of the rule, in order
    files: int  # how many files they are in

    def heading(self) -> str:
        n = len(self.items)
        return (
            f"{self.rule}: {n} warnings in {self.files} file{'s' * (self.files != 1)}; "
            f"the first {EXAMPLES} (--verbose lists all):"
        )


def summarise(
    warnings: Sequence[T], rule_of: Callable[[T], str], source_of: Callable[[T], str], *, verbose: bool = False
) -> tuple[list[T], list[Summary]]:
    """``(warnings to list one by one, summaries)``: the warnings of each rule that has more
    than :data:`LIST_UP_TO` become one :class:`Summary` (unless ``verbose``); order is kept.
    Items whose rule is empty are always listed."""
    if verbose:
        return list(warnings), []
    by_rule: dict[str, list[T]] = {}
    for w in warnings:
        by_rule.setdefault(rule_of(w), []).append(w)
    many = {rule for rule, items in by_rule.items() if rule and len(items) > LIST_UP_TO}
    listed = [w for w in warnings if rule_of(w) not in many]
    summaries = [
        Summary(rule, items, len({source_of(i) for i in items})) for rule, items in by_rule.items() if rule in many
    ]
    return listed, summaries
