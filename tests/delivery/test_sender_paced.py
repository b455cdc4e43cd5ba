"""The paced sender on a real store: priorities, per-chat pacing, 429 pauses, concurrency,
and several senders draining one outbox without sending anything twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.channels.base import Outgoing, Pacing, RetryAfter
from bot.channels.recording import RecordingChannel
from bot.clock import FakeClock
from bot.config import ChannelPacingConfig, SenderConfig
from bot.messages import BULK, LIVE
from bot.sender import Sender
from storage.db import Store
from storage.models import Outbox
from storage.repos.outbox import OutboxRepo
from tests.support.harness import START


async def fill(store: Store, chats: list[str], *, priority: int = BULK, text: str = "m") -> None:
    async with store.transaction() as session:
        await OutboxRepo(session).enqueue_many(
            [{"channel": "test", "chat_id": c, "payload": {"text": f"{text}{i}"},
              "priority": priority, "kind": "milestone"} for i, c in enumerate(chats)], START)


async def rows(store: Store) -> list[Outbox]:
    async with store.transaction() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


class SlowChannel(RecordingChannel):
    """Takes a while per send and remembers how many sends overlapped."""

    def __init__(self, delay: float) -> None:
        super().__init__("test")
        self.delay, self.active, self.most = delay, 0, 0

    async def send(self, message: Outgoing) -> str | None:
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            await asyncio.sleep(self.delay)
            return await super().send(message)
        finally:
            self.active -= 1


async def run_until(sender: Sender) -> asyncio.Task[None]:
    """Starts the sender's loop; `stop_all` ends it."""
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    task.stop = stop  # type: ignore[attr-defined]
    return task


async def stop_all(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.stop.set()  # type: ignore[attr-defined]
    await asyncio.gather(*tasks)


async def wait_for(predicate: Callable[[], bool]) -> None:
    """Polls until `predicate` holds (a generous bound keeps a broken sender from hanging)."""
    async with asyncio.timeout(20):
        while not predicate():  # noqa: ASYNC110 - the condition lives in another object
            await asyncio.sleep(0.02)


async def test_a_live_reply_overtakes_a_running_broadcast(store: Store) -> None:
    await fill(store, [f"b{n}" for n in range(300)])
    channel = RecordingChannel()
    channel.pacing = Pacing(per_second=200)  # claims 50 rows (a quarter second) at a time
    sender = Sender(store, {"test": channel}, FakeClock(START))
    task = await run_until(sender)
    await wait_for(lambda: len(channel.sent) >= 60)
    await fill(store, ["live-chat"], priority=LIVE, text="live")
    at_enqueue = len(channel.sent)
    sender.notify()
    await wait_for(lambda: "live-chat" in {m.chat_id for m in channel.sent})
    await stop_all(task)
    position = [m.chat_id for m in channel.sent].index("live-chat")
    assert position - at_enqueue <= 2 * 50  # at most the batches already scheduled went first
    assert len(channel.sent) < 301  # the broadcast had not finished


async def test_a_chats_further_messages_wait_in_the_queue_not_in_a_lease(store: Store) -> None:
    await fill(store, ["a", "a", "a", "b"], priority=LIVE)
    channel = RecordingChannel()
    channel.pacing = Pacing(per_second=100, per_chat_interval=1.0)
    config = SenderConfig(pacing={"test": ChannelPacingConfig(chat_burst=1)})
    clock = FakeClock(START)
    sender = Sender(store, {"test": channel}, clock, config)
    assert await sender.drain_once() == 4
    assert [m.chat_id for m in channel.sent] == ["a", "b"]
    waiting = [r for r in await rows(store) if r.status == "pending"]
    assert len(waiting) == 2
    assert all(r.not_before > START and r.attempts == 0 and r.lease_until is None
               for r in waiting)


async def test_a_429_pauses_the_whole_channel_then_resumes(store: Store) -> None:
    await fill(store, ["a", "b", "c"], priority=LIVE)
    channel, clock = RecordingChannel(), FakeClock(START)
    channel.failures["a"] = RetryAfter(5)
    sender = Sender(store, {"test": channel}, clock)
    await sender.drain_once()
    assert channel.sent == []  # b and c were not tried into the flood limit
    assert {r.status for r in await rows(store)} == {"pending"}
    assert await sender.drain_once() == 0  # paused
    channel.failures.clear()
    clock.advance(seconds=5)
    await sender.drain_once()
    assert sorted(m.chat_id for m in channel.sent) == ["a", "b", "c"]
    assert all(r.attempts == 1 for r in await rows(store))  # the pause cost no attempt


async def test_concurrency_is_bounded_by_config(store: Store) -> None:
    await fill(store, [f"c{n}" for n in range(24)])
    channel = SlowChannel(0.05)
    sender = Sender(store, {"test": channel}, FakeClock(START), SenderConfig(concurrency=4))
    while await sender.drain_once():
        pass
    assert len(channel.sent) == 24
    assert 1 < channel.most <= 4


async def test_the_default_sender_has_one_send_in_flight(store: Store) -> None:
    await fill(store, [f"c{n}" for n in range(6)])
    channel = SlowChannel(0.02)
    sender = Sender(store, {"test": channel}, FakeClock(START))
    await sender.drain_once()
    assert channel.most == 1


async def test_two_senders_share_one_outbox_without_duplicates(store: Store) -> None:
    await fill(store, [f"p{n}" for n in range(400)])
    first, second = SlowChannel(0.001), SlowChannel(0.001)
    config = SenderConfig(leader=False, concurrency=2)  # both drain: SKIP LOCKED claims
    senders = [Sender(store, {"test": ch}, FakeClock(START), config) for ch in (first, second)]
    tasks = [await run_until(s) for s in senders]
    await wait_for(lambda: len(first.sent) + len(second.sent) >= 400)
    await stop_all(*tasks)
    delivered = Counter(m.id for m in first.sent + second.sent)
    assert len(delivered) == 400 and max(delivered.values()) == 1
    assert {r.status for r in await rows(store)} == {"sent"}
    if store.dialect == "postgresql":
        assert first.sent and second.sent  # they really did work side by side


async def test_on_postgresql_one_leader_sends_and_a_standby_takes_over(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("leader election uses a PostgreSQL advisory lock")
    await fill(store, [f"p{n}" for n in range(50)])
    first, second = RecordingChannel(), RecordingChannel()
    senders = [Sender(store, {"test": ch}, FakeClock(START)) for ch in (first, second)]
    tasks = [await run_until(s) for s in senders]
    await wait_for(lambda: len(first.sent) + len(second.sent) >= 50)
    assert not (first.sent and second.sent)  # one leader at a time
    leader, standby = (0, 1) if first.sent else (1, 0)
    await stop_all(tasks[leader])  # the leader stops; its lock goes with it
    await fill(store, [f"q{n}" for n in range(10)])
    standby_channel = (first, second)[standby]
    await wait_for(lambda: len(standby_channel.sent) >= 10)
    await stop_all(tasks[standby])
    assert len(Counter(m.id for m in first.sent + second.sent)) == 60
