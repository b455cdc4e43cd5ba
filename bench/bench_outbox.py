"""Outbox benchmarks (printed, never asserted): enqueue time for a 100,000-recipient milestone
broadcast on SQLite, sustained send rate against the fake Bot API's flood limits (30/s
time-scaled, 30/s real time, 1,000/s paid broadcast) and live-reply latency meanwhile.

`python -m bench.bench_outbox [--recipients 100000] [--seconds 30] [--concurrency 16]
[--runs enqueue,scaled,real,paid] [--api fake|lean]`

The Bot API runs in its own process and enforces its token buckets, answering 429 beyond them,
so a sender that went over its ceiling would show flood waits, not a higher rate. `--api fake`
(default) is the tests' aiohttp FakeTelegram (tests/fakes/telegram_api.py, via
bench.fake_api_process); `--api lean` is bench.lean_api, an equivalent raw asyncio server on
loopback with the same limits and answers at about a quarter of the CPU per request, which
also counts accepted messages per second on its side (printed as "server-side"). The sender
talks to either through bench.botapi_channel's raw keep-alive HTTP client; `python -m
bench.api_ceiling --api fake|lean` shows what server and client cost on their own.

How each rate run scales: all three send from the same 100,000-row outbox for `--seconds`
(30 s) and measure the rate from second 2 to the end (counts per second are printed too).
* 30/s real time: the Telegram ceiling as is (server 30/s, burst 5), concurrency 1. A full
  100,000 broadcast at 30/s lasts 100,000 / (30 × fraction) s (≈ 56 min at 100 %); the 30 s
  run samples its steady state.
* 30/s time-scaled ×10: RateLimits(scale=10) multiplies every server limit by 10 (300/s,
  burst 10) and the sender's budget is 300/s, concurrency 1; the fraction of the ceiling is
  the figure that carries over. It is harsher than real time, not neutral: the per-message
  cost (one send + its commit, ~1–3 ms here) does not shrink with the scale, and each
  message has 3.3 ms instead of 33 ms.
* 1,000/s paid broadcast: not scaled; server 1,000/s (burst 20), `paid_broadcast`,
  concurrency `--concurrency` (16).
CPU seconds per 1,000 messages (sender process incl. its SQLite thread, fake API process)
and the load average are printed with each run: on a shared 2-core box the rate depends on
what else runs."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import distinct, func, insert, select

from bench.api_ceiling import API_MODULES, cpu_of, own_cpu
from bench.botapi_channel import BotApiChannel
from bot.channels.base import Outgoing, Pacing
from bot.clock import SystemClock
from bot.config import SenderConfig
from bot.messages import LIVE
from bot.sender import Sender
from handlers import milestones
from storage.db import Store
from storage.models import Identity, Outbox, Person
from storage.repos.outbox import OutboxRepo
from tests.fakes.telegram_api import DEFAULT_TOKEN, RateLimits

PROJECT = "安居·云栖府"


async def populate(store: Store, count: int) -> None:
    """`count` buyers of one project, each with a Telegram chat."""
    now = datetime.now(UTC)
    async with store.transaction() as session:
        people = [
            {
                "id": i + 1,
                "name": f"买家{i}",
                "phone": f"139{i:08d}",
                "project": PROJECT,
                "building": f"{i % 20 + 1}栋",
                "role": "buyer",
                "language": "zh",
                "on_roster": True,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 5000):
            await session.execute(insert(Person), people[start : start + 5000])
        chats = [
            {
                "channel": "telegram",
                "user_id": str(1_000_000 + i),
                "chat_id": str(1_000_000 + i),
                "person_id": i + 1,
                "verified": True,
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 5000):
            await session.execute(insert(Identity), chats[start : start + 5000])


async def announce_once(store: Store) -> milestones.Announced:
    async with store.transaction() as session:
        return await milestones.announce(
            session,
            project=PROJECT,
            building=None,
            milestone="topped_out",
            now=datetime.now(UTC),
            actor="bench",
        )


async def enqueue_bench(store: Store, count: int) -> float:
    await populate(store, count)
    started = time.perf_counter()
    done = await announce_once(store)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = await announce_once(store)
    rerun = time.perf_counter() - started
    async with store.transaction() as session:
        rows, keys = (await session.execute(
            select(func.count(Outbox.id), func.count(distinct(Outbox.dedupe_key)))
            .where(Outbox.kind == "milestone"))).one()
    print(
        f"enqueue: {done.enqueued:,} recipients (audience query + outbox insert) in "
        f"{elapsed:.2f} s on SQLite (goal ≤ 10 s); run again: {again.enqueued} added in "
        f"{rerun:.2f} s; outbox {rows:,} rows, {keys:,} distinct keys"
    )
    return elapsed


async def fake_api(limits: RateLimits, api: str) -> tuple[asyncio.subprocess.Process, str]:
    """The Bot API (`fake` or `lean`) in a child process (its own CPU); returns it and its
    base URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", API_MODULES[api], "--global-rate",
        str(limits.global_per_second), "--scale", str(limits.scale), "--burst",
        str(limits.global_burst), stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    return proc, (await proc.stdout.readline()).decode().strip()


async def server_counts(base_url: str) -> dict[int, int]:
    """The lean server's accepted messages per whole second of the monotonic clock."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    stats = json.loads(await reader.readexactly(length))
    writer.close()
    return {int(k): v for k, v in stats["accepted"].items()}


async def rate_run(store: Store, label: str, ceiling: float, limits: RateLimits,
                   config: SenderConfig, seconds: float, api: str) -> None:
    proc, base_url = await fake_api(limits, api)
    try:
        channel = BotApiChannel(base_url, DEFAULT_TOKEN, Pacing(per_second=ceiling,
                                                                per_chat_interval=1.0))
        sent_at: dict[int, float] = {}
        stamps: list[float] = []

        def on_sent(message: Outgoing) -> None:
            stamps.append(time.monotonic())
            sent_at[message.id] = stamps[-1]

        channel.on_sent = on_sent
        sender = Sender(store, {"telegram": channel}, SystemClock(), config)
        stop = asyncio.Event()
        cpu_before, server_before = own_cpu(), cpu_of(proc.pid)
        loop = asyncio.create_task(sender.run(stop))
        probes: dict[int, float] = {}
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            await asyncio.sleep(0.5)
            async with store.transaction() as session:
                row = await OutboxRepo(session).enqueue(
                    channel="telegram",
                    chat_id=str(900 + n % 50),
                    payload={"text": "live"},
                    now=datetime.now(UTC),
                    priority=LIVE,
                )
            probes[row.id] = time.monotonic()
            sender.notify()
            n += 1
        stop.set()
        await loop
        cpu, server_cpu = own_cpu() - cpu_before, cpu_of(proc.pid) - server_before
        await channel.stop()
        counts = await server_counts(base_url) if api == "lean" else None
    finally:
        proc.kill()
        await proc.wait()
    window = [t for t in stamps if started + 2 <= t <= started + seconds]
    rate = len(window) / (seconds - 2) if seconds > 2 else 0.0
    per_second = Counter(int(t - started) for t in window if t < started + int(seconds))
    steps = sorted(per_second.get(s, 0) for s in range(2, int(seconds)))
    waits = sorted(sent_at[i] - t for i, t in probes.items() if i in sent_at)
    server = ""
    if counts is not None:
        # Whole monotonic seconds lying fully inside [started + 2, started + seconds].
        first, last = math.ceil(started + 2), math.floor(started + seconds)
        full = [counts.get(s, 0) for s in range(first, last)]
        if full:
            server = (f"; server-side {sum(full) / len(full):.1f}/s = "
                      f"{sum(full) / len(full) / ceiling:.1%} over {len(full)} whole seconds "
                      f"[min {min(full)}, median {statistics.median(full):g}, max {max(full)}]")
    p95 = waits[int(len(waits) * 0.95) - 1] if waits else float("nan")
    print(
        f"{label}: {len(stamps):,} sent in {seconds:.0f} s; sustained {rate:.1f}/s = "
        f"{rate / ceiling:.1%} of the {ceiling:g}/s ceiling (goal ≥ 95 %) [seconds: min "
        f"{steps[0] if steps else 0}, median {statistics.median(steps) if steps else 0:g}, "
        f"max {steps[-1] if steps else 0}]; 429 answers "
        f"{channel.flood_waits}; live replies {len(waits)}/{len(probes)} delivered, latency "
        f"p50 {statistics.median(waits) if waits else float('nan'):.3f} s, p95 {p95:.3f} s, "
        f"max {max(waits, default=float('nan')):.3f} s; CPU per 1,000 sent: sender "
        f"{cpu / max(1, len(stamps)) * 1000:.2f} s, fake API {server_cpu / max(1, len(stamps)) * 1000:.2f} s; "
        f"sent marks per commit {sender.marks.marked / max(1, sender.marks.flushes):.1f}; "
        f"load average {os.getloadavg()[0]:.1f}{server}"
    )


RUNS = ("enqueue", "scaled", "real", "paid")


async def main(args: argparse.Namespace) -> int:
    runs = args.runs.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.from_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await store.upgrade()
        if "enqueue" in runs:
            await enqueue_bench(store, args.recipients)
        else:
            await populate(store, args.recipients)
            await announce_once(store)
        if "scaled" in runs:
            scaled = RateLimits(scale=10, global_burst=10)
            await rate_run(store, f"30/s ceiling, time-scaled ×10 (300/s), {args.api} API",
                           300, scaled, SenderConfig(), args.seconds, args.api)
        if "real" in runs:
            real = RateLimits(global_burst=5)
            await rate_run(store, f"30/s ceiling, real time, {args.api} API", 30, real,
                           SenderConfig(), args.seconds, args.api)
        if "paid" in runs:
            paid = RateLimits(global_per_second=1000, global_burst=20)
            config = SenderConfig(
                paid_broadcast=True, paid_per_second=1000, concurrency=args.concurrency
            )
            await rate_run(store, f"1,000/s paid broadcast (concurrency {args.concurrency}), "
                           f"{args.api} API", 1000, paid, config, args.seconds, args.api)
        await store.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--api", choices=tuple(API_MODULES), default="fake",
                        help="fake: the tests' aiohttp FakeTelegram; lean: bench.lean_api")
    parser.add_argument("--runs", default=",".join(RUNS),
                        help=f"comma-separated subset of {','.join(RUNS)}")
    sys.exit(asyncio.run(main(parser.parse_args())))
