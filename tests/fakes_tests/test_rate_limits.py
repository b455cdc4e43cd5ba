"""Flood control of the fake server, observed through the real PTB Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest

from tests.fakes import FakeTelegram, RateLimits

USER = 7001
FORUM = -1007001


@pytest_asyncio.fixture
async def limited(fake_telegram: FakeTelegram) -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    tg = fake_telegram
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        yield tg, bot


async def test_defaults_are_telegram_like(fake_telegram: FakeTelegram) -> None:
    limits = fake_telegram.rate_limits
    assert limits.enabled
    assert limits.private_per_second == 1
    assert limits.group_per_minute == 20
    assert limits.global_per_second == 30


async def test_private_chat_burst_then_429(limited: tuple[FakeTelegram, Bot]) -> None:
    tg, bot = limited
    for i in range(3):  # short burst allowed
        await bot.send_message(USER, f"m{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "one too many")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    error = tg.errors[-1]
    assert error.error_code == 429
    assert error.description == "Too Many Requests: retry after 1"
    assert error.parameters == {"retry_after": 1}
    # Other chats are not affected by this chat's limit.
    await bot.send_message(USER + 1, "other user")


async def test_group_limit_counts_all_topics(limited: tuple[FakeTelegram, Bot]) -> None:
    tg, bot = limited
    tg.add_group(FORUM, "Intake", is_forum=True)
    topics = [tg.add_topic(FORUM, f"T{i}").message_thread_id for i in range(4)]
    for i in range(20):
        await bot.send_message(FORUM, f"m{i}", message_thread_id=topics[i % 4])
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(FORUM, "21st", message_thread_id=topics[0])
    assert info.value.retry_after == dtm.timedelta(seconds=3)  # 60 s / 20 msgs


async def test_global_limit(limited: tuple[FakeTelegram, Bot]) -> None:
    tg, bot = limited
    started = time.monotonic()
    with pytest.raises(RetryAfter):
        for i in range(100):
            await bot.send_message(10_000 + i, "broadcast")  # a different chat each time
    elapsed = time.monotonic() - started
    # Burst of 30 plus whatever refilled at 30/s while sending.
    assert 30 <= len(tg.sent) <= 30 + 30 * elapsed + 1


async def test_scaled_limits_use_fractional_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    # Private chat at 5 msg/s, burst 3: the 4th message comes before a token refills even on a
    # loaded machine (it would take 200 ms), and retry_after is a fraction of a second.
    tg.rate_limits = RateLimits(scale=5)
    tg.reset_rate_limits()
    for _ in range(3):
        await bot.send_message(USER, "x")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    retry = info.value.retry_after
    assert isinstance(retry, dtm.timedelta)
    assert dtm.timedelta(0) < retry <= dtm.timedelta(seconds=0.2)
    await asyncio.sleep(retry.total_seconds())
    await bot.send_message(USER, "after waiting exactly retry_after")


async def test_media_group_counts_each_item(tg: FakeTelegram, bot: Bot) -> None:
    from telegram import InputMediaPhoto

    tg.rate_limits = RateLimits()
    tg.reset_rate_limits()
    await bot.send_media_group(USER, [InputMediaPhoto(b"a"), InputMediaPhoto(b"b")])
    await bot.send_message(USER, "third")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "fourth")


@pytest.mark.parametrize("ceiling", [50.0, 150.0])
async def test_sustained_rate_is_measurable(tg: FakeTelegram, ceiling: float) -> None:
    """Greedy senders honouring retry_after get through, and never above the ceiling.

    Note: ``Bot()`` defaults to a single HTTP connection; concurrent senders need a pool.
    """
    tg.rate_limits = RateLimits(
        global_per_second=ceiling,
        global_burst=1,
        private_per_second=1e9,
        private_burst=10**9,
        fractional_retry_after=True,
    )
    tg.reset_rate_limits()
    retries = 0

    async def sender(client: Bot, worker: int, deadline: float) -> None:
        nonlocal retries
        while time.monotonic() < deadline:
            try:
                await client.send_message(100 + worker, "bench")
            except RetryAfter as exc:
                retries += 1
                assert isinstance(exc.retry_after, dtm.timedelta)
                await asyncio.sleep(exc.retry_after.total_seconds())

    request = HTTPXRequest(connection_pool_size=8)
    async with Bot(tg.token, base_url=tg.base_url, request=request) as bot:
        deadline = time.monotonic() + 0.6
        await asyncio.gather(*(sender(bot, w, deadline) for w in range(8)))
    stamps = [r.timestamp for r in tg.sent]
    assert len(stamps) >= 10  # senders honouring retry_after keep getting through
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert retries > 0
    # the ceiling holds; how close a loaded machine gets to it is bench/api_ceiling.py's job
    assert rate <= ceiling * 1.05


async def test_disabled(tg: FakeTelegram, bot: Bot) -> None:
    for _ in range(50):
        await bot.send_message(USER, "spam")
    assert len(tg.sent) == 50
