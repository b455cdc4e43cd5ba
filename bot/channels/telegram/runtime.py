"""One python-telegram-bot Application shared by the owners' channel and the staff desk.

PTB runs inside Anju's asyncio loop: polling through PTB's Updater, or webhook updates
posted to Anju's own aiohttp server. Every update becomes an InboundMessage for dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from telegram import Bot, Message, Update
from telegram.error import Forbidden, InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder

from bot.channels.base import DispatchFn, Transient
from bot.channels.telegram import menus
from bot.channels.telegram.inbound import attachments_of, download, message_text, to_inbound
from bot.channels.telegram.staff_chats import StaffChats
from bot.config import TelegramConfig
from bot.messages import Attachment, InboundMessage

log = logging.getLogger(__name__)
STAFF_STATUSES = frozenset({"creator", "administrator", "member"})
ALBUM_WAIT = 1.0  # seconds: an album arrives as several updates within about this time
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
POLL_TIMEOUT = 10  # seconds a getUpdates long poll waits for news
POLL_BACKOFF_MAX = 30.0  # seconds between polling attempts while Telegram is unreachable
POLL_UNHEALTHY = 3  # consecutive failed polls after which /healthz reports the channel down
POISON_ATTEMPTS = 3  # an update failing this often (store and network up) is set aside
# Failures that mean "try the whole batch again later", never "this update is bad".
UNAVAILABLE = (SQLAlchemyOperationalError, SQLAlchemyInterfaceError, OSError, TimeoutError,
               NetworkError)


class TelegramRuntime:
    """Owns the PTB Application; turns updates into dispatch calls."""

    def __init__(self, config: TelegramConfig, files_dir: Path | None = None) -> None:
        # PTB 22 warns about int periods unless opted in to timedelta values.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        if config.token is None:
            raise ValueError("telegram.token is required")
        self.config = config
        self.files_dir = files_dir or Path(config.files_dir)
        builder = ApplicationBuilder().token(config.token.get_secret_value())
        if config.base_url:
            builder = builder.base_url(config.base_url)
        if config.base_file_url:
            builder = builder.base_file_url(config.base_file_url)
        builder = builder.updater(None)  # Anju polls itself (see `_poll`) or takes webhooks
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.staff_chats = StaffChats(config.staff_chat_id, dict(config.department_chats))
        if config.supervisor_chat_id is not None:
            self.staff_chats.extra.add(config.supervisor_chat_id)
            self.staff_chats.supervisor = config.supervisor_chat_id
        self.dispatch: DispatchFn | None = None
        self.on_back: Any = None  # async callable(user_id: str, reachable: bool), set by owners
        self._members: dict[tuple[int, int], tuple[float, bool]] = {}
        self._albums: dict[str, list[Message]] = {}
        self._album_done: dict[str, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._init_lock = asyncio.Lock()
        self._initialized = False
        self._started = False
        self._closed = False
        self._poller: asyncio.Task[None] | None = None
        self.poll_failures = 0  # consecutive failed polls (for /healthz)
        self.poll_backoff = 0.5  # seconds; doubled per failure up to POLL_BACKOFF_MAX

    @property
    def healthy(self) -> bool:
        """Up unless stopped, or polling has stopped or failed POLL_UNHEALTHY times in a row."""
        if not self._started:
            return False
        if self.config.mode != "polling":
            return True
        return (self._poller is not None and not self._poller.done()
                and self.poll_failures < POLL_UNHEALTHY)

    @property
    def bot(self) -> Bot:
        return self.app.bot

    async def ensure_initialized(self) -> None:
        """Initializes PTB once (also when the sender sends before the channel started)."""
        async with self._init_lock:
            if self._closed:
                raise Transient("Telegram runtime stopped")
            if not self._initialized:
                await self.app.initialize()
                self._initialized = True

    async def start(self, dispatch: DispatchFn) -> None:
        """Starts PTB in the running loop and, in polling mode, long polling."""
        if self._started:
            return
        self.dispatch = dispatch
        await self.ensure_initialized()
        await menus.publish(self.bot)
        if self.config.mode == "polling":
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
        elif self.config.webhook_url:
            secret = self.config.webhook_secret
            await self.bot.set_webhook(
                self.config.webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        self._started = True
        log.info("Telegram started (%s mode)", self.config.mode)

    async def stop(self) -> None:
        """Stops polling and PTB; pending albums are flushed first."""
        if self._closed:
            return
        for key in list(self._albums):
            await self._flush_album(key)
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        self._started = False
        async with self._init_lock:
            self._closed = True
            if self._initialized:
                await self.app.shutdown()
                self._initialized = False

    # ---------------------------------------------------------------- polling

    async def _poll(self) -> None:
        """Long polling that confirms an update to Telegram (the next call's `offset`) only
        after dispatch has stored it: a crash at any moment leaves it with Telegram, which sends
        it again; a message delivered twice is recognised by its message id. PTB's own Updater
        confirms a batch as soon as it is fetched, which would open a window for losing it."""
        offset: int | None = None
        self.poll_failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES),
                    read_timeout=POLL_TIMEOUT + 10)
                if updates:
                    await self._handle_batch(updates)
                    offset = updates[-1].update_id + 1
                self.poll_failures = 0
            except asyncio.CancelledError:
                raise
            except (InvalidToken, Forbidden) as exc:
                log.error("Telegram refused the bot token (%s); polling stopped", type(exc).__name__)
                return
            except Exception as exc:  # network, 409 conflict, a failing store: wait, retry
                self.poll_failures += 1
                delay = min(POLL_BACKOFF_MAX,
                            self.poll_backoff * 2 ** min(self.poll_failures, 8))
                log.warning("polling failed (%s: %s); retrying in %.1f s",
                            type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)

    async def _handle_batch(self, updates: tuple[Update, ...]) -> None:
        """Handles a fetched batch in order; returns once every update of it is stored (album
        parts of one batch are collected together first).

        A store or network that is down raises, and the whole batch is fetched again later
        (what was already stored is recognised as a duplicate). An update that keeps failing
        for any other reason would block every owner behind it: after POISON_ATTEMPTS it is
        written to `dead-letters.jsonl` beside the downloaded files, logged, and passed over."""
        albums: list[asyncio.Future[None]] = []
        for update in updates:
            for attempt in range(1, POISON_ATTEMPTS + 1):
                try:
                    done = await self.handle(update)
                except UNAVAILABLE:
                    raise
                except Exception as exc:
                    if attempt < POISON_ATTEMPTS:
                        await asyncio.sleep(0.2 * attempt)
                        continue
                    await self._dead_letter(update, exc)
                    break
                if done is not None:
                    albums.append(done)
                break
        for done in albums:
            await asyncio.shield(done)

    async def _dead_letter(self, update: Update, exc: Exception) -> None:
        log.error("update %s failed %d times (%s: %s); kept in dead-letters.jsonl and skipped",
                  update.update_id, POISON_ATTEMPTS, type(exc).__name__, exc)
        line = json.dumps({"update": update.to_dict(), "error": f"{type(exc).__name__}: {exc}",
                           "at": time.time()}, ensure_ascii=False)

        def write() -> None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            with (self.files_dir / "dead-letters.jsonl").open("a", encoding="utf-8") as out:
                out.write(line + "\n")

        await asyncio.to_thread(write)

    # ---------------------------------------------------------------- webhook

    def add_routes(self, app: web.Application) -> None:
        """Serves the webhook on Anju's aiohttp server (webhook mode only)."""
        if self.config.mode == "webhook":
            app.router.add_post(self.config.webhook_listen, self._webhook)

    async def _webhook(self, request: web.Request) -> web.Response:
        """Checks the secret header in constant time; answers 200 only after storing."""
        expected = self.config.webhook_secret.get_secret_value() if self.config.webhook_secret else ""
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=403)
        try:
            data = json.loads(await request.text())
            update = Update.de_json(data, self.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await self.ensure_initialized()
        try:
            done = await self.handle(update)
            if done is not None:
                await asyncio.shield(done)
        except Exception:
            log.exception("webhook update %s failed; Telegram will redeliver", update.update_id)
            return web.Response(status=500)
        return web.Response(status=200)

    # ---------------------------------------------------------------- updates

    async def handle(self, update: Update) -> asyncio.Future[None] | None:
        """Routes one update and returns once it is stored, except an album part: it is
        buffered (the parts arrive as separate updates) and the future of its album, done
        once the album is stored, is returned for the caller to await."""
        if update.callback_query is not None:
            await self._on_callback(update)
            return None
        if update.my_chat_member is not None:
            member = update.my_chat_member
            if member.chat.type == "private" and self.on_back is not None:
                await self.on_back(str(member.chat.id), member.new_chat_member.status == "member")
            return None
        message = update.message or update.edited_message
        if message is None:
            return None
        if message.migrate_to_chat_id and message.chat_id in self.staff_chats.all():
            self.staff_chats.follow(message.chat_id, message.migrate_to_chat_id)
            return None
        if message.migrate_from_chat_id or message.new_chat_members or message.left_chat_member:
            return None
        if message.forum_topic_created or message.forum_topic_edited or message.pinned_message:
            return None
        edited = update.edited_message is not None
        if message.media_group_id and not edited:
            return self._buffer_album(message)
        await self._dispatch_messages([message], edited=edited)
        return None

    def _buffer_album(self, message: Message) -> asyncio.Future[None]:
        """Collects the parts of an album; they are dispatched together after ALBUM_WAIT."""
        key = f"{message.chat_id}:{message.media_group_id}"
        parts = self._albums.setdefault(key, [])
        parts.append(message)
        if key not in self._album_done:
            self._album_done[key] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._album_timer(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self._album_done[key]

    async def _album_timer(self, key: str) -> None:
        await asyncio.sleep(ALBUM_WAIT)
        await self._flush_album(key)

    async def _flush_album(self, key: str) -> None:
        parts = self._albums.pop(key, [])
        done = self._album_done.pop(key, None)
        try:
            if parts:
                await self._dispatch_messages(sorted(parts, key=lambda m: m.message_id))
        finally:
            if done is not None and not done.done():
                done.set_result(None)

    async def _dispatch_messages(self, messages: list[Message], *, edited: bool = False) -> None:
        """One dispatch for one message or a whole album."""
        first = messages[0]
        attachments: list[Attachment] = []
        for message in messages:
            for attachment in attachments_of(message):
                attachments.append(await download(self.bot, attachment, self.files_dir))
        text = next((t for m in messages if (t := message_text(m))), None)
        if first.chat.type == "private":
            inbound = to_inbound(first, channel="telegram", attachments=tuple(attachments),
                                 edited=edited, text=text)
        else:
            if first.chat_id not in self.staff_chats.all():
                log.info("message in non-staff group %s ignored", first.chat_id)
                return
            user = first.from_user
            staff = user is not None and not user.is_bot and await self.is_staff(
                first.chat_id, user.id
            )
            inbound = to_inbound(first, channel="staff", attachments=tuple(attachments),
                                 staff=staff, edited=edited, text=text)
        await self._send_to_dispatch(inbound)

    async def _on_callback(self, update: Update) -> None:
        """A button press: answered at once, dispatched as `button` data."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except Exception as exc:  # an expired query must not lose the press
            log.info("callback answer failed: %s", exc)
        message = query.message
        if message is None or query.data is None:
            return
        chat = message.chat
        if chat.type == "private":
            channel, staff = "telegram", False
        else:
            if chat.id not in self.staff_chats.all():
                return
            channel, staff = "staff", await self.is_staff(chat.id, query.from_user.id)
        thread = getattr(message, "message_thread_id", None)
        inbound = InboundMessage(
            channel=channel,
            chat_id=str(chat.id),
            user_id=str(query.from_user.id),
            button=query.data,
            external_id=f"cb{query.id}",
            user_name=query.from_user.full_name,
            language_hint=query.from_user.language_code,
            chat_type=chat.type,
            thread_id=str(thread) if thread and getattr(message, "is_topic_message", False)
            else None,
            reply_to=str(message.message_id),
            staff=staff,
        )
        await self._send_to_dispatch(inbound)

    async def _send_to_dispatch(self, inbound: InboundMessage) -> None:
        if self.dispatch is None:
            raise RuntimeError("Telegram runtime not started")
        await self.dispatch(inbound)

    async def is_staff(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is a member of the staff group (getChatMember, cached briefly)."""
        key = (chat_id, user_id)
        cached = self._members.get(key)
        now = time.monotonic()
        if cached and now - cached[0] < self.config.member_cache_seconds:
            return cached[1]
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
            status = member.status
            ok = status in STAFF_STATUSES or (
                status == "restricted" and bool(getattr(member, "is_member", False))
            )
        except Exception as exc:
            log.warning("membership check failed for %s in %s: %s", user_id, chat_id, exc)
            return False
        self._members[key] = (now, ok)
        if not ok:
            log.warning("user %s is not a member of staff group %s", user_id, chat_id)
        return ok
