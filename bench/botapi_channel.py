"""A lean Bot API channel for the delivery benchmarks: one aiohttp POST per message to the
fake Telegram server (tests/fakes/telegram_api.py), errors mapped like the real adapter."""

from __future__ import annotations

from typing import Any

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

    def __init__(self, base_url: str, token: str, pacing: Pacing) -> None:
        self.url = f"{base_url}{token}/sendMessage"
        self.pacing = pacing
        self.session: aiohttp.ClientSession | None = None
        self.flood_waits = 0
        self.on_sent: Any = None  # optional callback(Outgoing) for latency probes

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def send(self, message: Outgoing) -> str | None:
        if self.session is None:
            self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
        body = {"chat_id": int(message.chat_id), "text": message.text}
        try:
            async with self.session.post(self.url, json=body) as response:
                answer = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
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
