"""Benchmark the greetings (prints figures, asserts nothing).

    .venv/bin/python bench/bench_greetings.py [--people 1000000] [--url sqlite:///...]

Builds a store of N people (one identity each, a fifth with lunar birthdays), precomputes
their next birthdays, then reports: the time to select today's birthday recipients through
the `next_birthday` index (target ≤ 1 s for 1,000,000 people) with the query plan, and the
time to enqueue one holiday's greetings for everybody (国庆, one outbox row per person).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.config import Config  # noqa: E402
from bot.timers.greetings import refresh_next_birthdays, send_day  # noqa: E402
from storage.db import Store  # noqa: E402
from storage.models import Identity, Outbox, Person  # noqa: E402

CHUNK = 20_000


async def populate(store: Store, people: int) -> None:
    """Inserts `people` roster owners with random birthdays, each with a Telegram identity."""
    rng = random.Random(6)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, people, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, people)):
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
            lunar = rng.random() < 0.2
            if lunar and born.day == 31:
                born = born.replace(day=30)
            rows.append({"id": i + 1, "name": f"业主{i}", "phone": f"1{3 + i % 7}{i:09d}",
                         "role": "owner", "birthday": born, "birthday_lunar": lunar,
                         "language": "zh", "on_roster": True, "notices_opt_out": False,
                         "greetings_opt_out": False, "unreachable": False,
                         "created_at": now, "updated_at": now})
        idents = [{"channel": "telegram", "user_id": str(r["id"]), "chat_id": str(r["id"]),
                   "person_id": r["id"], "verified": True, "created_at": now} for r in rows]
        async with store.transaction() as session:
            await session.execute(insert(Person), rows)
            await session.execute(insert(Identity), idents)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    store = Store.from_url(args.url or f"sqlite:///{tmp}/bench.db")
    await store.upgrade()
    today = date(2027, 5, 20)

    t0 = time.perf_counter()
    await populate(store, args.people)
    print(f"people inserted: {args.people:,} in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    async with store.transaction() as session:
        done = await refresh_next_birthdays(session, today)
    print(f"next birthdays precomputed (lunar converted): {done:,} in "
          f"{time.perf_counter() - t0:.1f} s")

    async with store.sessions() as session:
        query = select(Person.id).where(Person.next_birthday == today,
                                        Person.greetings_opt_out.is_(False),
                                        Person.unreachable.is_(False))
        timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            found = (await session.scalars(query)).all()
            timings.append(time.perf_counter() - t0)
        print(f"today's birthday recipients: {len(found):,} of {args.people:,} selected in "
              f"{min(timings) * 1000:.1f} ms (best of 5; first {timings[0] * 1000:.1f} ms)")
        if store.dialect == "sqlite":
            compiled = query.compile(compile_kwargs={"literal_binds": True})
            plan = (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
            print("query plan:", "; ".join(str(row[-1]) for row in plan))

    national_day = date(2027, 10, 1)
    t0 = time.perf_counter()
    async with store.transaction() as session:
        added = await send_day(session, Config(), national_day,
                               datetime(2027, 10, 1, 1, 0, tzinfo=UTC))
    elapsed = time.perf_counter() - t0
    print(f"holiday greetings (国庆) enqueued: {added:,} outbox rows in {elapsed:.1f} s "
          f"({added / elapsed:,.0f} rows/s)")
    async with store.sessions() as session:
        total = await session.scalar(select(func.count(Outbox.id)))
    print(f"outbox rows in total: {total:,}")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
