"""Cached conversions between the Chinese lunisolar calendar and the Gregorian one.

Every lunar lookup in this package goes through the functions here, so the
(comparatively slow, ~0.2 ms per call) ``lunar_python`` conversions are done at
most once per distinct argument tuple per process. Precomputing greetings for a
million people therefore costs a few thousand library calls, not a million.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from lunar_python import Lunar, LunarMonth, LunarYear, Solar

_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def leap_month(lunar_year: int) -> int:
    """Number of the leap month in ``lunar_year`` (1-12), or 0 when there is none."""
    return int(LunarYear.fromYear(lunar_year).getLeapMonth())


@lru_cache(maxsize=_CACHE_SIZE)
def month_length(lunar_year: int, month: int, leap: bool = False) -> int:
    """Days (29 or 30) in lunar ``month`` of ``lunar_year``; ``leap`` selects the leap month.

    Raises ``ValueError`` when the leap month asked for does not exist that year.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"lunar month must be 1..12, got {month}")
    found = LunarMonth.fromYm(lunar_year, -month if leap else month)
    if found is None:
        raise ValueError(f"lunar year {lunar_year} has no leap month {month}")
    return int(found.getDayCount())


@lru_cache(maxsize=_CACHE_SIZE)
def lunar_to_solar(lunar_year: int, month: int, day: int, leap: bool = False) -> date:
    """Gregorian date of the exact lunar date; raises ``ValueError`` if it does not exist."""
    if not 1 <= day <= month_length(lunar_year, month, leap):
        raise ValueError(f"lunar {lunar_year}-{'leap ' if leap else ''}{month} has no day {day}")
    solar = Lunar.fromYmd(lunar_year, -month if leap else month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=_CACHE_SIZE)
def solar_to_lunar(day: date) -> tuple[int, int, int, bool]:
    """Lunar ``(year, month, day, is_leap_month)`` of a Gregorian date."""
    lunar = Lunar.fromSolar(Solar.fromYmd(day.year, day.month, day.day))
    month = int(lunar.getMonth())
    return int(lunar.getYear()), abs(month), int(lunar.getDay()), month < 0


@lru_cache(maxsize=_CACHE_SIZE)
def solar_term(year: int, name: str) -> date:
    """Gregorian date of the solar term ``name`` (Chinese, e.g. ``"清明"``) in Gregorian ``year``.

    Only terms that always fall between February and December are safe here
    (立春 … 冬至); the lunar year's table is used, and lunar year ``year``
    covers those months of Gregorian ``year``.
    """
    table = Lunar.fromYmd(year, 6, 1).getJieQiTable()
    if name not in table:
        raise ValueError(f"unknown solar term {name!r}")
    solar = table[name]
    found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    if found.year != year:
        raise ValueError(f"solar term {name!r} of lunar year {year} falls in {found.year}")
    return found
