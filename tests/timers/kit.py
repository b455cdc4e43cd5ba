"""Test kit for the timers: a scheduler with the timer jobs installed over a real store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import FakeClock
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.scheduler import Scheduler
from bot.timers.wiring import Planners, install_into
from storage.db import Store
from storage.models import Case, Identity, Outbox, Person, Timer
from storage.repos.cases import CaseRepo

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """An aware datetime in Shanghai time."""
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


class Worker:
    """One bot process: a scheduler with every timer job and planner installed."""

    def __init__(self, store: Store, clock: FakeClock, config: Config | None = None) -> None:
        self.store, self.clock = store, clock
        self.config = config or Config()
        self.scheduler = Scheduler(store, clock, self.config.scheduler)
        self.dispatcher = Dispatcher(store, self.config, clock)
        self.planners: Planners = install_into(self.scheduler, self.dispatcher, store, self.config)

    async def tick(self) -> int:
        """One scheduler loop: planners, then every due timer; returns timers run."""
        for task in self.scheduler.periodic:
            await task(self.clock.now())
        total = 0
        while (ran := await self.scheduler.run_due()) > 0:
            total += ran
        return total


async def add_person(store: Store, *, name: str = "张伟", phone: str = "13800138001",
                     chat: str | None = "u1", role: str = "owner", **fields: Any) -> int:
    """A roster person with (by default) one identity on the test channel; returns the id."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with store.transaction() as session:
        person = Person(name=name, phone=phone, role=role, on_roster=True, created_at=now,
                        updated_at=now, **fields)
        session.add(person)
        await session.flush()
        if chat is not None:
            session.add(Identity(channel="test", user_id=chat, chat_id=chat, person_id=person.id,
                                 verified=True, created_at=now))
        return person.id


async def open_case(store: Store, now: datetime, *, kind: str = "repair", person_id: int | None,
                    chat: str = "u1", **fields: Any) -> int:
    """A case opened at `now` with the centre's promised due times; returns its id."""
    from handlers.promises import promise_for

    promise = promise_for(kind, bool(fields.get("urgent")), now, Config().sla)
    async with store.transaction() as session:
        case = await CaseRepo(session).open(
            kind=kind, now=now, actor="test", department="engineering", person_id=person_id,
            title="卫生间漏水", description="卫生间漏水", channel="test", chat_id=chat,
            first_reply_due=promise.first_reply_due, handle_due=promise.handle_due, **fields)
        return case.id


async def outbox(store: Store, **where: Any) -> list[Outbox]:
    """Outbox rows matching column=value filters, in id order."""
    async with store.sessions() as session:
        stmt = select(Outbox).order_by(Outbox.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(Outbox, column) == value)
        return list((await session.scalars(stmt)).all())


async def timers(store: Store, kind: str) -> list[Timer]:
    async with store.sessions() as session:
        return list((await session.scalars(select(Timer).where(Timer.kind == kind))).all())


async def get_case(store: Store, case_id: int) -> Case:
    async with store.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def get_person(store: Store, person_id: int) -> Person:
    async with store.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return person


def d(text: str) -> date:
    return date.fromisoformat(text)
