"""A fake Telegram Bot API server for tests.

``FakeTelegram`` is a real HTTP server (aiohttp, 127.0.0.1, free port) that speaks the Bot
API wire protocol, so the *real* python-telegram-bot stack can talk to it through
``base_url``/``base_file_url``::

    async with FakeTelegram() as tg:
        app = (
            ApplicationBuilder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .build()
        )

Requests are accepted the way Telegram accepts them (query string, form-urlencoded,
multipart/form-data or JSON body; nested objects such as ``reply_markup`` JSON-encoded),
method names are case-insensitive, and every answer uses Telegram's envelope
(``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...,
"parameters": {...}}``) with the matching HTTP status. Unknown methods answer 404
"Not Found" on purpose so gaps in the fake are visible.

Choices worth knowing (all mirror Telegram unless noted):

* ``message_thread_id=1`` (the General topic of a forum) is rejected for sending with
  "Bad Request: message thread not found" - General messages must be sent *without* a thread
  id. Deleted/unknown topics give the same error.
* ``editMessageText``/``editMessageCaption`` without ``reply_markup`` remove an existing
  inline keyboard (Telegram does this too).
* HTML mode rejects a bare ``&`` by default (``strict_html_ampersand``); real Telegram keeps
  it literally, see :mod:`tests.fakes.tg_format`.
* Rate limits are token buckets (see :class:`RateLimits`) applied to message-producing
  methods only (send*, copyMessage, forwardMessage; a media group counts per item). Edits,
  deletes, chat actions and callback answers are not limited.
* Service messages (forum_topic_created, ...) are stored but not delivered as updates.
* Webhooks are recorded but never delivered; webhook tests POST :meth:`FakeTelegram.build_update`
  output to their own server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from .tg_format import (
    EntityParseError,
    UnsupportedParseModeError,
    detect_entities,
    parse_formatted,
    utf16_len,
)

__all__ = [
    "ApiError",
    "CallRecord",
    "ErrorRecord",
    "FakeChat",
    "FakeFile",
    "FakeTelegram",
    "ForumTopic",
    "RateLimits",
    "SentRecord",
]

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAFakeTokenForAnjuTests_0123456789abc"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
GENERAL_TOPIC_ID = 1
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
# Update types Telegram does not deliver unless explicitly listed in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Methods that are recorded in ``calls`` but not in ``sent`` (no side effects).
_READ_ONLY_METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "getWebhookInfo",
        "getFile",
        "getChat",
        "getChatMember",
        "getMyCommands",
    }
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# ---------------------------------------------------------------------------------------------
# Public records / configuration
# ---------------------------------------------------------------------------------------------


@dataclass
class RateLimits:
    """Flood-control configuration (token buckets, Telegram-like defaults).

    ``scale`` multiplies every rate (bursts stay as configured): ``scale=10`` makes a private
    chat accept 10 msg/s, a group 200 msg/min and the bot 300 msg/s. Over a window of ``T``
    seconds a bucket admits at most ``burst + rate * T`` messages, so for benchmarks set
    ``global_burst`` low (e.g. 1) to measure a sender's sustained rate against
    ``global_per_second``.

    ``retry_after`` in the 429 answer is the exact time until the bucket refills, rounded up:
    to whole seconds like Telegram (``fractional_retry_after=False``), or to milliseconds
    (``True``). The default (``None``) uses whole seconds when ``scale == 1`` and fractions
    otherwise, so scaled-up fast tests do not wait a full second. PTB parses both.
    """

    enabled: bool = True
    scale: float = 1.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20
    global_per_second: float = 30.0
    global_burst: int = 30
    fractional_retry_after: bool | None = None

    @classmethod
    def disabled(cls) -> RateLimits:
        return cls(enabled=False)

    @property
    def fractional(self) -> bool:
        if self.fractional_retry_after is None:
            return self.scale != 1.0
        return self.fractional_retry_after


@dataclass
class CallRecord:
    """Every HTTP request that reached the API endpoint."""

    method: str
    params: JSONDict
    http_status: int
    ok: bool
    timestamp: float  # time.monotonic()
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class SentRecord:
    """A successful call with side effects (send/edit/delete/answer/topic/command ...).

    ``text``/``caption`` are what the bot sent (markup included); ``rendered_text`` is what
    the user sees (markup stripped, or the caption for media) with ``entities``.
    ``message_id`` is the produced message for send methods, the target message for
    edits/deletes, the thread id for forum topic methods. ``sendMediaGroup`` yields one record
    per produced message.
    """

    method: str
    chat_id: int | None
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    message_thread_id: int | None = None
    message_id: int | None = None
    timestamp: float = 0.0  # time.monotonic()
    rendered_text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    params: JSONDict = field(default_factory=dict)
    result: Any = None


@dataclass
class ErrorRecord:
    """A call answered with ``ok: false`` (including 429 and forced failures)."""

    method: str
    error_code: int
    description: str
    chat_id: int | None
    parameters: JSONDict | None
    params: JSONDict
    timestamp: float  # time.monotonic()


@dataclass
class FakeChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or f"User{self.id}"
            if self.last_name:
                data["last_name"] = self.last_name
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class ForumTopic:
    chat_id: int
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    is_deleted: bool = False

    @property
    def is_general(self) -> bool:
        return self.message_thread_id == GENERAL_TOPIC_ID

    def to_api(self) -> JSONDict:
        data: JSONDict = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class FakeFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def to_api(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Forced:
    kind: Literal["error", "drop"]
    error_code: int
    description: str
    retry_after: float | None
    methods: frozenset[str] | None


class _TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(capacity, 1.0)
        self.tokens = self.capacity
        self.stamp = now

    def wait_time(self, now: float, amount: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        needed = min(amount, self.capacity)
        return 0.0 if self.tokens >= needed else (needed - self.tokens) / self.rate

    def take(self, amount: float) -> None:
        self.tokens -= amount


# ---------------------------------------------------------------------------------------------
# Request parameter helpers
# ---------------------------------------------------------------------------------------------


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"invalid {name} specified") from None


def _opt_int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return _as_int(value, name)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _as_json(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise _bad(f"can't parse {what} JSON object") from None


def _canonical(name: str) -> str:
    return name[0].lower() + name[1:] if name else name


def _user_dict(
    user_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JSONDict:
    user: JSONDict = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"User{user_id}",
    }
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
_RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)


def _member_dict(user: JSONDict, status: str, extra: JSONDict | None = None) -> JSONDict:
    member: JSONDict = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member["is_anonymous"] = False
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member["can_be_edited"] = False
    elif status == "restricted":
        member["is_member"] = True
        member["until_date"] = 0
        member.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
    elif status == "kicked":
        member["until_date"] = 0
    if extra:
        member.update(extra)
    return member


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


Handler = Callable[[JSONDict, dict[str, _Upload]], Awaitable[Any]]


class FakeTelegram:
    """Fake Telegram Bot API server; see the module docstring for behaviour notes."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "anju_test_bot",
        bot_first_name: str = "Anju",
        rate_limits: RateLimits | None = None,
        auto_private_chats: bool = True,
        strict_html_ampersand: bool = True,
        strict_webhook_url: bool = True,
    ) -> None:
        self._token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self.auto_private_chats = auto_private_chats
        self.strict_html_ampersand = strict_html_ampersand
        self.strict_webhook_url = strict_webhook_url

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

        # World state.
        self._chats: dict[int, FakeChat] = {}
        self._users: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._members: dict[int, dict[int, JSONDict]] = {}
        self._migrated: dict[int, int] = {}
        self._topics: dict[int, dict[int, ForumTopic]] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._pending_callbacks: dict[str, int | None] = {}
        self._media_group_counter = itertools.count(1)
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.webhook: JSONDict | None = None

        # Updates / long polling.
        self._updates: list[JSONDict] = []
        self._next_update_id = 10_000
        self._allowed_updates: frozenset[str] | None = None  # None = Telegram default
        self._poll_waiters: set[asyncio.Future[str]] = set()

        # Recordings.
        self.calls: list[CallRecord] = []
        self.sent: list[SentRecord] = []
        self.pinned: dict[int, list[int]] = {}  # chat id → pinned message ids, oldest first
        self.errors: list[ErrorRecord] = []
        self._record_waiters: set[asyncio.Future[None]] = set()

        # Failure injection / rate limits.
        self._forced: list[_Forced] = []
        self._buckets: dict[tuple[str, int], _TokenBucket] = {}

        self._handlers: dict[str, Handler] = {
            name[len("_m_") :].lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_m_")
        }
        self._method_names: dict[str, str] = {
            name[len("_m_") :].lower(): name[len("_m_") :]
            for name in dir(self)
            if name.startswith("_m_")
        }

    # ------------------------------------------------------------------ lifecycle / properties

    @property
    def rate_limits(self) -> RateLimits:
        return self._rate_limits

    @rate_limits.setter
    def rate_limits(self, value: RateLimits) -> None:
        """Replacing the limits also resets all buckets."""
        self._rate_limits = value
        self._buckets.clear()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` / ``Bot(base_file_url=...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers("closing")
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-side: world setup

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> FakeChat:
        """Register a user and their private chat with the bot."""
        user = _user_dict(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user_id] = user
        chat = self._chats.get(user_id)
        if chat is None or chat.type != "private":
            chat = FakeChat(user_id, "private")
            self._chats[user_id] = chat
        chat.first_name = user["first_name"]
        chat.last_name = last_name
        chat.username = username
        return chat

    def add_group(
        self,
        chat_id: int,
        title: str = "Test group",
        is_forum: bool = False,
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
        bot_status: str = "administrator",
    ) -> FakeChat:
        """Register a group/supergroup/channel (ids must be negative). Forums are supergroups."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_type not in ("group", "supergroup", "channel"):
            raise ValueError(f"bad chat_type {chat_type!r}")
        if is_forum and chat_type != "supergroup":
            raise ValueError("only supergroups can be forums")
        chat = FakeChat(chat_id, chat_type, title=title, username=username, is_forum=is_forum)
        self._chats[chat_id] = chat
        self.set_member(chat_id, self.bot_id, bot_status)
        if is_forum:
            self.set_forum(chat_id)
        return chat

    def remove_chat(self, chat_id: int) -> None:
        """Forget a chat (sending to it then yields "chat not found" unless auto-registered)."""
        self._chats.pop(chat_id, None)

    def set_forum(self, chat_id: int, is_forum: bool = True) -> None:
        chat = self._require_chat(chat_id)
        chat.is_forum = is_forum
        if is_forum:
            chat.type = "supergroup"
            self._topics.setdefault(chat_id, {}).setdefault(
                GENERAL_TOPIC_ID,
                ForumTopic(chat_id, GENERAL_TOPIC_ID, "General", TOPIC_ICON_COLORS[0]),
            )
            # Message 1 of a forum is the creation service message that anchors General.
            self._bump_message_id(chat_id, GENERAL_TOPIC_ID)

    def set_member(self, chat_id: int, user_id: int, status: str, **extra: Any) -> None:
        """Set a membership row; ``extra`` overrides fields (e.g. can_manage_topics=False)."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        user = self.bot_user if user_id == self.bot_id else self._user(user_id)
        self._members.setdefault(chat_id, {})[user_id] = _member_dict(user, status, extra)

    def block(self, user_id: int) -> None:
        """The user blocked the bot: sends to their private chat give 403."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def add_topic(
        self,
        chat_id: int,
        name: str,
        *,
        icon_color: int = TOPIC_ICON_COLORS[0],
        message_thread_id: int | None = None,
    ) -> ForumTopic:
        """Create a topic as if a human did it (no API call recorded)."""
        chat = self._require_chat(chat_id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat_id} is not a forum")
        thread_id = message_thread_id or self._alloc_message_id(chat_id)
        if message_thread_id is not None:
            self._bump_message_id(chat_id, message_thread_id)
        topic = ForumTopic(chat_id, thread_id, name, icon_color)
        self._topics.setdefault(chat_id, {})[thread_id] = topic
        self._store_topic_service_message(chat, topic, self.bot_user)
        return topic

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic as if an admin did it in the client."""
        topic = self._topics.get(chat_id, {}).get(thread_id)
        if topic is None:
            raise KeyError(f"no topic {thread_id} in chat {chat_id}")
        topic.is_deleted = True
        self._drop_topic_messages(chat_id, thread_id)

    def register_file(
        self,
        file_id: str,
        data: bytes,
        file_path: str | None = None,
        *,
        file_unique_id: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> FakeFile:
        """Make ``file_id`` resolvable by getFile and downloadable at ``file_path``."""
        path = file_path or f"documents/file_{next(self._file_counter)}"
        fake = FakeFile(
            file_id=file_id,
            file_unique_id=file_unique_id or f"U{abs(hash(file_id)) % 10**12:012d}",
            data=data,
            file_path=path,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[file_id] = fake
        self._files_by_path[path] = fake
        return fake

    def get_file_data(self, file_id: str) -> bytes:
        """Bytes of a registered or uploaded file."""
        return self._files[file_id].data

    # ------------------------------------------------------------------ test-side: failures

    def fail_next(
        self,
        count: int = 1,
        *,
        error_code: int = 429,
        retry_after: float | None = None,
        description: str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer the next ``count`` matching calls with an error.

        ``error_code=429`` sends ``parameters.retry_after`` (default 1). 5xx codes send
        "Internal Server Error"/"Bad Gateway"-style answers (PTB raises NetworkError). By
        default every method except getUpdates matches; pass ``methods={"getUpdates"}`` to
        break polling.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {_fmt_num(retry_after or 1)}"
            elif error_code == 502:
                description = "Bad Gateway"
            elif error_code == 500:
                description = "Internal Server Error"
            elif error_code == 400:
                description = "Bad Request"
            else:
                description = f"Error {error_code}"
        for _ in range(count):
            self._forced.append(
                _Forced("error", error_code, description, retry_after, _method_set(methods))
            )

    def drop_next(self, count: int = 1, *, methods: Iterable[str] | None = None) -> None:
        """Close the connection without an answer on the next ``count`` matching calls.

        PTB surfaces this as ``telegram.error.NetworkError``. Method matching as in
        :meth:`fail_next`.
        """
        for _ in range(count):
            self._forced.append(_Forced("drop", 0, "", None, _method_set(methods)))

    def reset_rate_limits(self) -> None:
        self._buckets.clear()

    # ------------------------------------------------------------------ test-side: updates

    def build_update(self, kind: str = "message", **kwargs: Any) -> JSONDict:
        """Build (but do not queue) an update; ``kind`` is message | edited_message |
        callback_query | my_chat_member. kwargs are those of the matching ``inject_*``.

        The update gets a fresh ``update_id`` and its message is stored server-side (so the
        bot can reply to / edit / copy it), exactly as with ``inject_*``.
        """
        builders: dict[str, Callable[..., JSONDict]] = {
            "message": self._build_message_update,
            "edited_message": self._build_edited_update,
            "callback_query": self._build_callback_update,
            "my_chat_member": self._build_my_chat_member_update,
        }
        if kind not in builders:
            raise ValueError(f"unsupported update kind {kind!r}")
        return builders[kind](**kwargs)

    def enqueue(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary update for getUpdates (assigns update_id if missing)."""
        if "update_id" not in update:
            update["update_id"] = self._alloc_update_id()
        self._updates.append(update)
        self._wake_pollers("updates")
        return update

    def inject_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        chat_type: str | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        photo: bytes | bool | None = None,
        document: bytes | JSONDict | None = None,
        contact: JSONDict | str | None = None,
        voice: bytes | JSONDict | None = None,
        location: tuple[float, float] | JSONDict | None = None,
        sticker: str | JSONDict | None = None,
        media_group_id: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """Queue an incoming message update and return it.

        ``chat_type`` defaults to the registered type, else "private" for positive ids and
        "supergroup" for negative ones (unknown groups are auto-registered). Media arguments:
        ``photo``/``voice`` bytes (or True for placeholder bytes), ``document`` bytes or a dict
        ``{"data": b"...", "file_name": ..., "mime_type": ...}``, ``contact`` a phone string or
        Contact dict, ``location`` (lat, lon), ``sticker`` an emoji. Uploaded bytes are
        registered so ``get_file`` + download works. Entities (bot_command, url, mention, ...)
        are auto-detected unless ``entities`` is given.
        """
        return self.enqueue(
            self._build_message_update(
                chat_id=chat_id,
                user_id=user_id,
                text=text,
                chat_type=chat_type,
                message_thread_id=message_thread_id,
                reply_to_message_id=reply_to_message_id,
                photo=photo,
                document=document,
                contact=contact,
                voice=voice,
                location=location,
                sticker=sticker,
                media_group_id=media_group_id,
                username=username,
                first_name=first_name,
                last_name=last_name,
                language_code=language_code,
                caption=caption,
                entities=entities,
            )
        )

    def inject_edited_message(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        text: str | None = None,
        *,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """Queue an ``edited_message`` for a previously injected message."""
        return self.enqueue(
            self._build_edited_update(
                chat_id=chat_id,
                user_id=user_id,
                message_id=message_id,
                text=text,
                caption=caption,
                entities=entities,
            )
        )

    def inject_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int,
        *,
        username: str | None = None,
        first_name: str | None = None,
        chat_instance: str | None = None,
    ) -> JSONDict:
        """Queue a ``callback_query`` (button press on ``message_id``). Its id can be answered
        once with answerCallbackQuery. An unknown message is sent as InaccessibleMessage."""
        return self.enqueue(
            self._build_callback_update(
                chat_id=chat_id,
                user_id=user_id,
                data=data,
                message_id=message_id,
                username=username,
                first_name=first_name,
                chat_instance=chat_instance,
            )
        )

    def inject_my_chat_member(
        self,
        chat_id: int,
        user_id: int,
        new_status: str,
        old_status: str | None = None,
        *,
        chat_type: str | None = None,
    ) -> JSONDict:
        """Queue a ``my_chat_member`` update (the bot's own status changed by ``user_id``).

        Side effects like Telegram: in a private chat "kicked" blocks the user and "member"
        unblocks; in groups the bot's membership row is updated.
        """
        return self.enqueue(
            self._build_my_chat_member_update(
                chat_id=chat_id,
                user_id=user_id,
                new_status=new_status,
                old_status=old_status,
                chat_type=chat_type,
            )
        )

    def inject_migration(
        self, old_chat_id: int, new_chat_id: int, *, user_id: int = 1
    ) -> list[JSONDict]:
        """Upgrade group ``old_chat_id`` to supergroup ``new_chat_id``.

        Queues the two service messages Telegram sends (``migrate_to_chat_id`` in the old
        group, ``migrate_from_chat_id`` in the new supergroup); afterwards sending to the old id
        fails with 400 + ``parameters.migrate_to_chat_id`` (PTB: ChatMigrated).
        """
        old = self._chats.get(old_chat_id) or self.add_group(
            old_chat_id, f"Group {old_chat_id}", chat_type="group"
        )
        new = self._chats.get(new_chat_id) or FakeChat(new_chat_id, "supergroup", title=old.title)
        self._chats[new_chat_id] = new
        self._members[new_chat_id] = {
            uid: {**row} for uid, row in self._members.get(old_chat_id, {}).items()
        }
        user = self._user(user_id)
        first = self._new_message(old, from_user=user)
        first["migrate_to_chat_id"] = new_chat_id
        second = self._new_message(new, from_user=user)
        second["migrate_from_chat_id"] = old_chat_id
        self._migrated[old_chat_id] = new_chat_id
        return [
            self.enqueue({"message": first}),
            self.enqueue({"message": second}),
        ]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed by getUpdates(offset=...)."""
        return list(self._updates)

    # ------------------------------------------------------------------ test-side: inspection

    @property
    def topics(self) -> dict[int, dict[int, ForumTopic]]:
        """chat_id -> thread_id -> ForumTopic (deleted topics stay with is_deleted=True)."""
        return self._topics

    @property
    def chats(self) -> dict[int, FakeChat]:
        return self._chats

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current server-side state of a message (None if deleted/unknown)."""
        return self._messages.get(chat_id, {}).get(message_id)

    def chat_messages(self, chat_id: int) -> list[JSONDict]:
        return list(self._messages.get(chat_id, {}).values())

    def sent_to(self, chat_id: int, method: str | None = None) -> list[SentRecord]:
        return [
            r for r in self.sent if r.chat_id == chat_id and (method is None or r.method == method)
        ]

    def clear(self) -> None:
        """Forget recordings (calls/sent/errors), forced failures and rate-limit state.
        World state (chats, members, topics, messages, files, queued updates) is kept."""
        self.calls.clear()
        self.sent.clear()
        self.errors.clear()
        self._forced.clear()
        self._buckets.clear()

    async def wait_for(
        self,
        predicate: Callable[[SentRecord], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API mirrors the brief
        since: int = 0,
        **match: Any,
    ) -> SentRecord:
        """Wait until a record in ``sent[since:]`` matches ``predicate`` and all ``match``
        attribute equalities (e.g. ``method="sendMessage", chat_id=42``); returns it."""
        return await self._wait_records(self.sent, predicate, timeout, since, match, "sent")

    async def wait_for_error(
        self,
        predicate: Callable[[ErrorRecord], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - public API mirrors the brief
        since: int = 0,
        **match: Any,
    ) -> ErrorRecord:
        """Like :meth:`wait_for` over ``errors``."""
        return await self._wait_records(self.errors, predicate, timeout, since, match, "errors")

    async def _wait_records(
        self,
        records: list[Any],
        predicate: Callable[[Any], bool] | None,
        timeout_s: float,
        since: int,
        match: JSONDict,
        label: str,
    ) -> Any:
        def matches(record: Any) -> bool:
            if any(getattr(record, k) != v for k, v in match.items()):
                return False
            return predicate is None or predicate(record)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        index = since
        while True:
            index = min(index, len(records))
            for record in records[index:]:
                if matches(record):
                    return record
            index = len(records)
            remaining = deadline - loop.time()
            if remaining <= 0:
                tail = "\n".join(f"  {r!r}" for r in records[-5:])
                raise TimeoutError(
                    f"no record in {label} matched {match or ''} within {timeout_s}s; "
                    f"last records:\n{tail}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._record_waiters.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._record_waiters.discard(waiter)

    def _notify_records(self) -> None:
        for waiter in self._record_waiters:
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            return _envelope_error(401, "Unauthorized")
        fake = self._files_by_path.get(request.match_info["file_path"])
        if fake is None:
            return _envelope_error(404, "Not Found")
        return web.Response(
            body=fake.data, content_type=fake.mime_type or "application/octet-stream"
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        raw_method = request.match_info["method"]
        method = self._method_names.get(raw_method.lower(), _canonical(raw_method))
        try:
            params, uploads = await _read_params(request)
        except ApiError as exc:
            return self._error_response(method, {}, exc, now)
        files = {name: up.data for name, up in uploads.items()}

        if request.match_info["token"] != self._token:
            code, desc = (
                (401, "Unauthorized")
                if re.fullmatch(r"\d+:[\w-]+", request.match_info["token"])
                else (404, "Not Found")
            )
            self.calls.append(CallRecord(method, params, code, False, now, files))
            return _envelope_error(code, desc)

        handler = self._handlers.get(raw_method.lower())
        if handler is None:
            self.calls.append(CallRecord(method, params, 404, False, now, files))
            self._record_error(method, params, ApiError(404, "Not Found"), now)
            return _envelope_error(404, "Not Found")

        forced = self._take_forced(method)
        if forced is not None:
            if forced.kind == "drop":
                self.calls.append(CallRecord(method, params, 0, False, now, files))
                return await _drop_connection(request)
            parameters = (
                {"retry_after": forced.retry_after} if forced.retry_after is not None else None
            )
            forced_error = ApiError(forced.error_code, forced.description, parameters)
            self.calls.append(CallRecord(method, params, forced.error_code, False, now, files))
            if forced.error_code == 502:
                self._record_error(method, params, forced_error, now)
                return web.Response(
                    status=502,
                    text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                    content_type="text/html",
                )
            return self._error_response(method, params, forced_error, now)

        call = CallRecord(method, params, 200, True, now, files)
        self.calls.append(call)
        try:
            result = await handler(params, uploads)
        except ApiError as exc:
            call.http_status = exc.error_code
            call.ok = False
            if exc.error_code == 409 and method == "getUpdates" and _disconnected(request):
                return _envelope_error(409, exc.description)  # orphaned long poll
            return self._error_response(method, params, exc, now)
        body: JSONDict = {"ok": True, "result": result}
        if isinstance(result, _WithDescription):
            body = {"ok": True, "result": result.result, "description": result.description}
        return web.json_response(body)

    def _error_response(
        self, method: str, params: JSONDict, exc: ApiError, now: float
    ) -> web.Response:
        self._record_error(method, params, exc, now)
        return _envelope_error(exc.error_code, exc.description, exc.parameters)

    def _record_error(self, method: str, params: JSONDict, exc: ApiError, now: float) -> None:
        chat_id: int | None
        try:
            chat_id = _opt_int(params, "chat_id")
        except ApiError:
            chat_id = None
        self.errors.append(
            ErrorRecord(
                method, exc.error_code, exc.description, chat_id, exc.parameters, params, now
            )
        )
        self._notify_records()

    def _take_forced(self, method: str) -> _Forced | None:
        for index, forced in enumerate(self._forced):
            if forced.methods is None:
                hit = method != "getUpdates"
            else:
                hit = method.lower() in forced.methods
            if hit:
                return self._forced.pop(index)
        return None

    def _record_sent(self, record: SentRecord) -> SentRecord:
        record.timestamp = record.timestamp or time.monotonic()
        self.sent.append(record)
        self._notify_records()
        return record

    # ------------------------------------------------------------------ internal helpers

    def _alloc_update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id

    def _alloc_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = mid
        return mid

    def _bump_message_id(self, chat_id: int, message_id: int) -> None:
        if self._next_message_id.get(chat_id, 0) < message_id:
            self._next_message_id[chat_id] = message_id

    def _user(self, user_id: int) -> JSONDict:
        user = self._users.get(user_id)
        if user is None:
            user = _user_dict(user_id)
            self._users[user_id] = user
        return user

    def _require_chat(self, chat_id: int) -> FakeChat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; register it with add_group/add_user")
        return chat

    def _wake_pollers(self, reason: str) -> None:
        for waiter in list(self._poll_waiters):
            if not waiter.done():
                waiter.set_result(reason)

    def _new_message(
        self,
        chat: FakeChat,
        *,
        from_user: JSONDict,
        message_thread_id: int | None = None,
        message_id: int | None = None,
    ) -> JSONDict:
        mid = message_id if message_id is not None else self._alloc_message_id(chat.id)
        msg: JSONDict = {"message_id": mid, "date": int(time.time()), "chat": chat.to_api()}
        if chat.type != "channel":
            msg["from"] = from_user
        if message_thread_id is not None:
            msg["message_thread_id"] = message_thread_id
            if chat.is_forum:
                msg["is_topic_message"] = True
                service = self._messages.get(chat.id, {}).get(message_thread_id)
                if service is not None:
                    msg["reply_to_message"] = service
        return msg

    def _store(self, msg: JSONDict) -> JSONDict:
        self._messages.setdefault(msg["chat"]["id"], {})[msg["message_id"]] = msg
        return msg

    def _store_topic_service_message(
        self, chat: FakeChat, topic: ForumTopic, from_user: JSONDict
    ) -> JSONDict:
        msg = self._new_message(chat, from_user=from_user, message_id=topic.message_thread_id)
        msg["message_thread_id"] = topic.message_thread_id
        msg["is_topic_message"] = True
        msg["forum_topic_created"] = {"name": topic.name, "icon_color": topic.icon_color}
        return self._store(msg)

    def _drop_topic_messages(self, chat_id: int, thread_id: int) -> None:
        messages = self._messages.get(chat_id, {})
        for mid in [m for m, msg in messages.items() if msg.get("message_thread_id") == thread_id]:
            del messages[mid]

    def _new_file(
        self,
        data: bytes,
        folder: str,
        extension: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> FakeFile:
        n = next(self._file_counter)
        return self.register_file(
            f"AgAC{n:06d}{folder[:3].upper()}fake",
            data,
            f"{folder}/file_{n}.{extension}",
            file_unique_id=f"AQAD{n:06d}",
            file_name=file_name,
            mime_type=mime_type,
        )

    # -- chat resolution / permission checks

    def _resolve_chat(self, params: JSONDict, name: str = "chat_id") -> FakeChat:
        raw = params.get(name)
        if raw is None or raw == "":
            raise _bad(f"{name} is empty")
        if isinstance(raw, str) and raw.strip().startswith("@"):
            username = raw.strip()[1:].lower()
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == username:
                    return self._check_migrated(chat)
            raise _bad("chat not found")
        chat_id = _as_int(raw, name)
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        known = self._chats.get(chat_id)
        if known is not None:
            return known
        if chat_id > 0 and self.auto_private_chats and chat_id != self.bot_id:
            return self.add_user(chat_id)
        raise _bad("chat not found")

    def _check_migrated(self, chat: FakeChat) -> FakeChat:
        if chat.id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat.id]},
            )
        return chat

    def _bot_status(self, chat: FakeChat) -> JSONDict:
        return self._members.get(chat.id, {}).get(self.bot_id) or _member_dict(
            self.bot_user, "member"
        )

    def _check_can_send(self, chat: FakeChat) -> None:
        if chat.type == "private":
            if chat.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        status = self._bot_status(chat)["status"]
        kind = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}[
            chat.type
        ]
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")

    def _check_thread(self, chat: FakeChat, params: JSONDict) -> int | None:
        thread_id = _opt_int(params, "message_thread_id")
        if thread_id is None:
            return None
        topic = self._topics.get(chat.id, {}).get(thread_id)
        if topic is None or topic.is_deleted or topic.is_general:
            raise _bad("message thread not found")
        return thread_id

    def _check_rate(self, chat: FakeChat, amount: int = 1) -> None:
        limits = self.rate_limits
        if not limits.enabled:
            return
        now = time.monotonic()
        buckets: list[_TokenBucket] = [
            self._bucket(("global", 0), limits.global_per_second, limits.global_burst, now)
        ]
        if chat.type == "private":
            buckets.append(
                self._bucket(
                    ("chat", chat.id), limits.private_per_second, limits.private_burst, now
                )
            )
        else:
            buckets.append(
                self._bucket(
                    ("chat", chat.id), limits.group_per_minute / 60.0, limits.group_burst, now
                )
            )
        wait = max(bucket.wait_time(now, amount) for bucket in buckets)
        if wait > 0:
            if limits.fractional:
                retry: float = max(math.ceil(wait * 1000) / 1000, 0.001)
            else:
                retry = max(math.ceil(wait), 1)
            raise ApiError(
                429, f"Too Many Requests: retry after {_fmt_num(retry)}", {"retry_after": retry}
            )
        for bucket in buckets:
            bucket.take(amount)

    def _bucket(
        self, key: tuple[str, int], per_second: float, burst: int, now: float
    ) -> _TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = per_second * self.rate_limits.scale
            bucket = _TokenBucket(rate, burst, now)
            self._buckets[key] = bucket
        return bucket

    # -- content validation

    def _parse_text(
        self, text: str, parse_mode: str | None, entities: Any, *, what: str
    ) -> tuple[str, list[JSONDict]]:
        entity_list = _as_json(entities, "entities") if entities not in (None, "") else None
        try:
            parsed = parse_formatted(
                text,
                parse_mode,
                entities=entity_list,
                strict_ampersand=self.strict_html_ampersand,
            )
        except EntityParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        except UnsupportedParseModeError:
            raise _bad("unsupported parse_mode") from None
        limit = MAX_TEXT_LENGTH if what == "text" else MAX_CAPTION_LENGTH
        if utf16_len(parsed.text) > limit:
            raise _bad("message is too long" if what == "text" else "message caption is too long")
        return parsed.text, parsed.entities

    def _message_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise _bad("message text is empty")
        text, entities = self._parse_text(
            str(raw), params.get("parse_mode"), params.get("entities"), what="text"
        )
        if not text:
            raise _bad("message text is empty")
        return text, entities

    def _caption(self, params: JSONDict, key: str = "caption") -> tuple[str | None, list[JSONDict]]:
        raw = params.get(key)
        if raw is None or raw == "":
            return None, []
        text, entities = self._parse_text(
            str(raw),
            params.get("parse_mode"),
            params.get("caption_entities"),
            what="caption",
        )
        return (text or None), entities

    def _reply_markup(self, params: JSONDict) -> JSONDict | None:
        raw = params.get("reply_markup")
        if raw is None or raw == "":
            return None
        markup = _as_json(raw, "reply keyboard markup")
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in rows:
                if not isinstance(row, list):
                    raise _bad(
                        'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                    )
                for button in row:
                    _check_inline_button(button)
        elif "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if not text:
                        raise _bad("can't parse keyboard button: Text must be non-empty")
        return markup

    def _reply_to(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        reply_params = params.get("reply_parameters")
        target_id: int | None = None
        target_chat = chat
        allow_missing = _as_bool(params.get("allow_sending_without_reply", False))
        if reply_params not in (None, ""):
            rp = _as_json(reply_params, "reply parameters")
            target_id = _as_int(rp.get("message_id"), "message_id")
            allow_missing = allow_missing or bool(rp.get("allow_sending_without_reply"))
            if rp.get("chat_id") is not None:
                target_chat = self._resolve_chat({"chat_id": rp["chat_id"]})
        else:
            target_id = _opt_int(params, "reply_to_message_id")
        if target_id is None:
            return None
        target = self._messages.get(target_chat.id, {}).get(target_id)
        if target is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _owned_message(self, chat: FakeChat, params: JSONDict, action: str) -> JSONDict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = self._messages.get(chat.id, {}).get(message_id)
        if msg is None:
            raise _bad(f"message to {action} not found")
        if msg.get("from", {}).get("id") != self.bot_id and chat.type != "channel":
            raise _bad("message can't be edited")
        return msg

    # -- common send path

    def _prepare_send(self, params: JSONDict) -> tuple[FakeChat, int | None]:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        thread_id = self._check_thread(chat, params)
        return chat, thread_id

    def _finish_send(
        self,
        method: str,
        chat: FakeChat,
        msg: JSONDict,
        params: JSONDict,
        *,
        raw_text: str | None = None,
        raw_caption: str | None = None,
        rendered: str | None = None,
        entities: list[JSONDict] | None = None,
        markup: JSONDict | None = None,
    ) -> JSONDict:
        self._store(msg)
        self._record_sent(
            SentRecord(
                method=method,
                chat_id=chat.id,
                text=raw_text,
                caption=raw_caption,
                parse_mode=params.get("parse_mode") or None,
                reply_markup=markup,
                message_thread_id=msg.get("message_thread_id"),
                message_id=msg["message_id"],
                rendered_text=rendered,
                entities=entities or [],
                params=params,
                result=msg,
            )
        )
        return msg

    async def _input_file(
        self,
        params: JSONDict,
        uploads: dict[str, _Upload],
        name: str,
        *,
        folder: str,
        extension: str,
        value: Any = None,
    ) -> tuple[FakeFile, _Upload | None]:
        raw = value if value is not None else params.get(name)
        upload: _Upload | None = None
        if name in uploads and value is None:
            upload = uploads[name]
        elif isinstance(raw, str) and raw.startswith("attach://"):
            upload = uploads.get(raw[len("attach://") :])
            if upload is None:
                raise _bad(f"failed to get HTTP URL content: no file attached as {raw}")
        if upload is not None:
            fake = self._new_file(
                upload.data,
                folder,
                extension,
                file_name=upload.filename,
                mime_type=upload.content_type,
            )
            return fake, upload
        if raw is None or raw == "":
            raise _bad(f"there is no {name} in the request")
        raw = str(raw)
        if raw in self._files:
            return self._files[raw], None
        if raw.startswith(("http://", "https://")):
            file_name = raw.rstrip("/").rsplit("/", 1)[-1] or None
            return self._new_file(b"", folder, extension, file_name=file_name), None
        raise _bad("wrong file identifier/HTTP URL specified")

    @staticmethod
    def _photo_sizes(fake: FakeFile) -> list[JSONDict]:
        size = len(fake.data)
        return [
            {
                "file_id": fake.file_id + "_s",
                "file_unique_id": fake.file_unique_id + "s",
                "width": 90,
                "height": 68,
                "file_size": max(size // 10, 1),
            },
            {
                "file_id": fake.file_id,
                "file_unique_id": fake.file_unique_id,
                "width": 800,
                "height": 600,
                "file_size": size,
            },
        ]

    @staticmethod
    def _document_dict(fake: FakeFile) -> JSONDict:
        doc: JSONDict = {
            "file_id": fake.file_id,
            "file_unique_id": fake.file_unique_id,
            "file_size": len(fake.data),
        }
        if fake.file_name:
            doc["file_name"] = fake.file_name
        if fake.mime_type:
            doc["mime_type"] = fake.mime_type
        return doc

    # ------------------------------------------------------------------ update builders

    def _sender(
        self,
        user_id: int,
        username: str | None,
        first_name: str | None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        known = self._users.get(user_id)
        if known is None or username or first_name or last_name or language_code:
            user = _user_dict(
                user_id,
                first_name=first_name or (known or {}).get("first_name"),
                last_name=last_name or (known or {}).get("last_name"),
                username=username or (known or {}).get("username"),
                language_code=language_code or (known or {}).get("language_code"),
            )
            self._users[user_id] = user
            return user
        return known

    def _incoming_chat(self, chat_id: int, chat_type: str | None, user: JSONDict) -> FakeChat:
        chat = self._chats.get(chat_id)
        if chat is not None:
            if chat.type == "private" and chat.id == user["id"]:
                chat.first_name = user["first_name"]
                chat.last_name = user.get("last_name")
                chat.username = user.get("username")
            return chat
        kind = chat_type or ("private" if chat_id > 0 else "supergroup")
        if kind == "private":
            chat = FakeChat(
                chat_id,
                "private",
                first_name=user["first_name"],
                last_name=user.get("last_name"),
                username=user.get("username"),
            )
            self._chats[chat_id] = chat
            return chat
        return self.add_group(chat_id, f"Group {chat_id}", chat_type=kind)

    def _build_message_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        chat_type: str | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        photo: bytes | bool | None = None,
        document: bytes | JSONDict | None = None,
        contact: JSONDict | str | None = None,
        voice: bytes | JSONDict | None = None,
        location: tuple[float, float] | JSONDict | None = None,
        sticker: str | JSONDict | None = None,
        media_group_id: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        user = self._sender(user_id, username, first_name, last_name, language_code)
        chat = self._incoming_chat(chat_id, chat_type, user)
        if message_thread_id is not None and chat.is_forum:
            topics = self._topics.setdefault(chat.id, {})
            topic = topics.get(message_thread_id)
            if topic is not None and topic.is_deleted:
                raise ValueError(f"topic {message_thread_id} in chat {chat_id} was deleted")
            if topic is None:
                self.add_topic(
                    chat.id, f"Topic {message_thread_id}", message_thread_id=message_thread_id
                )
        msg = self._new_message(chat, from_user=user, message_thread_id=message_thread_id)
        if reply_to_message_id is not None:
            target = self._messages.get(chat.id, {}).get(reply_to_message_id)
            if target is None:
                target = {
                    "message_id": reply_to_message_id,
                    "date": int(time.time()),
                    "chat": chat.to_api(),
                }
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if text is not None:
            msg["text"] = text
            found = entities if entities is not None else detect_entities(text)
            if found:
                msg["entities"] = found
        if caption is not None:
            msg["caption"] = caption
            found = entities if entities is not None and text is None else detect_entities(caption)
            if found:
                msg["caption_entities"] = found
        if photo is not None and photo is not False:
            data = photo if isinstance(photo, bytes) else b"\xff\xd8\xff\xe0fake-jpeg"
            msg["photo"] = self._photo_sizes(
                self._new_file(data, "photos", "jpg", mime_type="image/jpeg")
            )
        if document is not None:
            spec: JSONDict = document if isinstance(document, dict) else {"data": document}
            doc_name = str(spec.get("file_name", "file.pdf"))
            fake = self._new_file(
                bytes(spec.get("data", b"%PDF-1.4 fake")),
                "documents",
                doc_name.rsplit(".", 1)[-1],
                file_name=doc_name,
                mime_type=str(spec.get("mime_type", "application/pdf")),
            )
            msg["document"] = self._document_dict(fake)
        if voice is not None:
            spec = voice if isinstance(voice, dict) else {"data": voice}
            data = spec.get("data", b"OggS fake voice")
            fake = self._new_file(data, "voice", "oga", mime_type="audio/ogg")
            msg["voice"] = {
                "file_id": fake.file_id,
                "file_unique_id": fake.file_unique_id,
                "duration": int(spec.get("duration", 3)),
                "mime_type": "audio/ogg",
                "file_size": len(data),
            }
        if contact is not None:
            if isinstance(contact, str):
                contact = {
                    "phone_number": contact,
                    "first_name": user["first_name"],
                    "user_id": user_id,
                }
            msg["contact"] = contact
        if location is not None:
            if isinstance(location, dict):
                msg["location"] = location
            else:
                msg["location"] = {"latitude": location[0], "longitude": location[1]}
        if sticker is not None:
            if isinstance(sticker, dict):
                msg["sticker"] = sticker
            else:
                fake = self._new_file(b"RIFF fake webp", "stickers", "webp", mime_type="image/webp")
                msg["sticker"] = {
                    "file_id": fake.file_id,
                    "file_unique_id": fake.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": sticker,
                }
        if media_group_id is not None:
            msg["media_group_id"] = media_group_id
        self._store(msg)
        return {"update_id": self._alloc_update_id(), "message": msg}

    def _build_edited_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        message_id: int,
        text: str | None = None,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        original = self._messages.get(chat_id, {}).get(message_id)
        if original is None:
            raise KeyError(f"message {message_id} in chat {chat_id} is unknown")
        if original.get("from", {}).get("id") != user_id:
            raise ValueError("only the author can edit a message")
        msg = dict(original)
        if text is not None:
            msg["text"] = text
            msg.pop("entities", None)
            found = entities if entities is not None else detect_entities(text)
            if found:
                msg["entities"] = found
        if caption is not None:
            msg["caption"] = caption
        msg["edit_date"] = int(time.time())
        self._store(msg)
        return {"update_id": self._alloc_update_id(), "edited_message": msg}

    def _build_callback_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int,
        username: str | None = None,
        first_name: str | None = None,
        chat_instance: str | None = None,
    ) -> JSONDict:
        user = self._sender(user_id, username, first_name)
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            chat = self._chats.get(chat_id) or FakeChat(
                chat_id, "private" if chat_id > 0 else "supergroup"
            )
            message = {"chat": chat.to_api(), "message_id": message_id, "date": 0}
        query_id = f"{self.bot_id}{next(self._callback_counter):08d}"
        self._pending_callbacks[query_id] = chat_id
        return {
            "update_id": self._alloc_update_id(),
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": chat_instance or f"-{abs(chat_id) * 7919 % 10**12}",
                "data": data,
            },
        }

    def _build_my_chat_member_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        new_status: str,
        old_status: str | None = None,
        chat_type: str | None = None,
    ) -> JSONDict:
        if new_status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {new_status!r}")
        user = self._user(user_id)
        chat = self._incoming_chat(chat_id, chat_type, user)
        if old_status is None:
            old_status = (
                self._bot_status(chat)["status"]
                if chat.type != "private"
                else ("kicked" if chat.id in self._blocked else "member")
            )
        if chat.type == "private":
            if new_status == "kicked":
                self.block(chat.id)
            elif new_status == "member":
                self.unblock(chat.id)
        else:
            self.set_member(chat.id, self.bot_id, new_status)
        return {
            "update_id": self._alloc_update_id(),
            "my_chat_member": {
                "chat": chat.to_api(),
                "from": user,
                "date": int(time.time()),
                "old_chat_member": _member_dict(self.bot_user, old_status),
                "new_chat_member": _member_dict(self.bot_user, new_status),
            },
        }

    # ------------------------------------------------------------------ Bot API methods
    # Each ``_m_<methodName>`` implements one method; names are matched case-insensitively.

    async def _m_getMe(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = _opt_int(params, "offset")
        limit = _opt_int(params, "limit") or 100
        limit = min(max(limit, 1), 100)
        timeout = float(params.get("timeout") or 0)
        allowed_raw = params.get("allowed_updates")
        if allowed_raw not in (None, ""):
            allowed = _as_json(allowed_raw, "allowed_updates")
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # A new long poll terminates the previous one, like Telegram.
        self._wake_pollers("conflict")
        batch = self._fetch_updates(limit)
        if batch or timeout <= 0 or self._closing:
            return batch
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        self._poll_waiters.add(waiter)
        try:
            reason = await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            reason = "timeout"
        finally:
            self._poll_waiters.discard(waiter)
        if reason == "conflict":
            raise ApiError(409, _POLL_CONFLICT)
        if reason == "closing":
            return []
        return self._fetch_updates(limit)

    def _fetch_updates(self, limit: int) -> list[JSONDict]:
        allowed = self._allowed_updates

        def wanted(update: JSONDict) -> bool:
            kind = next((k for k in update if k != "update_id"), "")
            if allowed is None:
                return kind not in _OPT_IN_UPDATES
            return kind in allowed

        self._updates = [u for u in self._updates if wanted(u)]
        return self._updates[:limit]

    async def _m_setWebhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            had = self.webhook is not None
            self.webhook = None
            return _WithDescription(
                True, "Webhook was deleted" if had else "Webhook is already deleted"
            )
        if self.strict_webhook_url:
            match = re.fullmatch(r"(https?)://([^/:]+)(?::(\d+))?(/.*)?", url)
            if match is None:
                raise _bad("bad webhook: Failed to resolve host: Name or service not known")
            if match.group(1) != "https":
                raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
            if match.group(3) and int(match.group(3)) not in (80, 88, 443, 8443):
                raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        allowed_raw = params.get("allowed_updates")
        allowed = (
            _as_json(allowed_raw, "allowed_updates") if allowed_raw not in (None, "") else None
        )
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else None
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "max_connections": _opt_int(params, "max_connections") or 40,
            "allowed_updates": allowed,
        }
        self._wake_pollers("conflict")
        self._record_sent(SentRecord("setWebhook", None, params=params, result=True))
        return _WithDescription(True, "Webhook was set")

    async def _m_deleteWebhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        had = self.webhook is not None
        self.webhook = None
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        self._record_sent(SentRecord("deleteWebhook", None, params=params, result=True))
        return _WithDescription(
            True, "Webhook was deleted" if had else "Webhook is already deleted"
        )

    async def _m_getWebhookInfo(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        info: JSONDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _m_sendMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, thread_id = self._prepare_send(params)
        text, entities = self._message_text(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(chat, params)
        self._check_rate(chat)
        msg = self._new_message(chat, from_user=self.bot_user, message_thread_id=thread_id)
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg["text"] = text
        if entities:
            msg["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        return self._finish_send(
            "sendMessage",
            chat,
            msg,
            params,
            raw_text=str(params["text"]),
            rendered=text,
            entities=entities,
            markup=markup,
        )

    async def _send_media(
        self,
        method: str,
        params: JSONDict,
        uploads: dict[str, _Upload],
        field_name: str,
        folder: str,
        extension: str,
    ) -> JSONDict:
        chat, thread_id = self._prepare_send(params)
        caption, entities = self._caption(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(chat, params)
        fake, _ = await self._input_file(
            params, uploads, field_name, folder=folder, extension=extension
        )
        self._check_rate(chat)
        msg = self._new_message(chat, from_user=self.bot_user, message_thread_id=thread_id)
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        if field_name == "photo":
            msg["photo"] = self._photo_sizes(fake)
        else:
            msg[field_name] = self._document_dict(fake)
        if caption:
            msg["caption"] = caption
            if entities:
                msg["caption_entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        return self._finish_send(
            method,
            chat,
            msg,
            params,
            raw_caption=params.get("caption") or None,
            rendered=caption,
            entities=entities,
            markup=markup,
        )

    async def _m_sendPhoto(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return await self._send_media("sendPhoto", params, uploads, "photo", "photos", "jpg")

    async def _m_sendDocument(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return await self._send_media(
            "sendDocument", params, uploads, "document", "documents", "bin"
        )

    async def _m_sendMediaGroup(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, thread_id = self._prepare_send(params)
        media = _as_json(params.get("media"), "media")
        if not isinstance(media, list) or not media:
            raise _bad("media is empty" if not media else "can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise _bad("wrong number of media: 2-10 items must be sent")
        kinds = {item.get("type") for item in media}
        if "document" in kinds and kinds != {"document"}:
            raise _bad("document can't be mixed with other media types")
        reply_to = self._reply_to(chat, params)
        prepared: list[tuple[JSONDict, FakeFile, str | None, list[JSONDict]]] = []
        for item in media:
            kind = item.get("type")
            if kind not in ("photo", "document", "video", "audio"):
                raise _bad(f'unsupported media type "{kind}" in the media group')
            sub = {
                "parse_mode": item.get("parse_mode"),
                "caption": item.get("caption"),
                "caption_entities": item.get("caption_entities"),
            }
            caption, entities = self._caption(sub)
            fake, _ = await self._input_file(
                params,
                uploads,
                kind,
                folder="photos" if kind == "photo" else "documents",
                extension="jpg" if kind == "photo" else "bin",
                value=item.get("media") or "",
            )
            prepared.append((item, fake, caption, entities))
        self._check_rate(chat, amount=len(media))
        group_id = f"1{next(self._media_group_counter):017d}"
        messages: list[JSONDict] = []
        for index, (item, fake, caption, entities) in enumerate(prepared):
            msg = self._new_message(chat, from_user=self.bot_user, message_thread_id=thread_id)
            msg["media_group_id"] = group_id
            if reply_to is not None and index == 0:
                msg["reply_to_message"] = reply_to
            if item["type"] == "photo":
                msg["photo"] = self._photo_sizes(fake)
            else:
                msg[item["type"]] = self._document_dict(fake)
            if caption:
                msg["caption"] = caption
                if entities:
                    msg["caption_entities"] = entities
            self._finish_send(
                "sendMediaGroup",
                chat,
                msg,
                params,
                raw_caption=item.get("caption"),
                rendered=caption,
                entities=entities,
            )
            messages.append(msg)
        return messages

    async def _m_copyMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, thread_id = self._prepare_send(params)
        source_chat = self._resolve_chat(params, "from_chat_id")
        source_id = _as_int(params.get("message_id"), "message_id")
        source = self._messages.get(source_chat.id, {}).get(source_id)
        if source is None:
            raise _bad("message to copy not found")
        if any(
            k in source
            for k in ("forum_topic_created", "migrate_to_chat_id", "migrate_from_chat_id")
        ):
            raise _bad("message can't be copied")
        markup = self._reply_markup(params)
        reply_to = self._reply_to(chat, params)
        caption_override = params.get("caption")
        caption, entities = self._caption(params) if caption_override is not None else (None, [])
        self._check_rate(chat)
        msg = self._new_message(chat, from_user=self.bot_user, message_thread_id=thread_id)
        for key in (
            "text",
            "entities",
            "photo",
            "document",
            "voice",
            "contact",
            "location",
            "sticker",
            "caption",
            "caption_entities",
        ):
            if key in source:
                msg[key] = source[key]
        if caption_override is not None:
            msg.pop("caption_entities", None)
            if caption:
                msg["caption"] = caption
                if entities:
                    msg["caption_entities"] = entities
            else:
                msg.pop("caption", None)
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        self._finish_send(
            "copyMessage",
            chat,
            msg,
            params,
            raw_text=msg.get("text"),
            raw_caption=msg.get("caption"),
            rendered=msg.get("text") or msg.get("caption"),
            entities=msg.get("entities") or msg.get("caption_entities"),
            markup=markup,
        )
        return {"message_id": msg["message_id"]}

    async def _m_forwardMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, thread_id = self._prepare_send(params)
        source_chat = self._resolve_chat(params, "from_chat_id")
        source_id = _as_int(params.get("message_id"), "message_id")
        source = self._messages.get(source_chat.id, {}).get(source_id)
        if source is None:
            raise _bad("message to forward not found")
        self._check_rate(chat)
        msg = self._new_message(chat, from_user=self.bot_user, message_thread_id=thread_id)
        for key in (
            "text",
            "entities",
            "photo",
            "document",
            "voice",
            "contact",
            "location",
            "sticker",
            "caption",
            "caption_entities",
        ):
            if key in source:
                msg[key] = source[key]
        if source_chat.type in ("private", "group", "supergroup") and "from" in source:
            msg["forward_origin"] = {
                "type": "user",
                "date": source["date"],
                "sender_user": source["from"],
            }
        else:
            msg["forward_origin"] = {
                "type": "channel",
                "date": source["date"],
                "chat": source_chat.to_api(),
                "message_id": source_id,
            }
        return self._finish_send(
            "forwardMessage",
            chat,
            msg,
            params,
            raw_text=msg.get("text"),
            raw_caption=msg.get("caption"),
            rendered=msg.get("text") or msg.get("caption"),
            entities=msg.get("entities") or msg.get("caption_entities"),
        )

    async def _m_editMessageText(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        msg = self._owned_message(chat, params, "edit")
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        text, entities = self._message_text(params)
        markup = self._reply_markup(params)
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            msg["text"] == text
            and msg.get("entities", []) == entities
            and msg.get("reply_markup") == new_markup
        ):
            raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit(
            "editMessageText",
            chat,
            msg,
            params,
            {"text": text, "entities": entities},
            new_markup,
            raw_text=str(params["text"]),
            rendered=text,
            entities=entities,
        )

    async def _m_editMessageCaption(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        msg = self._owned_message(chat, params, "edit")
        if "text" in msg:
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = self._reply_markup(params)
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            msg.get("caption") == caption
            and msg.get("caption_entities", []) == entities
            and msg.get("reply_markup") == new_markup
        ):
            raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit(
            "editMessageCaption",
            chat,
            msg,
            params,
            {"caption": caption, "caption_entities": entities},
            new_markup,
            raw_caption=params.get("caption") or None,
            rendered=caption,
            entities=entities,
        )

    async def _m_editMessageReplyMarkup(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        msg = self._owned_message(chat, params, "edit")
        markup = self._reply_markup(params)
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if msg.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit("editMessageReplyMarkup", chat, msg, params, {}, new_markup)

    def _apply_edit(
        self,
        method: str,
        chat: FakeChat,
        msg: JSONDict,
        params: JSONDict,
        changes: JSONDict,
        markup: JSONDict | None,
        *,
        raw_text: str | None = None,
        raw_caption: str | None = None,
        rendered: str | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        for key, value in changes.items():
            if value:
                msg[key] = value
            else:
                msg.pop(key, None)
        if markup is None:
            msg.pop("reply_markup", None)
        else:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        self._record_sent(
            SentRecord(
                method=method,
                chat_id=chat.id,
                text=raw_text,
                caption=raw_caption,
                parse_mode=params.get("parse_mode") or None,
                reply_markup=markup,
                message_thread_id=msg.get("message_thread_id"),
                message_id=msg["message_id"],
                rendered_text=rendered,
                entities=entities or [],
                params=params,
                result=msg,
            )
        )
        return msg

    async def _m_pinChatMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return self._pin("pinChatMessage", params)

    async def _m_unpinChatMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return self._pin("unpinChatMessage", params)

    def _pin(self, method: str, params: JSONDict) -> bool:
        """Pins need the can_pin_messages right in groups; the pinned ids are kept per chat."""
        chat = self._resolve_chat(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        msg = self._messages.get(chat.id, {}).get(message_id)
        if msg is None:
            raise _bad("message to pin not found")
        if chat.type != "private":
            status = self._bot_status(chat)
            if status["status"] not in ("administrator", "creator") or not status.get(
                "can_pin_messages", True
            ):
                raise _bad("not enough rights to manage pinned messages in the chat")
        pinned = self.pinned.setdefault(chat.id, [])
        if method == "pinChatMessage":
            if message_id not in pinned:
                pinned.append(message_id)
        elif message_id in pinned:
            pinned.remove(message_id)
        self._record_sent(SentRecord(method, chat.id, message_id=message_id,
                                     message_thread_id=msg.get("message_thread_id"),
                                     params=params, result=True))
        return True

    async def _m_deleteMessage(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        messages = self._messages.get(chat.id, {})
        msg = messages.get(message_id)
        if msg is None:
            raise _bad("message to delete not found")
        # Bots may delete any message in private chats; in groups others' messages need rights.
        if chat.type != "private" and msg.get("from", {}).get("id") != self.bot_id:
            status = self._bot_status(chat)
            if status["status"] not in ("administrator", "creator") or not status.get(
                "can_delete_messages", True
            ):
                raise _bad("message can't be deleted")
        del messages[message_id]
        self._record_sent(
            SentRecord(
                "deleteMessage",
                chat.id,
                message_id=message_id,
                message_thread_id=msg.get("message_thread_id"),
                params=params,
                result=True,
            )
        )
        return True

    async def _m_answerCallbackQuery(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        chat_id = self._pending_callbacks.pop(query_id)
        self._record_sent(
            SentRecord(
                "answerCallbackQuery",
                chat_id,
                text=text,
                params=params,
                result=True,
            )
        )
        return True

    async def _m_sendChatAction(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, thread_id = self._prepare_send(params)
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._record_sent(
            SentRecord(
                "sendChatAction",
                chat.id,
                text=action,
                message_thread_id=thread_id,
                params=params,
                result=True,
            )
        )
        return True

    async def _m_getFile(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        file_id = str(params.get("file_id") or "")
        fake = self._files.get(file_id)
        if fake is None:
            raise _bad("invalid file_id")
        if len(fake.data) > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return fake.to_api()

    async def _m_getChat(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        info = chat.to_api()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        return info

    async def _m_getChatMember(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        user_id = _as_int(params.get("user_id"), "user_id")
        if chat.type == "private":
            if user_id not in (chat.id, self.bot_id):
                raise _bad("user not found")
            user = self.bot_user if user_id == self.bot_id else self._user(user_id)
            return _member_dict(user, "member")
        row = self._members.get(chat.id, {}).get(user_id)
        if row is not None:
            return row
        user = self.bot_user if user_id == self.bot_id else self._user(user_id)
        return _member_dict(user, "left")

    async def _m_createForumTopic(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        if not chat.is_forum:
            raise _bad("the chat is not a forum")
        status = self._bot_status(chat)
        if status["status"] not in ("administrator", "creator") or not status.get(
            "can_manage_topics", True
        ):
            raise _bad("not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not name.strip():
            raise _bad("TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            raise _bad("TOPIC_TITLE_TOO_LONG")
        icon_color = _opt_int(params, "icon_color")
        if icon_color is None:
            icon_color = TOPIC_ICON_COLORS[0]
        elif icon_color not in TOPIC_ICON_COLORS:
            raise _bad("TOPIC_ICON_COLOR_INVALID")
        thread_id = self._alloc_message_id(chat.id)
        topic = ForumTopic(
            chat.id,
            thread_id,
            name,
            icon_color,
            icon_custom_emoji_id=params.get("icon_custom_emoji_id") or None,
        )
        self._topics.setdefault(chat.id, {})[thread_id] = topic
        self._store_topic_service_message(chat, topic, self.bot_user)
        result = topic.to_api()
        self._record_sent(
            SentRecord(
                "createForumTopic",
                chat.id,
                text=name,
                message_thread_id=thread_id,
                message_id=thread_id,
                params=params,
                result=result,
            )
        )
        return result

    def _topic_for_update(self, params: JSONDict) -> tuple[FakeChat, ForumTopic]:
        chat = self._resolve_chat(params)
        self._check_can_send(chat)
        if not chat.is_forum:
            raise _bad("the chat is not a forum")
        thread_id = _opt_int(params, "message_thread_id")
        topic = self._topics.get(chat.id, {}).get(thread_id or 0)
        if topic is None or topic.is_deleted or topic.is_general:
            raise _bad("TOPIC_ID_INVALID")
        status = self._bot_status(chat)
        if status["status"] not in ("administrator", "creator") or not status.get(
            "can_manage_topics", True
        ):
            raise _bad("not enough rights to manage topics")
        return chat, topic

    def _record_topic(
        self, method: str, chat: FakeChat, topic: ForumTopic, params: JSONDict
    ) -> None:
        self._record_sent(
            SentRecord(
                method,
                chat.id,
                text=topic.name,
                message_thread_id=topic.message_thread_id,
                message_id=topic.message_thread_id,
                params=params,
                result=True,
            )
        )

    async def _m_editForumTopic(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, topic = self._topic_for_update(params)
        name = params.get("name")
        emoji = params.get("icon_custom_emoji_id")
        if name is not None and len(str(name)) > 128:
            raise _bad("TOPIC_TITLE_TOO_LONG")
        new_name = str(name) if name not in (None, "") else topic.name
        new_emoji = topic.icon_custom_emoji_id if emoji is None else (str(emoji) or None)
        if new_name == topic.name and new_emoji == topic.icon_custom_emoji_id:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic.name = new_name
        topic.icon_custom_emoji_id = new_emoji
        self._record_topic("editForumTopic", chat, topic, params)
        return True

    async def _m_closeForumTopic(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, topic = self._topic_for_update(params)
        if topic.is_closed:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic.is_closed = True
        self._record_topic("closeForumTopic", chat, topic, params)
        return True

    async def _m_reopenForumTopic(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, topic = self._topic_for_update(params)
        if not topic.is_closed:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic.is_closed = False
        self._record_topic("reopenForumTopic", chat, topic, params)
        return True

    async def _m_deleteForumTopic(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        chat, topic = self._topic_for_update(params)
        topic.is_deleted = True
        self._drop_topic_messages(chat.id, topic.message_thread_id)
        self._record_topic("deleteForumTopic", chat, topic, params)
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope")
        scope_obj = _as_json(scope, "scope") if scope not in (None, "") else {"type": "default"}
        return json.dumps(scope_obj, sort_keys=True), str(params.get("language_code") or "")

    async def _m_setMyCommands(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        commands = _as_json(params.get("commands") or "[]", "commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        self.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        self._record_sent(SentRecord("setMyCommands", None, params=params, result=True))
        return True

    async def _m_getMyCommands(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deleteMyCommands(self, params: JSONDict, uploads: dict[str, _Upload]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        self._record_sent(SentRecord("deleteMyCommands", None, params=params, result=True))
        return True


# ---------------------------------------------------------------------------------------------
# Module-level helpers
# ---------------------------------------------------------------------------------------------


@dataclass
class _WithDescription:
    result: Any
    description: str


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _method_set(methods: Iterable[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.lower() for m in methods)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [
        k
        for k in (
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        )
        if k in button
    ]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = str(button["callback_data"]).encode("utf-8")
        if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
        raise _bad("BUTTON_URL_INVALID")


def _envelope_error(
    code: int, description: str, parameters: JSONDict | None = None
) -> web.Response:
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _disconnected(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _drop_connection(request: web.Request) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.abort()
    # The handler is cancelled by aiohttp once it notices the lost connection.
    await asyncio.sleep(5)
    return web.Response(status=500)


async def _read_params(request: web.Request) -> tuple[JSONDict, dict[str, _Upload]]:
    params: JSONDict = dict(request.query)
    uploads: dict[str, _Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _bad("can't parse JSON request body") from None
        if isinstance(body, dict):
            params.update(body)
        return params, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
        else:
            params[key] = value
    return params, uploads
