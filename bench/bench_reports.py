"""Benchmark the monthly report (prints figures, asserts nothing).

    .venv/bin/python bench/bench_reports.py [CASES_PER_MONTH]

Fills a SQLite store with two months of cases (default 20,000 a month, with state events,
surveys for a third of them, a 10,000-person roster and 20,000 notices), then times
`build_report` for the later month, the text/CSV/JSON rendering and the chart.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.reports import build_report, month, render_csv, render_json, render_text  # noqa: E402
from bot.reports.chart import render_chart  # noqa: E402
from handlers.i18n import Texts  # noqa: E402
from storage.db import Store  # noqa: E402
from storage.models import Case, CaseEvent, Outbox, Person  # noqa: E402
from storage.surveys import Survey  # noqa: E402

TZ = "Asia/Shanghai"
KINDS = ("repair", "repair", "complaint", "inquiry", "suggestion")
AREAS = ("plumbing", "electrical", "doors_windows", "walls_floors", "elevator")
CATEGORIES = ("quality", "service", "contract", "price", "property")


def case_rows(
    n: int, first: datetime, rng: random.Random, start_id: int
) -> list[dict[str, object]]:
    """`n` cases spread over 30 days from `first`."""
    rows = []
    for i in range(n):
        created = first + timedelta(minutes=rng.randrange(30 * 24 * 60))
        kind = rng.choice(KINDS)
        resolved = created + timedelta(hours=rng.uniform(1, 40)) if rng.random() < 0.9 else None
        rows.append(
            {
                "id": start_id + i,
                "number": f"B-{start_id + i:07d}",
                "kind": kind,
                "category": rng.choice(CATEGORIES) if kind == "complaint" else None,
                "area": rng.choice(AREAS) if kind == "repair" else None,
                "urgent": False,
                "department": "customer_service",
                "state": "closed" if resolved else "in_progress",
                "title": kind,
                "description": "",
                "project": f"项目{rng.randrange(5)}",
                "building": f"{rng.randrange(1, 21)}栋",
                "channel": "telegram",
                "chat_id": "1",
                "created_at": created,
                "updated_at": created,
                "first_reply_due": created + timedelta(hours=2),
                "handle_due": created + timedelta(hours=24),
                "first_replied_at": created + timedelta(minutes=rng.randrange(200)),
                "resolved_at": resolved,
                "closed_at": resolved,
                "breached": False,
                "reopen_count": 0,
                "attachments": {},
            }
        )
    return rows


async def fill(store: Store, per_month: int) -> None:
    rng = random.Random(7)
    tz = ZoneInfo(TZ)
    cases = case_rows(per_month, datetime(2026, 9, 1, tzinfo=tz), rng, 1) + case_rows(
        per_month, datetime(2026, 10, 1, tzinfo=tz), rng, per_month + 1
    )
    events = [
        {
            "case_id": c["id"],
            "at": c["resolved_at"],
            "actor": "bench",
            "type": "state",
            "from_state": "in_progress",
            "to_state": "resolved",
            "data": {},
        }
        for c in cases
        if c["resolved_at"]
    ]
    surveys = [
        {
            "case_id": c["id"],
            "kind": "survey",
            "round": 1,
            "sent_at": c["resolved_at"],
            "answered_at": c["resolved_at"] + timedelta(days=1),  # type: ignore[operator]
            "score_result": rng.randint(1, 5),
            "score_process": rng.randint(1, 5),
            "score_person": rng.randint(1, 5),
        }
        for c in cases[::3]
        if c["resolved_at"]
    ]
    now = datetime(2026, 9, 1, tzinfo=tz)
    people = [
        {
            "id": i,
            "name": f"业主{i}",
            "phone": f"139{i:08d}",
            "project": f"项目{i % 5}",
            "building": "1栋",
            "unit": "101",
            "role": "owner",
            "birthday": date(1980, 1, 1) if i % 7 else None,
            "birthday_lunar": False,
            "language": "zh",
            "on_roster": True,
            "notices_opt_out": False,
            "greetings_opt_out": False,
            "unreachable": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, 10_001)
    ]
    outbox = [
        {
            "channel": "telegram",
            "chat_id": str(i),
            "priority": 0,
            "kind": "milestone" if i % 2 else "greeting",
            "payload": {"text": "x"},
            "person_id": i % 10_000 + 1,
            "status": "sent" if i % 10 else "failed",
            "attempts": 1,
            "not_before": now + timedelta(days=30 + i % 30),
            "created_at": now + timedelta(days=30 + i % 30),
        }
        for i in range(20_000)
    ]
    async with store.transaction() as session:
        for model, rows in (
            (Case, cases),
            (CaseEvent, events),
            (Survey, surveys),
            (Person, people),
            (Outbox, outbox),
        ):
            for start in range(0, len(rows), 5000):
                await session.execute(insert(model), rows[start : start + 5000])


async def main(per_month: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.from_url(f"sqlite:///{tmp}/bench.db")
        await store.upgrade()
        await fill(store, per_month)
        october = month(2026, 10, TZ)
        now = datetime(2026, 11, 1, 9, tzinfo=ZoneInfo(TZ))
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            async with store.transaction() as session:
                report = await build_report(session, october, now=now, tz=TZ)
            timings.append(time.perf_counter() - began)
        await store.close()
        t = Texts("zh", TZ)
        began = time.perf_counter()
        render_text(report, t), render_csv(report, t), render_json(report)
        rendering = time.perf_counter() - began
        began = time.perf_counter()
        render_chart(report, Path(tmp) / "chart.png", "zh", TZ)
        chart = time.perf_counter() - began
    print(f"cases per month:             {per_month:,} (two months stored)")
    print(
        f"build_report (SQLite), best: {min(timings) * 1000:,.0f} ms "
        f"(runs: {', '.join(f'{x * 1000:,.0f}' for x in timings)} ms)"
    )
    print(f"text + CSV + JSON rendering: {rendering * 1000:,.0f} ms")
    print(f"chart (PNG):                 {chart * 1000:,.0f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
