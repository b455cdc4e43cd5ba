"""Helpers shared by the timer planners and jobs: local time, idempotent timer rows, staff rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import BusinessClock
from bot.calendar.sla import business_clock, sla_adder, sla_elapsed
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

__all__ = ["business_clock", "sla_adder", "sla_elapsed"]  # re-exported for the timers
