"""Report periods: a calendar month or a date range, in the centre's local time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """Half-open interval [start, end) of local days; `label` names it in reports."""

    start: datetime
    end: datetime
    label: str

    def contains(self, at: datetime | None) -> bool:
        """Whether an instant falls inside the period."""
        return at is not None and self.start <= at < self.end

    def previous(self) -> Period:
        """The period just before this one: the previous month, or a range of equal length."""
        tz = self.start.tzinfo
        assert isinstance(tz, ZoneInfo)
        first = self.start.date()
        if self.label == f"{first:%Y-%m}":
            prev = (first - timedelta(days=1)).replace(day=1)
            return month(prev.year, prev.month, tz.key)
        days = (self.end.date() - first).days
        return days_range(first - timedelta(days=days), first - timedelta(days=1), tz.key)


def _local(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def month(year: int, month_no: int, tz: str) -> Period:
    """The calendar month `year-month_no` in time zone `tz`."""
    first = date(year, month_no, 1)
    nxt = date(year + month_no // 12, month_no % 12 + 1, 1)
    return Period(_local(first, tz), _local(nxt, tz), f"{first:%Y-%m}")


def days_range(first: date, last: date, tz: str) -> Period:
    """Local days `first` to `last`, both included."""
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    return Period(_local(first, tz), _local(last + timedelta(days=1), tz), f"{first}..{last}")


def parse_month(text: str, tz: str) -> Period:
    """Reads `YYYY-MM` into a month period; raises ValueError on anything else."""
    try:
        year, month_no = (int(part) for part in text.split("-"))
        return month(year, month_no, tz)
    except ValueError:
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from None


def last_month(now: datetime, tz: str) -> Period:
    """The calendar month before the one `now` falls in (local time)."""
    first = now.astimezone(ZoneInfo(tz)).date().replace(day=1)
    prev = first - timedelta(days=1)
    return month(prev.year, prev.month, tz)
