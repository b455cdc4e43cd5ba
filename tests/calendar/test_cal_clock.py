"""WallClock, the BusinessClock protocol and the config factory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import BusinessCalendar, BusinessClock, WallClock, make_clock
from bot.calendar.config import parse_clock, parse_dates, parse_day_hours

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def test_wall_clock_is_plain_addition() -> None:
    clock = WallClock()
    friday = datetime(2026, 3, 6, 17, 30, tzinfo=SH)
    assert clock.add(friday, 2 * H) == datetime(2026, 3, 6, 19, 30, tzinfo=SH)
    assert clock.add(datetime(2026, 9, 30, 23, 0, tzinfo=SH), 24 * H) == datetime(
        2026, 10, 1, 23, 0, tzinfo=SH
    )
    assert clock.elapsed(friday, datetime(2026, 3, 9, 10, 30, tzinfo=SH)) == timedelta(
        days=2, hours=17
    )
    assert clock.is_open(datetime(2026, 10, 1, 3, 0, tzinfo=SH))
    assert clock.next_open(friday) == friday
    assert clock.current_closed_period(friday) is None
    assert clock.covers_year(2099) and clock.missing_years([2027]) == []
    with pytest.raises(ValueError):
        clock.add(friday, -H)


def test_wall_clock_rejects_naive_and_uses_real_time_across_dst() -> None:
    clock = WallClock("Europe/Berlin")
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.add(datetime(2026, 3, 6), H)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.elapsed(datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 7))
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 3, 29, 1, 30, tzinfo=berlin)
    assert clock.add(before, H) == datetime(2026, 3, 29, 3, 30, tzinfo=berlin)
    assert clock.add(before, H).hour == 3


def test_make_clock_modes() -> None:
    wall = make_clock({"mode": "wall_clock"})
    business = make_clock({"hours": {"mon": ("09:00", "18:00")}})
    assert isinstance(wall, WallClock) and isinstance(business, BusinessCalendar)
    assert isinstance(wall, BusinessClock) and isinstance(business, BusinessClock)
    friday = datetime(2026, 3, 6, 17, 0, tzinfo=SH)
    assert wall.add(friday, 2 * H) == datetime(2026, 3, 6, 19, 0, tzinfo=SH)
    assert business.add(friday, 2 * H) == datetime(2026, 3, 9, 11, 0, tzinfo=SH)
    with pytest.raises(ValueError, match="mode"):
        make_clock({"mode": "lunar"})


def test_parse_helpers() -> None:
    assert parse_clock("09:30") == timedelta(hours=9, minutes=30)
    assert parse_clock("24:00") == timedelta(hours=24)
    assert parse_day_hours(("09:00", "18:00")) == ((9 * H, 18 * H),)
    assert parse_day_hours([]) == ()
    for bad in ("24:01", "12:60", "noon", "-1:00"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    assert parse_dates(["2026-10-01"]) == parse_dates([datetime(2026, 10, 1).date()])
    with pytest.raises(ValueError):
        parse_dates([datetime(2026, 10, 1)])
