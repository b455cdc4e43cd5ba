"""Surveys after a resolved repair or complaint, one reminder, and complaint return visits.

A periodic scan finds repairs and complaints resolved within the last week that have no
survey for their current round (a reopened case is surveyed again, round = reopen count + 1),
writes the Survey row and its first question to the outbox, and plans a `survey_remind`
timer and, for complaints, a `revisit` timer. Answers arrive as buttons (handlers/survey.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.messages import PROGRESS, Reply
from bot.timers.common import plan
from handlers.i18n import Texts
from handlers.survey import revisit_reply, survey_reply
from storage.models import Case, Person, Timer
from storage.repos.outbox import OutboxRepo
from storage.surveys import Survey

log = logging.getLogger(__name__)
SURVEYED_KINDS = ("repair", "complaint")
WITHIN = timedelta(days=7)  # DOMAIN.md: the survey goes out within a week of completion


async def _send(session: AsyncSession, case: Case, reply: Reply, now: datetime,
                person: Person | None, key: str) -> None:
    await OutboxRepo(session).enqueue(
        channel=case.channel, chat_id=case.chat_id, payload=reply.payload(), now=now,
        priority=PROGRESS, kind="survey", person_id=person.id if person else None,
        case_id=case.id, dedupe_key=key,
    )


async def _start(session: AsyncSession, case: Case, person: Person | None, kind: str,
                 round_: int, now: datetime, config: Config) -> Survey:
    """Writes a survey (or revisit) row and sends its first question, exactly once per key."""
    survey = Survey(case_id=case.id, person_id=person.id if person else None,
                    kind=kind, round=round_, sent_at=now)
    session.add(survey)
    await session.flush()
    t = Texts(person.language if person else "zh", config.centre.timezone)
    render = survey_reply if kind == "survey" else revisit_reply
    await _send(session, case, render(t, survey, case), now, person, f"{kind}:{case.id}:{round_}")
    return survey


async def plan_resolved_cases(session: AsyncSession, config: Config, now: datetime,
                              limit: int = 200) -> int:
    """Sends surveys for recently resolved cases that have none yet; returns how many."""
    surveyed = exists().where(
        and_(Survey.case_id == Case.id, Survey.kind == "survey",
             Survey.round == Case.reopen_count + 1)
    )
    cases = (await session.scalars(
        select(Case).where(Case.kind.in_(SURVEYED_KINDS), Case.state.in_(("resolved", "closed")),
                           Case.resolved_at.is_not(None), Case.resolved_at >= now - WITHIN,
                           ~surveyed)
        .order_by(Case.id).limit(limit)
    )).all()
    sent = 0
    for case in cases:
        person = await session.get(Person, case.person_id) if case.person_id else None
        if person is not None and person.unreachable:
            continue
        round_ = case.reopen_count + 1
        try:
            async with session.begin_nested():
                survey = await _start(session, case, person, "survey", round_, now, config)
        except IntegrityError:
            continue  # another worker surveyed this case a moment ago
        timers: list[dict[str, Any]] = [{
            "kind": "survey_remind", "key": f"survey_remind:{survey.id}", "case_id": case.id,
            "due_at": now + timedelta(hours=config.timers.survey_reminder_hours),
            "payload": {"survey": survey.id},
        }]
        if case.kind == "complaint" and case.resolved_at is not None:
            timers.append({
                "kind": "revisit", "key": f"revisit:{case.id}:{round_}", "case_id": case.id,
                "due_at": case.resolved_at + timedelta(days=config.timers.revisit_days),
                "payload": {"round": round_},
            })
        await plan(session, timers)
        sent += 1
    return sent


def remind_job(config: Config) -> Any:
    """The `survey_remind` job: one reminder if the survey is still unanswered."""

    async def run(session: AsyncSession, timer: Timer, now: datetime) -> None:
        survey = await session.get(Survey, int(timer.payload.get("survey", 0)))
        if survey is None or survey.answered_at is not None or survey.reminded_at is not None:
            return
        case = await session.get(Case, survey.case_id)
        if case is None:
            return
        person = await session.get(Person, survey.person_id) if survey.person_id else None
        t = Texts(person.language if person else "zh", config.centre.timezone)
        survey.reminded_at = now
        await _send(session, case, survey_reply(t, survey, case, reminder=True), now, person,
                    f"survey_remind:{survey.id}")

    return run


def revisit_job(config: Config) -> Any:
    """The `revisit` job: asks a complainant whether the problem is still solved."""

    async def run(session: AsyncSession, timer: Timer, now: datetime) -> None:
        case = await session.get(Case, timer.case_id) if timer.case_id else None
        round_ = int(timer.payload.get("round", 1))
        if case is None or case.state not in ("resolved", "closed") or case.reopen_count + 1 != round_:
            return  # reopened since: the next resolution plans its own visit
        person = await session.get(Person, case.person_id) if case.person_id else None
        if person is not None and person.unreachable:
            return
        await _start(session, case, person, "revisit", round_, now, config)

    return run
