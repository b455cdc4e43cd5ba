"""The precomputed next birthday: kept by the roster import and the daily greeting job."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from storage import roster
from storage.db import Store
from tests.timers.kit import Worker, d, get_person, local, outbox


async def test_a_reimported_birthday_is_cleared_and_recomputed_by_the_next_daily_run(
    store: Store,
) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    record = {"phone": "13800138001", "name": "张伟", "role": "owner",
              "birthday": d("1980-11-20"), "birthday_lunar": False}
    async with store.transaction() as session:
        await roster.upsert(session, [record], now)
    clock = FakeClock(local(2026, 11, 19, 9, 30))
    await Worker(store, clock).tick()
    async with store.sessions() as session:
        from sqlalchemy import select

        from storage.models import Person

        person = await session.scalar(select(Person))
        assert person is not None and person.next_birthday == d("2026-11-20")
        pid = person.id
    async with store.transaction() as session:
        await roster.upsert(session, [{**record, "birthday": d("1980-11-21")}], now)
    assert (await get_person(store, pid)).next_birthday is None  # cleared by the import
    clock.set(local(2026, 11, 20, 9, 0))  # the next daily run recomputes it
    await Worker(store, clock).tick()
    assert (await get_person(store, pid)).next_birthday == d("2026-11-21")
    assert await outbox(store, kind="greeting") == []  # no channel identity: nothing to send
