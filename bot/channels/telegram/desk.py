"""The staff desk in Telegram groups: one forum topic (or card thread) per case.

Outbox rows for channel "staff" arrive here with chat_id = a department code (or a group id
for answers to staff) and payload["event"]: new | urgent → the case card; anything else →
a message in the case's topic (owner messages are copied with their media)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, TelegramError

from bot.channels.base import Channel, Outgoing, Pacing, Rejected
from bot.channels.telegram.render import map_error, markup, split_text
from bot.channels.telegram.runtime import TelegramRuntime
from handlers.staff import card_buttons, card_text, topic_name
from storage.db import Store
from storage.models import Case, Person

log = logging.getLogger(__name__)
CARD_EVENTS = frozenset({"new", "urgent", "card"})
DONE_STATES = frozenset({"resolved", "closed", "cancelled"})
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _reply(message_id: int | None) -> ReplyParameters | None:
    """Reply parameters that still send when the card was deleted."""
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


class TelegramStaffDesk(Channel):
    """Renders staff outbox rows into the staff groups."""

    name = "staff"
    # Telegram allows about 20 messages a minute in one group (all topics together).
    pacing = Pacing(per_second=25, per_chat_interval=3.0, group_per_minute=20)
    # One bot token: owners' chats and staff groups share Telegram's ~30/s global budget.
    budget_key = "telegram"

    @property
    def healthy(self) -> bool:
        """For /healthz: the shared Telegram runtime is started and polling works."""
        return self.runtime.healthy

    def __init__(self, runtime: TelegramRuntime, pacing: Pacing | None = None) -> None:
        self.runtime = runtime
        self.store: Store | None = None
        self._forum: dict[int, bool] = {}
        if pacing is not None:
            self.pacing = pacing

    def bind_store(self, store: Store) -> None:
        """Gives the desk the store, where each case keeps its topic and card ids."""
        self.store = store

    async def send(self, message: Outgoing) -> str | None:
        """Posts a card or a message into the case's topic, recovering lost topics once."""
        await self.runtime.ensure_initialized()
        try:
            return await self._send(message)
        except ChatMigrated as exc:
            self.runtime.staff_chats.follow(self._chat_of(message), int(exc.new_chat_id))
            return await self._send_mapped(message)

    async def _send_mapped(self, message: Outgoing) -> str | None:
        try:
            return await self._send(message)
        except TelegramError as exc:
            raise map_error(exc) from exc

    async def _send(self, message: Outgoing) -> str | None:
        event = str(message.payload.get("event", ""))
        if message.chat_id == "supervisor":  # escalations: the supervisors' group, no topic
            return await self._post_text(message, None)
        case = await self._case(message.case_id)
        try:
            if case is not None and (event in ("new", "urgent") or not case.staff_chat_id):
                card_id = await self._post_card(case, message if event in ("new", "urgent")
                                                else None)
                if event == "urgent":
                    await self._pin(case, card_id, pin=True)
                if event in CARD_EVENTS:
                    return card_id
            if case is not None and event == "card":  # /case: the card again, in its thread
                return await self._repost_card(case)
            sent = await self._post_text(message, case)
            if (case is not None and event == "progress" and case.urgent
                    and case.state in DONE_STATES and case.staff_message_id):
                await self._pin(case, case.staff_message_id, pin=False)
            if case is not None and event == "rerouted":
                await self._follow_department(case)
            return sent
        except BadRequest as exc:
            if case is None or "thread not found" not in exc.message.lower():
                if isinstance(exc, ChatMigrated):
                    raise
                raise map_error(exc) from exc
            # Staff deleted the topic: open a new one with the card, then deliver.
            log.warning("topic of case %s is gone; recreating it", case.number)
            await self._post_card(case, None)
            if event in CARD_EVENTS:
                return case.staff_message_id
            return await self._post_text(message, case)
        except TelegramError as exc:
            if isinstance(exc, ChatMigrated):
                raise
            raise map_error(exc) from exc

    def _chat_of(self, message: Outgoing) -> int:
        """The group a row is meant for (department code or group id)."""
        chat_id = message.chat_id
        if chat_id.lstrip("-").isdigit():
            return self.runtime.staff_chats.current(int(chat_id))
        chat = self.runtime.staff_chats.for_department(chat_id)
        if chat is None:
            raise Rejected(f"no staff group for department {chat_id}")
        return chat

    async def _case(self, case_id: int | None) -> Case | None:
        if case_id is None or self.store is None:
            return None
        async with self.store.transaction() as session:
            return await session.get(Case, case_id)

    async def _is_forum(self, chat_id: int) -> bool:
        if chat_id not in self._forum:
            chat = await self.runtime.bot.get_chat(chat_id)
            self._forum[chat_id] = bool(chat.is_forum)
        return self._forum[chat_id]

    async def _post_card(self, case: Case, message: Outgoing | None) -> str:
        """Opens the case's topic (forums) and posts its card with the action buttons."""
        assert self.store is not None
        chat_id = self.runtime.staff_chats.for_department(case.department)
        if chat_id is None:
            raise Rejected(f"no staff group for department {case.department}")
        async with self.store.transaction() as session:
            person = await session.get(Person, case.person_id) if case.person_id else None
        text = message.text if message is not None else card_text(case, person)
        bot = self.runtime.bot
        thread: int | None = None
        if message is not None and case.staff_chat_id == str(chat_id):
            if case.staff_message_id:  # delivered before a crash: never a second card
                return case.staff_message_id
            thread = int(case.staff_thread_id) if case.staff_thread_id else None
        if thread is None and await self._is_forum(chat_id):
            topic = await bot.create_forum_topic(chat_id, topic_name(case, person))
            thread = topic.message_thread_id
        # Remembered before the card goes out, so a retry reuses the topic.
        await self._remember(case, chat_id=str(chat_id), thread=str(thread) if thread else None,
                             message=None)
        sent = await self._send_chunks(chat_id, thread, text, None, card=case)
        await self._remember(case, chat_id=str(chat_id), thread=str(thread) if thread else None,
                             message=str(sent.message_id))
        return str(sent.message_id)

    async def _pin(self, case: Case, message_id: str, *, pin: bool) -> None:
        """Urgent cards stay pinned at the top of the staff group until handled. Best effort:
        without the pin right the card is still posted, and the group is not told twice."""
        if not case.staff_chat_id:
            return
        chat_id = self.runtime.staff_chats.current(int(case.staff_chat_id))
        try:
            if pin:
                await self.runtime.bot.pin_chat_message(chat_id, int(message_id),
                                                        disable_notification=False)
            else:
                await self.runtime.bot.unpin_chat_message(chat_id, int(message_id))
        except BadRequest as exc:
            log.warning("could not %s the card of %s: %s", "pin" if pin else "unpin",
                        case.number, exc.message)

    async def _remember(
        self, case: Case, *, chat_id: str, thread: str | None, message: str | None
    ) -> None:
        """Stores where the case lives in the staff group."""
        assert self.store is not None
        async with self.store.transaction() as session:
            row = await session.get(Case, case.id)
            if row is not None:
                row.staff_chat_id, row.staff_thread_id = chat_id, thread
                row.staff_message_id = message
        case.staff_chat_id, case.staff_thread_id, case.staff_message_id = chat_id, thread, message

    async def _repost_card(self, case: Case) -> str:
        """Posts the current card with its buttons in the case's topic or card thread."""
        assert self.store is not None and case.staff_chat_id
        async with self.store.transaction() as session:
            person = await session.get(Person, case.person_id) if case.person_id else None
        chat_id = self.runtime.staff_chats.current(int(case.staff_chat_id))
        thread = int(case.staff_thread_id) if case.staff_thread_id else None
        reply_to = None if thread else int(case.staff_message_id or 0) or None
        sent = await self._send_chunks(chat_id, thread, card_text(case, person), reply_to,
                                       card=case)
        return str(sent.message_id)

    async def _follow_department(self, case: Case) -> None:
        """After 转派 to a department with its own group, the case gets a card there."""
        wanted = self.runtime.staff_chats.for_department(case.department)
        current = self.runtime.staff_chats.current(int(case.staff_chat_id or 0))
        if wanted is not None and wanted != current:
            await self._post_card(case, None)

    async def _post_text(self, message: Outgoing, case: Case | None) -> str | None:
        """A text (and copies of the owner's media) in the case's topic or card thread."""
        reply_to: int | None = None
        if case is not None and case.staff_chat_id:
            chat_id = self.runtime.staff_chats.current(int(case.staff_chat_id))
            thread = int(case.staff_thread_id) if case.staff_thread_id else None
            if thread is None and case.staff_message_id:
                reply_to = int(case.staff_message_id)
        else:
            chat_id = self._chat_of(message)
            raw = message.payload.get("thread_id")
            thread = int(raw) if raw and str(raw) != "1" else None  # General takes no thread id
        sent = await self._send_chunks(chat_id, thread, message.text, reply_to,
                                       buttons=message if message.buttons else None)
        for attachment in message.attachments:
            origin = attachment.extra
            if "chat_id" in origin and "message_id" in origin:
                await self.runtime.bot.copy_message(
                    chat_id, int(origin["chat_id"]), int(origin["message_id"]),
                    message_thread_id=thread, reply_parameters=_reply(reply_to),
                )
        return str(sent.message_id)

    async def _send_chunks(
        self, chat_id: int, thread: int | None, text: str, reply_to: int | None,
        card: Case | None = None, buttons: Outgoing | None = None,
    ) -> Message:
        """Sends `text` split under 4,096; a card's (or the message's own) buttons go on the
        last part."""
        chunks = split_text(text)
        keyboard: Any = None
        if card is not None:
            keyboard = markup(Outgoing(0, "", {"buttons": card_buttons(card)}))
        elif buttons is not None:
            keyboard = markup(buttons)
        sent: Message | None = None
        for index, chunk in enumerate(chunks):
            sent = await self.runtime.bot.send_message(
                chat_id, chunk, message_thread_id=thread,
                reply_parameters=_reply(reply_to),
                reply_markup=keyboard if index == len(chunks) - 1 else None,
                link_preview_options=NO_PREVIEW,
            )
        assert sent is not None
        return sent
