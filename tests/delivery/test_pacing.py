"""Pacing arithmetic: global and per-chat budgets as reserved slots (no wall-clock asserts)."""

from __future__ import annotations

import itertools

import pytest

from bot.channels.base import Pacing
from bot.channels.recording import RecordingChannel
from bot.clock import FakeClock
from bot.config import ChannelPacingConfig, SenderConfig
from bot.pacing import Budget, ChannelPacer, Gcra, is_group, resolve
from bot.sender import Sender
from storage.db import Store
from tests.support.harness import START


def test_a_budget_spaces_reservations_by_its_interval_after_the_burst() -> None:
    limiter = Gcra(rate=10, burst=3)
    slots = []
    for _ in range(5):
        at = limiter.earliest(100.0)
        limiter.reserve(at)
        slots.append(round(at - 100.0, 6))
    assert slots == [0.0, 0.0, 0.0, 0.1, 0.2]


def test_a_chat_that_must_wait_is_not_reserved() -> None:
    pacer = ChannelPacer(Budget(per_second=30, per_chat_interval=1.0, group_per_minute=20,
                                chat_burst=1))
    assert pacer.take_chat("42") is True
    assert pacer.take_chat("42") is False  # 1/s per private chat: back to the queue ...
    assert pacer.chat_ready_in("42") == pytest.approx(1.0, abs=0.05)  # ... for about 1 s
    assert pacer.take_chat("43") is True  # other chats are not held up


def test_global_slots_are_spaced_and_taken_in_time_order() -> None:
    pacer = ChannelPacer(Budget(per_second=30, per_chat_interval=0, group_per_minute=0))
    slots = [pacer.take_global() for _ in range(4)]
    gaps = [round(b - a, 4) for a, b in itertools.pairwise(slots)]
    assert gaps == [round(1 / 30, 4)] * 3


def test_groups_get_twenty_a_minute() -> None:
    assert is_group("-1001234") and not is_group("42")
    pacer = ChannelPacer(Budget(per_second=30, per_chat_interval=1.0, group_per_minute=20,
                                group_burst=1))
    assert pacer.take_chat("-5") is True
    assert pacer.take_chat("-5") is False
    assert pacer.chat_ready_in("-5") == pytest.approx(3.0, abs=0.05)


def test_config_overrides_and_paid_broadcast() -> None:
    telegram = Pacing(per_second=30, per_chat_interval=1.0, group_per_minute=20)
    assert resolve("telegram", telegram, SenderConfig()).per_second == 30
    paid = SenderConfig(paid_broadcast=True, paid_per_second=1000)
    assert resolve("telegram", telegram, paid).per_second == 1000
    assert resolve("web", telegram, paid).per_second == 30  # paid mode is Telegram's
    custom = SenderConfig(pacing={"telegram": ChannelPacingConfig(per_second=10, chat_burst=1)})
    budget = resolve("telegram", telegram, custom)
    assert (budget.per_second, budget.per_chat_interval, budget.chat_burst) == (10, 1.0, 1)


def test_channels_with_one_budget_key_share_the_global_budget() -> None:
    owners, desk = RecordingChannel("telegram"), RecordingChannel("staff")
    web = RecordingChannel("web")
    owners.budget_key = desk.budget_key = "bot-token-1"  # type: ignore[attr-defined]
    sender = Sender(Store.from_url("sqlite:///:memory:"),
                    {"telegram": owners, "staff": desk, "web": web}, FakeClock(START))
    assert sender.pacers["telegram"].overall is sender.pacers["staff"].overall
    assert sender.pacers["web"].overall is not sender.pacers["telegram"].overall
