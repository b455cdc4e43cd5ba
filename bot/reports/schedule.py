"""The monthly report, posted to the staff desk on the 1st at 09:00 local, once per month."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.figures import build_report
from bot.reports.period import month, parse_month
from bot.reports.render import render_summary
from bot.scheduler import Job, schedule
from handlers.i18n import Texts
from storage.db import Store
from storage.models import Timer
from storage.repos.outbox import OutboxRepo

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

KIND = "report.monthly"
STAFF_DESK = "customer_service"
POST_AT = time(9, 0)


def _first_of_next(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def due_for(report_month: str, tz: str) -> datetime:
    """When the report of `report_month` (YYYY-MM) is posted: the next 1st, 09:00 local."""
    start = parse_month(report_month, tz).start.date()
    return datetime.combine(_first_of_next(start), POST_AT, tzinfo=ZoneInfo(tz))


async def ensure_timers(session: AsyncSession, now: datetime, tz: str) -> list[str]:
    """Schedules the report of this month (and of last month while it is still the 1st);
    returns the months newly scheduled. The timer key makes each month post at most once."""
    today = now.astimezone(ZoneInfo(tz)).date()
    months = [f"{today:%Y-%m}"]
    if today.day == 1:
        months.insert(0, f"{today - timedelta(days=1):%Y-%m}")
    added = []
    for label in months:
        if await schedule(session, kind=KIND, key=f"report:{label}", due_at=due_for(label, tz),
                          payload={"month": label}):
            added.append(label)
    return added


def monthly_job(directory: Path, tz: str, lang: str = "zh") -> Job:
    """The timer job: builds last month's report, draws the chart, queues the staff post."""
    async def job(session: AsyncSession, timer: Timer, now: datetime) -> None:
        from bot.reports.chart import render_chart  # matplotlib only when a chart is drawn

        label = str(timer.payload["month"])
        year, month_no = (int(part) for part in label.split("-"))
        report = await build_report(session, month(year, month_no, tz), now=now, tz=tz)
        if not (report.counts["cases"] or report.counts["cancelled"]
                or report.rate("satisfaction").base):
            log.info("no cases or surveys in %s: no monthly report posted", label)
            return
        path = directory / f"report-{label}.png"
        # Drawing takes a second or two of CPU; keep the event loop responsive meanwhile.
        await asyncio.to_thread(render_chart, report, path, lang, tz)
        await OutboxRepo(session).enqueue(
            channel="staff", chat_id=STAFF_DESK, kind="report", now=now,
            dedupe_key=f"report:{label}",
            payload={"text": render_summary(report, Texts(lang, tz)), "event": "report",
                     "attachments": [{"kind": "photo", "path": str(path.resolve())}]},
        )
    return job


def periodic(store: Store, tz: str) -> Callable[[datetime], Awaitable[None]]:
    """A scheduler-loop task that makes sure this month's timer exists (checked once a day)."""
    checked: set[date] = set()

    async def task(now: datetime) -> None:
        today = now.astimezone(ZoneInfo(tz)).date()
        if today in checked:
            return
        async with store.transaction() as session:
            await ensure_timers(session, now, tz)
        checked.add(today)
    return task


def install(app: App, directory: Path = Path("var/reports")) -> None:
    """Registers the monthly report job and its timer upkeep with the app's scheduler."""
    tz = app.config.centre.timezone
    app.scheduler.register(KIND, monthly_job(directory, tz, app.config.centre.language))
    app.scheduler.periodic.append(periodic(app.store, tz))
