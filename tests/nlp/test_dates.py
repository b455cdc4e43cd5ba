from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlp import TimeExpr, format_when, parse_when

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a Wednesday


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def parse(text: str, **kw: object) -> TimeExpr:
    e = parse_when(text, NOW, **kw)  # type: ignore[arg-type]
    assert e is not None, text
    return e


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("明天下午3点", at(2026, 11, 19, 15)),
        ("下周三上午10点", at(2026, 11, 25, 10)),
        ("3月5号", at(2027, 3, 5)),
        ("3月5日下午两点", at(2027, 3, 5, 14)),
        ("今天晚上八点", at(2026, 11, 18, 20)),
        ("明早9点", at(2026, 11, 19, 9)),
        ("周六", at(2026, 11, 21)),
        ("星期六", at(2026, 11, 21)),
        ("礼拜六下午三点半", at(2026, 11, 21, 15, 30)),
        ("两小时后", at(2026, 11, 18, 12)),
        ("半小时后", at(2026, 11, 18, 10, 30)),
        ("农历八月十五", at(2027, 9, 15)),
        ("十一月二十三号上午九点", at(2026, 11, 23, 9)),
        ("tomorrow 3pm", at(2026, 11, 19, 15)),
        ("next friday 10am", at(2026, 11, 27, 10)),
        ("in 2 hours", at(2026, 11, 18, 12)),
        ("3点", at(2026, 11, 18, 15)),  # 3 o'clock already passed this morning -> afternoon
        ("晚上12点", at(2026, 11, 19, 0)),
        ("那就明天下午3点过来吧", at(2026, 11, 19, 15)),
        ("明天下午3點", at(2026, 11, 19, 15)),
    ],
)
def test_points(text: str, start: datetime) -> None:
    e = parse(text)
    assert e.kind == "point"
    assert e.start == start
    assert e.start.tzinfo is not None
    assert e.start > NOW


def test_range_day_part() -> None:
    e = parse("后天上午")
    assert (e.kind, e.start, e.end) == ("range", at(2026, 11, 20, 9), at(2026, 11, 20, 12))
    assert format_when(e) == "11月20日（周五）上午 09:00–12:00"
    assert format_when(e, "en") == "Fri 20 Nov 09:00–12:00"


def test_deadline_month_end() -> None:
    e = parse("月底前")
    assert e.kind == "deadline"
    assert e.start == NOW
    assert e.end is not None and e.end.date() == at(2026, 11, 30).date()


def test_text_is_the_matched_part() -> None:
    assert parse("那就明天下午3点过来吧").text == "明天下午3点"


def test_birthdays_in_the_past() -> None:
    assert parse("1990年3月5日", mode="past").start == at(1990, 3, 5)
    assert parse("1990-03-05", mode="birthday").start == at(1990, 3, 5)
    assert parse("3月5日", mode="past").start == at(2026, 3, 5)
    assert parse("农历八月十五", mode="past").start == at(2026, 9, 25)


def test_future_mode_rejects_explicit_past() -> None:
    assert parse_when("1990年3月5日", NOW) is None
    assert parse_when("昨天下午3点", NOW) is None


def test_not_understood() -> None:
    for text in ("随便", "", "漏水了", "5号楼漏水"):
        assert parse_when(text, NOW) is None, text


def test_naive_now_and_other_timezone() -> None:
    e = parse_when("明天下午3点", datetime(2026, 11, 18, 10, 0))
    assert e is not None and e.start == at(2026, 11, 19, 15)
    e = parse_when("明天下午3点", NOW, tz="Europe/London")
    assert e is not None and e.start.utcoffset() is not None and e.start.hour == 15


def test_format_when() -> None:
    assert format_when(parse("明天下午3点")) == "11月19日（周四）15:00"
    assert format_when(parse("明天下午3点"), "en") == "Thu 19 Nov 15:00"
    assert format_when(parse("周六")) == "11月21日（周六）"
