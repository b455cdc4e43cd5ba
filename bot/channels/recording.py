"""A channel that keeps what it is sent: for tests and request/response transports."""

from __future__ import annotations

import asyncio

from bot.channels.base import Channel, Outgoing, Pacing


class RecordingChannel(Channel):
    """Collects every delivered message per chat; optionally fails for chosen chats."""

    pacing = Pacing(per_second=100_000)

    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.sent: list[Outgoing] = []
        self.failures: dict[str, Exception] = {}
        self._arrived = asyncio.Condition()

    async def send(self, message: Outgoing) -> str | None:
        error = self.failures.get(message.chat_id)
        if error is not None:
            raise error
        self.sent.append(message)
        async with self._arrived:
            self._arrived.notify_all()
        return f"{self.name}-{len(self.sent)}"

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [m.text for m in self.sent if chat_id is None or m.chat_id == chat_id]

    def clear(self) -> None:
        self.sent.clear()
