"""How fast is the benchmark's fake Bot API on its own? Blasts `sendMessage` at it with no
sender, no database and its limits lifted, and prints requests per second and the CPU seconds
the server and the client each spent per 1,000 requests. Run it before reading the rate
benchmarks: if the server's own ceiling is near the rate under test, the benchmark measures
the server, not the sender.

`python -m bench.api_ceiling [--api fake|lean] [--client raw|aiohttp] [--seconds 5]
[--concurrency 16]`: `fake` is the tests' aiohttp FakeTelegram (bench.fake_api_process),
`lean` the raw asyncio server of bench.lean_api."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time

from bench.botapi_channel import BotApiChannel
from bot.channels.base import Outgoing, Pacing
from tests.fakes.telegram_api import DEFAULT_TOKEN


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


API_MODULES = {"fake": "bench.fake_api_process", "lean": "bench.lean_api"}


async def start_server(rate: float, api: str = "fake", scale: float = 1000,
                       burst: int = 1000) -> tuple[asyncio.subprocess.Process, str]:
    """The fake Bot API (`fake`: FakeTelegram, `lean`: bench.lean_api) in a child process;
    returns it and its base URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", API_MODULES[api], "--global-rate", str(rate), "--burst",
        str(burst), "--scale", str(scale), stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    return proc, (await proc.stdout.readline()).decode().strip()


async def main(args: argparse.Namespace) -> int:
    proc, base_url = await start_server(1_000_000, args.api)
    channel = BotApiChannel(base_url, DEFAULT_TOKEN, Pacing(per_second=1_000_000),
                            raw=args.client == "raw")
    count = 0
    try:
        await channel.send(Outgoing(id=0, chat_id="1", payload={"text": "warm"}))
        server_before, client_before = cpu_of(proc.pid), own_cpu()
        started = time.monotonic()
        deadline = started + args.seconds

        async def blast(worker: int) -> None:
            nonlocal count
            n = 0
            while time.monotonic() < deadline:
                chat = str(100_000 + worker * 1_000_000 + n)
                await channel.send(Outgoing(id=n, chat_id=chat, payload={"text": "hi"}))
                n += 1
                count += 1

        await asyncio.gather(*(blast(w) for w in range(args.concurrency)))
        elapsed = time.monotonic() - started
        server_cpu = cpu_of(proc.pid) - server_before
        client_cpu = own_cpu() - client_before
    finally:
        await channel.stop()
        proc.kill()
        await proc.wait()
    print(f"{args.api} API, {args.client} client, {args.concurrency} in flight: {count / elapsed:,.0f} req/s; "
          f"CPU per 1,000 requests: server {server_cpu / count * 1000:.2f} s, "
          f"client {client_cpu / count * 1000:.2f} s; 429 answers {channel.flood_waits}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", choices=tuple(API_MODULES), default="fake")
    parser.add_argument("--client", choices=("raw", "aiohttp"), default="raw")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    sys.exit(asyncio.run(main(parser.parse_args())))
