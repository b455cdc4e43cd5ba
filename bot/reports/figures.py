"""Computes a report from the store; the definitions are written down in docs/reports.md."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.model import DIMENSIONS, TARGETS, Rate, Report, Volume
from bot.reports.period import Period
from storage.lifecycle import CANCELLED, CLOSED, OPEN_STATES, RESOLVED
from storage.models import Case, CaseEvent, Identity, Outbox, Person
from storage.surveys import MonthlyCheck, Survey

# The roster fields an owner archive must hold (DOMAIN.md: name, unit, contact, birthday).
ARCHIVE_FIELDS = ("name", "phone", "project", "building", "unit", "birthday")
DELIVERY_KINDS = ("milestone", "greeting")
SATISFIED = 4  # a score of 4 or 5 out of 5 counts as satisfied


def _on_time(done: datetime | None, due: datetime | None, as_of: datetime) -> bool | None:
    """True if done by `due`, False if late (or still undone after it), None if undecided."""
    if due is None:
        return None
    if done is not None:
        return done <= due
    return False if due <= as_of else None


def _rate(key: str, verdicts: Iterable[bool | None]) -> Rate:
    decided = [v for v in verdicts if v is not None]
    return Rate(key, sum(decided), len(decided), TARGETS[key])


def _building(case: CaseRow) -> str:
    return " ".join(part for part in (case.project, case.building) if part) or "—"


def _keys(case: CaseRow) -> dict[str, str | None]:
    """The volume keys of one case, per dimension (None: the case has no such key)."""
    return {
        "kind": case.kind,
        "category": case.category if case.kind == "complaint" else None,
        "area": case.area if case.kind == "repair" else None,
        "project": case.project or "—",
        "building": _building(case),
    }


# The case columns the figures read: loading these instead of whole ORM objects keeps a
# 20,000-case month fast (bench/bench_reports.py).
CASE_COLUMNS = (Case.id, Case.kind, Case.category, Case.area, Case.urgent, Case.state,
                Case.project, Case.building, Case.created_at, Case.first_reply_due,
                Case.handle_due, Case.first_replied_at, Case.resolved_at, Case.closed_at,
                Case.breached)
CaseRow = Any  # a Row of CASE_COLUMNS, read by attribute (row.kind, row.handle_due, …)


async def _cases(session: AsyncSession, start: datetime, end: datetime,
                 project: str | None) -> Sequence[CaseRow]:
    stmt = select(*CASE_COLUMNS).where(Case.created_at >= start, Case.created_at < end)
    if project:
        stmt = stmt.where(Case.project == project)
    return (await session.execute(stmt.order_by(Case.id))).all()


async def _first_resolutions(session: AsyncSession, period: Period,
                             project: str | None) -> dict[int, datetime]:
    """When each case of the period was first resolved (a reopen clears Case.resolved_at)."""
    stmt = (
        select(CaseEvent.case_id, func.min(CaseEvent.at))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.to_state == RESOLVED, Case.created_at >= period.start,
               Case.created_at < period.end)
        .group_by(CaseEvent.case_id)
    )
    if project:
        stmt = stmt.where(Case.project == project)
    return {case_id: at for case_id, at in (await session.execute(stmt)).all()}


async def _reopens(session: AsyncSession, period: Period, project: str | None) -> int:
    stmt = (
        select(func.count(CaseEvent.id))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.to_state == "reopened", CaseEvent.at >= period.start,
               CaseEvent.at < period.end)
    )
    if project:
        stmt = stmt.where(Case.project == project)
    return int(await session.scalar(stmt) or 0)


def _case_rates(report: Report, cases: Sequence[CaseRow], first_resolved: dict[int, datetime],
                as_of: datetime) -> None:
    """Timeliness, resolution and breach figures over the period's non-cancelled cases."""
    def handled(case: CaseRow) -> bool | None:
        done = first_resolved.get(case.id) or case.resolved_at or case.closed_at
        return _on_time(done, case.handle_due, as_of)

    complaints = [c for c in cases if c.kind == "complaint"]
    rates = [
        _rate("first_reply", (_on_time(c.first_replied_at, c.first_reply_due, as_of)
                              for c in cases)),
        _rate("handled_on_time", (handled(c) for c in cases)),
        Rate("resolution", sum(c.state in (RESOLVED, CLOSED) for c in cases), len(cases),
             TARGETS["resolution"]),
        _rate("complaint_routine_on_time", (handled(c) for c in complaints if not c.urgent)),
        _rate("complaint_major_on_time", (handled(c) for c in complaints if c.urgent)),
    ]
    report.rates.update({r.key: r for r in rates})
    report.counts["breaches"] = sum(c.breached for c in cases)
    report.counts["open_now"] = sum(c.state in OPEN_STATES for c in cases)
    report.counts["first_reply_late"] = report.rates["first_reply"].base - \
        report.rates["first_reply"].hits
    report.counts["handled_late"] = report.rates["handled_on_time"].base - \
        report.rates["handled_on_time"].hits


def _volumes(report: Report, cases: Sequence[CaseRow], previous: Sequence[CaseRow]) -> None:
    now_keys = [_keys(c) for c in cases]
    before_keys = [_keys(c) for c in previous]
    for dim in DIMENSIONS:
        now = Counter(k for keys in now_keys if (k := keys[dim]) is not None)
        before = Counter(k for keys in before_keys if (k := keys[dim]) is not None)
        keys = sorted(set(now) | set(before), key=lambda k: (-now[k], -before[k], k))
        report.volumes[dim] = [Volume(k, now[k], before[k]) for k in keys]


def _weekly_and_heat(report: Report, cases: Sequence[CaseRow], tz: ZoneInfo) -> None:
    first = report.period.start.astimezone(tz).date()
    monday = first - timedelta(days=first.weekday())
    last = (report.period.end - timedelta(seconds=1)).astimezone(tz).date()
    while monday <= last:
        report.weekly[monday.isoformat()] = {}
        monday += timedelta(days=7)
    heat: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        day = case.created_at.astimezone(tz).date()
        week = (day - timedelta(days=day.weekday())).isoformat()
        bucket = report.weekly.setdefault(week, {})
        bucket[case.kind] = bucket.get(case.kind, 0) + 1
        label = case.category if case.kind == "complaint" else (
            case.area if case.kind == "repair" else None)
        if label:
            heat[_building(case)][f"{case.kind}:{label}"] += 1
    report.heat = {b: dict(c) for b, c in sorted(heat.items())}


async def _satisfaction(session: AsyncSession, report: Report, project: str | None) -> None:
    period = report.period
    stmt = (
        select(Survey, Case.kind)
        .join(Case, Case.id == Survey.case_id)
        .where(Survey.kind == "survey", Survey.answered_at >= period.start,
               Survey.answered_at < period.end)
    )
    if project:
        stmt = stmt.where(Case.project == project)
    rows: list[tuple[Survey, str]] = [(s, k) for s, k in (await session.execute(stmt)).all()]
    overall: list[bool | None] = []
    per: dict[str, list[bool | None]] = {"result": [], "process": [], "person": []}
    complaint: list[bool | None] = []
    for survey, kind in rows:
        scores = {"result": survey.score_result, "process": survey.score_process,
                  "person": survey.score_person}
        given = [s for s in scores.values() if s is not None]
        overall.append(sum(given) / len(given) >= SATISFIED if given else None)
        for name, score in scores.items():
            per[name].append(None if score is None else score >= SATISFIED)
        if kind == "complaint":
            res = survey.score_result
            complaint.append(None if res is None else res >= SATISFIED)
    report.rates["satisfaction"] = _rate("satisfaction", overall)
    for name, verdicts in per.items():
        report.rates[f"satisfaction_{name}"] = _rate(f"satisfaction_{name}", verdicts)
    report.rates["complaint_satisfaction"] = _rate("complaint_satisfaction", complaint)
    checks = select(MonthlyCheck.score).where(MonthlyCheck.answered_at >= period.start,
                                              MonthlyCheck.answered_at < period.end)
    if project:
        checks = checks.join(Person, Person.id == MonthlyCheck.person_id).where(
            Person.project == project)
    monthly = [score >= SATISFIED for score in (await session.scalars(checks)).all()]
    report.rates["monthly_satisfaction"] = _rate("monthly_satisfaction", monthly)


async def _archive(session: AsyncSession, report: Report, project: str | None) -> None:
    """Archive completeness and reach over the roster as it stands now."""
    reachable = exists().where(Identity.person_id == Person.id)
    fields = [getattr(Person, f) for f in ARCHIVE_FIELDS]
    stmt = select(*fields, Person.unreachable, reachable).where(Person.on_roster.is_(True))
    if project:
        stmt = stmt.where(Person.project == project)
    rows = (await session.execute(stmt)).all()
    complete = reach = 0
    for *values, unreachable, linked in rows:
        complete += all(v not in (None, "") for v in values)
        reach += bool(linked) and not unreachable
    report.rates["archive_complete"] = Rate("archive_complete", complete, len(rows),
                                            TARGETS["archive_complete"])
    report.rates["reach"] = Rate("reach", reach, len(rows), TARGETS["reach"])
    report.counts["roster"] = len(rows)


async def _delivery(session: AsyncSession, report: Report, project: str | None) -> None:
    period = report.period
    stmt: Any = (
        select(Outbox.kind, Outbox.status, func.count(Outbox.id))
        .where(Outbox.kind.in_(DELIVERY_KINDS), Outbox.created_at >= period.start,
               Outbox.created_at < period.end)
        .group_by(Outbox.kind, Outbox.status)
    )
    if project:
        stmt = stmt.join(Person, Person.id == Outbox.person_id).where(Person.project == project)
    report.delivery = {kind: {} for kind in DELIVERY_KINDS}
    for kind, status, count in (await session.execute(stmt)).all():
        report.delivery[kind][status] = int(count)


async def build_report(session: AsyncSession, period: Period, project: str | None = None, *,
                       now: datetime, tz: str = "Asia/Shanghai") -> Report:
    """Computes every figure of the report for `period` (and `project`), as of `now`."""
    report = Report(period=period, project=project, generated_at=now)
    prev = period.previous()
    every = await _cases(session, period.start, period.end, project)
    cases = [c for c in every if c.state != CANCELLED]
    previous = [c for c in await _cases(session, prev.start, prev.end, project)
                if c.state != CANCELLED]
    report.counts.update(cases=len(cases), cancelled=len(every) - len(cases),
                         previous_cases=len(previous))
    _case_rates(report, cases, await _first_resolutions(session, period, project), now)
    report.counts["reopened"] = await _reopens(session, period, project)
    _volumes(report, cases, previous)
    _weekly_and_heat(report, cases, ZoneInfo(tz))
    await _satisfaction(session, report, project)
    await _archive(session, report, project)
    await _delivery(session, report, project)
    report.rates = {key: report.rates[key] for key in TARGETS}
    return report
