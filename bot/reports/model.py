"""The report as plain data: rates against targets, counts, volumes, delivery figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.reports.period import Period

# Targets from DOMAIN.md ("Targets the centre reports on"); None where the centre set none.
TARGETS: dict[str, float | None] = {
    "first_reply": None,
    "handled_on_time": 0.95,
    "resolution": 0.90,
    "satisfaction": 0.85,
    "satisfaction_result": 0.85,
    "satisfaction_process": 0.85,
    "satisfaction_person": 0.85,
    "complaint_routine_on_time": None,
    "complaint_major_on_time": None,
    "complaint_satisfaction": 1.0,
    "monthly_satisfaction": 0.85,
    "archive_complete": 1.0,
    "reach": None,
}

# Dimensions of the volume tables, in the order they are shown.
DIMENSIONS = ("kind", "category", "area", "project", "building")


@dataclass(frozen=True)
class Rate:
    """`hits` out of `base`, with the target it is judged against."""

    key: str
    hits: int
    base: int
    target: float | None = None

    @property
    def value(self) -> float | None:
        """The share, or None when nothing was measured."""
        return self.hits / self.base if self.base else None

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None without a target or without data."""
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target - 1e-9


@dataclass(frozen=True)
class Volume:
    """How many cases one key (a kind, a building, …) had, now and in the previous period."""

    key: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class Report:
    """Everything `anju report` shows for one period (and optionally one project)."""

    period: Period
    project: str | None
    generated_at: datetime
    rates: dict[str, Rate] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    volumes: dict[str, list[Volume]] = field(default_factory=dict)
    weekly: dict[str, dict[str, int]] = field(default_factory=dict)  # week start → kind → n
    heat: dict[str, dict[str, int]] = field(default_factory=dict)  # building → label → n
    delivery: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → status → n

    def rate(self, key: str) -> Rate:
        """One rate by key (see TARGETS for the keys)."""
        return self.rates[key]
