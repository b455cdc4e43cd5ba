"""Construction milestones: the built-in catalogue, preview, announce (exactly once per person),
delivery status and the delivery report to the staff desk. Channel-neutral: the CLI
(`anju milestone`) and the staff group's `/milestone` both call these functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.messages import BULK, STAFF
from bot.scheduler import schedule
from handlers.i18n import Texts
from storage.milestones import Announcement, MilestoneSubscription
from storage.models import Identity, Outbox, Person, Timer
from storage.repos.outbox import FAILED, PENDING, SENDING, SENT, UNREACHABLE, OutboxRepo

# The ten milestones of DOMAIN.md, in construction order; names and default messages live in
# the locale files under [milestone.names] and [milestone.default].
CATALOGUE: tuple[str, ...] = (
    "show_area",
    "topped_out",
    "exterior_done",
    "interior_done",
    "municipal_done",
    "landscape_done",
    "completion_accepted",
    "takeover_accepted",
    "utilities_connected",
    "handover_sample_open",
)
KIND = "milestone"
REPORT_KIND = "milestone_report"
REPORT_DESK = "customer_service"
REPORT_POLL = timedelta(seconds=30)


@dataclass(frozen=True)
class Target:
    person_id: int
    language: str
    channel: str
    chat_id: str


@dataclass(frozen=True)
class Audience:
    """Who an announcement reaches, and who it does not (and why)."""

    targets: list[Target]
    opted_out: int
    unreachable: int
    no_channel: int


@dataclass(frozen=True)
class Preview:
    count: int
    text: str  # the notice as a Chinese-speaking recipient sees it
    summary: str  # the preview shown to staff before they confirm
    audience: Audience


@dataclass(frozen=True)
class Announced:
    announcement_id: int
    enqueued: int  # new rows this time (0 when the command is run again)
    total: int


@dataclass(frozen=True)
class Status:
    sent: int
    pending: int
    unreachable: int
    failed: int

    @property
    def total(self) -> int:
        return self.sent + self.pending + self.unreachable + self.failed

    @property
    def done(self) -> bool:
        return self.pending == 0


def check_milestone(code: str) -> str:
    """The code itself, or ValueError naming the valid codes."""
    if code not in CATALOGUE:
        raise ValueError(f"unknown milestone {code!r}; one of {', '.join(CATALOGUE)}")
    return code


def place(t: Texts, project: str, building: str | None) -> str:
    return t.address(project, building or None, None)


def render(
    lang: str, *, project: str, building: str | None, milestone: str,
    reached_on: date | None = None, note: str | None = None,
) -> str:
    """The notice text in one language."""
    t = Texts(lang)
    return t(
        "milestone.notice",
        place=place(t, project, building),
        name=t(f"milestone.names.{milestone}"),
        message=t(f"milestone.default.{milestone}"),
        date=t("milestone.date_line", date=reached_on.isoformat()) if reached_on else "",
        note=t("milestone.note_line", note=note) if note else "",
    )


def _scope(project: str, building: str | None) -> Any:
    owners = and_(Person.project == project, Person.role.in_(("owner", "buyer")))
    if building:
        owners = and_(owners, Person.building == building)
    subscribed = Person.id.in_(
        select(MilestoneSubscription.person_id).where(MilestoneSubscription.project == project)
    )
    return or_(owners, subscribed)


def _language() -> Any:
    return func.coalesce(func.nullif(Person.language, ""), "zh")


def _targets(project: str, building: str | None) -> Select[Any]:
    """Recipients in SQL: (person id, language, channel, chat id) of everyone in scope who
    neither opted out nor is unreachable, on their latest chat (highest identity id)."""
    other = aliased(Identity)
    latest = (
        select(func.max(other.id)).where(other.person_id == Person.id)
        .correlate(Person).scalar_subquery()
    )
    return (
        select(Person.id, _language().label("language"), Identity.channel, Identity.chat_id)
        .join(Identity, Identity.id == latest)
        .where(_scope(project, building), Person.notices_opt_out.is_not(True),
               Person.unreachable.is_not(True))
    )


async def audience(session: AsyncSession, project: str, building: str | None) -> Audience:
    """Buyers and owners of the project (or building) plus subscribers, minus those who
    opted out of notices or cannot be reached; each person once, on their latest chat."""
    rows = await session.execute(_targets(project, building).order_by(Person.id))
    targets = [Target(person_id, language, channel, chat_id)
               for person_id, language, channel, chat_id in rows]
    has_chat = select(Identity.id).where(Identity.person_id == Person.id).correlate(Person).exists()
    opted = Person.notices_opt_out.is_(True)
    gone = and_(Person.notices_opt_out.is_not(True), Person.unreachable.is_(True))
    chatless = and_(Person.notices_opt_out.is_not(True), Person.unreachable.is_not(True),
                    ~has_chat)
    counts = (await session.execute(
        select(*(func.coalesce(func.sum(case((cond, 1), else_=0)), 0)
                 for cond in (opted, gone, chatless)))
        .where(_scope(project, building))
    )).one()
    return Audience(targets, int(counts[0]), int(counts[1]), int(counts[2]))


async def preview(
    session: AsyncSession, *, project: str, building: str | None, milestone: str,
    reached_on: date | None = None, note: str | None = None, lang: str = "zh",
) -> Preview:
    """What would be sent and to how many people; nothing is written."""
    check_milestone(milestone)
    found = await audience(session, project, building)
    text = render("zh", project=project, building=building, milestone=milestone,
                  reached_on=reached_on, note=note)
    t = Texts(lang)
    summary = t(
        "milestone.preview", place=place(t, project, building),
        name=t(f"milestone.names.{milestone}"), count=len(found.targets),
        no_channel=found.no_channel, opted_out=found.opted_out, unreachable=found.unreachable,
        text=render(lang, project=project, building=building, milestone=milestone,
                    reached_on=reached_on, note=note),
    )
    return Preview(len(found.targets), text, summary, found)


async def announce(
    session: AsyncSession, *, project: str, building: str | None, milestone: str, now: datetime,
    actor: str, reached_on: date | None = None, note: str | None = None,
    photo: str | None = None,
) -> Announced:
    """Records the announcement (once per project, building and milestone) and enqueues one
    outbox row per recipient with the key `milestone:<announcement>:<person>`, so running it
    again only reaches people added since; schedules the delivery report."""
    check_milestone(milestone)
    building_key = building or ""
    found = await session.scalar(select(Announcement).where(
        Announcement.project == project, Announcement.building == building_key,
        Announcement.milestone == milestone))
    if found is None:
        found = Announcement(project=project, building=building_key, milestone=milestone,
                             reached_on=reached_on, note=note, photo=photo, announced_by=actor,
                             created_at=now, recipients=0)
        session.add(found)
        await session.flush()
    # The rows never pass through Python: one INSERT … SELECT over the audience query, the
    # text rendered once per language (100,000 recipients in ~1-2 s on SQLite).
    chosen = _targets(project, building).subquery()
    languages = (await session.scalars(select(chosen.c.language).distinct())).all()
    extra: dict[str, Any] = {"milestone": milestone, "announcement_id": found.id}
    if found.photo:
        extra["attachments"] = [{"kind": "photo", "path": found.photo}]
    payloads = {
        lang: {"text": render(lang, project=project, building=building, milestone=milestone,
                              reached_on=found.reached_on, note=found.note), **extra}
        for lang in languages
    }
    if payloads:
        payload_type = Outbox.__table__.c.payload.type
        payload = case(
            {lang: literal(body, payload_type) for lang, body in payloads.items()},
            value=chosen.c.language,
        )
        rows = select(
            chosen.c.channel, chosen.c.chat_id, payload, literal(BULK), literal(KIND),
            chosen.c.id, literal(f"milestone:{found.id}:") + cast(chosen.c.id, String),
        )
        enqueued = await OutboxRepo(session).enqueue_from_select(
            rows, ("channel", "chat_id", "payload", "priority", "kind", "person_id", "dedupe_key"),
            now)
    else:
        enqueued = 0
    found.recipients += enqueued
    await schedule(session, kind=REPORT_KIND, key=f"milestone-report:{found.id}:0",
                   due_at=now + REPORT_POLL, payload={"announcement_id": found.id, "round": 0})
    return Announced(found.id, enqueued, found.recipients)


async def status(session: AsyncSession, announcement_id: int) -> Status:
    """Delivery counts of one announcement, straight from the outbox."""
    rows = await session.execute(
        select(Outbox.status, func.count(Outbox.id))
        .where(Outbox.kind == KIND, Outbox.dedupe_key.like(f"milestone:{announcement_id}:%"))
        .group_by(Outbox.status)
    )
    counts = {s: int(n) for s, n in rows}
    return Status(
        sent=counts.get(SENT, 0),
        pending=counts.get(PENDING, 0) + counts.get(SENDING, 0),
        unreachable=counts.get(UNREACHABLE, 0),
        failed=counts.get(FAILED, 0),
    )


async def announcements(session: AsyncSession, project: str) -> Sequence[Announcement]:
    stmt = select(Announcement).where(Announcement.project == project).order_by(Announcement.id)
    return (await session.scalars(stmt)).all()


async def report_job(session: AsyncSession, timer: Timer, now: datetime) -> None:
    """Scheduler job: once an announcement has no pending rows, posts its delivery report to
    the staff desk (once); otherwise checks again later."""
    announcement = await session.get(Announcement, int(timer.payload["announcement_id"]))
    if announcement is None or announcement.reported_at is not None:
        return
    counts = await status(session, announcement.id)
    if not counts.done:
        round_ = int(timer.payload.get("round", 0)) + 1
        await schedule(session, kind=REPORT_KIND, key=f"milestone-report:{announcement.id}:{round_}",
                       due_at=now + REPORT_POLL,
                       payload={"announcement_id": announcement.id, "round": round_})
        return
    t = Texts("zh")
    text = t("milestone.report", place=place(t, announcement.project, announcement.building),
             name=t(f"milestone.names.{announcement.milestone}"), total=counts.total,
             sent=counts.sent, unreachable=counts.unreachable, failed=counts.failed)
    await OutboxRepo(session).enqueue(
        channel="staff", chat_id=REPORT_DESK, now=now, priority=STAFF, kind="staff",
        payload={"text": text, "event": "milestone_report", "case_id": None,
                 "case_number": None, "announcement_id": announcement.id},
        dedupe_key=f"milestone-report:{announcement.id}",
    )
    announcement.reported_at = now
