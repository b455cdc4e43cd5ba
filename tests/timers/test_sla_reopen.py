"""SLA watch of a second handling (二次处理): a reopened case gets a fresh handling window."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FakeClock
from handlers import casework
from storage.db import Store
from storage.models import Case, Outbox
from tests.timers.kit import Worker, add_person, get_case, local, open_case, outbox, timers


async def _move(store: Store, case_id: int, target: str, now: datetime) -> None:
    async with store.transaction() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        await casework.change_state(session, case, target, actor="李师傅", now=now)


async def _sla_rows(store: Store) -> list[Outbox]:
    return [r for r in await outbox(store, channel="staff")
            if r.payload["event"] in ("sla_reminder", "sla_breach")]


async def test_a_reopened_case_is_reminded_at_75_and_escalated_at_100_percent_of_a_new_window(
    store: Store,
) -> None:
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    case_id = await open_case(store, start, person_id=await add_person(store))
    worker = Worker(store, clock)
    await worker.tick()  # round 0: first-reply and handling timers (24 h)
    await _move(store, case_id, "assigned", start + timedelta(minutes=30))
    clock.set(start + timedelta(hours=1))
    await _move(store, case_id, "resolved", clock.now())
    await worker.tick()
    reopened = start + timedelta(hours=3)
    clock.set(reopened)
    await _move(store, case_id, "reopened", reopened)
    await worker.tick()
    notice = (await outbox(store, channel="test", kind="progress"))[-1].payload["text"]
    assert "二次处理" in notice and "11月19日（周四）13:00" in notice  # the new promise
    keys = sorted(t.key for t in await timers(store, "sla") if ":r1:" in t.key)
    assert keys == [f"sla:{case_id}:r1:handle:breach", f"sla:{case_id}:r1:handle:remind"]

    # The first handling's reminder (start + 18 h) and breach (start + 24 h) stay silent.
    clock.set(reopened + timedelta(hours=18) - timedelta(minutes=1))
    await worker.tick()
    assert await _sla_rows(store) == []
    clock.set(reopened + timedelta(hours=18))  # 75 % of the new 24-hour window
    await worker.tick()
    rows = await _sla_rows(store)
    assert [(r.chat_id, r.payload["event"], r.payload["clock"], r.payload["round"])
            for r in rows] == [("engineering", "sla_reminder", "handle", 1)]
    assert "二次处理" in rows[0].payload["text"]
    assert "11月19日（周四）13:00" in rows[0].payload["text"]  # the new due time
    assert not (await get_case(store, case_id)).breached

    clock.set(reopened + timedelta(hours=24))
    await Worker(store, clock).tick()  # after a restart, too
    rows = await _sla_rows(store)
    assert [(r.chat_id, r.payload["event"], r.payload["round"]) for r in rows] == [
        ("engineering", "sla_reminder", 1), ("supervisor", "sla_breach", 1)]
    assert "二次处理" in rows[1].payload["text"]
    assert rows[1].payload["mention"] == "supervisor"
    case = await get_case(store, case_id)
    assert case.breached
    assert case.handle_due == start + timedelta(hours=24)  # the original promise, for reports


async def test_a_second_handling_resolved_in_time_is_never_reminded_or_escalated(
    store: Store,
) -> None:
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    case_id = await open_case(store, start, person_id=await add_person(store))
    worker = Worker(store, clock)
    await worker.tick()
    await _move(store, case_id, "resolved", start + timedelta(hours=2))
    reopened = start + timedelta(hours=4)
    clock.set(reopened)
    await _move(store, case_id, "reopened", reopened)
    await worker.tick()
    clock.set(reopened + timedelta(hours=10))
    await worker.tick()
    await _move(store, case_id, "resolved", clock.now())
    clock.set(reopened + timedelta(days=3))
    await worker.tick()
    assert await _sla_rows(store) == []
    assert not (await get_case(store, case_id)).breached
    assert {t.status for t in await timers(store, "sla")} == {"done"}


async def test_pending_first_round_timers_of_a_case_reopened_late_do_not_fire(
    store: Store,
) -> None:
    """Resolved with the first handling's reminder still pending, reopened after its breach
    time: only the new round speaks, and the first-reply clock is not restarted."""
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    case_id = await open_case(store, start, person_id=await add_person(store))
    worker = Worker(store, clock)
    await worker.tick()
    await _move(store, case_id, "resolved", start + timedelta(minutes=20))
    reopened = start + timedelta(days=2)  # after the first handling's due time
    clock.set(reopened)
    await _move(store, case_id, "reopened", reopened)
    await worker.tick()
    assert await _sla_rows(store) == []
    planned = {t.key: t for t in await timers(store, "sla")}
    assert not any(":first_reply:" in key for key in planned if ":r1:" in key)
    assert planned[f"sla:{case_id}:r1:handle:breach"].due_at == reopened + timedelta(hours=24)
    clock.set(reopened + timedelta(hours=24))
    await worker.tick()
    assert [r.payload["event"] for r in await _sla_rows(store)] == ["sla_reminder", "sla_breach"]


async def test_a_third_handling_gets_its_own_round(store: Store) -> None:
    start = local(2026, 11, 18, 10, 0)
    clock = FakeClock(start)
    case_id = await open_case(store, start, person_id=await add_person(store))
    worker = Worker(store, clock)
    for round_ in (1, 2):
        await _move(store, case_id, "resolved", clock.now() + timedelta(hours=1))
        clock.set(clock.now() + timedelta(hours=2))
        await _move(store, case_id, "reopened", clock.now())
        await worker.tick()
        keys = {t.key for t in await timers(store, "sla")}
        assert f"sla:{case_id}:r{round_}:handle:breach" in keys
    clock.set(clock.now() + timedelta(hours=24))
    await worker.tick()
    rows = await _sla_rows(store)
    assert [(r.payload["event"], r.payload["round"]) for r in rows] == [
        ("sla_reminder", 2), ("sla_breach", 2)]
    assert "第3次处理" in rows[0].payload["text"]


def test_the_second_handling_window_is_counted_in_business_time_when_configured() -> None:
    from bot.config import Config, HoursConfig, SlaConfig
    from bot.timers.common import sla_adder

    config = Config(sla=SlaConfig(business_time=True),
                    hours=HoursConfig(weekly={d: [["09:00", "18:00"]]
                                              for d in ("mon", "tue", "wed", "thu", "fri")}))
    created = local(2026, 11, 16, 10, 0)  # Monday
    case = Case(created_at=created, handle_due=sla_adder(config)(created, timedelta(hours=24)))
    reopened = local(2026, 11, 20, 17, 0)  # Friday, one business hour before closing
    due = casework.second_handling_due(case, reopened, config)
    assert due == sla_adder(config)(reopened, timedelta(hours=24))
    assert due is not None and due.date() > local(2026, 11, 23, 0, 0).date()  # after the weekend
    assert casework.second_handling_due(case, reopened) == reopened + (case.handle_due - created)
