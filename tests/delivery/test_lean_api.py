"""bench.lean_api, the lean Bot API of the rate benchmarks, answers like the fake Bot API:
Telegram's envelope, 429 with `retry_after` above the per-chat and global limits."""

from __future__ import annotations

from bench.botapi_channel import BotApiChannel
from bench.lean_api import start
from bot.channels.base import Outgoing, Pacing, RetryAfter
from tests.fakes.telegram_api import DEFAULT_TOKEN


async def test_the_lean_api_answers_and_enforces_its_limits() -> None:
    server, limits, base_url = await start(global_rate=3, scale=1, burst=2)
    channel = BotApiChannel(base_url, DEFAULT_TOKEN, Pacing(per_second=1000))
    try:
        first = await channel.send(Outgoing(id=1, chat_id="7", payload={"text": "hi"}))
        assert first == "1"
        try:  # the same private chat again at once: 1/s, bursts of 1
            await channel.send(Outgoing(id=2, chat_id="7", payload={"text": "again"}))
            raise AssertionError("expected a 429")
        except RetryAfter as exc:
            assert exc.seconds == 1  # whole seconds at scale 1, like Telegram
        assert await channel.send(Outgoing(id=3, chat_id="8", payload={"text": "hi"})) == "2"
        try:  # the global bucket (burst 2) is empty now
            await channel.send(Outgoing(id=4, chat_id="9", payload={"text": "hi"}))
            raise AssertionError("expected a 429")
        except RetryAfter:
            pass
        assert channel.flood_waits == 2
        assert sum(limits.accepted.values()) == 2 and limits.too_many == 2
    finally:
        await channel.stop()
        server.close()
        await server.wait_closed()


async def test_the_lean_api_gives_fractional_retry_after_when_scaled() -> None:
    server, _, base_url = await start(global_rate=1000, scale=10, burst=100)
    channel = BotApiChannel(base_url, DEFAULT_TOKEN, Pacing(per_second=1000))
    try:
        await channel.send(Outgoing(id=1, chat_id="-100", payload={"text": "hi"}))
        for n in range(19):  # a group: bursts of 20, 200/min at ×10
            await channel.send(Outgoing(id=2 + n, chat_id="-100", payload={"text": "hi"}))
        try:
            await channel.send(Outgoing(id=99, chat_id="-100", payload={"text": "hi"}))
            raise AssertionError("expected a 429")
        except RetryAfter as exc:
            assert 0 < exc.seconds < 1
    finally:
        await channel.stop()
        server.close()
        await server.wait_closed()
