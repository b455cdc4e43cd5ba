"""People and their channel identities."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Person

_NON_DIGITS = re.compile(r"\D")


def normalize_phone(raw: str) -> str | None:
    """A mainland mobile as 11 digits (spaces, dashes and +86 dropped), or None."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    return None


class PeopleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def by_phone(self, phone: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.phone == phone))

    async def create_prospect(self, phone: str, now: datetime, language: str = "zh") -> Person:
        person = Person(
            phone=phone, role="prospect", language=language, created_at=now, updated_at=now
        )
        self.session.add(person)
        await self.session.flush()
        return person

    async def identity(self, channel: str, user_id: str) -> Identity | None:
        return await self.session.scalar(
            select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
        )

    async def link(
        self, person: Person, channel: str, user_id: str, chat_id: str, verified: bool, now: datetime
    ) -> Identity:
        """Bind a channel account to a person; verification only ever upgrades."""
        ident = await self.identity(channel, user_id)
        if ident is None:
            ident = Identity(
                channel=channel,
                user_id=user_id,
                chat_id=chat_id,
                person_id=person.id,
                verified=verified,
                created_at=now,
            )
            self.session.add(ident)
        else:
            if ident.person_id != person.id:
                ident.verified = False
            ident.person_id = person.id
            ident.chat_id = chat_id
            ident.verified = ident.verified or verified
        await self.session.flush()
        return ident

    async def identities_of(self, person_id: int) -> list[Identity]:
        rows = await self.session.scalars(select(Identity).where(Identity.person_id == person_id))
        return list(rows)
