"""The two narrow ports every channel implements: listen (→ dispatch) and send (← outbox)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.messages import Attachment, Button, InboundMessage, buttons_from_payload

if TYPE_CHECKING:
    from aiohttp import web

DispatchFn = Callable[[InboundMessage], Awaitable[Any]]


class SendError(Exception):
    """Base of the failures a channel reports to the sender."""


class RetryAfter(SendError):
    """The platform asked us to slow down; nothing is wrong with the message."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds}s")
        self.seconds = seconds


class Unreachable(SendError):
    """The recipient cannot be reached (blocked the bot, left, chat gone): never retry."""


class Transient(SendError):
    """A network or server error: retry with backoff."""


class Rejected(SendError):
    """The platform refused this message for good (e.g. malformed): do not retry."""


@dataclass(frozen=True)
class Outgoing:
    """An outbox row as a channel sees it."""

    id: int
    chat_id: str
    payload: dict[str, Any]
    kind: str = "reply"
    case_id: int | None = None
    person_id: int | None = None

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))

    @property
    def buttons(self) -> tuple[tuple[Button, ...], ...]:
        return buttons_from_payload(self.payload)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(Attachment.from_json(a) for a in self.payload.get("attachments", []))


@dataclass(frozen=True)
class Pacing:
    """How fast the sender may deliver through a channel."""

    per_second: float = 1000.0
    per_chat_interval: float = 0.0
    group_per_minute: float = 0.0


class Channel(ABC):
    """A place where people talk to Anju."""

    name: str = "channel"
    pacing: Pacing = Pacing()

    async def start(self, dispatch: DispatchFn) -> None:  # noqa: B027 - optional hook
        """Begin listening; every event goes to `dispatch`."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop listening and release resources."""

    def add_routes(self, app: web.Application) -> None:  # noqa: B027 - optional hook
        """Register HTTP routes (webhooks, pages) on Anju's own aiohttp server."""

    @abstractmethod
    async def send(self, message: Outgoing) -> str | None:
        """Deliver one message; returns the platform's message id. Raises SendError."""


def render_plain(message: Outgoing) -> str:
    """Text with buttons as numbered lines, for channels that cannot show buttons."""
    lines = [message.text]
    number = 1
    for row in message.buttons:
        for button in row:
            lines.append(f"  [{number}] {button.label}")
            number += 1
    return "\n".join(lines)
