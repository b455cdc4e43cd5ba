"""Business-time arithmetic for SLA due times.

:class:`BusinessCalendar` knows when the centre is open: weekly hours, Chinese
statutory holidays and makeup workdays (调休) from ``chinese_calendar``, and
override tables from config that win over the library. :class:`WallClock`
(in :mod:`bot.calendar.wall_clock`) has the same interface for 24/7 SLAs;
:func:`bot.calendar.clock.make_clock` picks one from config.

Rules for one local date, first match wins:

1. in ``extra_holidays`` -> closed;
2. in ``extra_workdays`` -> open (see "workday hours" below);
3. statutory holidays observed and the library covers the year:
   a statutory holiday (including weekend days inside the holiday block) ->
   closed; a makeup workday -> open (workday hours);
4. otherwise the weekly hours for that weekday (missing day = closed).

Workday hours: a workday whose weekday has weekly hours uses them; a normally
closed weekday (e.g. a 调休 Sunday) uses ``workday_hours`` from config, by
default the hours of the first open weekday, Monday first.

Years the library does not cover (it raises ``NotImplementedError``; data for
the next year is published each November) fall back to weekly hours only;
:meth:`BusinessCalendar.missing_years` lists them so the app can warn, and
``override_years`` declares years whose holidays the config supplies itself.

All inputs must be timezone-aware (``ValueError`` otherwise). Arithmetic is
done on real instants (UTC), so it stays correct in zones with DST; results
are returned in the calendar's timezone. Intervals are half-open: a desk open
09:00-18:00 is open at 09:00 and closed at 18:00.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Literal

import chinese_calendar

from bot.calendar.config import (
    HoursSpec,
    Interval,
    parse_dates,
    parse_day_hours,
    parse_timezone,
    parse_weekly_hours,
    require_aware,
)

DayReason = Literal[
    "regular",
    "closed_weekday",
    "statutory_holiday",
    "makeup_workday",
    "extra_holiday",
    "extra_workday",
]
_ONE_DAY = timedelta(days=1)
#: Give up looking for an open (or closed) instant after this many days in a row without one.
MAX_SCAN_DAYS = 400


@lru_cache(maxsize=512)
def library_covers_year(year: int) -> bool:
    """Whether ``chinese_calendar`` has statutory holiday data for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class DayInfo:
    """How the calendar treats one local date, and why."""

    day: date
    intervals: tuple[Interval, ...]  # offsets from local midnight; empty = closed all day
    reason: DayReason
    holiday_name: str | None = None  # chinese_calendar's English name, e.g. "National Day"

    @property
    def is_open_day(self) -> bool:
        return bool(self.intervals)


class BusinessCalendar:
    """Opening hours with Chinese statutory holidays; see the module docstring for the rules."""

    def __init__(
        self,
        weekly_hours: Mapping[str, HoursSpec],
        *,
        timezone: str | tzinfo | None = None,
        statutory_holidays: bool = True,
        extra_holidays: Iterable[date | str] = (),
        extra_workdays: Iterable[date | str] = (),
        workday_hours: HoursSpec | None = None,
        override_years: Iterable[int] = (),
    ) -> None:
        self.tz = parse_timezone(timezone)
        self.weekly = parse_weekly_hours(weekly_hours)
        self.statutory_holidays = statutory_holidays
        self.extra_holidays = parse_dates(extra_holidays)
        self.extra_workdays = parse_dates(extra_workdays)
        self.override_years = frozenset(override_years)
        clash = self.extra_holidays & self.extra_workdays
        if clash:
            raise ValueError(f"dates both extra holiday and extra workday: {sorted(clash)}")
        if workday_hours is not None:
            self.workday_hours = parse_day_hours(workday_hours)
        else:
            first_open = min(self.weekly, default=None)
            self.workday_hours = self.weekly[first_open] if first_open is not None else ()
        if not self.weekly and not (self.extra_workdays and self.workday_hours):
            raise ValueError("a business calendar needs at least one open weekday")
        self._days: dict[date, DayInfo] = {}
        self._utc: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BusinessCalendar:
        """Build from a config mapping: ``hours`` (required), ``timezone``, ``statutory_holidays``,
        ``extra_holidays``, ``extra_workdays``, ``workday_hours``, ``override_years``."""
        known = {
            "mode",
            "hours",
            "timezone",
            "statutory_holidays",
            "extra_holidays",
            "extra_workdays",
            "workday_hours",
            "override_years",
        }
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown business-time config keys: {sorted(unknown)}")
        if "hours" not in config:
            raise ValueError("business-time config needs 'hours'")
        return cls(
            config["hours"],
            timezone=config.get("timezone"),
            statutory_holidays=bool(config.get("statutory_holidays", True)),
            extra_holidays=config.get("extra_holidays", ()),
            extra_workdays=config.get("extra_workdays", ()),
            workday_hours=config.get("workday_hours"),
            override_years=config.get("override_years", ()),
        )

    # -- holiday data ------------------------------------------------------------------

    def covers_year(self, year: int) -> bool:
        """Whether this calendar has the holiday data it needs for ``year``.

        True when the library has the year, when config lists it in
        ``override_years``, or when statutory holidays are not observed at all.
        """
        return (
            not self.statutory_holidays or year in self.override_years or library_covers_year(year)
        )

    def missing_years(
        self, years: Iterable[int] | None = None, *, now: datetime | None = None
    ) -> list[int]:
        """Years (sorted) among ``years`` lacking holiday data; by default this year and next."""
        if years is None:
            if now is not None:
                require_aware(now, "now")
            current = (now or datetime.now(UTC)).astimezone(self.tz).year
            years = (current, current + 1)
        return sorted({year for year in years if not self.covers_year(year)})

    def day_info(self, day: date) -> DayInfo:
        """Classification and opening intervals of one local date."""
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._classify(day)
        return info

    def _classify(self, day: date) -> DayInfo:
        if day in self.extra_holidays:
            return DayInfo(day, (), "extra_holiday")
        if day in self.extra_workdays:
            return DayInfo(day, self._workday_intervals(day), "extra_workday")
        if self.statutory_holidays and library_covers_year(day.year):
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name is not None and is_holiday:
                return DayInfo(day, (), "statutory_holiday", name)
            if name is not None:
                return DayInfo(day, self._workday_intervals(day), "makeup_workday", name)
        intervals = self.weekly.get(day.weekday(), ())
        return DayInfo(day, intervals, "regular" if intervals else "closed_weekday")

    def _workday_intervals(self, day: date) -> tuple[Interval, ...]:
        return self.weekly.get(day.weekday()) or self.workday_hours

    def _utc_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        found = self._utc.get(day)
        if found is None:
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            found = tuple(
                ((midnight + start).astimezone(UTC), (midnight + end).astimezone(UTC))
                for start, end in self.day_info(day).intervals
            )
            self._utc[day] = found
        return found

    # -- scanning ---------------------------------------------------------------------

    def _local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def _forward(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) ending after ``at``, in order; raises if none for too long."""
        day, idle = self._local_day(at), 0
        while True:
            found = [(s, e) for s, e in self._utc_intervals(day) if e > at]
            idle = 0 if found else idle + 1
            if idle > MAX_SCAN_DAYS:
                raise ValueError(f"calendar has no open hours for {MAX_SCAN_DAYS} days after {day}")
            yield from found
            day += _ONE_DAY

    def _last_close_before(self, at: datetime) -> datetime:
        day = self._local_day(at)
        for _ in range(MAX_SCAN_DAYS):
            ends = [e for _, e in self._utc_intervals(day) if e <= at]
            if ends:
                return ends[-1]
            day -= _ONE_DAY
        raise ValueError(f"calendar has no open hours for {MAX_SCAN_DAYS} days before {at}")

    # -- public arithmetic ---------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether the desk is open at instant ``at``."""
        require_aware(at, "at")
        return any(s <= at < e for s, e in self._utc_intervals(self._local_day(at)))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, otherwise the next opening instant."""
        require_aware(at, "at")
        start, _ = next(self._forward(at))
        return max(start, at).astimezone(self.tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time after ``start`` has passed.

        Time before the next opening does not count. A deadline landing exactly
        on a closing time is returned as that closing time (18:00 Friday, not
        09:00 Monday). A zero duration returns ``start`` unchanged.
        """
        require_aware(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if not duration:
            return start.astimezone(self.tz)
        remaining = duration
        for s, e in self._forward(start):
            begin = max(s, start)
            if remaining <= e - begin:
                return (begin + remaining).astimezone(self.tz)
            remaining -= e - begin
        raise AssertionError("unreachable: _forward never ends")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (negative when ``end`` precedes ``start``)."""
        require_aware(start, "start")
        require_aware(end, "end")
        if end < start:
            return -self.elapsed(end, start)
        total, day, last = timedelta(0), self._local_day(start), self._local_day(end)
        while day <= last:
            for s, e in self._utc_intervals(day):
                overlap = min(e, end) - max(s, start)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    def current_closed_period(self, at: datetime) -> tuple[datetime, datetime] | None:
        """``(closed_since, opens_at)`` of the off period containing ``at``; None when open.

        Both ends are stable for every instant of one off period, so
        ``closed_since`` can key "auto-reply once per off period".
        """
        require_aware(at, "at")
        if self.is_open(at):
            return None
        return self._last_close_before(at).astimezone(self.tz), self.next_open(at)
