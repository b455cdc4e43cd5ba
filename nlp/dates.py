"""Owner-speak dates and times -> timezone-aware datetimes ("明天下午3点", "农历八月十五", "tomorrow 3pm").

Everything is relative to an injected ``now``. In ``mode="future"`` (appointments) an
expression without a year or week is moved forward to its next occurrence and an explicit
past time is rejected; ``mode="past"`` (or ``"birthday"``) does the opposite; ``"any"``
takes the expression literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from nlp.dates_core import Found, find_expression, lunar_to_solar
from nlp.zh_time import DAY_PARTS, ZH_WEEKDAY_NAMES

Mode = Literal["future", "past", "any", "birthday"]


@dataclass(frozen=True)
class TimeExpr:
    """A parsed time: a ``point``, a ``range`` (start..end) or a ``deadline`` (now..end)."""

    kind: Literal["point", "range", "deadline"]
    start: datetime  # aware; for a deadline: now
    end: datetime | None  # range end / deadline
    text: str  # the matched text
    all_day: bool = False  # a date without a clock time (start is 00:00)
    label: str | None = None  # day part of a range, e.g. "上午"


def _aware(now: datetime, zone: ZoneInfo) -> datetime:
    return now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m + 1, day)
        except ValueError:
            continue
    raise ValueError(d)


def _shift(f: Found, step: int) -> Found | None:
    """Move a rollable expression one period forward (+1) or back (-1)."""
    if f.roll == "year" and f.day is not None:
        if f.lunar is not None:
            day = lunar_to_solar(f.day.year + step, *f.lunar)
            return f.with_day(day, (f.lunar[0], f.lunar[1])) if day else None
        try:
            return f.with_day(f.day.replace(year=f.day.year + step))
        except ValueError:  # 29 February
            return f.with_day(f.day.replace(year=f.day.year + step, day=28))
    if f.roll == "month" and f.day is not None:
        return f.with_day(_add_months(f.day, step))
    if f.roll == "week" and f.day is not None:
        return f.with_day(f.day + timedelta(days=7 * step))
    if f.roll == "day" and f.day is not None:
        return f.with_day(f.day + timedelta(days=step))
    if f.roll == "halfday" and f.clock is not None and f.clock[0] < 12 and step > 0:
        return f.with_clock((f.clock[0] + 12, f.clock[1]), roll="day")
    if f.roll == "halfday" and f.day is not None:
        return f.with_day(f.day + timedelta(days=step), roll="day")
    return None


def _build(f: Found, now: datetime, zone: ZoneInfo) -> TimeExpr:
    day = f.day or now.date()
    if f.offset is not None:
        return TimeExpr("point", now + f.offset, None, f.text)
    if f.span_days:  # a week or several days
        start = datetime.combine(day, time(), zone)
        return TimeExpr("range", start, start + timedelta(days=f.span_days), f.text, True)
    if f.clock is not None:
        h, m = f.clock
        point = datetime.combine(day, time(), zone) + timedelta(hours=h, minutes=m)
        if f.deadline:
            return TimeExpr("deadline", now, point, f.text)
        return TimeExpr("point", point, None, f.text)
    if f.part is not None:
        a, b, _ = DAY_PARTS[f.part]
        start = datetime.combine(day, time(), zone)
        s, e = start + timedelta(hours=a), start + timedelta(hours=b)
        if f.deadline:
            return TimeExpr("deadline", now, e, f.text)
        return TimeExpr("range", s, e, f.text, label=f.part)
    start = datetime.combine(day, time(), zone)
    if f.deadline:
        return TimeExpr(
            "deadline", now, start + timedelta(hours=23, minutes=59, seconds=59), f.text
        )
    return TimeExpr("point", start, None, f.text, all_day=True)


def _last_moment(e: TimeExpr) -> datetime:
    if e.end is not None:
        return e.end
    return e.start + timedelta(days=1) if e.all_day else e.start


def parse_when(
    text: str, now: datetime, *, tz: str = "Asia/Shanghai", mode: Mode = "future"
) -> TimeExpr | None:
    """Parse the first time expression in ``text``; None when not understood.

    ``mode="future"``: the next occurrence (appointments); ``"past"``/``"birthday"``: the
    last one; ``"any"``: literal.
    """
    zone = ZoneInfo(tz)
    now = _aware(now, zone)
    found = find_expression(text, now, future=mode == "future")
    if found is None:
        return None
    if mode == "any" or found.offset is not None:
        return _build(found, now, zone)
    future = mode == "future"
    f: Found | None = found
    for _ in range(3):
        assert f is not None
        expr = _build(f, now, zone)
        if (future and _last_moment(expr) > now) or (not future and expr.start <= now):
            return expr
        f = _shift(f, 1 if future else -1)
        if f is None:
            return None
    return None


def _zh_day(d: datetime, with_year: bool) -> str:
    y = f"{d.year}年" if with_year else ""
    return f"{y}{d.month}月{d.day}日（{ZH_WEEKDAY_NAMES[d.weekday()]}）"


def _en_day(d: datetime, with_year: bool) -> str:
    return d.strftime("%a %-d %b") + (f" {d.year}" if with_year else "")


def _hm(d: datetime, base: datetime) -> str:
    if d.date() > base.date() and d.hour == 0 and d.minute == 0:
        return "24:00"
    return f"{d.hour:02d}:{d.minute:02d}"


def format_when(expr: TimeExpr, lang: str = "zh") -> str:
    """Human display: '11月19日（周四）15:00', '11月20日（周五）上午 09:00–12:00', 'Thu 19 Nov 15:00'."""
    zh = lang.startswith("zh")
    day = _zh_day if zh else _en_day
    this_year = datetime.now(expr.start.tzinfo).year
    s = expr.start
    if expr.kind == "deadline":
        assert expr.end is not None
        e = expr.end
        end_of_day = e.hour == 23 and e.minute == 59
        txt = day(e, e.year != this_year) + ("" if end_of_day else f" {_hm(e, e)}").rstrip()
        if zh:
            return txt.replace(" ", "") + "前" if not end_of_day else txt + "前"
        return f"by {txt}"
    if expr.kind == "point":
        txt = day(s, s.year != this_year)
        return txt if expr.all_day else f"{txt}{'' if zh else ' '}{_hm(s, s)}"
    assert expr.end is not None
    e = expr.end
    if expr.all_day or (e - s) > timedelta(days=1):
        last = e - timedelta(seconds=1)
        return f"{day(s, s.year != this_year)}–{day(last, last.year != this_year)}"
    label = ""
    if expr.label:
        label = f"{expr.label} " if zh else ""
    sep = "" if zh else " "
    return f"{day(s, s.year != this_year)}{sep}{label}{_hm(s, s)}–{_hm(e, s)}"
