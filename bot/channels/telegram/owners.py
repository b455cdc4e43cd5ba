"""The owners' channel: private chats with the bot."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from telegram import LinkPreviewOptions, ReplyKeyboardRemove
from telegram.error import Forbidden, TelegramError

from bot.channels.base import Channel, DispatchFn, Outgoing, Pacing, Unreachable
from bot.channels.telegram.render import map_error, markup, split_text
from bot.channels.telegram.runtime import TelegramRuntime
from bot.messages import STAFF, Attachment
from handlers.i18n import Texts
from storage.db import Store
from storage.models import Case, Identity, Person
from storage.repos.outbox import OutboxRepo

log = logging.getLogger(__name__)


class TelegramChannel(Channel):
    """Sends replies to owners' private chats and starts the shared Telegram runtime."""

    name = "telegram"
    # ~30 messages/s overall, about one per second in one private chat.
    pacing = Pacing(per_second=25, per_chat_interval=1.0)
    # One bot token: owners' chats and staff groups share Telegram's ~30/s global budget.
    budget_key = "telegram"

    @property
    def healthy(self) -> bool:
        """For /healthz: the shared Telegram runtime is started and polling works."""
        return self.runtime.healthy

    def __init__(self, runtime: TelegramRuntime, pacing: Pacing | None = None) -> None:
        self.runtime = runtime
        self.store: Store | None = None
        if pacing is not None:
            self.pacing = pacing
        runtime.on_back = self._reachable

    def bind_store(self, store: Store) -> None:
        """Gives the channel the store (to mark owners unreachable and tell staff)."""
        self.store = store

    async def start(self, dispatch: DispatchFn) -> None:
        await self.runtime.start(dispatch)

    async def stop(self) -> None:
        await self.runtime.stop()

    def add_routes(self, app: Any) -> None:
        self.runtime.add_routes(app)

    async def send(self, message: Outgoing) -> str | None:
        """Sends text (split under 4,096) with the keyboard on the last part."""
        await self.runtime.ensure_initialized()
        label = Texts("zh")("tg.share_phone")
        keyboard = markup(message, label) or ReplyKeyboardRemove()
        chunks = split_text(message.text)
        last_id: str | None = None
        try:
            for index, chunk in enumerate(chunks):
                sent = await self.runtime.bot.send_message(
                    int(message.chat_id),
                    chunk,
                    reply_markup=keyboard if index == len(chunks) - 1 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                last_id = str(sent.message_id)
            for attachment in message.attachments:
                last_id = await self._send_attachment(int(message.chat_id), attachment) or last_id
        except Forbidden as exc:
            await self._blocked(message, str(exc))
            raise Unreachable(str(exc)) from exc
        except TelegramError as exc:
            raise map_error(exc) from exc
        return last_id

    async def _send_attachment(self, chat_id: int, attachment: Attachment) -> str | None:
        """A staff photo or file: copied from the staff group (no trace of who sent it), else
        sent by file_id, else uploaded from the local copy."""
        bot = self.runtime.bot
        origin = attachment.extra
        if "chat_id" in origin and "message_id" in origin:
            copied = await bot.copy_message(chat_id, int(origin["chat_id"]),
                                            int(origin["message_id"]), caption="")
            return str(copied.message_id)
        source: Any = attachment.file_id
        if source is None and attachment.path:
            source = Path(attachment.path)
        if source is None:
            return None
        if attachment.kind == "photo":
            sent = await bot.send_photo(chat_id, source)
        else:
            sent = await bot.send_document(chat_id, source, filename=attachment.name)
        return str(sent.message_id)

    async def _blocked(self, message: Outgoing, error: str) -> None:
        """The owner blocked the bot: mark them unreachable and tell the case's staff topic."""
        log.info("owner chat %s unreachable: %s", message.chat_id, error)
        if self.store is None:
            return
        async with self.store.transaction() as session:
            person_id = message.person_id
            if person_id is None:
                person_id = await session.scalar(
                    select(Identity.person_id).where(
                        Identity.channel == "telegram", Identity.chat_id == message.chat_id
                    )
                )
            if person_id is not None:
                await session.execute(
                    update(Person).where(Person.id == person_id).values(unreachable=True)
                )
            case = await session.get(Case, message.case_id) if message.case_id else None
            if case is None:
                return
            t = Texts("zh")
            await OutboxRepo(session).enqueue(
                channel="staff",
                chat_id=case.department,
                payload={"text": t("tg.owner_blocked", number=case.number),
                         "case_id": case.id, "case_number": case.number, "event": "blocked"},
                now=case.updated_at,
                priority=STAFF,
                kind="staff",
                case_id=case.id,
                dedupe_key=f"tg-blocked:{case.id}:{message.id}",
            )

    async def _reachable(self, chat_id: str, reachable: bool) -> None:
        """my_chat_member: the owner blocked or unblocked the bot."""
        if self.store is None:
            return
        async with self.store.transaction() as session:
            person_id = await session.scalar(
                select(Identity.person_id).where(
                    Identity.channel == "telegram", Identity.chat_id == chat_id
                )
            )
            if person_id is not None:
                await session.execute(
                    update(Person).where(Person.id == person_id).values(unreachable=not reachable)
                )
        log.info("owner chat %s is %s", chat_id, "back" if reachable else "gone")
