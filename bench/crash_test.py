"""Crash test: kill -9 the sender ten times during a broadcast, restart it each time, then let
it finish; prints messages lost (goal 0) and duplicates (goal ≤ 1 per crash).

`python -m bench.crash_test [--messages 3000] [--crashes 10] [--concurrency 1]`
The fake Bot API (tests/fakes/telegram_api.py) runs in this process with its rate limits
time-scaled ×10 (300 msg/s overall); the sender is a separate process (bench.sender_worker)
on a SQLite file, killed with SIGKILL at random moments."""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from storage.db import Store
from storage.repos.outbox import OutboxRepo
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, RateLimits


async def fill(db: Path, count: int) -> None:
    store = Store.from_url(f"sqlite:///{db}")
    await store.upgrade()
    now = datetime.now(UTC)
    async with store.transaction() as session:
        await OutboxRepo(session).enqueue_many(
            [
                {
                    "channel": "telegram",
                    "chat_id": str(10_000 + i),
                    "payload": {"text": f"crash-{i}"},
                    "priority": 30,
                    "kind": "milestone",
                    "dedupe_key": f"crash:{i}",
                }
                for i in range(count)
            ],
            now,
        )
    await store.close()


async def worker(
    db: Path, api: FakeTelegram, args: argparse.Namespace
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sender_worker",
        "--db",
        str(db),
        "--base-url",
        api.base_url,
        "--token",
        DEFAULT_TOKEN,
        "--rate",
        str(args.rate),
        "--lease",
        str(args.lease),
        "--concurrency",
        str(args.concurrency),
    )


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "crash.db"
        await fill(db, args.messages)
        limits = RateLimits(scale=10, global_burst=10)
        async with FakeTelegram(rate_limits=limits) as api:
            started = time.monotonic()
            for crash in range(args.crashes):
                proc = await worker(db, api, args)
                start_count = len(api.sent)
                target = start_count + rng.randint(20, 200)  # kill mid-broadcast, at random
                while len(api.sent) < target and proc.returncode is None:  # noqa: ASYNC110
                    await asyncio.sleep(rng.uniform(0.001, 0.02))
                before = len(api.sent)
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
                print(f"crash {crash + 1:2d}: killed after {before} deliveries so far")
            proc = await worker(db, api, args)
            code = await proc.wait()
            elapsed = time.monotonic() - started
            texts = Counter(r.text for r in api.sent if r.method == "sendMessage")
    expected = {f"crash-{i}" for i in range(args.messages)}
    lost = len(expected - set(texts))
    duplicates = sum(n - 1 for n in texts.values() if n > 1)
    print(
        f"messages {args.messages}, crashes {args.crashes} (kill -9), concurrency "
        f"{args.concurrency}, final worker exit {code}, {elapsed:.1f} s"
    )
    print(
        f"lost: {lost}   duplicates: {duplicates} "
        f"({duplicates / max(1, args.crashes):.2f} per crash; goal ≤ {args.concurrency})"
    )
    return 0 if lost == 0 and duplicates <= args.crashes * args.concurrency else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--crashes", type=int, default=10)
    parser.add_argument("--rate", type=float, default=280.0)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seed", type=int, default=5)
    sys.exit(asyncio.run(main(parser.parse_args())))
