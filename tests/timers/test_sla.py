"""SLA watch: reminder at 75 %, breach escalation, stopped clocks, downtime, business time."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Config, HoursConfig, SlaConfig
from bot.timers.common import sla_adder
from handlers.promises import promise_for
from storage.db import Store
from storage.models import Case
from tests.timers.kit import Worker, add_person, get_case, local, open_case, outbox


async def test_the_department_is_reminded_at_75_percent_and_the_supervisor_at_breach(
    store: Store,
) -> None:
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    pid = await add_person(store)
    case_id = await open_case(store, start, person_id=pid)
    worker = Worker(store, clock)
    await worker.tick()
    clock.set(start + timedelta(minutes=89))
    await worker.tick()
    assert await outbox(store, channel="staff") == []
    clock.set(start + timedelta(minutes=90))  # 75 % of the 2-hour first-reply window
    await worker.tick()
    reminders = await outbox(store, channel="staff")
    assert [(r.chat_id, r.payload["event"], r.payload["case_id"]) for r in reminders] == [
        ("engineering", "sla_reminder", case_id)]
    assert "首次回复" in reminders[0].payload["text"]
    clock.set(start + timedelta(hours=2))
    await Worker(store, clock).tick()  # after a restart, too
    breach = (await outbox(store, channel="staff"))[-1]
    assert (breach.chat_id, breach.payload["event"], breach.payload["mention"]) == (
        "supervisor", "sla_breach", "supervisor")
    assert (await get_case(store, case_id)).breached


async def test_claiming_stops_the_first_reply_clock_and_resolving_stops_handling(
    store: Store,
) -> None:
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    case_id = await open_case(store, start, person_id=await add_person(store))
    worker = Worker(store, clock)
    await worker.tick()
    async with store.transaction() as session:
        from handlers import casework

        case = await session.get(Case, case_id)
        assert case is not None
        await casework.change_state(session, case, "assigned", actor="李师傅", now=start)
    clock.set(start + timedelta(hours=20))
    await worker.tick()
    events = [r.payload["event"] for r in await outbox(store, channel="staff")]
    assert events == ["sla_reminder"]  # only the 24-hour handling clock, at 18 h
    async with store.transaction() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        await casework.change_state(session, case, "resolved", actor="李师傅", now=clock.now())
    clock.set(start + timedelta(days=2))
    await worker.tick()
    assert [r.payload["event"] for r in await outbox(store, channel="staff")] == ["sla_reminder"]
    assert not (await get_case(store, case_id)).breached


async def test_breaches_that_happened_while_the_bot_was_down_are_detected_on_start(
    store: Store,
) -> None:
    start = local(2026, 11, 18, 10, 0)
    case_id = await open_case(store, start, person_id=await add_person(store))
    clock = FakeClock(start + timedelta(days=3))  # the bot comes back three days later
    await Worker(store, clock).tick()
    breaches = [r for r in await outbox(store, channel="staff")
                if r.payload["event"] == "sla_breach"]
    assert sorted(r.payload["clock"] for r in breaches) == ["first_reply", "handle"]
    assert (await get_case(store, case_id)).breached


async def test_two_workers_escalate_a_breach_once(store: Store) -> None:
    import asyncio

    start = local(2026, 11, 18, 10, 0)
    await open_case(store, start, person_id=await add_person(store))
    clock = FakeClock(start + timedelta(days=2))
    first, second = Worker(store, clock), Worker(store, clock)
    await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
    events = sorted(r.payload["event"] for r in await outbox(store, channel="staff"))
    assert events == ["sla_breach", "sla_breach", "sla_reminder", "sla_reminder"]


def test_business_time_skips_nights_weekends_and_statutory_holidays() -> None:
    config = Config(sla=SlaConfig(business_time=True),
                    hours=HoursConfig(weekly={d: [["09:00", "18:00"]]
                                              for d in ("mon", "tue", "wed", "thu", "fri")}))
    friday = local(2026, 11, 20, 17, 0)
    promise = promise_for("repair", False, friday, config.sla, sla_adder(config))
    assert promise.first_reply_due == local(2026, 11, 23, 10, 0)  # Monday 10:00
    before_national_day = local(2026, 9, 30, 17, 0)
    due = promise_for("repair", False, before_national_day, config.sla, sla_adder(config))
    assert due.first_reply_due.date() > local(2026, 10, 7, 0, 0).date()  # after the Golden Week
    wall = promise_for("repair", False, friday, Config().sla, sla_adder(Config()))
    assert wall.first_reply_due == friday + timedelta(hours=2)
