"""Helpers shared by the timer planners and jobs: local time, idempotent timer rows, staff rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import BusinessClock, WallClock, make_clock
from bot.config import Config
from bot.messages import STAFF
from storage.models import Case, Timer
from storage.repos.outbox import OutboxRepo


def local_today(now: datetime, tz: str) -> date:
    """The calendar date at `now` in the centre's timezone."""
    return now.astimezone(ZoneInfo(tz)).date()


def at_local(day: date, hhmm: str, tz: str) -> datetime:
    """An aware instant for "HH:MM" local time on `day`."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), ZoneInfo(tz))


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


async def plan(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Inserts timer rows, skipping keys that exist (safe when several workers plan at once)."""
    if not rows:
        return 0
    values = [
        {"case_id": None, "person_id": None, "payload": {}, "status": "pending", "attempts": 0, **r}
        for r in rows
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(Timer).on_conflict_do_nothing(index_elements=[Timer.key]), values
    )
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


async def to_staff(
    session: AsyncSession, case: Case, chat_id: str, text: str, event: str, now: datetime,
    *, priority: int = STAFF, dedupe_key: str | None = None, **extra: Any,
) -> None:
    """Writes a staff-desk message about `case` to the outbox."""
    await OutboxRepo(session).enqueue(
        channel="staff",
        chat_id=chat_id,
        payload={"text": text, "case_id": case.id, "case_number": case.number, "event": event,
                 **extra},
        now=now,
        priority=priority,
        kind="staff",
        case_id=case.id,
        dedupe_key=dedupe_key,
    )


def fraction_point(clock: BusinessClock, start: datetime, due: datetime, share: float) -> datetime:
    """The instant at which `share` of the window start→due has passed (in the clock's time)."""
    if due <= start:
        return due
    return clock.add(start, clock.elapsed(start, due) * share)


ONE_DAY = timedelta(days=1)


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
