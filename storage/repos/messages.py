"""The inbound transcript: every message, stored before it is acknowledged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundMessage


class TranscriptRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        channel: str,
        chat_id: str,
        user_id: str,
        text: str | None,
        payload: dict[str, Any],
        at: datetime,
        external_id: str | None = None,
    ) -> InboundMessage:
        row = InboundMessage(
            channel=channel,
            chat_id=chat_id,
            user_id=user_id,
            text=text,
            payload=payload,
            received_at=at,
            external_id=external_id,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def find_external(
        self, channel: str, chat_id: str, external_id: str
    ) -> InboundMessage | None:
        return await self.session.scalar(
            select(InboundMessage).where(
                InboundMessage.channel == channel,
                InboundMessage.chat_id == chat_id,
                InboundMessage.external_id == external_id,
            )
        )

    async def for_case(self, case_id: int) -> Sequence[InboundMessage]:
        stmt = select(InboundMessage).where(InboundMessage.case_id == case_id)
        return (await self.session.scalars(stmt.order_by(InboundMessage.id))).all()

    async def link_case(
        self, channel: str, chat_id: str, first_id: int, last_id: int, case_id: int
    ) -> None:
        """Attaches the messages of the conversation that opened a case to that case."""
        await self.session.execute(
            update(InboundMessage)
            .where(
                InboundMessage.channel == channel,
                InboundMessage.chat_id == chat_id,
                InboundMessage.id.between(first_id, last_id),
                InboundMessage.case_id.is_(None),
            )
            .values(case_id=case_id)
        )
