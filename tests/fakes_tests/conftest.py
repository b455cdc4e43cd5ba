"""Fixtures for the fake Telegram server's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot

from tests.fakes import FakeTelegram, RateLimits
from tests.fakes.fixtures import fake_telegram

__all__ = ["bot", "fake_telegram", "ptb_timedelta", "tg"]


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (PTBDeprecationWarning -> error under our filterwarnings) when reading
    time-period attributes such as ``RetryAfter.retry_after`` unless this opt-in is set."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """Fake server without rate limits (most functional tests send in quick bursts)."""
    async with FakeTelegram(rate_limits=RateLimits.disabled()) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client
