"""Next birthday and birthday-in-year for solar (公历) and lunar (农历) birthdays.

Storage convention for lunar birthdays
--------------------------------------
The owner roster stores every birthday in a ``datetime.date``. For a *lunar*
birthday that date is **not** a Gregorian date: its fields are the lunar
year, month and day exactly as the owner gave them. ``date(1990, 8, 15)`` with
``is_lunar=True`` means "born on 八月十五 of lunar year 1990", never
15 August 1990. Only month and day matter for computing birthdays.

A leap-month birthday (闰月) cannot be told apart in a ``date``; pass
``leap_month=True``. In years that have that leap month the birthday falls
in it; in other years it falls in the regular month of the same number.

Lunar months have at most 30 days, so every lunar month/day fits in a
``date`` except in February: 二月廿九 needs a leap stored year (the year is not
used, so e.g. ``date(2000, 2, 29)`` works) and 二月三十 never fits. For such
owners use :func:`lunar_birthday_in_year` / :func:`next_lunar_birthday`,
which take plain month/day integers.

Days that do not exist
----------------------
* Solar 29 February is celebrated on 28 February in non-leap years.
* Lunar day 30 in a year where that month has only 29 days falls back to the
  29th (the nearest real day, and still in the same month).

Which occurrence ``birthday_in_year`` returns
---------------------------------------------
Solar birthdays: the date in Gregorian ``year``. Lunar birthdays: the
occurrence in **lunar year** ``year`` (from that year's 正月初一 to its 除夕).
Each lunar year has exactly one, so iterating ``year`` visits every birthday
exactly once. The result lies between late January of ``year`` and
mid-February of ``year + 1``: 十一月/十二月 birthdays of lunar year ``year``
often fall in January of Gregorian ``year + 1`` (e.g. 腊月初八 of lunar 2025 is
2026-01-26). Because lunar years are 354-384 days long, a Gregorian year may
contain zero, one or two occurrences of such a birthday; use
:func:`birthdays_in_solar_year` to bucket by Gregorian year.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from bot.calendar._lunar import leap_month as _leap_month_of
from bot.calendar._lunar import lunar_to_solar, month_length


def _solar_in_year(month: int, day: int, year: int) -> date:
    if month == 2 and day == 29 and not _is_leap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@lru_cache(maxsize=1 << 16)
def lunar_birthday_in_year(month: int, day: int, lunar_year: int, leap_month: bool = False) -> date:
    """Gregorian date of lunar ``month``/``day`` in lunar year ``lunar_year``.

    ``leap_month`` marks a birthday in the leap month ``month`` (used only
    when ``lunar_year`` has that leap month). Day 30 falls back to 29 when the
    month is short. Raises ``ValueError`` for impossible inputs (month outside
    1-12, day outside 1-30).
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"invalid lunar birthday month={month} day={day}")
    leap = leap_month and _leap_month_of(lunar_year) == month
    real_day = min(day, month_length(lunar_year, month, leap))
    return lunar_to_solar(lunar_year, month, real_day, leap)


def next_lunar_birthday(month: int, day: int, on_or_after: date, leap_month: bool = False) -> date:
    """First Gregorian date on or after ``on_or_after`` that is lunar ``month``/``day``."""
    # Lunar year Y-1 reaches at most into February of Gregorian year Y, and lunar
    # year Y+1 starts after Gregorian year Y ends, so three candidates suffice.
    year = on_or_after.year
    for lunar_year in (year - 1, year, year + 1):
        found = lunar_birthday_in_year(month, day, lunar_year, leap_month)
        if found >= on_or_after:
            return found
    raise AssertionError("unreachable: a lunar date recurs within every lunar year")


def birthday_in_year(
    birthday: date, is_lunar: bool, year: int, *, leap_month: bool = False
) -> date:
    """The birthday's Gregorian date for ``year`` (see the module docstring for lunar rules).

    Solar: the date in Gregorian ``year`` (29 Feb -> 28 Feb in non-leap years).
    Lunar: the occurrence in lunar year ``year``, which may fall in January or
    February of Gregorian ``year + 1`` for 十一月/十二月 birthdays.
    """
    if is_lunar:
        return lunar_birthday_in_year(birthday.month, birthday.day, year, leap_month)
    return _solar_in_year(birthday.month, birthday.day, year)


def next_birthday(
    birthday: date, is_lunar: bool, on_or_after: date, *, leap_month: bool = False
) -> date:
    """First Gregorian date on or after ``on_or_after`` that is the birthday.

    ``birthday`` follows the storage convention in the module docstring.
    Returns ``on_or_after`` itself when that day is the birthday.
    """
    if is_lunar:
        return next_lunar_birthday(birthday.month, birthday.day, on_or_after, leap_month)
    this_year = _solar_in_year(birthday.month, birthday.day, on_or_after.year)
    if this_year >= on_or_after:
        return this_year
    return _solar_in_year(birthday.month, birthday.day, on_or_after.year + 1)


def birthdays_in_solar_year(
    birthday: date, is_lunar: bool, year: int, *, leap_month: bool = False
) -> list[date]:
    """All Gregorian dates in Gregorian ``year`` on which the birthday falls.

    Always exactly one for solar birthdays; zero, one or two for lunar ones
    (a lunar year is 354-384 days long). Sorted ascending.
    """
    if not is_lunar:
        return [_solar_in_year(birthday.month, birthday.day, year)]
    # Lunar year ``year - 1`` can reach into January/February of ``year``;
    # lunar year ``year`` always starts inside ``year``.
    candidates = (
        lunar_birthday_in_year(birthday.month, birthday.day, lunar_year, leap_month)
        for lunar_year in (year - 1, year)
    )
    return [found for found in candidates if found.year == year]
