"""What push and diff found for one target: shared by the pipeline that fills it and the report that prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .apply import Outcome
from .client import Connection
from .plan import Plan


@dataclass
class TargetResult:
    connection: Connection
    environment: str | None = None  # the environment of dashgen.yaml pushed to it
    version: str | None = None
    plan: Plan | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    writes: int = 0
    retries: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each phase

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def failed(self) -> bool:
        return bool(self.error or self.failures)

    @property
    def differs(self) -> bool:
        return self.plan is not None and self.plan.differs
