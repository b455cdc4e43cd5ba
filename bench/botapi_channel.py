"""A lean Bot API channel for the delivery benchmarks: one POST per message to the fake
Telegram server (tests/fakes/telegram_api.py), errors mapped like the real adapter.

Two HTTP paths: aiohttp (a reused `ClientSession`, keep-alive) or, with `raw=True`, a minimal
HTTP/1.1 client over a pool of persistent asyncio connections (about half aiohttp's CPU per
request, see `python -m bench.api_ceiling`). The benchmarks use the raw path so that the
client's own overhead does not hide the sender's; neither is the production adapter."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.channels.base import (
    Channel,
    Outgoing,
    Pacing,
    Rejected,
    RetryAfter,
    Transient,
    Unreachable,
)


class BotApiChannel(Channel):
    """`sendMessage` over HTTP; counts 429 answers so the benchmark can report them."""

    name = "telegram"

    def __init__(self, base_url: str, token: str, pacing: Pacing, *, raw: bool = True) -> None:
        self.url = f"{base_url}{token}/sendMessage"
        parts = urlsplit(self.url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.raw = raw
        self.pacing = pacing
        self.session: aiohttp.ClientSession | None = None
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.flood_waits = 0
        self.on_sent: Any = None  # optional callback(Outgoing) for latency probes

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

    async def _post_raw(self, body: bytes) -> dict[str, Any]:
        """One request on an idle keep-alive connection (or a new one); the connection goes
        back to the pool only after a complete answer."""
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(
            b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s"
            % (self.path.encode(), self.host.encode(), self.port, len(body), body)
        )
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer: dict[str, Any] = json.loads(await reader.readexactly(length))
        except BaseException:
            writer.close()
            raise
        if b"connection: close" in head.lower():
            writer.close()
        else:
            self.idle.append((reader, writer))
        return answer

    async def send(self, message: Outgoing) -> str | None:
        body = {"chat_id": int(message.chat_id), "text": message.text}
        try:
            if self.raw:
                answer = await self._post_raw(json.dumps(body).encode())
            else:
                if self.session is None:
                    self.session = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=256))
                async with self.session.post(self.url, json=body) as response:
                    answer = await response.json()
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError, ValueError,
                TimeoutError) as exc:
            raise Transient(str(exc)) from exc
        if answer.get("ok"):
            if self.on_sent is not None:
                self.on_sent(message)
            return str(answer["result"]["message_id"])
        code, text = answer.get("error_code"), str(answer.get("description", ""))
        if code == 429:
            self.flood_waits += 1
            raise RetryAfter(float(answer.get("parameters", {}).get("retry_after", 1)), text)
        if code == 403 or "chat not found" in text.lower():
            raise Unreachable(text)
        if code is not None and 400 <= code < 500:
            raise Rejected(text)
        raise Transient(text)
