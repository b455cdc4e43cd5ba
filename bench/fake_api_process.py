"""Runs the fake Bot API in its own process so benchmarks measure the sender, not a server
sharing its CPU: `python -m bench.fake_api_process --global N --scale K`; prints the base URL
on its first line and serves until killed."""

from __future__ import annotations

import argparse
import asyncio

from tests.fakes.telegram_api import FakeTelegram, RateLimits


async def serve(args: argparse.Namespace) -> None:
    limits = RateLimits(scale=args.scale, global_per_second=args.global_rate,
                        global_burst=args.burst, private_burst=1)
    async with FakeTelegram(rate_limits=limits) as api:
        print(api.base_url, flush=True)
        while True:
            await asyncio.sleep(1)
            api.calls.clear()  # keep memory flat over long runs
            api.sent.clear()
            api.errors.clear()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--global-rate", type=float, default=30.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--burst", type=int, default=5)
    asyncio.run(serve(parser.parse_args()))
