"""The centre's service promises (DOMAIN.md) turned into due times for a new case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import SlaConfig

# Adds a duration to an instant: wall-clock by default, business time when configured.
AddTime = Callable[[datetime, timedelta], datetime]


def wall_clock(start: datetime, duration: timedelta) -> datetime:
    return start + duration


@dataclass(frozen=True)
class Promise:
    first_reply_due: datetime
    handle_due: datetime


def promise_for(
    kind: str, urgent: bool, created: datetime, sla: SlaConfig, add: AddTime = wall_clock
) -> Promise:
    """First-reply and handling due times by kind: 2 h / 24 h; complaints 1 day, major 3 days;
    suggestions forwarded within 10 minutes and answered within a day."""
    hours = timedelta(hours=1)
    first = add(created, sla.first_reply_hours * hours)
    if kind == "complaint":
        handle = sla.complaint_major_hours if urgent else sla.complaint_routine_hours
    elif kind == "suggestion":
        handle = sla.suggestion_reply_hours
    else:
        handle = sla.handle_hours
    if urgent and kind != "complaint":
        # An emergency is answered at once; the first-reply promise shrinks accordingly.
        first = min(first, created + timedelta(minutes=sla.suggestion_forward_minutes))
    if kind == "suggestion":
        first = add(created, timedelta(minutes=sla.suggestion_forward_minutes))
    return Promise(first_reply_due=first, handle_due=add(created, handle * hours))
