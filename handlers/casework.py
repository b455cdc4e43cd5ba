"""Staff-side work on a case, channel-neutral: state changes, replies, notes, re-routing.

Every change records history and, where the owner should know, writes a progress notice to
the outbox in the same transaction (the caller's)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar.sla import sla_adder, sla_elapsed
from bot.config import Config
from bot.messages import PROGRESS, STAFF, Attachment
from handlers.i18n import Texts
from nlp.routing import DEPARTMENTS, department_name
from storage.lifecycle import ASSIGNED, IN_PROGRESS, REOPENED, RESOLVED
from storage.models import Case, CaseEvent, Identity, Outbox, Person
from storage.repos.cases import CaseRepo
from storage.repos.outbox import OutboxRepo

NOTIFY_STATES = frozenset({"assigned", "in_progress", "resolved", "reopened", "closed", "cancelled"})


async def _owner(session: AsyncSession, case: Case) -> Person | None:
    return await session.get(Person, case.person_id) if case.person_id else None


def _texts(person: Person | None, tz: str) -> Texts:
    return Texts(person.language if person else "zh", tz)


async def notify_owner(
    session: AsyncSession,
    case: Case,
    text: str,
    now: datetime,
    *,
    priority: int,
    kind: str,
    person: Person | None,
    attachments: tuple[Attachment, ...] = (),
) -> Outbox:
    payload: dict[str, object] = {"text": text, "case_number": case.number}
    if attachments:
        payload["attachments"] = [a.to_json() for a in attachments]
    return await OutboxRepo(session).enqueue(
        channel=case.channel,
        chat_id=case.chat_id,
        payload=payload,
        now=now,
        priority=priority,
        kind=kind,
        person_id=person.id if person else None,
        case_id=case.id,
    )


def second_handling_due(case: Case, reopened_at: datetime, config: Config | None = None
                        ) -> datetime | None:
    """When a reopened case's new round (二次处理) is due: a window as long as the original
    handling promise (`handle_due − created_at`), counted from the reopening; in business time
    when `config.sla.business_time` (wall time without a config). `handle_due` itself is kept."""
    if case.handle_due is None:
        return None
    if config is None or not config.sla.business_time:
        return reopened_at + (case.handle_due - case.created_at)

    window: timedelta = sla_elapsed(config, case.created_at, case.handle_due)
    return sla_adder(config)(reopened_at, window)


async def change_state(
    session: AsyncSession,
    case: Case,
    target: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
    tz: str = "Asia/Shanghai",
    config: Config | None = None,
) -> CaseEvent:
    """Moves the case (IllegalTransition if not allowed) and tells the owner what it means.

    On reopening, the owner is promised the second handling's due time (`second_handling_due`,
    the same the SLA watch uses; pass `config` so business time is counted as configured)."""
    event = await CaseRepo(session, tz).transition(case, target, actor=actor, now=now, note=note)
    if target == ASSIGNED:
        case.assignee = actor
    if target in (ASSIGNED, IN_PROGRESS, RESOLVED) and case.first_replied_at is None:
        case.first_replied_at = now  # claiming is the centre's first response
    person = await _owner(session, case)
    if target in NOTIFY_STATES and not (person and person.notices_opt_out):
        t = _texts(person, tz)
        due = second_handling_due(case, now, config) if target == REOPENED else case.handle_due
        text = t(
            "progress.notice",
            number=case.number,
            state=t(f"state.{target}"),
            next=t(f"progress.next_{target}", due=t.when(due)),
        )
        if note and target == RESOLVED:
            text += "\n" + t("progress.note", note=note)
        await notify_owner(session, case, text, now, priority=PROGRESS, kind="progress",
                           person=person)
    return event


async def set_appointment(
    session: AsyncSession,
    case: Case,
    when: datetime,
    *,
    actor: str,
    now: datetime,
    end: datetime | None = None,
    tz: str = "Asia/Shanghai",
) -> CaseEvent:
    """Sets or moves the visit (appointment) and tells the owner the new time."""
    previous = case.visit_at
    case.visit_at, case.visit_end = when, end
    event = await CaseRepo(session, tz).add_event(
        case, "appointment", actor=actor, now=now, text=when.isoformat(),
        data={"from": previous.isoformat() if previous else None, "to": when.isoformat()},
    )
    person = await _owner(session, case)
    if not (person and person.notices_opt_out):
        t = _texts(person, tz)
        key = "progress_notice.appointment_moved" if previous else "progress_notice.appointment_set"
        text = t(key, number=case.number, when=t.when(when), due=t.when(case.handle_due))
        await notify_owner(session, case, text, now, priority=PROGRESS, kind="progress",
                           person=person)
    return event


async def staff_reply(
    session: AsyncSession, case: Case, text: str, *, actor: str, now: datetime,
    tz: str = "Asia/Shanghai", attachments: tuple[Attachment, ...] = (),
    corrected: bool = False,
) -> Outbox:
    """Relays a staff answer (text and any photos or files) to the owner, signed as customer
    service (never the person)."""
    person = await _owner(session, case)
    t = _texts(person, tz)
    data: dict[str, object] = {"attachments": [a.to_json() for a in attachments]} if attachments else {}
    if corrected:
        data["edited"] = True
    await CaseRepo(session, tz).add_event(case, "message_out", actor=actor, now=now, text=text,
                                          data=data or None)
    if case.first_replied_at is None:
        case.first_replied_at = now
    body = text or t("progress.staff_media", count=len(attachments))
    key = "progress.staff_correction" if corrected else "progress.staff_reply"
    signed = t(key, number=case.number, text=body)
    return await notify_owner(session, case, signed, now, priority=STAFF, kind="relay",
                              person=person, attachments=attachments)


async def verify_identity(
    session: AsyncSession, case: Case, identity: Identity, *, actor: str, now: datetime,
    tz: str = "Asia/Shanghai",
) -> Outbox:
    """Staff confirmed by phone that this chat's person is the roster's owner: the identity
    becomes verified, history records who, and the owner is told."""
    identity.verified = True
    await CaseRepo(session, tz).add_event(case, "verified", actor=actor, now=now,
                                          data={"identity": identity.id})
    person = await _owner(session, case)
    return await notify_owner(session, case, _texts(person, tz)("progress.verified",
                                                                number=case.number),
                              now, priority=PROGRESS, kind="progress", person=person)


async def add_note(
    session: AsyncSession, case: Case, text: str, *, actor: str, now: datetime,
    edited: bool = False,
) -> CaseEvent:
    """An internal note: history only, never sent to the owner (an edit is kept as a new
    entry marked edited)."""
    return await CaseRepo(session).add_event(case, "note", actor=actor, now=now, text=text,
                                             data={"edited": True} if edited else None)


async def reroute(
    session: AsyncSession, case: Case, department: str, *, actor: str, now: datetime
) -> CaseEvent:
    """Hands the case to another department (转派); the owner keeps one contact."""
    if department not in DEPARTMENTS:
        raise ValueError(f"unknown department {department!r}; one of {', '.join(DEPARTMENTS)}")
    previous, case.department = case.department, department
    return await CaseRepo(session).add_event(
        case, "assign", actor=actor, now=now,
        text=f"{department_name(previous)} → {department_name(department)}",
        data={"from": previous, "to": department},
    )
