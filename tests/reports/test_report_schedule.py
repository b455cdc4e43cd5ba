"""The monthly report: a timer per month, run by the scheduler, posted to the staff desk once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import FakeClock
from bot.config import Config, StoreConfig
from bot.reports.schedule import KIND, due_for, ensure_timers, monthly_job, periodic
from bot.scheduler import Scheduler
from storage.db import Store
from storage.models import Outbox, Timer
from tests.reports.synthetic import TZ, seed_month

SH = ZoneInfo(TZ)


def size_of(path: Path) -> int:
    """The size of a file in bytes."""
    return path.stat().st_size


def test_the_report_of_a_month_is_due_on_the_next_first_at_nine() -> None:
    assert due_for("2026-10", TZ) == datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    assert due_for("2026-12", TZ) == datetime(2027, 1, 1, 9, 0, tzinfo=SH)


async def test_timers_are_planned_once_per_month(store: Store) -> None:
    async with store.transaction() as session:
        assert await ensure_timers(session, datetime(2026, 10, 15, 12, tzinfo=SH), TZ) == \
            ["2026-10"]
        assert await ensure_timers(session, datetime(2026, 10, 20, 12, tzinfo=SH), TZ) == []
        # On the 1st the new month's timer appears; last month's exists already.
        assert await ensure_timers(session, datetime(2026, 11, 1, 0, 5, tzinfo=SH), TZ) == \
            ["2026-11"]
        keys = (await session.scalars(select(Timer.key).order_by(Timer.key))).all()
    assert keys == ["report:2026-10", "report:2026-11"]


async def test_a_service_started_on_the_first_still_posts_last_month(store: Store) -> None:
    async with store.transaction() as session:
        added = await ensure_timers(session, datetime(2026, 11, 1, 15, tzinfo=SH), TZ)
    assert added == ["2026-10", "2026-11"]


async def test_the_scheduler_posts_the_monthly_report_once(store: Store, tmp_path: Path) -> None:
    async with store.transaction() as session:
        await seed_month(session)
    clock = FakeClock(datetime(2026, 10, 31, 20, 0, tzinfo=SH))
    scheduler = Scheduler(store, clock)
    scheduler.register(KIND, monthly_job(tmp_path, TZ))
    upkeep = periodic(store, TZ)
    await upkeep(clock.now())
    assert await scheduler.run_due() == 0  # not yet the 1st, 09:00

    clock.set(datetime(2026, 11, 1, 9, 0, 5, tzinfo=SH))
    await upkeep(clock.now())
    assert await scheduler.run_due() == 1
    clock.advance(hours=1)
    await upkeep(clock.now())
    assert await scheduler.run_due() == 0  # once

    async with store.transaction() as session:
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "report"))).all()
        timer = await session.scalar(select(Timer).where(Timer.key == "report:2026-10"))
    assert len(rows) == 1
    post = rows[0]
    assert (post.channel, post.chat_id) == ("staff", "customer_service")
    assert post.payload["event"] == "report"
    assert "2026-10" in post.payload["text"] and "工单 8 件" in post.payload["text"]
    chart = Path(post.payload["attachments"][0]["path"])
    assert post.payload["attachments"][0]["kind"] == "photo"
    assert chart == (tmp_path / "report-2026-10.png").resolve()
    assert size_of(chart) > 20_000
    assert timer is not None and timer.status == "done"
    assert timer.due_at == datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    assert clock.now() - post.created_at < timedelta(hours=2)


async def test_the_app_registers_the_monthly_report(store: Store) -> None:
    from bot.app import App

    config = Config(store=StoreConfig(url="sqlite:///unused.db"))
    app = App(config, store=store, clock=FakeClock(datetime(2026, 10, 2, tzinfo=SH)))
    assert KIND in app.scheduler.jobs
    for task in app.scheduler.periodic:
        await task(app.clock.now())
    async with store.transaction() as session:
        assert await session.scalar(select(Timer.key).where(Timer.kind == KIND)) == \
            "report:2026-10"


async def test_an_empty_month_is_not_posted(store: Store, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 10, 0, tzinfo=SH))
    scheduler = Scheduler(store, clock)
    scheduler.register(KIND, monthly_job(tmp_path, TZ))
    await periodic(store, TZ)(clock.now())
    assert await scheduler.run_due() == 1
    async with store.transaction() as session:
        assert (await session.scalars(select(Outbox))).all() == []
        timer = await session.scalar(select(Timer).where(Timer.key == "report:2026-10"))
    assert timer is not None and timer.status == "done"
    assert not (tmp_path / "report-2026-10.png").exists()
