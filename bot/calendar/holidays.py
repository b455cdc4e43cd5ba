"""Chinese greeting holidays, computed for any year from the lunar-calendar library.

No date tables: Gregorian holidays are fixed month/day pairs, lunar festivals are
converted through ``lunar_python`` and 清明 is the solar term of that name.
除夕 (New Year's Eve) is defined as the day before 正月初一, because the last
month of the lunar year has only 29 days in some years (2025-2029), so
"腊月三十" does not exist then.

Greeting texts contain a ``{name}`` placeholder (use :func:`greeting`).
清明 is a day of remembrance: its text offers good wishes, never "快乐".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from bot.calendar._lunar import lunar_to_solar, solar_term

Rule = Literal["solar", "lunar", "solar_term", "lunar_new_year_eve"]


@dataclass(frozen=True, slots=True)
class Holiday:
    """One greeting holiday: how to find its date and what to say on it."""

    code: str
    name_zh: str
    name_en: str
    rule: Rule
    month: int = 0  # Gregorian month for "solar", lunar month for "lunar"
    day: int = 0
    term: str = ""  # solar-term name for "solar_term"
    greeting_zh: str = ""
    greeting_en: str = ""
    optional: bool = False  # not greeted unless configured


HOLIDAYS: dict[str, Holiday] = {
    h.code: h
    for h in (
        Holiday(
            "new_year",
            "元旦",
            "New Year's Day",
            "solar",
            1,
            1,
            greeting_zh="{name}，元旦快乐！新的一年，安居顺意，万事如意。",
            greeting_en="Happy New Year, {name}! May the year ahead bring you a peaceful home and every success.",
        ),
        Holiday(
            "chuxi",
            "除夕",
            "Chinese New Year's Eve",
            "lunar_new_year_eve",
            greeting_zh="{name}，除夕快乐！辞旧迎新，阖家团圆。",
            greeting_en="Happy Chinese New Year's Eve, {name}! Wishing you a joyful reunion with your family.",
        ),
        Holiday(
            "spring_festival",
            "春节",
            "Spring Festival",
            "lunar",
            1,
            1,
            greeting_zh="{name}，新春快乐！恭祝您阖家幸福，万事如意。",
            greeting_en="Happy Spring Festival, {name}! Wishing you and your family happiness and prosperity.",
        ),
        Holiday(
            "lantern",
            "元宵节",
            "Lantern Festival",
            "lunar",
            1,
            15,
            greeting_zh="{name}，元宵节快乐！月圆人团圆，祝您阖家美满。",
            greeting_en="Happy Lantern Festival, {name}! May your family be together and content.",
        ),
        Holiday(
            "qingming",
            "清明节",
            "Qingming Festival",
            "solar_term",
            term="清明",
            greeting_zh="{name}，清明时节，慎终追远。愿您与家人平安康健，出行顺利。",
            greeting_en="{name}, as Qingming brings a time of remembrance, we wish you and your family peace, good health and safe travels.",
        ),
        Holiday(
            "labour_day",
            "劳动节",
            "Labour Day",
            "solar",
            5,
            1,
            greeting_zh="{name}，劳动节快乐！感谢您的信任，祝您假期愉快。",
            greeting_en="Happy Labour Day, {name}! Thank you for your trust, and enjoy the holiday.",
        ),
        Holiday(
            "dragon_boat",
            "端午节",
            "Dragon Boat Festival",
            "lunar",
            5,
            5,
            greeting_zh="{name}，端午安康！祝您与家人健康平安。",
            greeting_en="Wishing you a healthy and peaceful Dragon Boat Festival, {name}.",
        ),
        Holiday(
            "qixi",
            "七夕",
            "Qixi Festival",
            "lunar",
            7,
            7,
            optional=True,
            greeting_zh="{name}，七夕快乐！愿您与所爱之人相伴相守，幸福美满。",
            greeting_en="Happy Qixi, {name}! May you share the day with the ones you love.",
        ),
        Holiday(
            "mid_autumn",
            "中秋节",
            "Mid-Autumn Festival",
            "lunar",
            8,
            15,
            greeting_zh="{name}，中秋快乐！花好月圆，祝您阖家团圆。",
            greeting_en="Happy Mid-Autumn Festival, {name}! May the full moon bring your family together.",
        ),
        Holiday(
            "national_day",
            "国庆节",
            "National Day",
            "solar",
            10,
            1,
            greeting_zh="{name}，国庆快乐！祝您假期愉快，出行平安。",
            greeting_en="Happy National Day, {name}! Enjoy the holiday and travel safely.",
        ),
        Holiday(
            "double_ninth",
            "重阳节",
            "Double Ninth Festival",
            "lunar",
            9,
            9,
            optional=True,
            greeting_zh="{name}，重阳节快乐！祝您与家中长辈健康长寿。",
            greeting_en="Happy Double Ninth Festival, {name}! Wishing you and the elders of your family long and healthy lives.",
        ),
    )
}

DEFAULT_CODES: tuple[str, ...] = tuple(code for code, h in HOLIDAYS.items() if not h.optional)
ALL_CODES: tuple[str, ...] = tuple(HOLIDAYS)


def _holiday(code: str) -> Holiday:
    try:
        return HOLIDAYS[code]
    except KeyError:
        raise ValueError(f"unknown holiday code {code!r}; known: {', '.join(HOLIDAYS)}") from None


def _normalise(codes: Iterable[str] | None) -> tuple[str, ...]:
    if codes is None:
        return DEFAULT_CODES
    if isinstance(codes, str):  # a lone code is an easy mistake: "qixi" is not 4 codes
        codes = (codes,)
    result = tuple(dict.fromkeys(codes))
    for code in result:
        _holiday(code)
    return result


@lru_cache(maxsize=1 << 14)
def holiday_date(code: str, year: int) -> date:
    """Gregorian date of holiday ``code`` in Gregorian ``year``.

    Every holiday in :data:`HOLIDAYS` falls exactly once in each Gregorian year
    (lunar festivals from 正月初一 to 九月初九 are always between late January
    and November of the same Gregorian year).
    """
    h = _holiday(code)
    if h.rule == "solar":
        return date(year, h.month, h.day)
    if h.rule == "lunar":
        return lunar_to_solar(year, h.month, h.day)
    if h.rule == "solar_term":
        return solar_term(year, h.term)
    # lunar_new_year_eve: the day before 正月初一 (腊月廿九 or 腊月三十).
    return lunar_to_solar(year, 1, 1) - timedelta(days=1)


@lru_cache(maxsize=1 << 12)
def _year_table(year: int, codes: tuple[str, ...]) -> dict[date, tuple[str, ...]]:
    table: dict[date, list[str]] = {}
    for code in codes:
        table.setdefault(holiday_date(code, year), []).append(code)
    return {day: tuple(found) for day, found in sorted(table.items())}


def holidays_in_year(year: int, codes: Iterable[str] | None = None) -> dict[date, list[str]]:
    """Map each date in ``year`` carrying at least one of ``codes`` to those codes.

    ``codes`` defaults to :data:`DEFAULT_CODES` (everything but the optional
    七夕 and 重阳). Dates are in ascending order; codes keep the order given.
    Unknown codes raise ``ValueError``.
    """
    return {day: list(found) for day, found in _year_table(year, _normalise(codes)).items()}


def holidays_on(day: date, codes: Iterable[str] | None = None) -> list[str]:
    """Codes of the holidays (among ``codes``) that fall on ``day``; usually zero or one."""
    return list(_year_table(day.year, _normalise(codes)).get(day, ()))


def greeting(code: str, name: str, lang: str = "zh") -> str:
    """Default greeting for ``code`` addressed to ``name``, in ``"zh"`` or ``"en"``."""
    h = _holiday(code)
    if lang == "zh":
        return h.greeting_zh.format(name=name)
    if lang == "en":
        return h.greeting_en.format(name=name)
    raise ValueError(f"unsupported language {lang!r}; use 'zh' or 'en'")
