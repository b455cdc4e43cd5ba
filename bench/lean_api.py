"""A lean fake Bot API for the rate benchmarks: a raw asyncio HTTP/1.1 keep-alive server
(`asyncio.Protocol`, no aiohttp, no routing, no message store) on 127.0.0.1 that answers
`POST /bot<token>/sendMessage` with Telegram's envelope and enforces the same flood limits as
tests/fakes/telegram_api.py (`FakeTelegram` with `RateLimits`):

* a global token bucket of `global_rate × scale` per second, bursts of `burst`;
* per chat: private chats (positive ids) `1 × scale` per second, bursts of 1 (as
  bench.fake_api_process configures the fake), groups (negative ids) `20 × scale` per minute,
  bursts of 20;
* above a limit: HTTP 429 `{"ok": false, "error_code": 429, "description": "Too Many
  Requests: retry after X", "parameters": {"retry_after": X}}`, X the exact time until the
  buckets allow the message, rounded up to whole seconds at scale 1 and to milliseconds
  otherwise (the fake's default); nothing is taken from the buckets then.

An accepted message answers 200 `{"ok": true, "result": {"message_id": N, "date": …, "chat":
{…}, "text": …}}`. Any other path answers 404 `{"ok": false, "error_code": 404, …}`, a
body that is not JSON with a `chat_id` 400. It records how many messages it accepted in each
whole second of `time.monotonic()` (the same clock in every process on Linux) and the number
of 429 answers; `GET /stats` returns them as JSON (`{"accepted": {"<second>": n, …},
"too_many": n}`), so a benchmark can count the sustained rate on the server side too.

`python -m bench.lean_api [--global-rate 30] [--scale 1] [--burst 5]` prints the base URL
(`http://127.0.0.1:PORT/bot`, like `FakeTelegram.base_url`) on its first line and serves
until killed. It costs far less CPU per request than the aiohttp fake (see `python -m
bench.api_ceiling --api lean`), so on a small machine it leaves the sender its CPU."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections import Counter
from typing import Any

PRIVATE_PER_SECOND, PRIVATE_BURST = 1.0, 1
GROUP_PER_MINUTE, GROUP_BURST = 20.0, 20


class Bucket:
    """A token bucket like the fake's `_TokenBucket` (`rate` per second, `capacity` tokens)."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(float(capacity), 1.0)
        self.tokens = self.capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class Limits:
    """The server's state: buckets, message ids, per-second counts."""

    def __init__(self, global_rate: float, scale: float, burst: int) -> None:
        self.scale = scale
        self.fractional = scale != 1.0
        self.overall = Bucket(global_rate * scale, burst, time.monotonic())
        self.tokens: dict[int, float] = {}
        self.stamps: dict[int, float] = {}
        self.message_id = 0
        self.accepted: Counter[int] = Counter()
        self.too_many = 0

    def rate_of(self, chat_id: int) -> tuple[float, float]:
        """(tokens per second, capacity) of a chat's bucket: groups have negative ids."""
        if chat_id < 0:
            return GROUP_PER_MINUTE / 60.0 * self.scale, float(GROUP_BURST)
        return PRIVATE_PER_SECOND * self.scale, float(max(PRIVATE_BURST, 1))

    def check(self, chat_id: int) -> float:
        """0 if the message may go (and takes its tokens), else the wait for `retry_after`."""
        now = time.monotonic()
        # Per-chat buckets as two floats (tokens, stamp) in dicts, not an object per chat:
        # one new chat per message would otherwise set off the server's full garbage
        # collections in a long broadcast. Same arithmetic as `Bucket`.
        rate, capacity = self.rate_of(chat_id)
        tokens = min(capacity, self.tokens.get(chat_id, capacity)
                     + (now - self.stamps.get(chat_id, now)) * rate)
        chat_wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate
        wait = max(self.overall.wait_time(now), chat_wait)
        self.stamps[chat_id] = now
        if wait > 0:
            self.tokens[chat_id] = tokens
            self.too_many += 1
            if self.fractional:
                return max(math.ceil(wait * 1000) / 1000, 0.001)
            return float(max(math.ceil(wait), 1))
        self.overall.tokens -= 1.0
        self.tokens[chat_id] = tokens - 1.0
        if len(self.tokens) > 200_000:  # forget chats whose bucket is full again
            self.tokens = {k: t for k, t in self.tokens.items()
                           if t + (now - self.stamps[k]) * self.rate_of(k)[0]
                           < self.rate_of(k)[1]}
            self.stamps = {k: self.stamps[k] for k in self.tokens}
        self.accepted[int(now)] += 1
        return 0.0


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _response(status: int, reason: bytes, body: bytes) -> bytes:
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: keep-alive\r\n\r\n%s" % (status, reason, len(body), body))


def _error(status: int, reason: bytes, description: str,
           parameters: dict[str, Any] | None = None) -> bytes:
    answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters is not None:
        answer["parameters"] = parameters
    return _response(status, reason, json.dumps(answer).encode())


class BotApiProtocol(asyncio.Protocol):
    """One keep-alive connection: parses pipelined HTTP/1.1 requests with Content-Length."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out: list[bytes] = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buffer[:end]
            length = 0
            lines = head.split(b"\r\n")
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                break
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            out.append(self.handle(lines[0], body))
        if out and self.transport is not None:
            self.transport.write(b"".join(out))

    def handle(self, request_line: bytes, body: bytes) -> bytes:
        parts = request_line.split(b" ")
        method, path = (parts[0], parts[1]) if len(parts) >= 2 else (b"", b"")
        if method == b"GET" and path == b"/stats":
            stats = {"accepted": {str(k): v for k, v in self.limits.accepted.items()},
                     "too_many": self.limits.too_many}
            return _response(200, b"OK", json.dumps(stats).encode())
        if method != b"POST" or not path.startswith(b"/bot") or \
                path.rsplit(b"/", 1)[-1].lower() != b"sendmessage":
            return _error(404, b"Not Found", "Not Found")
        try:
            params = json.loads(body)
            chat_id = int(params["chat_id"])
            text = str(params.get("text", ""))
        except (ValueError, KeyError, TypeError):
            return _error(400, b"Bad Request", "Bad Request: chat_id and text are required")
        if not text:
            return _error(400, b"Bad Request", "Bad Request: message text is empty")
        retry = self.limits.check(chat_id)
        if retry:
            return _error(429, b"Too Many Requests",
                          f"Too Many Requests: retry after {_fmt(retry)}",
                          {"retry_after": retry})
        self.limits.message_id += 1
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        if chat_id > 0:
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = f"Chat {chat_id}"
        answer = {"ok": True, "result": {"message_id": self.limits.message_id,
                                         "date": int(time.time()), "chat": chat, "text": text}}
        return _response(200, b"OK", json.dumps(answer).encode())


async def start(global_rate: float, scale: float = 1.0, burst: int = 5,
                port: int = 0) -> tuple[asyncio.Server, Limits, str]:
    """Starts the server on 127.0.0.1; returns it, its state and its base URL."""
    limits = Limits(global_rate, scale, burst)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: BotApiProtocol(limits), "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    return server, limits, f"http://127.0.0.1:{bound}/bot"


async def serve(args: argparse.Namespace) -> None:
    server, _, base_url = await start(args.global_rate, args.scale, args.burst)
    print(base_url, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--global-rate", type=float, default=30.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--burst", type=int, default=5)
    asyncio.run(serve(parser.parse_args()))
