"""The sender: delivers by priority, obeys retry-after, gives up on the unreachable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.channels.base import RetryAfter, Transient, Unreachable
from bot.channels.recording import RecordingChannel
from bot.clock import FakeClock
from bot.config import SenderConfig
from bot.sender import Sender
from storage.db import Store
from storage.models import Outbox, Person
from storage.repos.outbox import OutboxRepo
from tests.support.harness import START


async def enqueue(store: Store, chat: str, text: str, priority: int = 0,
                  person_id: int | None = None) -> int:
    async with store.transaction() as session:
        row = await OutboxRepo(session).enqueue(channel="test", chat_id=chat, payload={"text": text},
                                                now=START, priority=priority, person_id=person_id)
        return row.id


async def statuses(store: Store) -> dict[str, str]:
    async with store.transaction() as session:
        rows = (await session.scalars(select(Outbox))).all()
        return {r.payload["text"]: r.status for r in rows}


def make_sender(store: Store, channel: RecordingChannel, clock: FakeClock) -> Sender:
    return Sender(store, {"test": channel}, clock, SenderConfig(max_attempts=3))


async def test_higher_priority_rows_go_first(store: Store) -> None:
    await enqueue(store, "a", "bulk", priority=30)
    await enqueue(store, "b", "live", priority=0)
    await enqueue(store, "c", "urgent", priority=-10)
    channel = RecordingChannel()
    await make_sender(store, channel, FakeClock(START)).drain_once()
    assert channel.texts() == ["urgent", "live", "bulk"]


async def test_retry_after_pauses_without_spending_an_attempt(store: Store) -> None:
    await enqueue(store, "a", "hello")
    channel, clock = RecordingChannel(), FakeClock(START)
    channel.failures["a"] = RetryAfter(3)
    sender = make_sender(store, channel, clock)
    await sender.drain_once()
    assert await statuses(store) == {"hello": "pending"}
    assert await sender.drain_once() == 0  # not due yet
    channel.failures.clear()
    clock.advance(seconds=3)
    await sender.drain_once()
    assert channel.texts() == ["hello"]
    async with store.transaction() as session:
        row = await session.scalar(select(Outbox))
        assert row is not None and row.attempts == 1


async def test_an_unreachable_recipient_is_marked_and_never_retried(store: Store) -> None:
    async with store.transaction() as session:
        person = Person(name="x", phone="13800000000", role="owner", created_at=START,
                        updated_at=START)
        session.add(person)
        await session.flush()
        person_id = person.id
    await enqueue(store, "gone", "bye", person_id=person_id)
    channel, clock = RecordingChannel(), FakeClock(START)
    channel.failures["gone"] = Unreachable("Forbidden: bot was blocked by the user")
    sender = make_sender(store, channel, clock)
    await sender.drain_once()
    clock.advance(hours=1)
    assert await sender.drain_once() == 0
    assert await statuses(store) == {"bye": "unreachable"}
    async with store.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None and person.unreachable


async def test_network_errors_back_off_then_fail_visibly(store: Store) -> None:
    await enqueue(store, "flaky", "try")
    channel, clock = RecordingChannel(), FakeClock(START)
    channel.failures["flaky"] = Transient("connection reset")
    sender = make_sender(store, channel, clock)
    for _ in range(3):
        await sender.drain_once()
        clock.advance(minutes=10)
    assert await statuses(store) == {"try": "failed"}
    async with store.transaction() as session:
        row = await session.scalar(select(Outbox))
        assert row is not None and "connection reset" in (row.error or "")


async def test_a_crashed_senders_lease_expires_and_the_row_is_sent(store: Store) -> None:
    await enqueue(store, "a", "again")
    clock = FakeClock(START)
    async with store.transaction() as session:  # a sender claims the row, then dies
        claimed = await OutboxRepo(session).claim(clock.now(), limit=10, lease=timedelta(seconds=30))
    assert len(claimed) == 1
    channel = RecordingChannel()
    sender = make_sender(store, channel, clock)
    assert await sender.drain_once() == 0  # still leased
    clock.advance(seconds=31)
    await sender.drain_once()
    assert channel.texts() == ["again"]
