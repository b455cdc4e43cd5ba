"""Parsing helpers for business-time configuration, and the aware-datetime guard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: One open interval, as offsets from local midnight: ``[start, end)``.
Interval = tuple[timedelta, timedelta]
#: A day's value in config: one ``("09:00", "18:00")`` pair or a list of pairs.
HoursSpec = Sequence[str] | Sequence[Sequence[str]]

_FULL_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}


def require_aware(value: datetime, what: str = "datetime") -> None:
    """Raise ``ValueError`` unless ``value`` is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


def parse_timezone(value: str | tzinfo | None) -> tzinfo:
    """A ``tzinfo`` from an IANA name (default Asia/Shanghai) or an existing ``tzinfo``."""
    if value is None:
        return ZoneInfo(DEFAULT_TIMEZONE)
    if isinstance(value, str):
        return ZoneInfo(value)
    return value


def parse_clock(text: str) -> timedelta:
    """``"HH:MM"`` (``"24:00"`` allowed, meaning end of day) as an offset from midnight."""
    try:
        hours_text, minutes_text = text.strip().split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except (AttributeError, ValueError):
        raise ValueError(f"time must look like 'HH:MM', got {text!r}") from None
    if not (0 <= minutes < 60 and (0 <= hours < 24 or (hours == 24 and minutes == 0))):
        raise ValueError(f"time out of range: {text!r}")
    return timedelta(hours=hours, minutes=minutes)


def parse_day_hours(spec: HoursSpec) -> tuple[Interval, ...]:
    """Intervals of one day from ``("09:00", "18:00")`` or ``[("09:00", "12:00"), ...]``.

    Intervals must be non-empty, ascending and non-overlapping; an empty list
    means closed. Overnight spans (end before start) are rejected: split them
    into two days instead.
    """
    if len(spec) == 2 and all(isinstance(part, str) for part in spec):
        pairs: list[Sequence[str]] = [spec]  # type: ignore[list-item]
    else:
        pairs = [pair for pair in spec if not isinstance(pair, str)]
        if len(pairs) != len(spec):
            raise ValueError(f"hours must be ('HH:MM', 'HH:MM') or a list of such pairs: {spec!r}")
    intervals: list[Interval] = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"an interval needs a start and an end: {pair!r}")
        start, end = parse_clock(pair[0]), parse_clock(pair[1])
        if end <= start:
            raise ValueError(f"interval must end after it starts: {pair!r}")
        if intervals and start < intervals[-1][1]:
            raise ValueError(f"intervals must be ascending and not overlap: {spec!r}")
        intervals.append((start, end))
    return tuple(intervals)


def parse_weekly_hours(config: Mapping[str, HoursSpec]) -> dict[int, tuple[Interval, ...]]:
    """Weekday number (Monday = 0) -> intervals; days not listed are closed."""
    result: dict[int, tuple[Interval, ...]] = {}
    for key, spec in config.items():
        name = _FULL_NAMES.get(key.strip().lower(), key.strip().lower())
        if name not in WEEKDAYS:
            raise ValueError(f"unknown weekday {key!r}; use one of {', '.join(WEEKDAYS)}")
        intervals = parse_day_hours(spec)
        if intervals:
            result[WEEKDAYS.index(name)] = intervals
    return result


def parse_dates(values: Iterable[date | str]) -> frozenset[date]:
    """Dates from ``date`` objects or ISO ``"YYYY-MM-DD"`` strings."""
    result: set[date] = set()
    for value in values:
        if isinstance(value, datetime):
            raise ValueError(f"expected a date, got a datetime: {value!r}")
        result.add(value if isinstance(value, date) else date.fromisoformat(value))
    return frozenset(result)
