"""The scheduler loop: claims due timer rows and runs their job, exactly once per row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SchedulerConfig
from storage.db import Store
from storage.models import Timer

log = logging.getLogger(__name__)

# A job runs inside the transaction that marks its timer done: its outbox rows and state
# changes commit together with "done", so a crash either redoes the whole job or none of it.
Job = Callable[[AsyncSession, Timer, datetime], Awaitable[None]]


class Scheduler:
    """Runs due timers; several workers on PostgreSQL never run the same row twice."""

    def __init__(self, store: Store, clock: Clock, config: SchedulerConfig | None = None) -> None:
        self.store = store
        self.clock = clock
        self.config = config or SchedulerConfig()
        self.jobs: dict[str, Job] = {}
        self.periodic: list[Callable[[datetime], Awaitable[None]]] = []
        self.alive_at = 0.0
        self.after_job: Callable[[], None] | None = None

    def register(self, kind: str, job: Job) -> None:
        self.jobs[kind] = job

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.alive_at = time.monotonic()
            try:
                for task in self.periodic:
                    await task(self.clock.now())
                while await self.run_due() > 0 and not stop.is_set():
                    pass
            except Exception:
                log.exception("scheduler loop error; retrying shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.config.poll_seconds)

    async def run_due(self, limit: int = 100) -> int:
        """Runs up to `limit` due timers, each in its own transaction; returns how many ran."""
        now = self.clock.now()
        ran = 0
        for _ in range(limit):
            async with self.store.transaction() as session:
                timer = await self._claim_one(session, now)
                if timer is None:
                    break
                job = self.jobs.get(timer.kind)
                if job is None:
                    timer.status, timer.error = "failed", f"no job registered for {timer.kind}"
                    continue
                try:
                    async with session.begin_nested():
                        await job(session, timer, now)
                    timer.status, timer.done_at = "done", now
                except Exception as exc:
                    log.exception("timer %s (%s) failed", timer.id, timer.kind)
                    timer.attempts += 1
                    timer.error = f"{type(exc).__name__}: {exc}"[:500]
                    if timer.attempts >= 5:
                        timer.status = "failed"
                    else:
                        timer.due_at = now + timedelta(minutes=2**timer.attempts)
            ran += 1
        if ran and self.after_job is not None:
            self.after_job()
        return ran

    async def _claim_one(self, session: AsyncSession, now: datetime) -> Timer | None:
        stmt = (
            select(Timer)
            .where(
                or_(
                    and_(Timer.status == "pending", Timer.due_at <= now),
                    and_(Timer.status == "running", Timer.lease_until < now),
                )
            )
            .order_by(Timer.due_at, Timer.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return await session.scalar(stmt)


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    case_id: int | None = None,
    person_id: int | None = None,
    payload: dict[str, object] | None = None,
) -> bool:
    """Adds a timer unless one with the same key exists; returns whether it was added."""
    if await session.scalar(select(Timer.id).where(Timer.key == key)) is not None:
        return False
    session.add(
        Timer(kind=kind, key=key, due_at=due_at, case_id=case_id, person_id=person_id,
              payload=payload or {}, status="pending", attempts=0)
    )
    await session.flush()
    return True
