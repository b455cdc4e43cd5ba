"""SLA watch: a reminder at 75 % of each window and an escalation at breach, per open case.

A periodic scan plans four timers for every open case that has none yet (first reply and
handling, reminder and breach), so cases opened by any path — the bot, staff, an import —
are watched, and breaches that happened while the bot was down fire as soon as it starts.
Claiming or replying stops the first-reply clock; resolving (or closing) stops both.

A reopened case (二次处理, `reopen_count = n ≥ 1`) is a new round: the scan plans a handling
reminder and breach for it (keys `sla:<case>:r<n>:handle:<stage>`) over a fresh window as long
as the original promise (`handle_due − created_at`), counted from the reopening. The case's
stored due times are left alone (reports judge the first handling); the round's due time lives
in the timer payload. The first-reply clock is not restarted, and timers of an earlier round
never fire.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import BusinessClock
from bot.config import Config
from bot.messages import STAFF, URGENT
from bot.timers.common import fraction_point, plan, to_staff
from handlers.casework import second_handling_due
from handlers.i18n import Texts
from nlp.routing import department_name
from storage.lifecycle import OPEN_STATES
from storage.models import Case, CaseEvent, Timer
from storage.repos.cases import CaseRepo

log = logging.getLogger(__name__)
KIND = "sla"
SUPERVISOR = "supervisor"  # staff-desk chat id of the supervisors (mapped by the channel)
CLOCKS = ("first_reply", "handle")


def round_prefix(case_id: int, round_: int) -> str:
    """The key prefix of a reopened round's timers (round 0, the first handling, has none)."""
    return f"sla:{case_id}:r{round_}:"


async def plan_open_cases(
    session: AsyncSession, config: Config, clock: BusinessClock, limit: int = 500
) -> int:
    """Plans reminder and breach timers for open cases whose current round has none; returns
    how many cases."""
    this_round = (literal("sla:") + cast(Case.id, String) + literal(":r")
                  + cast(Case.reopen_count, String) + literal(":%"))
    watched = exists().where(Timer.case_id == Case.id, Timer.kind == KIND,
                             or_(Case.reopen_count == 0, Timer.key.like(this_round)))
    cases = (await session.scalars(
        select(Case).where(Case.state.in_(OPEN_STATES), ~watched).order_by(Case.id).limit(limit)
    )).all()
    rows: list[dict[str, Any]] = []
    share = config.timers.sla_reminder_fraction
    for case in cases:
        if case.reopen_count:
            rows.extend(await _reopened_round(session, config, clock, case))
            continue
        for name, due in (("first_reply", case.first_reply_due), ("handle", case.handle_due)):
            if due is None or (name == "first_reply" and case.first_replied_at is not None):
                continue
            remind_at = fraction_point(clock, case.created_at, due, share)
            for stage, at in (("remind", remind_at), ("breach", due)):
                rows.append({"kind": KIND, "key": f"sla:{case.id}:{name}:{stage}", "due_at": at,
                             "case_id": case.id, "payload": {"clock": name, "stage": stage}})
        if not rows or rows[-1]["case_id"] != case.id:
            # Nothing to watch (no due times): a marker row keeps the scan from returning here.
            rows.append({"kind": KIND, "key": f"sla:{case.id}:none", "due_at": case.created_at,
                         "case_id": case.id, "payload": {"clock": "none", "stage": "none"},
                         "status": "done"})
    await plan(session, rows)
    return len(cases)


async def _reopened_round(
    session: AsyncSession, config: Config, clock: BusinessClock, case: Case
) -> list[dict[str, Any]]:
    """The handling reminder and breach of a reopened case's current round (二次处理)."""
    round_ = case.reopen_count
    prefix = round_prefix(case.id, round_)
    reopened_at = await session.scalar(
        select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.to_state == "reopened")
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1))
    due = second_handling_due(case, reopened_at, config) if reopened_at else None
    if due is None or reopened_at is None:
        # Nothing to watch (no handling promise): a marker row for the round, as for round 0.
        return [{"kind": KIND, "key": prefix + "none", "due_at": case.created_at,
                 "case_id": case.id, "payload": {"clock": "none", "stage": "none",
                                                 "round": round_}, "status": "done"}]
    remind_at = fraction_point(clock, reopened_at, due, config.timers.sla_reminder_fraction)
    return [{"kind": KIND, "key": f"{prefix}handle:{stage}", "due_at": at, "case_id": case.id,
             "payload": {"clock": "handle", "stage": stage, "round": round_,
                         "due": due.isoformat()}}
            for stage, at in (("remind", remind_at), ("breach", due))]


def department_label(code: str) -> str:
    """The department's Chinese name, or its code when it is not a known one."""
    try:
        return department_name(code)
    except KeyError:
        return code


def stopped(case: Case, clock_name: str, round_: int = 0) -> bool:
    """Whether the clock no longer runs: replied/claimed for the first reply, done for handling,
    or the case was reopened since the timer's round was planned (a later round watches it)."""
    if case.state not in OPEN_STATES or round_ != case.reopen_count:
        return True
    return clock_name == "first_reply" and case.first_replied_at is not None


def handling_label(round_: int) -> str:
    """The clock's name in a reopened round's messages: 二次处理, then 第3次处理, ..."""
    return "二次处理" if round_ == 1 else f"第{round_ + 1}次处理"


def job(config: Config) -> Any:
    """The `sla` timer job: remind the department or escalate a breach to the supervisors."""
    tz = config.centre.timezone

    async def run(session: AsyncSession, timer: Timer, now: datetime) -> None:
        name, stage = str(timer.payload.get("clock")), str(timer.payload.get("stage"))
        case = await session.get(Case, timer.case_id) if timer.case_id else None
        round_ = int(timer.payload.get("round", 0))
        if case is None or name not in CLOCKS or stopped(case, name, round_):
            return
        t = Texts("zh", tz)
        due = case.first_reply_due if name == "first_reply" else case.handle_due
        if "due" in timer.payload:
            due = datetime.fromisoformat(str(timer.payload["due"]))
        label = handling_label(round_) if round_ else t(f"timers.clock_{name}")
        values = {"number": case.number, "kind": t("kind." + case.kind),
                  "clock": label, "due": t.when(due),
                  "department": department_label(case.department)}
        if stage == "remind":
            percent = round(config.timers.sla_reminder_fraction * 100)
            await to_staff(session, case, case.department,
                           t("timers.sla_reminder", percent=percent, **values),
                           "sla_reminder", now, priority=STAFF, clock=name, round=round_)
            return
        case.breached = True
        await CaseRepo(session, tz).add_event(case, "sla_breach", actor="anju:sla", now=now,
                                              text=name, data={"clock": name, "round": round_})
        await to_staff(session, case, SUPERVISOR, t("timers.sla_breach", **values),
                       "sla_breach", now, priority=URGENT, clock=name, mention=SUPERVISOR,
                       round=round_)
        log.info("case %s breached its %s promise", case.number, name)

    return run
