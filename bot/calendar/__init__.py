"""Calendar logic: greeting holidays, birthdays and business time for SLAs.

Pure functions and classes, no I/O. Lunar conversions use ``lunar_python``;
statutory holidays and makeup workdays (调休) come from ``chinese_calendar``.
"""

from bot.calendar.birthdays import (
    birthday_in_year,
    birthdays_in_solar_year,
    lunar_birthday_in_year,
    next_birthday,
    next_lunar_birthday,
)
from bot.calendar.business_time import BusinessCalendar, DayInfo, library_covers_year
from bot.calendar.clock import BusinessClock, make_clock
from bot.calendar.holidays import (
    ALL_CODES,
    DEFAULT_CODES,
    HOLIDAYS,
    Holiday,
    greeting,
    holiday_date,
    holidays_in_year,
    holidays_on,
)
from bot.calendar.wall_clock import WallClock

__all__ = [
    "ALL_CODES",
    "DEFAULT_CODES",
    "HOLIDAYS",
    "BusinessCalendar",
    "BusinessClock",
    "DayInfo",
    "Holiday",
    "WallClock",
    "birthday_in_year",
    "birthdays_in_solar_year",
    "greeting",
    "holiday_date",
    "holidays_in_year",
    "holidays_on",
    "library_covers_year",
    "lunar_birthday_in_year",
    "make_clock",
    "next_birthday",
    "next_lunar_birthday",
]
