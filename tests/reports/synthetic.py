"""A synthetic October 2026 with known answers (the expected figures are in the tests).

Times are local (Asia/Shanghai). Edge cases: a cancelled case, a case opened at 23:00 on
the last day (its handling deadline is still ahead at report time), one opened 00:30 on the
1st of the next month and one at 23:30 on the last day of the previous month (local-day
boundaries differ from UTC), a reopened case, a survey answered after the period, a return
visit (not a survey), a person off the roster, and a second project.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.period import month
from storage.models import Case, CaseEvent, Identity, Outbox, Person
from storage.surveys import MonthlyCheck, Survey

TZ = "Asia/Shanghai"
OCTOBER = month(2026, 10, TZ)
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo(TZ))  # when the monthly report runs
HOME, OTHER = "翠湖苑", "云栖府"
H = timedelta(hours=1)
_numbers = itertools.count(1)


def local(day: int, hour: int, minute: int = 0, mon: int = 10) -> datetime:
    """A local time in 2026."""
    return datetime(2026, mon, day, hour, minute, tzinfo=ZoneInfo(TZ))


async def add_case(session: AsyncSession, kind: str, created: datetime, state: str, *,
                   project: str | None = HOME, building: str | None = None,
                   category: str | None = None, area: str | None = None, urgent: bool = False,
                   reply_due: timedelta = 2 * H, replied: timedelta | None = None,
                   handle_due: timedelta = 24 * H, resolved: timedelta | None = None,
                   reopened: timedelta | None = None, breached: bool = False) -> Case:
    """Inserts one case and the state events that match its timestamps."""
    resolved_at = created + resolved if resolved is not None else None
    case = Case(
        number=f"T-{next(_numbers):05d}", kind=kind, category=category, area=area,
        urgent=urgent, department="customer_service", state=state, title=kind,
        project=project, building=building, channel="terminal", chat_id="c",
        created_at=created, updated_at=created, first_reply_due=created + reply_due,
        handle_due=created + handle_due,
        first_replied_at=created + replied if replied is not None else None,
        resolved_at=None if reopened else resolved_at,
        closed_at=created + 48 * H if state == "closed" else None,
        breached=breached, reopen_count=1 if reopened else 0,
    )
    session.add(case)
    await session.flush()
    events = [("created", None, "new", created)]
    if resolved_at is not None:
        events.append(("state", "in_progress", "resolved", resolved_at))
    if reopened is not None:
        events.append(("state", "resolved", "reopened", created + reopened))
    if state == "closed":
        events.append(("state", "resolved", "closed", created + 48 * H))
    if state == "cancelled":
        events.append(("state", "new", "cancelled", created + H))
    for type_, before, after, at in events:
        session.add(CaseEvent(case_id=case.id, at=at, actor="test", type=type_,
                              from_state=before, to_state=after))
    return case


async def add_survey(session: AsyncSession, case: Case, answered: datetime | None,
                     scores: tuple[int | None, int | None, int | None],
                     kind: str = "survey") -> None:
    """An answered (or unanswered) survey with the result/process/person scores."""
    session.add(Survey(case_id=case.id, kind=kind, round=1, sent_at=local(1, 8),
                       answered_at=answered, score_result=scores[0],
                       score_process=scores[1], score_person=scores[2]))


async def add_person(session: AsyncSession, name: str, project: str | None, *,
                     on_roster: bool = True, birthday: date | None = date(1980, 5, 1),
                     linked: bool = True, unreachable: bool = False) -> Person:
    """A roster person, optionally linked to a channel account."""
    person = Person(name=name, phone=f"1380013{next(_numbers):04d}", project=project,
                    building="1栋", unit="101", role="owner", birthday=birthday,
                    on_roster=on_roster, unreachable=unreachable,
                    created_at=local(1, 8), updated_at=local(1, 8))
    session.add(person)
    await session.flush()
    if linked:
        session.add(Identity(channel="telegram", user_id=f"u{person.id}", chat_id=f"u{person.id}",
                             person_id=person.id, verified=True, created_at=local(1, 8)))
    return person


def add_outbox(session: AsyncSession, person: Person, kind: str, status: str,
               created: datetime) -> None:
    """A delivery row (milestone notice, greeting, …) with its final status."""
    session.add(Outbox(channel="telegram", chat_id=f"u{person.id}", kind=kind,
                       payload={"text": kind}, person_id=person.id, status=status,
                       attempts=1, not_before=created, created_at=created))


async def seed_month(session: AsyncSession) -> None:
    """The whole synthetic month (plus the edges of its neighbours)."""
    c = add_case
    b3, b5 = "3栋", "5栋"
    r1 = await c(session, "repair", local(5, 10), "closed", building=b3, area="plumbing",
                 replied=1 * H, resolved=20 * H)
    r2 = await c(session, "repair", local(6, 10), "resolved", building=b3, area="plumbing",
                 replied=3 * H, resolved=30 * H, breached=True)
    r3 = await c(session, "repair", local(12, 10), "reopened", building=b5, area="electrical",
                 replied=1 * H, resolved=10 * H, reopened=23 * H)
    c1 = await c(session, "complaint", local(14, 10), "closed", building=b3, category="service",
                 replied=H / 2, resolved=23 * H)
    c2 = await c(session, "complaint", local(20, 10), "resolved", building=b5, category="quality",
                 urgent=True, replied=1 * H, handle_due=72 * H, resolved=80 * H, breached=True)
    await c(session, "inquiry", local(21, 10), "new")  # no reply, no building: late on both
    await c(session, "repair", local(22, 10), "cancelled", building=b3, area="plumbing")
    await c(session, "repair", local(31, 23), "new", building=b5, area="doors_windows")
    await c(session, "repair", local(1, 0, 30, mon=11), "new", building=b3, area="gas")
    s1 = await c(session, "suggestion", local(23, 10), "closed", project=OTHER, building="1栋",
                 reply_due=H / 6, replied=H / 12, resolved=2 * H)
    # September: the previous period.
    await c(session, "repair", local(3, 10, mon=9), "closed", building=b3, area="plumbing",
            replied=1 * H, resolved=5 * H)
    await c(session, "repair", local(9, 10, mon=9), "closed", building=b3, area="plumbing",
            replied=1 * H, resolved=5 * H)
    await c(session, "complaint", local(30, 23, 30, mon=9), "closed", building=b3,
            category="service", replied=1 * H, resolved=5 * H)

    await add_survey(session, r1, local(9, 10), (5, 5, 5))
    await add_survey(session, r2, local(10, 10), (2, 3, 4))
    await add_survey(session, c1, local(18, 10), (4, 3, 4))
    await add_survey(session, c1, local(25, 10), (1, 1, 1), kind="revisit")
    await add_survey(session, c2, local(28, 10), (3, 5, 5))
    await add_survey(session, s1, local(26, 10), (None, None, 4))
    await add_survey(session, r3, local(1, 2, mon=11), (1, 1, 1))  # answered after the month

    p1 = await add_person(session, "张伟", HOME)
    p2 = await add_person(session, "李娜", HOME, birthday=None, unreachable=True)
    p3 = await add_person(session, "王芳", HOME, linked=False)
    p4 = await add_person(session, "赵强", OTHER)
    await add_person(session, "访客", None, on_roster=False, birthday=None)
    add_outbox(session, p1, "milestone", "sent", local(8, 10))
    add_outbox(session, p4, "milestone", "sent", local(8, 10))
    add_outbox(session, p2, "milestone", "unreachable", local(8, 10))
    add_outbox(session, p1, "greeting", "sent", local(1, 9))
    add_outbox(session, p3, "greeting", "failed", local(1, 9))
    add_outbox(session, p1, "greeting", "sent", local(1, 9, mon=11))  # next month
    add_outbox(session, p1, "reply", "sent", local(8, 10))  # not a notice
    # Monthly satisfaction checks: answered in October count, whichever month they ask about.
    session.add(MonthlyCheck(person_id=p1.id, month="202609", score=5, answered_at=local(2, 10)))
    session.add(MonthlyCheck(person_id=p4.id, month="202609", score=2, answered_at=local(3, 10)))
    session.add(MonthlyCheck(person_id=p3.id, month="202610", score=4,
                             answered_at=local(1, 10, mon=11)))  # next month
    await session.flush()
