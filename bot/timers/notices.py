"""Daily notices: the warranty-expiry notice (two months ahead, once) and, in the first week
of each month, the satisfaction check for last month's signings and move-ins (roster dates).

One `notices` timer per day (key `notices:<date>`); every message carries a dedupe key
(`warranty:<person>:<end>:<identity>`, `monthly:<person>:<yyyymm>:<identity>`), so reruns,
late runs and several workers never send one twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.messages import BULK, PROGRESS, Button, Reply
from bot.timers.common import at_local, local_today, plan
from handlers.i18n import Texts
from storage.models import Identity, Person, Timer
from storage.repos.outbox import OutboxRepo

KIND = "notices"
MONTHLY_WITHIN_DAYS = 7


async def plan_today(session: AsyncSession, config: Config, now: datetime) -> None:
    """Adds today's notices timer (once per day)."""
    tz = config.centre.timezone
    today = local_today(now, tz)
    await plan(session, [{"kind": KIND, "key": f"{KIND}:{today.isoformat()}",
                          "due_at": at_local(today, config.timers.notice_time, tz),
                          "payload": {"day": today.isoformat()}}])


def _reachable() -> Any:
    return and_(Person.notices_opt_out.is_(False), Person.unreachable.is_(False))


async def warranty(session: AsyncSession, config: Config, day: date, now: datetime) -> int:
    """Notices for warranties ending within the configured window; returns rows added."""
    horizon = day + timedelta(days=config.timers.warranty_notice_days)
    rows = (await session.execute(
        select(Person, Identity.id, Identity.channel, Identity.chat_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(Person.warranty_end > day, Person.warranty_end <= horizon, _reachable())
    )).all()
    batch = []
    for person, ident_id, channel, chat_id in rows:
        t = Texts(person.language, config.centre.timezone)
        end = person.warranty_end
        assert end is not None
        date_text = f"{end.year}年{end.month}月{end.day}日" if t.lang == "zh" else end.isoformat()
        text = t("timers.warranty", name=person.name or "", date=date_text,
                 unit=t.address(person.project, person.building, person.unit))
        batch.append({"channel": channel, "chat_id": chat_id, "payload": {"text": text},
                      "priority": PROGRESS, "kind": "notice", "person_id": person.id,
                      "dedupe_key": f"warranty:{person.id}:{end.isoformat()}:{ident_id}"})
    return await OutboxRepo(session).enqueue_many(batch, now)


def last_month(day: date) -> tuple[date, date]:
    """First and last day of the month before `day`."""
    end = day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


async def monthly_check(session: AsyncSession, config: Config, day: date, now: datetime) -> int:
    """The satisfaction check for last month's signings and move-ins; returns rows added."""
    if not config.timers.monthly_check or day.day > MONTHLY_WITHIN_DAYS:
        return 0
    first, last = last_month(day)
    month = f"{first.year}{first.month:02d}"
    rows = (await session.execute(
        select(Person, Identity.id, Identity.channel, Identity.chat_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(or_(Person.signing_date.between(first, last),
                   Person.delivery_date.between(first, last)), _reachable())
    )).all()
    batch = []
    for person, ident_id, channel, chat_id in rows:
        t = Texts(person.language, config.centre.timezone)
        reply = Reply(t("timers.monthly_check", name=person.name or ""),
                      buttons=(tuple(Button(str(n), f"mc:{month}:{n}") for n in range(1, 6)),))
        batch.append({"channel": channel, "chat_id": chat_id, "payload": reply.payload(),
                      "priority": BULK, "kind": "notice", "person_id": person.id,
                      "dedupe_key": f"monthly:{person.id}:{month}:{ident_id}"})
    return await OutboxRepo(session).enqueue_many(batch, now)


def job(config: Config) -> Any:
    """The `notices` timer job."""

    async def run(session: AsyncSession, timer: Timer, now: datetime) -> None:
        day = date.fromisoformat(str(timer.payload["day"]))
        await warranty(session, config, day, now)
        await monthly_check(session, config, day, now)

    return run
