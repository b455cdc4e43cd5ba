"""Which clock the centre's promises run on: wall time, or business time from `[hours]` and
the statutory calendar (`[sla] business_time`). Used by intake (due times), casework (second
handling) and the timers (SLA watch)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.calendar.clock import BusinessClock, make_clock
from bot.calendar.wall_clock import WallClock
from bot.config import Config


def business_clock(config: Config) -> BusinessClock:
    """The business-hours calendar from `[hours]`, or a 24/7 clock when it is not enabled."""
    if not (config.hours.enabled or config.sla.business_time):
        return WallClock(config.centre.timezone)
    return make_clock({
        "hours": config.hours.weekly,
        "timezone": config.centre.timezone,
        "statutory_holidays": config.hours.statutory_holidays,
        "extra_holidays": config.hours.extra_holidays,
        "extra_workdays": config.hours.extra_workdays,
        "override_years": config.hours.override_years,
    })


_CLOCKS: dict[int, tuple[Config, BusinessClock]] = {}


def _sla_clock(config: Config) -> BusinessClock:
    cached = _CLOCKS.get(id(config))
    if cached is None or cached[0] is not config:
        cached = _CLOCKS[id(config)] = (config, business_clock(config))
    return cached[1]


def sla_adder(config: Config) -> Callable[[datetime, timedelta], datetime]:
    """How promised durations are added: business time when `sla.business_time`, else wall time."""
    if not config.sla.business_time:
        return lambda start, duration: start + duration
    return _sla_clock(config).add


def sla_elapsed(config: Config, start: datetime, due: datetime) -> timedelta:
    """How long the promise start→due is, counted as `sla_adder` counts (business or wall time)."""
    if not config.sla.business_time:
        return due - start
    return _sla_clock(config).elapsed(start, due)
