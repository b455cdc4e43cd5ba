"""Pytest fixtures for the fakes.

Use from a ``conftest.py``::

    from tests.fakes.fixtures import fake_telegram  # noqa: F401  (re-exported fixture)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .telegram_api import FakeTelegram, RateLimits


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started :class:`FakeTelegram` with Telegram-like rate limits (x1).

    Tests that send many messages quickly should relax limits, e.g.
    ``fake_telegram.rate_limits = RateLimits.disabled()`` or ``RateLimits(scale=100)``
    (assigning resets the token buckets).
    """
    async with FakeTelegram(rate_limits=RateLimits()) as fake:
        yield fake
