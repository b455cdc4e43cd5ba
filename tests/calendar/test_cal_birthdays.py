"""Solar and lunar birthdays, with known dates and invariants checked against lunar_python."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from lunar_python import Lunar, LunarMonth

from bot.calendar import _lunar
from bot.calendar.birthdays import (
    birthday_in_year,
    birthdays_in_solar_year,
    lunar_birthday_in_year,
    next_birthday,
    next_lunar_birthday,
)
from bot.calendar.holidays import holiday_date


def lunar_of(day: date) -> tuple[int, int, bool]:
    """(month, day, is_leap) of a Gregorian date, straight from the library."""
    _, month, d, leap = _lunar.solar_to_lunar(day)
    return month, d, leap


# -- solar ------------------------------------------------------------------------------


def test_solar_birthday_in_year() -> None:
    assert birthday_in_year(date(1985, 7, 3), False, 2026) == date(2026, 7, 3)


def test_solar_next_birthday_today_counts() -> None:
    assert next_birthday(date(1990, 3, 15), False, date(2026, 3, 15)) == date(2026, 3, 15)
    assert next_birthday(date(1990, 3, 15), False, date(2026, 3, 14)) == date(2026, 3, 15)
    assert next_birthday(date(1990, 3, 15), False, date(2026, 3, 16)) == date(2027, 3, 15)
    assert next_birthday(date(1990, 12, 31), False, date(2026, 12, 31)) == date(2026, 12, 31)
    assert next_birthday(date(1990, 1, 1), False, date(2026, 12, 31)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, date(2024, 2, 29)),
        (2026, date(2026, 2, 28)),
        (2100, date(2100, 2, 28)),
        (2000, date(2000, 2, 29)),
    ],
)
def test_solar_29_february(year: int, expected: date) -> None:
    assert birthday_in_year(date(2000, 2, 29), False, year) == expected


def test_solar_29_february_next() -> None:
    leapling = date(1996, 2, 29)
    assert next_birthday(leapling, False, date(2026, 2, 28)) == date(2026, 2, 28)
    assert next_birthday(leapling, False, date(2026, 3, 1)) == date(2027, 2, 28)
    assert next_birthday(leapling, False, date(2027, 3, 1)) == date(2028, 2, 29)
    assert birthdays_in_solar_year(leapling, False, 2027) == [date(2027, 2, 28)]


# -- lunar ------------------------------------------------------------------------------


def test_lunar_storage_convention_month_and_day_are_lunar() -> None:
    # 八月十五 stored as date(1990, 8, 15): the 2026 birthday is 中秋 2026.
    assert birthday_in_year(date(1990, 8, 15), True, 2026) == date(2026, 9, 25)
    assert next_birthday(date(1990, 8, 15), True, date(2026, 1, 1)) == date(2026, 9, 25)
    assert next_birthday(date(1990, 8, 15), True, date(2026, 9, 26)) == date(2027, 9, 15)
    # The stored year is irrelevant.
    assert birthday_in_year(date(1955, 8, 15), True, 2026) == date(2026, 9, 25)


@pytest.mark.parametrize("year", range(1990, 2060))
def test_lunar_new_year_birthday_is_spring_festival(year: int) -> None:
    assert birthday_in_year(date(1970, 1, 1), True, year) == holiday_date("spring_festival", year)


def test_thirtieth_falls_back_to_twenty_ninth() -> None:
    # 腊月 of lunar 2025 has 29 days: a 腊月三十 birthday is on 腊月廿九 = 除夕 2026.
    assert LunarMonth.fromYm(2025, 12).getDayCount() == 29
    assert birthday_in_year(date(1980, 12, 30), True, 2025) == date(2026, 2, 16)
    assert lunar_of(date(2026, 2, 16)) == (12, 29, False)
    # 腊月 of lunar 2029 has 30 days: the real 三十.
    assert birthday_in_year(date(1980, 12, 30), True, 2029) == date(2030, 2, 2)
    assert lunar_of(date(2030, 2, 2)) == (12, 30, False)


def test_leap_month_birthday() -> None:
    # Lunar 2025 has a leap sixth month (闰六月); 2026 has no leap month.
    assert _lunar.leap_month(2025) == 6 and _lunar.leap_month(2026) == 0
    assert lunar_birthday_in_year(6, 1, 2025, leap_month=True) == date(2025, 7, 25)
    assert lunar_birthday_in_year(6, 1, 2025) == date(2025, 6, 25)
    born = date(1987, 6, 10)  # 1987 also had a leap sixth month
    assert birthday_in_year(born, True, 2025, leap_month=True) == date(2025, 8, 3)
    assert lunar_of(date(2025, 8, 3)) == (6, 10, True)
    assert birthday_in_year(born, True, 2025) == date(2025, 7, 4)
    # Without a leap sixth month the regular sixth month is used.
    assert birthday_in_year(born, True, 2026, leap_month=True) == date(2026, 7, 23)
    assert birthday_in_year(born, True, 2026, leap_month=True) == birthday_in_year(born, True, 2026)
    # A leap flag for a month that is not that year's leap month is ignored.
    assert birthday_in_year(date(1990, 3, 3), True, 2025, leap_month=True) == birthday_in_year(
        date(1990, 3, 3), True, 2025
    )


def test_leap_month_thirtieth_falls_back() -> None:
    assert LunarMonth.fromYm(2025, -6).getDayCount() == 29
    assert lunar_birthday_in_year(6, 30, 2025, leap_month=True) == lunar_birthday_in_year(
        6, 29, 2025, leap_month=True
    )


def test_next_lunar_birthday_leap_month_order() -> None:
    # From 2025-07-10: regular 六月初十 (2025-07-04) is past, 闰六月初十 (2025-08-03) is next.
    assert next_birthday(date(1987, 6, 10), True, date(2025, 7, 10), leap_month=True) == date(
        2025, 8, 3
    )
    assert next_birthday(date(1987, 6, 10), True, date(2025, 7, 10)) == date(2026, 7, 23)


def test_twelfth_month_birthday_falls_in_next_gregorian_year() -> None:
    laba = date(1990, 12, 8)  # 腊月初八
    assert birthday_in_year(laba, True, 2025) == date(2026, 1, 26)
    assert birthday_in_year(laba, True, 2026).year == 2027
    assert next_birthday(laba, True, date(2026, 1, 1)) == date(2026, 1, 26)
    assert next_birthday(laba, True, date(2026, 1, 27)) == birthday_in_year(laba, True, 2026)


def test_lunar_birthday_in_year_stays_in_lunar_year() -> None:
    for year in range(2000, 2050):
        for month, day in [(1, 1), (6, 15), (11, 20), (12, 29)]:
            found = birthday_in_year(date(1990, month, day), True, year)
            assert holiday_date("spring_festival", year) <= found
            assert found < holiday_date("spring_festival", year + 1)


def test_birthdays_in_solar_year_zero_one_or_two() -> None:
    b = date(1990, 11, 15)  # 冬月十五
    assert birthdays_in_solar_year(b, True, 2026) == [date(2026, 1, 3), date(2026, 12, 23)]
    assert birthdays_in_solar_year(b, True, 2025) == []  # lunar 2025 is 384 days long
    assert birthdays_in_solar_year(date(1990, 8, 15), True, 2026) == [date(2026, 9, 25)]


def test_birthdays_in_solar_year_lists_every_occurrence_once() -> None:
    b = date(1990, 12, 1)
    by_lunar_year = [birthday_in_year(b, True, y) for y in range(2020, 2040)]
    by_solar_year = [d for y in range(2021, 2040) for d in birthdays_in_solar_year(b, True, y)]
    window = [d for d in by_lunar_year if 2021 <= d.year < 2040]
    assert by_solar_year == window


def test_next_lunar_birthday_is_first_matching_day() -> None:
    rng = random.Random(20260101)
    for _ in range(80):
        month, day = rng.randint(1, 12), rng.randint(1, 30)
        start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 730))
        found = next_lunar_birthday(month, day, start)
        assert found >= start
        m, d, leap = lunar_of(found)
        assert not leap and m == month and d in (day, 29)
        # No earlier day in [start, found) is this lunar month/day (or its day-29 fallback).
        probe = start
        while probe < found:
            lunar_year, pm, pd, pleap = _lunar.solar_to_lunar(probe)
            if not pleap and pm == month:
                assert pd != min(day, _lunar.month_length(lunar_year, month)), probe
            probe += timedelta(days=1)


def test_solar_to_lunar_matches_library() -> None:
    lunar = Lunar.fromYmd(2026, 8, 15)
    assert _lunar.solar_to_lunar(date(2026, 9, 25)) == (2026, 8, 15, False)
    assert lunar.getSolar().toYmd() == "2026-09-25"


@pytest.mark.parametrize(("month", "day"), [(0, 1), (13, 1), (1, 0), (1, 31)])
def test_invalid_lunar_birthday(month: int, day: int) -> None:
    with pytest.raises(ValueError):
        lunar_birthday_in_year(month, day, 2026)


def test_lunar_conversions_are_cached_per_month_and_day() -> None:
    """A million-person precomputation must not hit the slow library once per person."""
    lunar_birthday_in_year.cache_clear()
    _lunar.lunar_to_solar.cache_clear()
    rng = random.Random(7)
    people = [
        (
            date(1960 + rng.randint(0, 40), rng.randint(1, 12), rng.randint(1, 28)),
            rng.random() < 0.5,
        )
        for _ in range(20_000)
    ]
    for birthday, is_lunar in people:
        birthday_in_year(birthday, is_lunar, 2026)
    assert _lunar.lunar_to_solar.cache_info().misses <= 12 * 28
    assert lunar_birthday_in_year.cache_info().misses <= 12 * 28
