"""Send pacing: a global budget per channel plus per-chat budgets, as reserved time slots.

Each budget is a GCRA ("virtual scheduling") limiter: reserving a slot returns the monotonic
time at which a message may go and moves the budget's theoretical arrival time on by one
interval. A row is only scheduled when both its chat's slot and the channel's global slot are
close (see `Sender`), so rows never sit leased for long waiting on a slow chat."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.channels.base import Pacing
from bot.config import SenderConfig


@dataclass(frozen=True)
class Budget:
    """The resolved pacing of one channel (after config overrides)."""

    per_second: float
    per_chat_interval: float
    group_per_minute: float
    chat_burst: int = 3
    group_burst: int = 5
    global_burst: int = 1


def resolve(name: str, pacing: Pacing, config: SenderConfig) -> Budget:
    """The channel's own pacing, overridden by `[sender.pacing.<name>]`, paid mode applied."""
    override = config.pacing.get(name)
    per_second = pacing.per_second
    interval = pacing.per_chat_interval
    group = pacing.group_per_minute
    chat_burst, group_burst, global_burst = 3, 5, 1
    if override is not None:
        per_second = override.per_second if override.per_second is not None else per_second
        if override.per_chat_interval is not None:
            interval = override.per_chat_interval
        group = override.group_per_minute if override.group_per_minute is not None else group
        chat_burst = override.chat_burst
        group_burst = override.group_burst
        global_burst = override.global_burst
    if config.paid_broadcast and name in config.paid_channels:
        per_second = max(per_second, config.paid_per_second)
    return Budget(per_second, interval, group, chat_burst, group_burst, global_burst)


JITTER = 0.005  # seconds of lateness a global budget makes up for (timer and scheduling jitter)


class Gcra:
    """One rate limit: `rate` per second with bursts of `burst` messages.

    Two clocks: `reserve` books scheduled slots (ahead of time, in order); `conform` checks the
    times sends actually start against the same rate, with a tolerance of `burst` - 1
    intervals but at least `JITTER`, so late sends (after a stall) are spread out again instead
    of going all at once."""

    __slots__ = ("interval", "sent_tat", "sent_tolerance", "tat", "tolerance")

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.tolerance = max(0, burst - 1) * self.interval
        self.tat = 0.0
        self.sent_tolerance = max(self.tolerance, JITTER)
        self.sent_tat = 0.0

    def earliest(self, now: float) -> float:
        """The first moment a message may go, without reserving it."""
        return max(now, self.tat - self.tolerance)

    def reserve(self, at: float) -> None:
        """Takes the slot at `at` (which must be ≥ `earliest`)."""
        self.tat = max(self.tat, at) + self.interval

    def take(self, now: float, catch_up: float = 0.0) -> float:
        """Reserves the next slot from `now` and returns it. A budget that fell behind its
        schedule by at most `catch_up` seconds (a late send) keeps its schedule, so the next
        slots come sooner until it is back on time; a longer lag is dropped, not made up."""
        at = self.earliest(now)
        behind = at - self.tat
        self.tat = (self.tat if behind <= catch_up else at) + self.interval
        return at

    def conform(self, now: float) -> float:
        """A send is ready to start at `now`: returns when it may really start (`now` unless
        sends have been going faster than the rate plus tolerance) and books that moment."""
        at = max(now, self.sent_tat - self.sent_tolerance)
        self.sent_tat = max(self.sent_tat, at) + self.interval
        return at


def is_group(chat_id: str) -> bool:
    """Telegram group and supergroup ids are negative; every other chat is private."""
    return chat_id.startswith("-")


class ChannelPacer:
    """The global budget of one channel and the budgets of its chats.

    A chat's budget is a GCRA limiter like `Gcra`, but kept as a bare float (its theoretical
    arrival time) in `chats`, its interval and tolerance following from the chat's kind: a
    broadcast touches one new chat per message, and an object per chat would add one
    long-lived, garbage-collector-tracked object per message (tens of thousands per minute
    at 1,000/s), which is what triggers Python's full collections (~50–100 ms pauses of the
    event loop on a small machine). Floats in a dict are not tracked."""

    def __init__(self, budget: Budget, overall: Gcra | None = None) -> None:
        self.budget = budget
        self.overall = overall or Gcra(budget.per_second, budget.global_burst)
        self.chats: dict[str, float] = {}
        interval = budget.per_chat_interval or 0.0
        self.private = (interval, max(0, budget.chat_burst - 1) * interval) if interval else None
        group = 60.0 / budget.group_per_minute if budget.group_per_minute else 0.0
        self.group = (group, max(0, budget.group_burst - 1) * group) if group else None

    def _limits(self, chat_id: str) -> tuple[float, float] | None:
        """(interval, tolerance) of the chat's budget, None if it has none."""
        if is_group(chat_id) and self.group is not None:
            return self.group
        return self.private

    def take_chat(self, chat_id: str, slack: float = 0.05) -> bool:
        """Reserves the chat's next slot if it is due within `slack` seconds; False (nothing
        reserved) when the chat must wait: its row then goes back to the queue rather than
        sitting in a lease."""
        limits = self._limits(chat_id)
        if limits is None:
            return True
        interval, tolerance = limits
        now = time.monotonic()
        tat = self.chats.get(chat_id, 0.0)
        at = max(now, tat - tolerance)
        if at - now > slack:
            return False
        self.chats[chat_id] = max(tat, at) + interval
        if len(self.chats) > 50_000:
            self.prune(now)
        return True

    async def admit(self) -> None:
        """Waits for the channel's next global slot; returns when the send may start.

        Slots are reserved in time order by the sends holding a concurrency slot, each then
        sleeping until its own. After a stall (a busy event loop, a descheduled process)
        several sends may wake late together; the check on actual start times lets at most
        `global_burst` (or `JITTER` worth, whichever is more) go at once and spaces the rest
        one interval apart, so a stall never turns into a burst of `concurrency` messages."""
        at = self.take_global()
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        start = self.overall.conform(now)
        if start > now:
            await asyncio.sleep(start - now)

    def take_global(self) -> float:
        """Reserves the channel's next global slot now; returns its monotonic time (the
        synchronous form of `admit`, which the sender uses)."""
        return self.overall.take(time.monotonic(), catch_up=JITTER)

    def chat_ready_in(self, chat_id: str) -> float:
        """Seconds until the chat's own budget allows a message."""
        limits = self._limits(chat_id)
        if limits is None:
            return 0.0
        return max(0.0, self.chats.get(chat_id, 0.0) - limits[1] - time.monotonic())

    def prune(self, now: float) -> None:
        """Forgets chats whose budget is fully replenished."""
        self.chats = {k: tat for k, tat in self.chats.items() if tat > now}
