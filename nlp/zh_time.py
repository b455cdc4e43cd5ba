"""Building blocks for Chinese (and basic English) time expressions: numerals, day parts, patterns."""

from __future__ import annotations

import re
from typing import Final

_DIGITS: Final = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip

NUM: Final = r"[0-9零〇一二两三四五六七八九十廿]{1,4}"


def cn_int(s: str) -> int | None:
    """'15' / '十五' / '二十三' / '廿三' / '两' / '一九九零' -> int; None if not a number."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    s = s.replace("廿", "二十")
    if "十" not in s:
        if all(c in _DIGITS for c in s):
            return int("".join(str(_DIGITS[c]) for c in s))
        return None
    tens, _, ones = s.partition("十")
    if (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


#: day part -> (start hour, end hour, add 12 to clock hours below 12)
DAY_PARTS: Final[dict[str, tuple[int, int, bool]]] = {
    "凌晨": (0, 6, False),
    "清晨": (6, 9, False),
    "早上": (7, 9, False),
    "早晨": (7, 9, False),
    "一早": (7, 9, False),
    "早": (7, 9, False),
    "上午": (9, 12, False),
    "中午": (12, 14, True),
    "下午": (13, 18, True),
    "傍晚": (17, 19, True),
    "晚上": (18, 22, True),
    "晚": (18, 22, True),
    "夜里": (20, 24, True),
    "夜间": (20, 24, True),
    "半夜": (22, 24, True),
    "深夜": (22, 24, True),
    "morning": (9, 12, False),
    "afternoon": (13, 18, True),
    "evening": (18, 22, True),
    "night": (18, 22, True),
}
DAY_PART_RE: Final = "|".join(sorted(DAY_PARTS, key=len, reverse=True))

#: relative day words -> (days from today, implied day part)
REL_DAYS: Final[dict[str, tuple[int, str | None]]] = {
    "大前天": (-3, None), "前天": (-2, None), "昨天": (-1, None), "昨日": (-1, None),
    "昨晚": (-1, "晚上"), "今天": (0, None), "今日": (0, None), "今儿": (0, None),
    "今早": (0, "早上"), "今晚": (0, "晚上"), "今夜": (0, "夜里"), "明天": (1, None),
    "明日": (1, None), "明儿": (1, None), "明早": (1, "早上"), "明晨": (1, "早上"),
    "明晚": (1, "晚上"), "后天": (2, None), "大后天": (3, None),
    "today": (0, None), "tonight": (0, "晚上"), "tomorrow": (1, None), "yesterday": (-1, None),
    "day after tomorrow": (2, None),
}  # fmt: skip
REL_DAY_RE: Final = "|".join(sorted(REL_DAYS, key=len, reverse=True))

WEEKDAYS: Final = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
EN_WEEKDAYS: Final = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
LUNAR_MONTHS: Final = {"正": 1, "冬": 11, "腊": 12}
ZH_WEEKDAY_NAMES: Final = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

_F = re.IGNORECASE

OFFSET_RE: Final = re.compile(
    rf"(?:过|in\s*)?(?P<n>{NUM}|半|a|an|\d+)\s*(?P<half>个半)?\s*(?:个)?\s*"
    r"(?P<unit>小时|钟头|分钟|天|周|星期|礼拜|个月|月|hours?|minutes?|mins?|days?|weeks?)"
    r"(?P<after>\s*(?:以后|之后|后|later))?",
    _F,
)
ISO_RE: Final = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
)
YMD_RE: Final = re.compile(
    rf"(?:(?P<y>{NUM}|\d{{4}})\s*年\s*)?(?P<m>{NUM})\s*月\s*(?P<d>{NUM})\s*[日号]?"
)
DAY_ONLY_RE: Final = re.compile(rf"(?<![周期拜月\d])(?P<d>{NUM})\s*[号日](?![楼院栋单座室房线])")
LUNAR_RE: Final = re.compile(
    rf"(?P<cal>农历|阴历)?\s*(?P<m>{NUM}|正|冬|腊)\s*月\s*(?P<d>初{NUM}|{NUM})\s*[日号]?"
)
REL_RE: Final = re.compile(rf"(?P<rel>{REL_DAY_RE})", _F)
WEEK_RE: Final = re.compile(
    r"(?P<pre>下下个?|下个?|这个?|本|上个?|next\s+|this\s+|last\s+)?"
    r"(?:(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7末])"
    r"|(?P<en>mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)",
    _F,
)
WEEK_ONLY_RE: Final = re.compile(
    r"(?P<pre>下下个?|下个?|这个?|本)(?:周|星期|礼拜)(?![一二三四五六日天1-7末])"
)
MONTH_END_RE: Final = re.compile(
    r"(?P<which>下个?|这个?|本)?(?:个)?月(?P<pos>底|末|初|中)|(?P<year>年底|年末)"
)
DAY_PART_ONLY_RE: Final = re.compile(rf"(?P<part>{DAY_PART_RE})", _F)
CLOCK_RE: Final = re.compile(
    rf"(?P<h>{NUM})\s*(?:点钟|点|时|:)\s*(?:(?P<half>半)|(?P<q>一刻|三刻)|(?P<min>{NUM})\s*分?)?"
    r"\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
    rf"|(?P<h2>\d{{1,2}})\s*(?P<ampm2>am|pm|a\.m\.|p\.m\.)",
    _F,
)
DEADLINE_RE: Final = re.compile(r"\s*(?:之前|以前|前|before)")
BY_RE: Final = re.compile(r"(?:\bby\b|不晚于|最晚|最迟)\s*$", _F)
