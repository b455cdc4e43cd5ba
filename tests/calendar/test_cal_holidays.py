"""Greeting holidays: dates checked against known calendars and against chinese_calendar."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from lunar_python import Lunar, LunarMonth, Solar

from bot.calendar import holidays as hol
from bot.calendar.holidays import (
    ALL_CODES,
    DEFAULT_CODES,
    HOLIDAYS,
    greeting,
    holiday_date,
    holidays_in_year,
    holidays_on,
)


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("spring_festival", 2025, date(2025, 1, 29)),
        ("spring_festival", 2026, date(2026, 2, 17)),
        ("spring_festival", 2027, date(2027, 2, 6)),
        ("chuxi", 2025, date(2025, 1, 28)),
        ("chuxi", 2026, date(2026, 2, 16)),
        ("chuxi", 2027, date(2027, 2, 5)),
        ("chuxi", 2030, date(2030, 2, 2)),
        ("lantern", 2026, date(2026, 3, 3)),
        ("qingming", 2025, date(2025, 4, 4)),
        ("qingming", 2026, date(2026, 4, 5)),
        ("dragon_boat", 2025, date(2025, 5, 31)),
        ("dragon_boat", 2026, date(2026, 6, 19)),
        ("qixi", 2026, date(2026, 8, 19)),
        ("mid_autumn", 2025, date(2025, 10, 6)),
        ("mid_autumn", 2026, date(2026, 9, 25)),
        ("mid_autumn", 2027, date(2027, 9, 15)),
        ("double_ninth", 2026, date(2026, 10, 18)),
        ("new_year", 2026, date(2026, 1, 1)),
        ("labour_day", 2026, date(2026, 5, 1)),
        ("national_day", 2026, date(2026, 10, 1)),
    ],
)
def test_known_dates(code: str, year: int, expected: date) -> None:
    assert holiday_date(code, year) == expected


@pytest.mark.parametrize("year", range(2025, 2030))
def test_chuxi_is_twenty_ninth_of_twelfth_month_2025_to_2029(year: int) -> None:
    eve = holiday_date("chuxi", year)
    lunar = Lunar.fromSolar(Solar.fromYmd(eve.year, eve.month, eve.day))
    assert (lunar.getMonth(), lunar.getDay()) == (12, 29)
    assert LunarMonth.fromYm(year - 1, 12).getDayCount() == 29  # 腊月三十 does not exist


def test_chuxi_is_thirtieth_when_the_month_is_long() -> None:
    eve = holiday_date("chuxi", 2030)
    lunar = Lunar.fromSolar(Solar.fromYmd(eve.year, eve.month, eve.day))
    assert (lunar.getMonth(), lunar.getDay()) == (12, 30)


@pytest.mark.parametrize("year", range(1950, 2101, 7))
def test_every_holiday_falls_in_its_year_and_matches_the_lunar_library(year: int) -> None:
    for code in ALL_CODES:
        day = holiday_date(code, year)
        assert day.year == year, code
        h = HOLIDAYS[code]
        lunar = Lunar.fromSolar(Solar.fromYmd(day.year, day.month, day.day))
        if h.rule == "lunar":
            assert (lunar.getMonth(), lunar.getDay()) == (h.month, h.day), code
        elif h.rule == "lunar_new_year_eve":
            assert day + timedelta(days=1) == holiday_date("spring_festival", year)
            assert lunar.getMonth() == 12
        elif h.rule == "solar_term":
            assert lunar.getJieQi() == "清明"


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_festivals_agree_with_statutory_holiday_data(year: int) -> None:
    """chinese_calendar is an independent source: festival days are in the named holiday block."""
    expectations = {
        "spring_festival": "Spring Festival",
        "qingming": "Tomb-sweeping Day",
        "dragon_boat": "Dragon Boat Festival",
        "mid_autumn": "Mid-autumn Festival",
        "national_day": "National Day",
        "labour_day": "Labour Day",
        "new_year": "New Year's Day",
    }
    for code, name in expectations.items():
        day = holiday_date(code, year)
        is_holiday, found = chinese_calendar.get_holiday_detail(day)
        assert is_holiday, (code, day)
        if code == "mid_autumn" and found == "National Day":
            continue  # 2020: 中秋 on 1 October, merged into the National Day block
        # Weekend days inside a block are not always listed by name (e.g. 端午 2012-06-23).
        assert found == name or (found is None and day.weekday() >= 5), (code, day, found)


def test_catalogue_names_and_greetings() -> None:
    assert set(DEFAULT_CODES) | {"qixi", "double_ninth"} == set(ALL_CODES)
    assert "qixi" not in DEFAULT_CODES and "double_ninth" not in DEFAULT_CODES
    assert HOLIDAYS["chuxi"].name_zh == "除夕"
    assert HOLIDAYS["mid_autumn"].name_en == "Mid-Autumn Festival"
    for h in HOLIDAYS.values():
        assert h.name_zh and h.name_en
        assert "{name}" in h.greeting_zh and "{name}" in h.greeting_en
    assert "快乐" not in HOLIDAYS["qingming"].greeting_zh
    assert "happy" not in HOLIDAYS["qingming"].greeting_en.lower()
    assert "remembrance" in HOLIDAYS["qingming"].greeting_en


def test_greeting_renders_name() -> None:
    assert greeting("spring_festival", "王先生").startswith("王先生，新春快乐")
    assert greeting("mid_autumn", "Ms Li", "en") == (
        "Happy Mid-Autumn Festival, Ms Li! May the full moon bring your family together."
    )
    with pytest.raises(ValueError):
        greeting("mid_autumn", "Ms Li", "fr")


def test_holidays_in_year_default_codes() -> None:
    table = holidays_in_year(2026)
    assert list(table) == sorted(table)
    assert table[date(2026, 2, 16)] == ["chuxi"]
    assert table[date(2026, 2, 17)] == ["spring_festival"]
    assert table[date(2026, 4, 5)] == ["qingming"]
    assert date(2026, 8, 19) not in table  # 七夕 is optional
    assert len(table) == len(DEFAULT_CODES)


def test_holidays_in_year_merges_codes_sharing_a_day() -> None:
    # 2020: 中秋 fell on 1 October.
    table = holidays_in_year(2020, ["national_day", "mid_autumn", "qixi"])
    assert table[date(2020, 10, 1)] == ["national_day", "mid_autumn"]
    assert table[date(2020, 8, 25)] == ["qixi"]
    assert holidays_on(date(2020, 10, 1), ["mid_autumn", "national_day"]) == [
        "mid_autumn",
        "national_day",
    ]


def test_holidays_in_year_returns_fresh_lists() -> None:
    holidays_in_year(2026)[date(2026, 1, 1)].append("mutated")
    assert holidays_in_year(2026)[date(2026, 1, 1)] == ["new_year"]


def test_holidays_on() -> None:
    assert holidays_on(date(2026, 9, 25)) == ["mid_autumn"]
    assert holidays_on(date(2026, 9, 24)) == []
    assert holidays_on(date(2026, 8, 19)) == []
    assert holidays_on(date(2026, 8, 19), ALL_CODES) == ["qixi"]
    assert holidays_on(date(2026, 8, 19), "qixi") == ["qixi"]  # a lone code string
    assert holidays_on(date(2027, 2, 5), iter(["chuxi"])) == ["chuxi"]


def test_unknown_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown holiday code"):
        holiday_date("christmas", 2026)
    with pytest.raises(ValueError):
        holidays_in_year(2026, ["new_year", "christmas"])


def test_lookups_are_cached() -> None:
    hol.holiday_date.cache_clear()
    for _ in range(1000):
        holiday_date("mid_autumn", 2031)
    info = hol.holiday_date.cache_info()
    assert info.misses == 1 and info.hits == 999
