"""Conversation state per (channel, chat, user): where the user is in a flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


class ConversationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, channel: str, chat_id: str, user_id: str) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.channel == channel,
                Conversation.chat_id == chat_id,
                Conversation.user_id == user_id,
            )
        )

    async def save(
        self,
        conv: Conversation | None,
        key: tuple[str, str, str],
        state: str,
        data: dict[str, object],
        language: str | None,
        now: datetime,
    ) -> Conversation:
        if conv is None:
            channel, chat_id, user_id = key
            conv = Conversation(channel=channel, chat_id=chat_id, user_id=user_id)
            self.session.add(conv)
        conv.state = state
        conv.data = dict(data)
        conv.language = language
        conv.updated_at = now
        await self.session.flush()
        return conv
