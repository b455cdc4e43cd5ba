"""24/7 clock with the :class:`~bot.calendar.business_time.BusinessCalendar` interface.

For SLAs counted in plain elapsed time ("first reply within 2 hours, day or
night"). Always open; ``add`` is ordinary addition of real elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

from bot.calendar.config import parse_timezone, require_aware


class WallClock:
    """Always open; business time equals elapsed time."""

    def __init__(self, timezone: str | tzinfo | None = None) -> None:
        self.tz = parse_timezone(timezone)

    def is_open(self, at: datetime) -> bool:
        require_aware(at, "at")
        return True

    def next_open(self, at: datetime) -> datetime:
        require_aware(at, "at")
        return at.astimezone(self.tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start + duration`` in real elapsed time (computed in UTC, so DST-safe)."""
        require_aware(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        return (start.astimezone(UTC) + duration).astimezone(self.tz)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        require_aware(start, "start")
        require_aware(end, "end")
        return end.astimezone(UTC) - start.astimezone(UTC)

    def current_closed_period(self, at: datetime) -> tuple[datetime, datetime] | None:
        require_aware(at, "at")
        return None

    def covers_year(self, year: int) -> bool:
        return True

    def missing_years(
        self, years: Iterable[int] | None = None, *, now: datetime | None = None
    ) -> list[int]:
        if now is not None:
            require_aware(now, "now")
        return []
