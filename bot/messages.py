"""Channel-neutral message types: what adapters hand to dispatch and what handlers return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Outbox priorities (lower goes first): urgent alerts, live replies, staff relays,
# progress notices, bulk (milestones, greetings).
URGENT, LIVE, STAFF, PROGRESS, BULK = -10, 0, 10, 20, 30


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; `data` is a short token (≤ 64 bytes), never free text."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"button data over 64 bytes: {self.data!r}")


@dataclass(frozen=True)
class Attachment:
    """A photo, document, voice note, location or sticker received or to be sent."""

    kind: str
    file_id: str | None = None
    path: str | None = None
    name: str | None = None
    mime: str | None = None
    size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {}, "")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attachment:
        return cls(**data)


@dataclass(frozen=True)
class Contact:
    """A phone number shared by a user; `user_id` tells whose contact card it is."""

    phone: str
    user_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One event from a channel, stripped of SDK types."""

    channel: str
    chat_id: str
    user_id: str
    text: str | None = None
    button: str | None = None
    attachments: tuple[Attachment, ...] = ()
    contact: Contact | None = None
    external_id: str | None = None
    received_at: datetime | None = None
    user_name: str | None = None
    language_hint: str | None = None
    chat_type: str = "private"
    thread_id: str | None = None
    reply_to: str | None = None
    edited: bool = False
    # Set only by an adapter that verified the sender is a member of a staff group.
    staff: bool = False

    def __post_init__(self) -> None:
        # U+0000 cannot be stored (PostgreSQL text and JSON refuse it) and means nothing to a
        # reader: it is dropped at the door, so such a message is stored and answered like any.
        for name in ("text", "user_name", "button"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", ""))

    @property
    def command(self) -> tuple[str, str] | None:
        """`("start", "args")` for "/start args" (bot suffixes like /start@AnjuBot dropped)."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, rest.strip()) if name else None

    def payload(self) -> dict[str, Any]:
        """What is stored beside the text in the transcript."""
        out: dict[str, Any] = {}
        if self.button:
            out["button"] = self.button
        if self.attachments:
            out["attachments"] = [a.to_json() for a in self.attachments]
        if self.contact:
            out["contact"] = {"user_id": self.contact.user_id, "name": self.contact.name}
        if self.thread_id:
            out["thread_id"] = self.thread_id
        if self.reply_to:
            out["reply_to"] = self.reply_to
        if self.user_name:
            out["user_name"] = self.user_name
        return out


@dataclass(frozen=True)
class Recipient:
    """Where an outbound message goes; `channel="staff"` is the staff desk."""

    channel: str
    chat_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message a handler wants sent; `to=None` answers the sender's own chat."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    request_contact: bool = False
    attachments: tuple[Attachment, ...] = ()
    to: Recipient | None = None
    priority: int = LIVE
    kind: str = "reply"
    case_id: int | None = None
    person_id: int | None = None
    dedupe_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.buttons:
            out["buttons"] = [[{"label": b.label, "data": b.data} for b in row] for row in self.buttons]
        if self.request_contact:
            out["request_contact"] = True
        if self.attachments:
            out["attachments"] = [a.to_json() for a in self.attachments]
        if self.to and self.to.thread_id:
            out["thread_id"] = self.to.thread_id
        out.update(self.extra)
        return out


def buttons_from_payload(payload: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    """Rebuild button rows stored in an outbox payload."""
    return tuple(
        tuple(Button(b["label"], b["data"]) for b in row) for row in payload.get("buttons", [])
    )
