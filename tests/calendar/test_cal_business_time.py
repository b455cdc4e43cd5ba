"""BusinessCalendar against chinese_calendar's 2026 data (国庆, 中秋, 春节, 调休) and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bot.calendar.business_time import BusinessCalendar, library_covers_year

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
WEEKDAYS_9_18 = {d: ("09:00", "18:00") for d in ("mon", "tue", "wed", "thu", "fri")}


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def cal() -> BusinessCalendar:
    return BusinessCalendar(WEEKDAYS_9_18)


@pytest.fixture
def six_day() -> BusinessCalendar:
    return BusinessCalendar({**WEEKDAYS_9_18, "sat": ("09:00", "17:00")})


# -- library facts the tests rely on ------------------------------------------------------


def test_library_has_2026_data_and_not_2027() -> None:
    assert library_covers_year(2004) and library_covers_year(2026)
    assert not library_covers_year(2003) and not library_covers_year(2027)
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 7)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 20)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 14)) == (False, "Spring Festival")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


# -- weekends and plain weeks -------------------------------------------------------------


def test_two_hours_from_friday_evening_is_monday_morning(cal: BusinessCalendar) -> None:
    assert cal.add(at(2026, 3, 6, 17, 30), 2 * H) == at(2026, 3, 9, 10, 30)


def test_add_within_a_day_and_landing_on_close(cal: BusinessCalendar) -> None:
    assert cal.add(at(2026, 3, 9, 9), 3 * H) == at(2026, 3, 9, 12)
    assert cal.add(at(2026, 3, 9, 16), 2 * H) == at(2026, 3, 9, 18)  # not 09:00 next day
    assert cal.add(at(2026, 3, 9, 16), 2 * H + timedelta(seconds=1)) == datetime(
        2026, 3, 10, 9, 0, 1, tzinfo=SH
    )


def test_add_from_closed_time_starts_at_opening(cal: BusinessCalendar) -> None:
    assert cal.add(at(2026, 3, 7, 12), 2 * H) == at(2026, 3, 9, 11)  # Saturday
    assert cal.add(at(2026, 3, 9, 3), H) == at(2026, 3, 9, 10)  # before opening


def test_add_many_days(cal: BusinessCalendar) -> None:
    # 24 business hours from Monday 09:00 = 2 days 6 hours of 9-hour days.
    assert cal.add(at(2026, 3, 9, 9), 24 * H) == at(2026, 3, 11, 15)
    # One business week (45 h) from Monday 09:00 ends Friday 18:00.
    assert cal.add(at(2026, 3, 9, 9), 45 * H) == at(2026, 3, 13, 18)


def test_add_zero_and_negative(cal: BusinessCalendar) -> None:
    saturday = at(2026, 3, 7, 12)
    assert cal.add(saturday, timedelta(0)) == saturday
    with pytest.raises(ValueError):
        cal.add(saturday, -H)


def test_saturday_hours(six_day: BusinessCalendar) -> None:
    assert six_day.add(at(2026, 3, 6, 17, 30), 2 * H) == at(2026, 3, 7, 10, 30)
    assert six_day.add(at(2026, 3, 7, 16), 2 * H) == at(2026, 3, 9, 10)
    assert six_day.is_open(at(2026, 3, 7, 16, 59)) and not six_day.is_open(at(2026, 3, 7, 17))


def test_is_open_boundaries(cal: BusinessCalendar) -> None:
    assert not cal.is_open(at(2026, 3, 9, 8, 59))
    assert cal.is_open(at(2026, 3, 9, 9))
    assert cal.is_open(datetime(2026, 3, 9, 17, 59, 59, 999999, tzinfo=SH))
    assert not cal.is_open(at(2026, 3, 9, 18))
    assert not cal.is_open(at(2026, 3, 8, 12))  # Sunday


def test_next_open(cal: BusinessCalendar) -> None:
    assert cal.next_open(at(2026, 3, 9, 10)) == at(2026, 3, 9, 10)
    assert cal.next_open(at(2026, 3, 9, 18)) == at(2026, 3, 10, 9)
    assert cal.next_open(at(2026, 3, 6, 23, 59)) == at(2026, 3, 9, 9)
    assert cal.next_open(at(2026, 3, 9, 0)) == at(2026, 3, 9, 9)


def test_elapsed(cal: BusinessCalendar) -> None:
    assert cal.elapsed(at(2026, 3, 6, 17, 30), at(2026, 3, 9, 10, 30)) == 2 * H
    assert cal.elapsed(at(2026, 3, 7, 0), at(2026, 3, 8, 23)) == timedelta(0)
    assert cal.elapsed(at(2026, 3, 9, 10, 30), at(2026, 3, 6, 17, 30)) == -2 * H
    assert cal.elapsed(at(2026, 3, 9, 12), at(2026, 3, 9, 12)) == timedelta(0)
    assert cal.elapsed(at(2026, 3, 9, 0), at(2026, 3, 16, 0)) == 45 * H


def test_elapsed_inverts_add(cal: BusinessCalendar) -> None:
    start = at(2026, 9, 18, 16, 45)
    for hours in (0.5, 2, 9, 24, 100):
        due = cal.add(start, timedelta(hours=hours))
        assert cal.elapsed(start, due) == timedelta(hours=hours)


def test_current_closed_period_weekend(cal: BusinessCalendar) -> None:
    period = (at(2026, 3, 6, 18), at(2026, 3, 9, 9))
    assert cal.current_closed_period(at(2026, 3, 6, 18)) == period
    assert cal.current_closed_period(at(2026, 3, 7, 12)) == period
    assert cal.current_closed_period(at(2026, 3, 9, 8, 59)) == period
    assert cal.current_closed_period(at(2026, 3, 9, 9)) is None
    assert cal.current_closed_period(at(2026, 3, 10, 7)) == (at(2026, 3, 9, 18), at(2026, 3, 10, 9))


# -- 国庆 / 中秋 2026 and 调休 ------------------------------------------------------------


def test_national_day_week_2026(cal: BusinessCalendar) -> None:
    # Wed 30 Sep 17:00 + 2h: one hour left before the 1-7 October holiday, resumes Thu 8 Oct.
    assert cal.add(at(2026, 9, 30, 17), 2 * H) == at(2026, 10, 8, 10)
    assert not cal.is_open(at(2026, 10, 5, 10))  # a Monday inside the holiday
    assert cal.day_info(date(2026, 10, 5)).reason == "statutory_holiday"
    assert cal.day_info(date(2026, 10, 5)).holiday_name == "National Day"
    assert cal.elapsed(at(2026, 9, 30, 9), at(2026, 10, 8, 18)) == 18 * H
    assert cal.current_closed_period(at(2026, 10, 3, 12)) == (
        at(2026, 9, 30, 18),
        at(2026, 10, 8, 9),
    )


def test_makeup_saturday_after_national_day_is_a_workday(cal: BusinessCalendar) -> None:
    info = cal.day_info(date(2026, 10, 10))
    assert info.reason == "makeup_workday" and info.is_open_day
    assert cal.add(at(2026, 10, 9, 17), 2 * H) == at(2026, 10, 10, 10)
    assert cal.is_open(at(2026, 10, 10, 17, 30))  # Monday hours apply, not closed
    assert not cal.is_open(at(2026, 10, 11, 10))  # the Sunday after is a normal weekend


def test_makeup_sunday_and_mid_autumn_2026(cal: BusinessCalendar) -> None:
    assert cal.add(at(2026, 9, 18, 17), 2 * H) == at(2026, 9, 20, 10)  # 调休 Sunday
    # 中秋 Fri 25 - Sun 27 September.
    assert cal.add(at(2026, 9, 24, 17), 2 * H) == at(2026, 9, 28, 10)
    assert cal.day_info(date(2026, 9, 25)).holiday_name == "Mid-autumn Festival"


def test_statutory_holiday_closes_a_normally_open_saturday(six_day: BusinessCalendar) -> None:
    assert six_day.is_open(at(2026, 9, 19, 10))  # ordinary Saturday
    assert not six_day.is_open(at(2026, 10, 3, 10))  # Saturday inside 国庆
    # A makeup Saturday keeps that weekday's own (Saturday) hours.
    assert six_day.is_open(at(2026, 10, 10, 16)) and not six_day.is_open(at(2026, 10, 10, 17))


def test_spring_festival_2026(cal: BusinessCalendar) -> None:
    # Sat 14 Feb is a makeup workday; 15-23 Feb is the holiday; Sat 28 Feb a makeup day.
    assert cal.add(at(2026, 2, 13, 17), 2 * H) == at(2026, 2, 14, 10)
    assert cal.add(at(2026, 2, 14, 17, 30), H) == at(2026, 2, 24, 9, 30)
    assert cal.current_closed_period(at(2026, 2, 17, 0)) == (
        at(2026, 2, 14, 18),
        at(2026, 2, 24, 9),
    )
    assert cal.elapsed(at(2026, 2, 14, 0), at(2026, 3, 1, 0)) == 9 * H * 6  # 14th and 24th-28th


def test_statutory_holidays_can_be_ignored() -> None:
    plain = BusinessCalendar(WEEKDAYS_9_18, statutory_holidays=False)
    assert plain.is_open(at(2026, 10, 5, 10))
    assert not plain.is_open(at(2026, 10, 10, 10))
    assert plain.covers_year(2027) and plain.missing_years([2027, 2030]) == []


# -- overrides and missing years ------------------------------------------------------------


def test_overrides_win_over_the_library() -> None:
    cal = BusinessCalendar(
        WEEKDAYS_9_18,
        extra_holidays=[date(2026, 10, 8), "2026-10-09"],
        extra_workdays=[date(2026, 10, 2)],
    )
    assert cal.day_info(date(2026, 10, 8)).reason == "extra_holiday"
    assert not cal.is_open(at(2026, 10, 9, 10))
    assert (
        cal.is_open(at(2026, 10, 2, 10))
        and cal.day_info(date(2026, 10, 2)).reason == "extra_workday"
    )
    assert cal.add(at(2026, 9, 30, 17), 2 * H) == at(2026, 10, 2, 10)
    assert cal.add(at(2026, 10, 2, 17), 2 * H) == at(2026, 10, 10, 10)


def test_extra_workday_on_closed_weekday_uses_workday_hours() -> None:
    cal = BusinessCalendar(
        WEEKDAYS_9_18, extra_workdays=[date(2026, 3, 8)], workday_hours=("10:00", "16:00")
    )
    assert cal.day_info(date(2026, 3, 8)).intervals == ((10 * H, 16 * H),)
    assert cal.next_open(at(2026, 3, 8, 0)) == at(2026, 3, 8, 10)


def test_conflicting_overrides_rejected() -> None:
    with pytest.raises(ValueError, match="both"):
        BusinessCalendar(
            WEEKDAYS_9_18, extra_holidays=[date(2026, 1, 2)], extra_workdays=["2026-01-02"]
        )


def test_uncovered_year_falls_back_to_weekends_only(cal: BusinessCalendar) -> None:
    # 2027: no library data yet. 8 Feb 2027 (Mon) is in the real Spring Festival break,
    # but without data it is an ordinary Monday; 6 Feb 2027 is a Saturday.
    assert not cal.covers_year(2027)
    assert cal.is_open(at(2027, 2, 8, 10))
    assert cal.day_info(date(2027, 2, 8)).reason == "regular"
    assert not cal.is_open(at(2027, 2, 6, 10))
    assert cal.add(at(2027, 2, 5, 17, 30), 2 * H) == at(2027, 2, 8, 10, 30)


def test_missing_years(cal: BusinessCalendar) -> None:
    assert cal.missing_years([2026, 2025, 2027, 2003, 2027]) == [2003, 2027]
    assert cal.missing_years(now=at(2026, 11, 20)) == [2027]
    assert cal.missing_years(now=at(2025, 6, 1)) == []
    # 23:30 UTC on 31 Dec 2025 is already 2026 in Shanghai.
    assert cal.missing_years(now=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == [2027]


def test_override_years_fill_the_gap() -> None:
    cal = BusinessCalendar(
        WEEKDAYS_9_18,
        extra_holidays=[date(2027, 2, d) for d in range(6, 14)],
        override_years=[2027],
    )
    assert cal.covers_year(2027) and cal.missing_years([2026, 2027, 2028]) == [2028]
    assert not cal.is_open(at(2027, 2, 8, 10))
    assert cal.add(at(2027, 2, 5, 17, 30), 2 * H) == at(2027, 2, 15, 10, 30)


# -- timezones, midnight, validation --------------------------------------------------------


def test_naive_datetimes_rejected(cal: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 9, 10)
    for call in (
        lambda: cal.is_open(naive),
        lambda: cal.add(naive, H),
        lambda: cal.next_open(naive),
        lambda: cal.current_closed_period(naive),
        lambda: cal.elapsed(naive, at(2026, 3, 9, 11)),
        lambda: cal.elapsed(at(2026, 3, 9, 11), naive),
        lambda: cal.missing_years(now=naive),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


def test_other_timezone_inputs_and_results(cal: BusinessCalendar) -> None:
    # 01:00 UTC = 09:00 Shanghai (UTC+8 all year, no DST).
    monday_utc = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert cal.is_open(monday_utc)
    assert not cal.is_open(monday_utc - timedelta(seconds=1))
    due = cal.add(datetime(2026, 3, 6, 9, 30, tzinfo=UTC), 2 * H)  # Fri 17:30 Shanghai
    assert due == at(2026, 3, 9, 10, 30)
    assert due.tzinfo == SH and due.hour == 10
    # Friday 23:00 UTC is already Saturday 07:00 in Shanghai.
    assert not cal.is_open(datetime(2026, 3, 6, 23, 0, tzinfo=UTC))


def test_midnight_boundaries() -> None:
    weekend_24h = BusinessCalendar(
        {"sat": ("00:00", "24:00"), "sun": ("00:00", "24:00"), "mon": ("09:00", "18:00")},
        statutory_holidays=False,
    )
    assert weekend_24h.is_open(at(2026, 3, 7, 0)) and weekend_24h.is_open(at(2026, 3, 8, 23, 59))
    assert not weekend_24h.is_open(at(2026, 3, 9, 0))
    assert weekend_24h.add(at(2026, 3, 7, 23), 2 * H) == at(2026, 3, 8, 1)
    assert weekend_24h.add(at(2026, 3, 8, 23), 2 * H) == at(2026, 3, 9, 10)
    assert weekend_24h.elapsed(at(2026, 3, 7, 22), at(2026, 3, 8, 2)) == 4 * H
    assert weekend_24h.current_closed_period(at(2026, 3, 9, 0)) == (
        at(2026, 3, 9, 0),
        at(2026, 3, 9, 9),
    )
    assert weekend_24h.current_closed_period(at(2026, 3, 9, 20)) == (
        at(2026, 3, 9, 18),
        at(2026, 3, 14, 0),
    )


def test_lunch_break() -> None:
    cal = BusinessCalendar(
        {"mon": [("09:00", "12:00"), ("13:30", "18:00")]}, statutory_holidays=False
    )
    assert not cal.is_open(at(2026, 3, 9, 12, 30))
    assert cal.add(at(2026, 3, 9, 11), 2 * H) == at(2026, 3, 9, 14, 30)
    assert cal.current_closed_period(at(2026, 3, 9, 13)) == (
        at(2026, 3, 9, 12),
        at(2026, 3, 9, 13, 30),
    )
    assert cal.elapsed(at(2026, 3, 9, 0), at(2026, 3, 10, 0)) == 7.5 * H


def test_dst_zone_counts_real_time() -> None:
    # Berlin springs forward on Sunday 29 March 2026: that day has 23 hours.
    berlin = ZoneInfo("Europe/Berlin")
    cal = BusinessCalendar(
        {"sun": ("00:00", "24:00")}, timezone="Europe/Berlin", statutory_holidays=False
    )
    start = datetime(2026, 3, 29, 0, 0, tzinfo=berlin)
    assert cal.elapsed(start, datetime(2026, 3, 30, 0, 0, tzinfo=berlin)) == 23 * H
    assert cal.add(start, 3 * H) == datetime(2026, 3, 29, 4, 0, tzinfo=berlin)


def test_from_config() -> None:
    cal = BusinessCalendar.from_config(
        {
            "hours": {"Monday": ("09:00", "18:00"), "sat": ["09:00", "17:00"]},
            "timezone": "Asia/Shanghai",
            "extra_holidays": ["2026-03-09"],
        }
    )
    assert not cal.is_open(at(2026, 3, 9, 10)) and cal.is_open(at(2026, 3, 7, 10))
    with pytest.raises(ValueError, match="unknown"):
        BusinessCalendar.from_config({"hours": WEEKDAYS_9_18, "tz": "UTC"})
    with pytest.raises(ValueError, match="hours"):
        BusinessCalendar.from_config({"timezone": "UTC"})


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"funday": ("09:00", "18:00")},
        {"mon": ("18:00", "09:00")},
        {"mon": ("09:00", "25:00")},
        {"mon": ("9", "18")},
        {"mon": [("09:00", "13:00"), ("12:00", "18:00")]},
        {"mon": ("09:00",)},
    ],
)
def test_bad_hours_rejected(hours: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(hours)  # type: ignore[arg-type]


def test_calendar_that_never_opens_raises_instead_of_looping() -> None:
    cal = BusinessCalendar(
        {"mon": ("09:00", "18:00")},
        extra_holidays=[date(2026, 1, 1) + timedelta(days=i) for i in range(800)],
    )
    with pytest.raises(ValueError, match="no open hours"):
        cal.next_open(at(2026, 1, 1))
