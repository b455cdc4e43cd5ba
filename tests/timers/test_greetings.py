"""Birthday and holiday greetings: on time, once, across days, years and restarts."""

from __future__ import annotations

import asyncio

from bot.calendar import holiday_date
from bot.clock import FakeClock
from storage.db import Store
from tests.timers.kit import Worker, add_person, d, get_person, local, outbox, timers


async def test_a_birthday_greeting_goes_out_at_nine_by_name_once_even_after_a_restart(
    store: Store,
) -> None:
    clock = FakeClock(local(2026, 11, 20, 8, 0))
    pid = await add_person(store, birthday=d("1980-11-20"))
    worker = Worker(store, clock)
    await worker.tick()
    assert await outbox(store, kind="greeting") == []  # not before 09:00
    clock.set(local(2026, 11, 20, 9, 0, 5))
    await worker.tick()
    rows = await outbox(store, kind="greeting")
    assert [r.chat_id for r in rows] == ["u1"]
    assert "张伟" in rows[0].payload["text"] and "生日快乐" in rows[0].payload["text"]
    restarted = Worker(store, clock)  # a new process over the same store
    await restarted.tick()
    clock.set(local(2026, 11, 20, 20, 0))
    await restarted.tick()
    assert len(await outbox(store, kind="greeting")) == 1
    assert (await get_person(store, pid)).next_birthday == d("2027-11-20")


async def test_a_greeting_missed_at_nine_goes_out_the_same_day_but_a_missed_day_is_skipped(
    store: Store,
) -> None:
    await add_person(store, birthday=d("1980-11-20"))
    await add_person(store, name="李娜", phone="13800138002", chat="u2", birthday=d("1985-11-19"))
    clock = FakeClock(local(2026, 11, 18, 23, 0))
    worker = Worker(store, clock)
    await worker.tick()  # plans the 18th; 李娜's birthday (19th) falls while the bot is down
    clock.set(local(2026, 11, 20, 15, 30))  # back at 15:30 on the 20th
    restarted = Worker(store, clock)
    await restarted.tick()
    rows = await outbox(store, kind="greeting")
    assert [r.chat_id for r in rows] == ["u1"]  # today's, late; yesterday's never
    stale = [t for t in await timers(store, "greetings") if t.key == "greetings:2026-11-18"]
    assert stale and stale[0].status == "done"


async def test_a_lunar_birthday_on_spring_festival_gets_one_combined_message(store: Store) -> None:
    pid = await add_person(store, birthday=d("1970-01-01"), birthday_lunar=True)  # 正月初一
    day = holiday_date("spring_festival", 2027)
    clock = FakeClock(local(day.year, day.month, day.day, 9, 30))
    await Worker(store, clock).tick()
    rows = await outbox(store, kind="greeting")
    assert len(rows) == 1
    text = rows[0].payload["text"]
    assert "新春快乐" in text and "生日快乐" in text
    nxt = (await get_person(store, pid)).next_birthday
    assert nxt == holiday_date("spring_festival", 2028)


async def test_holidays_across_the_new_year_with_opt_out_and_unreachable_skipped(
    store: Store,
) -> None:
    await add_person(store)
    await add_person(store, name="王芳", phone="13800138003", chat="u3", greetings_opt_out=True)
    await add_person(store, name="赵磊", phone="13800138004", chat="u4", unreachable=True)
    await add_person(store, name="钱多", phone="13800138005", chat="u5", role="prospect")
    clock = FakeClock(local(2026, 12, 31, 9, 30))
    worker = Worker(store, clock)
    await worker.tick()
    assert await outbox(store, kind="greeting") == []  # 31 December is no holiday
    clock.set(local(2027, 1, 1, 9, 0))
    await worker.tick()
    rows = await outbox(store, kind="greeting")
    assert [r.chat_id for r in rows] == ["u1"]
    assert "元旦快乐" in rows[0].payload["text"]


async def test_qingming_is_a_remembrance_and_chuxi_is_the_day_before_spring_festival(
    store: Store,
) -> None:
    await add_person(store)
    qingming = holiday_date("qingming", 2027)
    clock = FakeClock(local(qingming.year, qingming.month, qingming.day, 9, 0))
    worker = Worker(store, clock)
    await worker.tick()
    text = (await outbox(store, kind="greeting"))[-1].payload["text"]
    assert "清明" in text and "快乐" not in text
    chuxi = holiday_date("chuxi", 2027)
    assert chuxi == d("2027-02-05")  # 腊月廿九: 2027's twelfth month has 29 days
    clock.set(local(2027, 2, 5, 9, 0))
    await worker.tick()
    assert "除夕" in (await outbox(store, kind="greeting"))[-1].payload["text"]


async def test_two_workers_on_one_store_send_each_greeting_once(store: Store) -> None:
    for n in range(20):
        await add_person(store, name=f"业主{n}", phone=f"138001390{n:02d}", chat=f"c{n}",
                         birthday=d("1990-06-01"))
    clock = FakeClock(local(2027, 6, 1, 9, 0))
    first, second = Worker(store, clock), Worker(store, clock)
    await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
    rows = await outbox(store, kind="greeting")
    assert sorted(r.chat_id for r in rows) == sorted(f"c{n}" for n in range(20))
    assert [t.status for t in await timers(store, "greetings")] == ["done"]


async def test_a_roster_import_after_nine_greets_a_birthday_it_makes_due_today(
    store: Store,
) -> None:
    from bot.config import Config
    from bot.timers.greetings import catch_up_after_import
    from storage import roster

    await add_person(store, birthday=d("1980-11-20"))
    pid = await add_person(store, name="李娜", phone="13800138002", chat="u2",
                           birthday=d("1985-03-03"))
    clock = FakeClock(local(2026, 11, 20, 9, 0, 5))
    worker = Worker(store, clock)
    await worker.tick()
    assert [r.chat_id for r in await outbox(store, kind="greeting")] == ["u1"]
    clock.set(local(2026, 11, 20, 14, 0))  # the roster is corrected: 李娜 was born on 20 Nov
    parsed = roster.parse([(2, {"name": "李娜", "phone": "13800138002", "role": "owner",
                                "project": "安居·翠湖苑", "building": "3栋", "unit": "1202",
                                "birthday": "1985-11-20"})])
    assert parsed.errors == []
    async with store.transaction() as session:
        await roster.upsert(session, parsed.records, clock.now())
        assert await catch_up_after_import(session, Config(), clock.now())
    await worker.tick()
    rows = await outbox(store, kind="greeting")
    assert sorted(r.chat_id for r in rows) == ["u1", "u2"]  # 张伟 is not greeted twice
    assert (await get_person(store, pid)).next_birthday == d("2027-11-20")
    async with store.transaction() as session:  # before nine, the day's own run suffices
        assert not await catch_up_after_import(session, Config(), local(2026, 11, 21, 8, 0))
