"""A channel-free dialogue harness: dispatch → outbox → sender → a recording channel."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.base import Outgoing
from bot.channels.recording import RecordingChannel
from bot.clock import FakeClock
from bot.config import Config
from bot.dispatch import Dispatched, Dispatcher
from bot.messages import Attachment, Contact, InboundMessage
from bot.sender import Sender
from storage import roster
from storage.db import Store
from tests.support import ROSTER

# Wednesday 18 November 2026, 10:00 in Shanghai.
START = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


class Harness:
    """Talks to the engine as one user of a test channel; staff alerts land in `staff`."""

    def __init__(self, store: Store, config: Config | None = None, clock: FakeClock | None = None):
        self.store = store
        self.config = config or Config()
        self.clock = clock or FakeClock(START)
        self.restart()

    def restart(self) -> None:
        """A new process: fresh dispatcher, sender and channels over the same store."""
        self.channel = RecordingChannel("test")
        self.staff = RecordingChannel("staff")
        self.sender = Sender(self.store, {"test": self.channel, "staff": self.staff}, self.clock)
        self.dispatcher = Dispatcher(self.store, self.config, self.clock)
        self.last: Dispatched | None = None

    async def load_roster(self) -> None:
        async with self.store.transaction() as session:
            parsed = roster.parse(roster.read_rows(ROSTER))
            await roster.upsert(session, parsed.records, self.clock.now())

    async def send(self, message: InboundMessage) -> list[Outgoing]:
        before_user, before_staff = len(self.channel.sent), len(self.staff.sent)
        self.last = await self.dispatcher.dispatch(message)
        while await self.sender.drain_once():
            pass
        self.staff_new = self.staff.sent[before_staff:]
        return self.channel.sent[before_user:]

    async def say(
        self,
        text: str | None = None,
        *,
        button: str | None = None,
        user: str = "u1",
        attachments: tuple[Attachment, ...] = (),
        contact: Contact | None = None,
        lang: str | None = None,
    ) -> list[Outgoing]:
        return await self.send(
            InboundMessage(
                "test", user, user, text=text, button=button, attachments=attachments,
                contact=contact, language_hint=lang,
            )
        )

    async def press(self, data: str, user: str = "u1") -> list[Outgoing]:
        return await self.say(button=data, user=user)

    async def identify(self, phone: str = "13800138001", user: str = "u1") -> list[Outgoing]:
        """Opens the menu and binds `phone` the way a user would (typed, so unverified)."""
        await self.say("/start", user=user)
        await self.press("menu:mycases", user=user)
        return await self.say(phone, user=user)


def texts(replies: list[Outgoing]) -> str:
    return "\n".join(r.text for r in replies)


def buttons(replies: list[Outgoing]) -> list[str]:
    return [b.data for r in replies for row in r.buttons for b in row]
