"""Business hours: outside them an owner's first message of the off period gets an automatic
reply with the emergency number (once per off period), and urgent cases also alert the
on-duty staff chat at once.

A dispatch hook, not a route: the message itself is still handled (a repair is still
registered). "Once per off period" is an outbox dedupe key naming the chat and the period's
start, checked before the row is written, so no extra table is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select

from bot.calendar import BusinessClock
from bot.config import Config
from bot.messages import LIVE, URGENT, Recipient, Reply
from handlers.context import Ctx, Step
from storage.models import Outbox

ON_DUTY = "on_duty"  # staff-desk chat id of the on-duty staff (mapped by the channel)
Hook = Callable[[Ctx, Step], Awaitable[None]]


def off_hours_hook(config: Config, clock: BusinessClock) -> Hook:
    """Builds the dispatch hook for `[hours]`."""

    async def hook(ctx: Ctx, step: Step) -> None:
        if ctx.msg.staff or ctx.msg.channel == "staff" or clock.is_open(ctx.now):
            return
        period = clock.current_closed_period(ctx.now)
        start = period[0] if period else ctx.now
        key = f"offhours:{ctx.msg.channel}:{ctx.msg.chat_id}:{start.isoformat()}"
        if len(key) <= 120 and await ctx.session.scalar(
            select(Outbox.id).where(Outbox.dedupe_key == key)
        ) is None:
            step.replies.append(Reply(
                ctx.t("timers.off_hours", open=ctx.t.when(_opens(clock, ctx.now)),
                      emergency=config.centre.emergency_phone),
                priority=LIVE, kind="auto_reply", dedupe_key=key,
            ))
        for reply in list(step.replies):
            if reply.to is not None and reply.to.channel == "staff" and (
                reply.extra.get("event") == "urgent"
            ):
                step.replies.append(Reply(
                    reply.text, to=Recipient("staff", ON_DUTY), priority=URGENT, kind="staff",
                    case_id=reply.case_id, extra={**reply.extra, "on_duty": True},
                ))

    return hook


def _opens(clock: BusinessClock, now: datetime) -> datetime:
    return clock.next_open(now)
