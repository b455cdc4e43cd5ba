"""The sender's cheap paths keep the outbox's rules: claims as plain rows (priority order,
expired leases first, attempts counted), sent marks written outside the ORM (one statement
per batch on SQLite), group commit of marks with concurrency, pacing that spreads out sends
that woke late, and milestone rows inserted straight from the audience query."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.recording import RecordingChannel
from bot.clock import FakeClock
from bot.config import SenderConfig
from bot.messages import BULK, LIVE
from bot.pacing import JITTER, Gcra
from bot.sender import Sender
from handlers import milestones
from storage.db import Store
from storage.models import Identity, Outbox, Person
from storage.repos.outbox import PENDING, SENDING, SENT, OutboxRepo, SentMarkWriter
from tests.delivery.test_sender_paced import SlowChannel, fill, rows
from tests.support.harness import START

LEASE = timedelta(seconds=30)


async def test_a_claim_leases_plain_rows_in_priority_order(store: Store) -> None:
    await fill(store, ["bulk1", "bulk2"], priority=BULK)
    await fill(store, ["live"], priority=LIVE, text="hi")
    async with store.transaction() as session:
        await OutboxRepo(session).enqueue_many(
            [{"channel": "other", "chat_id": "x", "payload": {"text": "elsewhere"}}], START)
    async with store.transaction() as session:
        claimed = await OutboxRepo(session).claim_batch(START, limit=2, lease=LEASE,
                                                        channels=["test"])
    assert [c.chat_id for c in claimed] == ["live", "bulk1"]
    assert claimed[0].payload == {"text": "hi0"} and claimed[0].kind == "milestone"
    assert all(c.attempts == 1 and c.lease_until == START + LEASE for c in claimed)
    by_chat = {r.chat_id: r for r in await rows(store)}
    assert (by_chat["live"].status, by_chat["live"].attempts) == (SENDING, 1)
    assert by_chat["live"].lease_until == START + LEASE
    assert by_chat["bulk2"].status == PENDING and by_chat["x"].status == PENDING


async def test_expired_leases_are_claimed_first_and_count_an_attempt(store: Store) -> None:
    await fill(store, ["crashed"], priority=BULK)
    async with store.transaction() as session:
        await OutboxRepo(session).claim_batch(START, limit=5, lease=LEASE)
    await fill(store, ["live"], priority=LIVE)
    later = START + LEASE + timedelta(seconds=1)
    async with store.transaction() as session:
        again = await OutboxRepo(session).claim(later, limit=5, lease=LEASE)  # ORM form
    assert [r.chat_id for r in again] == ["crashed", "live"]
    assert [r.attempts for r in again] == [2, 1]


async def test_the_sqlite_claim_on_the_marks_connection_keeps_order_and_formats(
    store: Store,
) -> None:
    """SQLite: the sender claims with one autocommit `UPDATE … RETURNING` per status on the
    sent-mark writer's connection; same order, attempts and lease as `claim_batch`, and the
    times it writes are the ORM's text (claims compare them as strings)."""
    if store.dialect != "sqlite":
        return
    await fill(store, ["bulk1", "bulk2", "bulk3"], priority=BULK)
    await fill(store, ["live"], priority=LIVE, text="hi")
    async with store.transaction() as session:
        await OutboxRepo(session).enqueue_many(
            [{"channel": "other", "chat_id": "x", "payload": {"text": "elsewhere"}}], START)
    writer = SentMarkWriter(store.engine)
    claimed = await writer.claim(START, limit=2, lease=LEASE, channels=["test"])
    await writer.close()  # (a later claim reopens it)
    assert [c.chat_id for c in claimed] == ["live", "bulk1"]
    assert claimed[0].payload == {"text": "hi0"} and claimed[0].kind == "milestone"
    assert all(c.attempts == 1 and c.lease_until == START + LEASE for c in claimed)
    by_chat = {r.chat_id: r for r in await rows(store)}
    assert by_chat["live"].status == SENDING and by_chat["live"].lease_until == START + LEASE
    assert by_chat["x"].status == PENDING
    async with store.engine.connect() as conn:
        stored = (await conn.exec_driver_sql(
            "SELECT lease_until, not_before FROM outbox WHERE chat_id = 'live'")).one()
    assert len(stored[0]) == len(stored[1])  # same text shape as the ORM's not_before
    # Not due yet: nothing; after the lease: the expired rows first, then pending ones.
    assert await writer.claim(START - timedelta(seconds=1), limit=5, lease=LEASE) == []
    later = START + LEASE + timedelta(seconds=1)
    again = await writer.claim(later, limit=3, lease=LEASE, channels=["test"])
    await writer.close()
    assert [c.chat_id for c in again] == ["live", "bulk1", "bulk2"]
    assert [c.attempts for c in again] == [2, 2, 1]


async def test_sent_marks_are_committed_with_their_ids_and_time(store: Store) -> None:
    await fill(store, [f"m{n}" for n in range(450)])  # more than one SQLite statement's worth
    async with store.transaction() as session:
        claimed = await OutboxRepo(session).claim_batch(START, limit=450, lease=LEASE)
    writer = SentMarkWriter(store.engine)
    when = START + timedelta(seconds=3)
    await writer.write([(c.id, f"ext-{c.id}") for c in claimed[:449]], when)
    await writer.close()
    await writer.write([(claimed[449].id, None)], when)  # reopens after close
    await writer.close()
    done = await rows(store)
    assert {r.status for r in done} == {SENT}
    assert all(r.sent_at == when and r.lease_until is None and r.error is None for r in done)
    assert [r.external_id for r in done[:3]] == [f"ext-{r.id}" for r in done[:3]]
    assert done[-1].external_id is None


async def test_concurrent_sends_share_commits_and_one_send_never_waits(store: Store) -> None:
    await fill(store, [f"c{n}" for n in range(40)])
    together = Sender(store, {"test": SlowChannel(0.01)}, FakeClock(START),
                      SenderConfig(concurrency=8))
    while await together.drain_once():
        pass
    assert together.marks.marked == 40
    assert together.marks.flushes < 40  # several marks per transaction
    await fill(store, [f"d{n}" for n in range(5)])
    alone = Sender(store, {"test": SlowChannel(0.001)}, FakeClock(START))
    assert alone.marks.linger == 0  # concurrency 1: each mark commits at once
    await alone.drain_once()
    assert (alone.marks.flushes, alone.marks.marked) == (5, 5)
    assert {r.status for r in await rows(store)} == {SENT}


async def test_a_failed_send_releases_its_place_among_the_sends_in_flight(store: Store) -> None:
    await fill(store, ["ok", "broken"])
    channel = RecordingChannel()
    channel.failures["broken"] = ConnectionResetError("reset")
    sender = Sender(store, {"test": channel}, FakeClock(START), SenderConfig(concurrency=4))
    await sender.drain_once()
    assert sender.marks.sending == 0 and sender.marks.quiet.is_set()


def test_sends_that_wake_late_together_are_spread_out_again() -> None:
    budget = Gcra(rate=1000)  # 1 ms apart; after a stall three overdue sends are ready at once
    starts = [budget.conform(50.0) for _ in range(8)]
    together = sum(1 for s in starts if s == 50.0)
    assert together <= 1 + round(JITTER * 1000)  # at most JITTER worth goes at once ...
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts[together - 1:])]
    assert gaps and all(g == 0.001 for g in gaps)  # ... the rest one interval apart


def test_a_budget_makes_up_a_small_lag_but_not_a_long_one() -> None:
    budget = Gcra(rate=100)  # 10 ms slots
    assert budget.take(10.0, catch_up=0.005) == 10.0  # next slot 10.010
    assert budget.take(10.013, catch_up=0.005) == 10.013  # 3 ms late: schedule kept ...
    assert budget.take(10.014, catch_up=0.005) == 10.020  # ... the next slot comes sooner
    assert budget.take(11.0, catch_up=0.005) == 11.0  # idle for a while: no burst after
    assert budget.take(11.0, catch_up=0.005) == 11.010


async def test_an_announcement_reaches_each_person_once_on_their_latest_chat(
        store: Store) -> None:
    async with store.transaction() as session:
        session.add_all([
            Person(id=1, name="a", project="P", role="buyer", language="en",
                   created_at=START, updated_at=START),
            Person(id=2, name="b", project="P", role="owner", language="",
                   created_at=START, updated_at=START),
            Person(id=3, name="c", project="P", role="buyer", unreachable=True,
                   created_at=START, updated_at=START),
            Person(id=4, name="d", project="P", role="buyer", notices_opt_out=True,
                   created_at=START, updated_at=START),
            Person(id=5, name="e", project="P", role="buyer", created_at=START,
                   updated_at=START),
        ])
        await session.flush()
        session.add_all([
            Identity(channel="telegram", user_id="old-a", chat_id="old-a", person_id=1,
                     created_at=START),
            Identity(channel="web", user_id="new-a", chat_id="new-a", person_id=1,
                     created_at=START),
            Identity(channel="telegram", user_id="b", chat_id="b", person_id=2,
                     created_at=START),
            Identity(channel="telegram", user_id="c", chat_id="c", person_id=3,
                     created_at=START),
            Identity(channel="telegram", user_id="d", chat_id="d", person_id=4,
                     created_at=START),
        ])
    async with store.transaction() as session:
        seen = await milestones.preview(session, project="P", building=None,
                                        milestone="topped_out")
        done = await milestones.announce(session, project="P", building=None,
                                         milestone="topped_out", now=START, actor="t")
    audience = seen.audience
    assert [(t.person_id, t.channel, t.chat_id, t.language) for t in audience.targets] == [
        (1, "web", "new-a", "en"), (2, "telegram", "b", "zh")]
    assert (audience.unreachable, audience.opted_out, audience.no_channel) == (1, 1, 1)
    assert (done.enqueued, done.total) == (2, 2)
    async with store.transaction() as session:
        queued = (await session.scalars(
            select(Outbox).where(Outbox.kind == "milestone").order_by(Outbox.person_id))).all()
        assert [(r.chat_id, r.dedupe_key, r.priority, r.status, r.attempts) for r in queued] == [
            ("new-a", f"milestone:{done.announcement_id}:1", BULK, PENDING, 0),
            ("b", f"milestone:{done.announcement_id}:2", BULK, PENDING, 0)]
        assert "Main structure topped out" in queued[0].payload["text"]
        assert "主体结构封顶" in queued[1].payload["text"]
        assert queued[0].payload["announcement_id"] == done.announcement_id
        assert queued[0].not_before == START and queued[0].created_at == START
        session.add(Identity(channel="telegram", user_id="e", chat_id="e", person_id=5,
                             created_at=START))
    async with store.transaction() as session:  # run again: only the newly reachable person
        again = await milestones.announce(session, project="P", building=None,
                                          milestone="topped_out", now=START, actor="t")
        count = await session.scalar(select(func.count(Outbox.id)))
    assert (again.enqueued, again.total, count) == (1, 3, 3)


async def test_marks_wait_for_a_flush_under_way_before_closing(store: Store) -> None:
    await fill(store, ["z"])
    sender = Sender(store, {"test": RecordingChannel()}, FakeClock(START))
    await sender.drain_once()
    await sender.close()
    await asyncio.sleep(0)
    assert sender.marks.writer.conn is None
