"""The common interface of business and wall-clock time, and the config factory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.calendar.business_time import BusinessCalendar
from bot.calendar.wall_clock import WallClock


@runtime_checkable
class BusinessClock(Protocol):
    """What SLA code needs from a clock; both implementations satisfy it."""

    def is_open(self, at: datetime) -> bool: ...

    def next_open(self, at: datetime) -> datetime: ...

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...

    def current_closed_period(self, at: datetime) -> tuple[datetime, datetime] | None: ...

    def covers_year(self, year: int) -> bool: ...

    def missing_years(
        self, years: Iterable[int] | None = None, *, now: datetime | None = None
    ) -> list[int]: ...


def make_clock(config: Mapping[str, Any]) -> BusinessClock:
    """Build a clock from config.

    ``mode`` is ``"business"`` (default; see :meth:`BusinessCalendar.from_config`
    for the other keys) or ``"wall_clock"`` (24/7; only ``timezone`` is used).
    """
    mode = config.get("mode", "business")
    if mode == "wall_clock":
        return WallClock(config.get("timezone"))
    if mode == "business":
        return BusinessCalendar.from_config(config)
    raise ValueError(f"unknown clock mode {mode!r}; use 'business' or 'wall_clock'")
