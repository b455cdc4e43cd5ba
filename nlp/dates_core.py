"""Find the first time expression in a text and turn it into calendar facts (``Found``)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from lunar_python import Lunar

from nlp.text import to_simplified
from nlp.zh_time import (
    BY_RE,
    CLOCK_RE,
    DAY_ONLY_RE,
    DAY_PART_ONLY_RE,
    DAY_PARTS,
    DEADLINE_RE,
    EN_WEEKDAYS,
    ISO_RE,
    LUNAR_MONTHS,
    LUNAR_RE,
    MONTH_END_RE,
    OFFSET_RE,
    REL_DAYS,
    REL_RE,
    WEEK_ONLY_RE,
    WEEK_RE,
    WEEKDAYS,
    YMD_RE,
    cn_int,
)


@dataclass(frozen=True)
class Found:
    text: str
    start: int
    end: int
    day: date | None = None
    part: str | None = None
    clock: tuple[int, int] | None = None
    roll: str | None = None  # how to move to the next occurrence: year/month/week/day/halfday
    lunar: tuple[int, int] | None = None
    deadline: bool = False
    offset: timedelta | None = None
    span_days: int = 0

    def with_day(
        self, day: date, lunar: tuple[int, int] | None = None, roll: str | None = None
    ) -> Found:
        return replace(self, day=day, lunar=lunar or self.lunar, roll=roll or self.roll)

    def with_clock(self, clock: tuple[int, int], roll: str | None = None) -> Found:
        return replace(self, clock=clock, roll=roll)


def lunar_to_solar(year: int, month: int, day: int) -> date | None:
    """Solar date of lunar ``month``/``day`` in lunar year ``year``; None if it does not exist."""
    try:
        s = Lunar.fromYmd(year, month, day).getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())
    except Exception:
        return None


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


_TAIL_SKIP = re.compile(r"(?:\s|的|,|，|at\b|（[^）]{0,3}）|\((?:[^)]{0,3})\))*", re.I)


def _offset(s: str) -> Found | None:
    for m in OFFSET_RE.finditer(s):
        if not m.group("after") and not m.group(0).lower().startswith("in"):
            continue
        raw = m.group("n").lower()
        n = 0.5 if raw == "半" else 1 if raw in ("a", "an") else cn_int(raw)
        if n is None:
            continue
        n += 0.5 if m.group("half") else 0
        unit = m.group("unit").lower()
        if unit in ("个月", "月"):
            delta = timedelta(days=30 * n)
        elif unit.startswith(("小时", "钟头", "hour")):
            delta = timedelta(hours=n)
        elif unit.startswith(("分钟", "min")):
            delta = timedelta(minutes=n)
        elif unit.startswith(("天", "day")):
            delta = timedelta(days=n)
        else:
            delta = timedelta(weeks=n)
        return Found(m.group(0).strip(), m.start(), m.end(), offset=delta)
    return None


def _anchor(m: re.Match[str], kind: str, today: date, future: bool) -> Found | None:
    g = m.groupdict()
    base = Found(m.group(0), m.start(), m.end())
    if kind == "iso":
        d = _date(int(g["y"]), int(g["m"]), int(g["d"]))
        return replace(base, day=d) if d else None
    if kind == "lunar":
        if not (g["cal"] or g["m"] in LUNAR_MONTHS or g["d"].startswith("初")):
            return None
        lm = LUNAR_MONTHS.get(g["m"]) or cn_int(g["m"])
        ld = cn_int(g["d"].removeprefix("初"))
        if not lm or not ld or lm > 12 or ld > 30:
            return None
        years = range(today.year - 1, today.year + 2)
        days = [x for x in (lunar_to_solar(y, lm, ld) for y in years) if x]
        pick = [x for x in days if x >= today] if future else [x for x in days if x <= today][::-1]
        return replace(base, day=pick[0], roll="year", lunar=(lm, ld)) if pick else None
    if kind == "ymd":
        y = cn_int(g["y"]) if g["y"] else today.year
        mo, dd = cn_int(g["m"]), cn_int(g["d"])
        if y is None or mo is None or dd is None or y < 1900:
            return None
        d = _date(y, mo, dd)
        return replace(base, day=d, roll=None if g["y"] else "year") if d else None
    if kind == "rel":
        off, part = REL_DAYS[g["rel"].lower()]
        return replace(base, day=today + timedelta(days=off), part=part)
    monday = today - timedelta(days=today.weekday())
    pre = (g.get("pre") or "").strip().lower()
    shift = (
        14
        if pre.startswith("下下")
        else 7
        if pre[:1] in ("下", "n")
        else -7
        if pre[:1] in ("上", "l")
        else 0
    )
    if kind == "week":
        wd = EN_WEEKDAYS[g["en"].lower()] if g["en"] else WEEKDAYS.get(g["wd"])
        if wd is None:
            wd = int(g["wd"]) - 1
        span = 2 if g["wd"] == "末" else 0
        if pre:
            return replace(base, day=monday + timedelta(days=shift + wd), span_days=span)
        return replace(
            base,
            day=today + timedelta(days=(wd - today.weekday()) % 7),
            roll="week",
            span_days=span,
        )
    if kind == "week_only":
        return replace(base, day=monday + timedelta(days=shift), span_days=7)
    if kind == "month_end":
        if g["year"]:
            return replace(base, day=date(today.year, 12, 31), roll="year")
        first = today.replace(day=1)
        if g["which"] and g["which"].startswith("下"):
            first = (first + timedelta(days=32)).replace(day=1)
        last = calendar.monthrange(first.year, first.month)[1]
        day = {"底": last, "末": last, "初": 1, "中": 15}[g["pos"]]
        return replace(base, day=first.replace(day=day), roll=None if g["which"] else "month")
    if kind == "day_only":
        dd = cn_int(g["d"])
        d = _date(today.year, today.month, dd) if dd else None
        return replace(base, day=d, roll="month") if d else None
    return None


_ANCHORS = (
    ("iso", ISO_RE),
    ("lunar", LUNAR_RE),
    ("ymd", YMD_RE),
    ("rel", REL_RE),
    ("week", WEEK_RE),
    ("week_only", WEEK_ONLY_RE),
    ("month_end", MONTH_END_RE),
    ("day_only", DAY_ONLY_RE),
)


def _clock(m: re.Match[str], part: str | None, dated: bool) -> tuple[tuple[int, int], bool] | None:
    """((hour, minute), hour was ambiguous) from a clock match, applying day part and am/pm."""
    h = cn_int(m.group("h") or m.group("h2"))
    mins = 30 if m.group("half") else {"一刻": 15, "三刻": 45}.get(m.group("q") or "", 0)
    if m.group("min"):
        mins = cn_int(m.group("min")) or 0
    ampm = (m.group("ampm") or m.group("ampm2") or "").lower()
    if h is None or h > 24 or mins > 59:
        return None
    ambiguous = False
    if ampm.startswith("p") and h < 12:
        h += 12
    elif ampm.startswith("a") and h == 12:
        h = 0
    elif part is not None and not ampm:
        _, _, pm = DAY_PARTS[part]
        if part == "中午":
            h += 12 if h < 6 else 0
        elif pm and h < 12 and not (part in ("夜里", "半夜", "深夜") and h < 5):
            h += 12
        elif pm and h == 12 and part in ("晚上", "晚", "夜里", "夜间", "半夜", "深夜"):
            h = 24
        elif part == "凌晨" and h == 12:
            h = 0
    elif not ampm and h < 12:
        if dated and 1 <= h <= 6:
            h += 12
        ambiguous = not dated
    return (h, mins), ambiguous


def _tail(s: str, pos: int) -> tuple[str | None, re.Match[str] | None, int]:
    """Day part and clock right after position ``pos``."""
    pos = _TAIL_SKIP.match(s, pos).end()  # type: ignore[union-attr]
    part = None
    pm = DAY_PART_ONLY_RE.match(s, pos)
    if pm:
        part = pm.group("part").lower()
        pos = _TAIL_SKIP.match(s, pm.end()).end()  # type: ignore[union-attr]
    cm = CLOCK_RE.match(s, pos)
    return part, cm, (cm.end() if cm else pm.end() if pm else pos)


def find_expression(text: str, now: datetime, future: bool = True) -> Found | None:
    """The first time expression in ``text``, or None."""
    s = to_simplified(unicodedata.normalize("NFKC", text[:500])).lower()
    today = now.date()
    off = _offset(s)
    cands: list[Found] = []
    for kind, rx in _ANCHORS:
        for m in rx.finditer(s):
            f = _anchor(m, kind, today, future)
            if f is not None:
                cands.append(f)
                break
    if off is not None and (not cands or off.start <= min(c.start for c in cands)):
        return off
    if cands:
        f = min(cands, key=lambda c: (c.start, -(c.end - c.start)))
        part, cm, end = _tail(s, f.end)
        part = part or f.part
        clock = _clock(cm, part, True) if cm else None
        f = replace(f, part=part, clock=clock[0] if clock else None, end=end)
    else:
        f2 = (_EN_MONTH.search(s) and _dateparser(s, now)) or _free_time(s) or _dateparser(s, now)
        if f2 is None:
            return None
        f = f2
    deadline = bool(DEADLINE_RE.match(s, f.end)) or bool(BY_RE.search(s, 0, f.start))
    end = DEADLINE_RE.match(s, f.end).end() if DEADLINE_RE.match(s, f.end) else f.end  # type: ignore[union-attr]
    return replace(f, deadline=deadline, text=s[f.start : end].strip(), end=end)


_EN_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d")
_BAD_BEFORE = tuple("快早晚慢多少有差一")


def _free_time(s: str) -> Found | None:
    """A clock time and/or day part without a date ("下午3点", "3pm", "晚上")."""
    for cm in CLOCK_RE.finditer(s):
        before = s[: cm.start()].rstrip()
        if before.endswith(_BAD_BEFORE) and not before.endswith(tuple(DAY_PARTS)):
            continue
        pm = re.search(r"(" + "|".join(sorted(DAY_PARTS, key=len, reverse=True)) + r")\s*$", before)
        part = pm.group(1) if pm else None
        got = _clock(cm, part, False)
        if got is None:
            continue
        clock, ambiguous = got
        start = pm.start() if pm else cm.start()
        return Found(s[start : cm.end()], start, cm.end(), clock=clock, part=part,
                     roll="halfday" if ambiguous else "day")  # fmt: skip
    for pm2 in DAY_PART_ONLY_RE.finditer(s):
        if len(pm2.group("part")) >= 2:
            return Found(
                pm2.group(0), pm2.start(), pm2.end(), part=pm2.group("part").lower(), roll="day"
            )
    return None


def _dateparser(s: str, now: datetime) -> Found | None:
    """Fallback for English and other formats dateparser knows (slow-ish, so last)."""
    if not re.search(r"[a-z]{3,}|\d", s):
        return None
    import dateparser  # imported lazily: it costs ~0.3 s at start-up

    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    try:
        got = dateparser.parse(s, languages=["en", "zh"], settings=settings)
    except Exception:
        return None
    if got is None:
        return None
    clock = (got.hour, got.minute) if (got.hour, got.minute) != (0, 0) else None
    return Found(s, 0, len(s), day=got.date(), clock=clock)
