"""The outbox sender: claims due rows by priority, paces them per channel and chat, records
every outcome. See docs/delivery.md for the design.

Crash window: a row is leased (status=sending) in one transaction, sent, then marked sent in
its own transaction right after the platform answers. A crash between the platform accepting
the message and that commit is the only way a message goes out twice: the lease expires and
the row is sent again. At most `concurrency` sends are in flight per sender (default 1), so a
crash duplicates at most `concurrency` messages (at most one with the default)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.base import Channel, Outgoing, Rejected, RetryAfter, SendError, Unreachable
from bot.clock import Clock
from bot.config import SenderConfig
from bot.pacing import ChannelPacer, Gcra, resolve
from storage.db import Store
from storage.models import Person
from storage.repos.outbox import FAILED, UNREACHABLE, Claimed, OutboxRepo, SentMarkWriter

log = logging.getLogger(__name__)

TICK = 0.25  # seconds of a channel's budget claimed at a time (bounds a live reply's wait)
LEADER_KEY = 0x616E6A75  # pg advisory lock id ("anju")
MARK_LINGER = 0.004  # at concurrency > 1, how long a sent-mark commit waits for other sends' marks


class LeaderLock:
    """On PostgreSQL only one sender drains at a time: the holder of a session advisory lock.

    The lock lives on a dedicated connection; if the leader dies, PostgreSQL drops the lock
    with the connection and a standby takes over on its next try (once a second)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn: AsyncConnection | None = None
        self.tried_at = -math.inf

    async def held(self) -> bool:
        """Whether this sender leads; tries to become leader at most once a second."""
        if self.conn is not None:
            return True
        if time.monotonic() - self.tried_at < 1.0:
            return False
        self.tried_at = time.monotonic()
        conn = await self.store.engine.connect()
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_KEY}):
            self.conn = conn
            log.info("this sender now leads the outbox")
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        """Gives up leadership (unlocks before the connection returns to the pool)."""
        if self.conn is None:
            return
        conn, self.conn = self.conn, None
        with contextlib.suppress(Exception):
            await conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_KEY})
        await conn.close()


class SentMarks:
    """Group commit of "sent" marks: every send waits for its own mark, but marks that arrive
    together (concurrent sends) share one transaction. The crash window stays one message per
    send in flight; the write cost per message drops with concurrency.

    Paced sends finish one interval apart (1 ms at 1,000/s), so marks rarely arrive at the
    same instant: with `linger` > 0 a flush that finds other sends holding a slot (waiting
    for their global slot or for the platform) waits until they have all been answered, at
    most `linger` seconds, and commits their marks together. With no other send holding a
    slot (always, at concurrency 1) it commits at once."""

    def __init__(self, store: Store, clock: Clock, linger: float = 0.0) -> None:
        self.store = store
        self.clock = clock
        self.linger = linger
        self.writer = SentMarkWriter(store.engine)
        self.waiting: list[tuple[int, str | None, asyncio.Future[None]]] = []
        self.flushing: asyncio.Task[None] | None = None
        self.sending = 0  # sends holding a slot whose platform answer has not come yet
        self.quiet = asyncio.Event()  # set while no send holding a slot awaits its answer
        self.quiet.set()
        self.flushes = 0
        self.marked = 0

    def send_started(self) -> Callable[[], None]:
        """A send holds a slot (it is waiting for its global slot or for the platform);
        returns the function to call, once or more, when the platform has answered."""
        self.sending += 1
        self.quiet.clear()
        ended = False

        def answered() -> None:
            nonlocal ended
            if not ended:
                ended = True
                self.sending -= 1
                if self.sending <= 0:
                    self.quiet.set()

        return answered

    async def mark(self, row_id: int, external_id: str | None) -> None:
        """Returns once the row is committed as sent."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((row_id, external_id, done))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self.waiting:
            if self.linger and self.sending > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.linger):
                        await self.quiet.wait()
            batch, self.waiting = self.waiting, []
            self.flushes += 1
            self.marked += len(batch)
            now = self.clock.now()
            try:
                await self.writer.write([(row_id, ext) for row_id, ext, _ in batch], now)
            except Exception as exc:
                for _, _, done in batch:
                    done.set_exception(exc)
            else:
                for _, _, done in batch:
                    done.set_result(None)

    async def close(self) -> None:
        """Waits for a flush under way, then releases the writer's connection."""
        if self.flushing is not None:
            await asyncio.gather(self.flushing, return_exceptions=True)
        await self.writer.close()


class Sender:
    """Drains the outbox through the channels, at each channel's pace, live replies first."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Clock,
        config: SenderConfig | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.clock = clock
        self.config = config or SenderConfig()
        self.wake = asyncio.Event()
        self.pacers: dict[str, ChannelPacer] = {}
        shared: dict[str, Gcra] = {}  # channels with the same `budget_key` share one budget
        for name, ch in self.channels.items():
            budget = resolve(name, ch.pacing, self.config)
            key = getattr(ch, "budget_key", None) or name
            overall = shared.setdefault(key, Gcra(budget.per_second, budget.global_burst))
            self.pacers[name] = ChannelPacer(budget, overall)
        self.paused_until: dict[str, datetime] = {}
        self.slots = asyncio.Semaphore(self.config.concurrency)
        linger = MARK_LINGER if self.config.concurrency > 1 else 0.0
        self.marks = SentMarks(store, clock, linger)
        self.in_flight: set[asyncio.Task[None]] = set()
        use_leader = self.config.leader and store.dialect == "postgresql"
        self.leader = LeaderLock(store) if use_leader else None
        self.alive_at = 0.0
        self.counts: dict[str, int] = {"sent": 0, "failed": 0, "unreachable": 0, "retried": 0}

    def notify(self) -> None:
        """Something was enqueued: stop waiting and look now."""
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Drains until `stop` is set, claiming the next batch once at most half a batch still
        waits to go; sleeps between polls unless woken. Sends in flight finish before it
        returns."""
        try:
            while not stop.is_set():
                self.alive_at = time.monotonic()
                self.wake.clear()
                try:
                    handled = await self._schedule(lead=True)
                except Exception:
                    log.exception("sender loop error; retrying shortly")
                    handled = 0
                timeout = self.config.poll_seconds
                if handled:
                    # Backpressure: claim more only when at most half a batch still waits.
                    limit = max(self.config.concurrency, self._batch(list(self.channels)) // 2)
                    while len(self.in_flight) > limit:
                        await asyncio.wait(list(self.in_flight),
                                           return_when=asyncio.FIRST_COMPLETED)
                    continue
                waiters = [asyncio.ensure_future(self.wake.wait()),
                           asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            if self.in_flight:
                await asyncio.gather(*self.in_flight, return_exceptions=True)
            await self.close()

    async def close(self) -> None:
        """Releases leadership (PostgreSQL) and the connection of the sent marks."""
        await self.marks.close()
        if self.leader is not None:
            await self.leader.release()

    async def drain_once(self) -> int:
        """Claims one batch of due rows and delivers them; returns how many were claimed.
        (Manual draining ignores leadership; only `run` loops elect a leader.)"""
        handled = await self._schedule(lead=False)
        if self.in_flight:
            await asyncio.gather(*list(self.in_flight), return_exceptions=True)
        await self.marks.close()
        return handled

    def _batch(self, names: list[str]) -> int:
        fastest = max((self.pacers[n].budget.per_second for n in names), default=1.0)
        return max(1, min(self.config.batch, math.ceil(fastest * TICK)))

    async def _schedule(self, *, lead: bool) -> int:
        """Claims due rows and starts a delivery task for each; rows whose chat is not ready
        go back to the queue with a later `not_before`. Returns the number claimed."""
        if lead and self.leader is not None and not await self.leader.held():
            return 0
        now = self.clock.now()
        names = [n for n in self.channels if self.paused_until.get(n, now) <= now]
        if not names:
            return 0
        lease = timedelta(seconds=self.config.lease_seconds)
        if self.marks.writer.sqlite:
            # One autocommit hop per statement on the marks' own connection (no pooled
            # transaction, no write-lock contention with the sent marks).
            rows = await self.marks.writer.claim(
                now, limit=self._batch(names), lease=lease, channels=names)
        else:
            async with self.store.transaction() as session:
                rows = await OutboxRepo(session).claim_batch(
                    now, limit=self._batch(names), lease=lease, channels=names)
        deferred: list[tuple[Claimed, float]] = []
        for row in rows:
            pacer = self.pacers[row.channel]
            if not pacer.take_chat(row.chat_id):
                deferred.append((row, max(0.2, pacer.chat_ready_in(row.chat_id))))
                continue
            task = asyncio.create_task(self._send_when_due(row))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        if deferred:
            async with self.store.transaction() as session:
                repo = OutboxRepo(session)
                for row, wait in deferred:
                    await repo.retry_at(row.id, now + timedelta(seconds=wait), row.error or "",
                                        count=False)
        return len(rows)

    async def _send_when_due(self, row: Claimed) -> None:
        """Waits for a send slot (at most `concurrency` in flight), then delivers, unless a
        429 paused the channel or the lease is nearly over (the row is then left to expire
        and be claimed again, so it can never be sent by two holders)."""
        async with self.slots:
            answered = self.marks.send_started()
            try:
                await self.pacers[row.channel].admit()
                now = self.clock.now()
                paused = self.paused_until.get(row.channel)
                if paused is not None and paused > now:  # a 429 came in meanwhile
                    answered()
                    await self._retry(row, paused, row.error or "", count=False)
                    return
                margin = timedelta(seconds=min(1.0, self.config.lease_seconds / 4))
                if row.lease_until is not None and now + margin >= row.lease_until:
                    log.warning("outbox row %s: lease nearly over before sending; left to "
                                "expire", row.id)
                    return
                await self.deliver(row, answered)
            finally:
                answered()

    async def deliver(self, row: Claimed, answered: Callable[[], None] | None = None) -> None:
        """Sends one claimed row now and records the outcome; calls `answered` as soon as the
        platform has answered (before the outcome is written)."""
        channel = self.channels[row.channel]
        message = Outgoing(
            id=row.id,
            chat_id=row.chat_id,
            payload=row.payload,
            kind=row.kind,
            case_id=row.case_id,
            person_id=row.person_id,
        )
        try:
            try:
                external_id = await channel.send(message)
            finally:
                if answered is not None:
                    answered()
        except RetryAfter as exc:
            until = self.clock.now() + timedelta(seconds=exc.seconds)
            self.paused_until[row.channel] = max(until, self.paused_until.get(row.channel, until))
            log.warning("channel %s asked to retry after %ss", row.channel, exc.seconds)
            await self._retry(row, until, str(exc), count=False)
        except Unreachable as exc:
            await self._unreachable(row, str(exc))
        except Rejected as exc:
            await self._finish(row, FAILED, str(exc))
        except (SendError, OSError, TimeoutError) as exc:
            await self._backoff(row, exc)
        except Exception as exc:  # an adapter bug must not kill the sender
            log.exception("channel %s crashed sending outbox row %s", row.channel, row.id)
            await self._backoff(row, exc)
        else:
            await self.marks.mark(row.id, external_id)
            self.counts["sent"] += 1

    async def _retry(self, row: Claimed, when: datetime, error: str, *, count: bool) -> None:
        async with self.store.transaction() as session:
            await OutboxRepo(session).retry_at(row.id, when, error[:500], count=count)
        self.counts["retried"] += 1

    async def _backoff(self, row: Claimed, exc: BaseException) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= self.config.max_attempts:
            log.warning("outbox row %s failed after %s attempts: %s", row.id, row.attempts, error)
            await self._finish(row, FAILED, error)
            return
        when = self.clock.now() + timedelta(seconds=min(300.0, 2.0 ** row.attempts))
        await self._retry(row, when, error, count=True)

    async def _finish(self, row: Claimed, status: str, error: str) -> None:
        async with self.store.transaction() as session:
            await OutboxRepo(session).mark(row.id, status, error[:500])
        self.counts[status] = self.counts.get(status, 0) + 1

    async def _unreachable(self, row: Claimed, error: str) -> None:
        async with self.store.transaction() as session:
            await OutboxRepo(session).mark(row.id, UNREACHABLE, error[:500])
            if row.person_id is not None:
                await session.execute(
                    update(Person).where(Person.id == row.person_id).values(unreachable=True)
                )
        self.counts["unreachable"] += 1
        log.info("recipient of outbox row %s unreachable: %s", row.id, error)
