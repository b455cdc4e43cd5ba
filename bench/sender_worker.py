"""A sender process for the crash test: drains a SQLite outbox through the Bot API until it
is empty, then exits. `python -m bench.sender_worker --db FILE --base-url URL --token T`."""

from __future__ import annotations

import argparse
import asyncio

from bench.botapi_channel import BotApiChannel
from bot.channels.base import Pacing
from bot.clock import SystemClock
from bot.config import SenderConfig
from bot.sender import Sender
from storage.db import Store
from storage.repos.outbox import OutboxRepo


async def main(args: argparse.Namespace) -> None:
    store = Store.from_url(f"sqlite:///{args.db}")
    channel = BotApiChannel(args.base_url, args.token, Pacing(per_second=args.rate))
    config = SenderConfig(lease_seconds=args.lease, concurrency=args.concurrency, poll_seconds=0.2)
    sender = Sender(store, {"telegram": channel}, SystemClock(), config)
    stop = asyncio.Event()
    loop = asyncio.create_task(sender.run(stop))
    while True:
        await asyncio.sleep(0.5)
        async with store.transaction() as session:
            waiting, _ = await OutboxRepo(session).depth()
        if waiting == 0:
            break
    stop.set()
    await loop
    await channel.stop()
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--lease", type=float, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
