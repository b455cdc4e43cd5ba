"""The one typed object every handler receives, and the Step it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.messages import Attachment, Button, InboundMessage, Recipient, Reply
from handlers.i18n import Texts
from nlp import Analysis
from storage.models import Case, Identity, Person
from storage.repos.cases import CaseRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.people import PeopleRepo

IDLE = "idle"


@dataclass
class Step:
    """What a handler decided: replies to send and where the conversation goes next."""

    replies: list[Reply] = field(default_factory=list)
    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    case: Case | None = None


@dataclass
class Ctx:
    """Everything a handler may read or change, bound to one dispatch transaction."""

    msg: InboundMessage
    now: datetime
    config: Config
    session: AsyncSession
    state: str
    data: dict[str, Any]
    lang: str
    person: Person | None
    identity: Identity | None
    analysis: Analysis | None
    first_contact: bool
    people: PeopleRepo
    cases: CaseRepo
    outbox: OutboxRepo
    t: Texts

    @property
    def text(self) -> str:
        return (self.msg.text or "").strip()

    @property
    def button(self) -> str | None:
        return self.msg.button

    @property
    def verified(self) -> bool:
        return bool(self.identity and self.identity.verified)

    def reply(self, key: str, buttons: tuple[tuple[Button, ...], ...] = (), **values: Any) -> Reply:
        return Reply(self.t(key, **values), buttons=buttons)

    def button_row(self, *pairs: tuple[str, str]) -> tuple[Button, ...]:
        """A row of buttons from (catalogue key, data) pairs."""
        return tuple(Button(self.t(key), data) for key, data in pairs)

    def staff(
        self,
        department: str,
        text: str,
        case: Case,
        event: str,
        priority: int,
        attachments: tuple[Attachment, ...] = (),
    ) -> Reply:
        """A message for the staff desk of `department` about `case`."""
        return Reply(
            text,
            to=Recipient("staff", department),
            attachments=attachments,
            priority=priority,
            kind="staff",
            case_id=case.id,
            extra={"case_id": case.id, "case_number": case.number, "event": event},
        )
