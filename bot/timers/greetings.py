"""Birthday and holiday greetings: one daily timer, then one outbox row per person and channel.

The planner adds a `greetings` timer for today at the configured local time (key
`greetings:<date>`); a bot that was down at 09:00 sends when it returns the same day, and a
day missed entirely is skipped (never three days late). The job runs in one transaction:
next birthdays are brought up to date, recipients selected through the `next_birthday` index,
rows enqueued with dedupe keys `greet:<person>:<date>:<identity>` so a rerun adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import greeting, holidays_on, next_birthday
from bot.config import Config
from bot.messages import BULK
from bot.scheduler import schedule
from bot.timers.common import at_local, local_today, plan
from handlers.i18n import Texts
from storage.models import Identity, Person, Timer
from storage.repos.outbox import OutboxRepo

log = logging.getLogger(__name__)
KIND = "greetings"
CHUNK = 5000
ROLES = ("owner", "buyer")  # DOMAIN.md: greetings go to buyers and owners


async def plan_today(session: AsyncSession, config: Config, now: datetime) -> None:
    """Adds today's greeting timer (once per day, whatever the number of workers)."""
    if not config.greetings.enabled:
        return
    tz = config.centre.timezone
    today = local_today(now, tz)
    due = at_local(today, config.greetings.send_time, tz)
    await plan(session, [{"kind": KIND, "key": f"{KIND}:{today.isoformat()}", "due_at": due,
                          "payload": {"day": today.isoformat()}}])


async def catch_up_after_import(session: AsyncSession, config: Config, now: datetime) -> bool:
    """A roster import after today's greeting time runs today's greetings once more: the
    dedupe keys let it add only people the import made due today (a birthday corrected to
    today, a new owner whose birthday it is). Returns whether a run was planned."""
    if not config.greetings.enabled:
        return False
    tz = config.centre.timezone
    today = local_today(now, tz)
    if now < at_local(today, config.greetings.send_time, tz):
        return False  # today's own run is still ahead and will see the new roster
    return await schedule(session, kind=KIND,
                          key=f"{KIND}:{today.isoformat()}:import:{int(now.timestamp())}",
                          due_at=now, payload={"day": today.isoformat()})


async def refresh_next_birthdays(session: AsyncSession, today: date) -> int:
    """Sets next_birthday for people whose value is missing or in the past; returns how many."""
    changed, last_id = 0, 0
    while True:
        rows = (await session.execute(
            select(Person.id, Person.birthday, Person.birthday_lunar)
            .where(Person.id > last_id, Person.birthday.is_not(None),
                   or_(Person.next_birthday.is_(None), Person.next_birthday < today))
            .order_by(Person.id)
            .limit(CHUNK)
        )).all()
        if not rows:
            return changed
        last_id = rows[-1][0]
        await session.execute(update(Person), [
            {"id": person_id, "next_birthday": next_birthday(birthday, bool(lunar), today)}
            for person_id, birthday, lunar in rows if birthday is not None
        ])
        changed += len(rows)


def birthday_text(config: Config, name: str, lang: str) -> str:
    """The birthday greeting: `[greetings.texts.birthday]` if configured, else the catalogue."""
    custom = config.greetings.texts.get("birthday", {}).get(lang)
    centre = config.centre.name if lang == "zh" else config.centre.name_en
    if custom:
        return custom.format(name=name, centre=centre)
    return Texts(lang)("timers.birthday", name=name, centre=centre)


def holiday_text(config: Config, codes: Sequence[str], name: str, lang: str, birthday: bool) -> str:
    """One message for the day's holidays, with the birthday wish added when it is also that."""
    parts = []
    for code in codes:
        custom = config.greetings.texts.get(code, {}).get(lang)
        parts.append(custom.format(name=name) if custom else greeting(code, name, lang))
    if birthday:
        parts.append(Texts(lang)("timers.birthday_too"))
    centre = config.centre.name if lang == "zh" else config.centre.name_en
    parts.append(Texts(lang)("timers.signature", centre=centre))
    return "\n".join(parts)


def display_name(person_name: str | None, lang: str) -> str:
    return person_name or ("业主" if lang == "zh" else "dear owner")


async def send_day(session: AsyncSession, config: Config, day: date, now: datetime) -> int:
    """Enqueues the greetings of `day`; returns how many outbox rows were added."""
    await refresh_next_birthdays(session, day)
    codes = holidays_on(day, config.greetings.holidays)
    wanted = Person.next_birthday == day
    if codes:
        wanted = or_(wanted, Person.role.in_(ROLES))
    outbox = OutboxRepo(session)
    added, last_id, celebrated = 0, 0, []
    while True:
        rows = (await session.execute(
            select(Person.id, Person.name, Person.language, Person.next_birthday,
                   Identity.id, Identity.channel, Identity.chat_id)
            .join(Identity, Identity.person_id == Person.id)
            .where(and_(wanted, Person.greetings_opt_out.is_(False),
                        Person.unreachable.is_(False), Identity.id > last_id))
            .order_by(Identity.id)
            .limit(CHUNK)
        )).all()
        if not rows:
            break
        batch: list[dict[str, Any]] = []
        for pid, name, lang, nb, ident_id, channel, chat_id in rows:
            lang = lang if lang in ("zh", "en") else "zh"
            is_birthday = nb == day
            if is_birthday:
                celebrated.append(pid)
            shown = display_name(name, lang)
            text = (holiday_text(config, codes, shown, lang, is_birthday) if codes
                    else birthday_text(config, shown, lang))
            batch.append({
                "channel": channel, "chat_id": chat_id, "payload": {"text": text},
                "priority": BULK, "kind": "greeting", "person_id": pid,
                "dedupe_key": f"greet:{pid}:{day.isoformat()}:{ident_id}",
            })
        added += await outbox.enqueue_many(batch, now)
        last_id = rows[-1][4]
    await advance_birthdays(session, day, celebrated)
    log.info("greetings for %s (%s): %d messages", day, ",".join(codes) or "birthdays", added)
    return added


async def advance_birthdays(session: AsyncSession, day: date, person_ids: list[int]) -> None:
    """Moves the greeted people's next_birthday to the following occurrence."""
    after = day + timedelta(days=1)
    for start in range(0, len(person_ids), CHUNK):
        chunk = sorted(set(person_ids[start:start + CHUNK]))
        rows = (await session.execute(
            select(Person.id, Person.birthday, Person.birthday_lunar).where(Person.id.in_(chunk))
        )).all()
        if rows:
            await session.execute(update(Person), [
                {"id": pid, "next_birthday": next_birthday(birthday, bool(lunar), after)}
                for pid, birthday, lunar in rows if birthday is not None
            ])


def job(config: Config) -> Any:
    """The `greetings` timer job: sends the day's greetings unless that day is already over."""

    async def run(session: AsyncSession, timer: Timer, now: datetime) -> None:
        day = date.fromisoformat(str(timer.payload["day"]))
        today = local_today(now, config.centre.timezone)
        if day != today:
            log.warning("greetings for %s skipped: the bot was down all that day", day)
            return
        await send_day(session, config, day, now)

    return run
