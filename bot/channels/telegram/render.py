"""Text and keyboard rendering for the Bot API, and PTB errors mapped to the sender's errors.

Texts are sent without a parse mode: Telegram then never parses entities, so no owner input,
name or case description can cause a "can't parse entities" error."""

from __future__ import annotations

import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError
from telegram.error import RetryAfter as TgRetryAfter

from bot.channels.base import Outgoing, Rejected, RetryAfter, SendError, Transient, Unreachable

TEXT_LIMIT = 4096
# C0/C1 control characters except tab and newline: Telegram drops or rejects them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def clean(text: str) -> str:
    """Removes control characters; an empty result becomes a visible placeholder."""
    cleaned = _CONTROL.sub("", text).replace("\r\n", "\n")
    return cleaned if cleaned.strip() else "…"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Splits `text` into chunks of at most `limit` UTF-16 units, preferring line breaks."""
    text = clean(text)
    chunks: list[str] = []
    while utf16_len(text) > limit:
        cut = _fit(text, limit)
        newline = text.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline + 1
        head, text = text[:cut].rstrip("\n"), text[cut:]
        if head.strip():
            chunks.append(head)
    if text.strip():
        chunks.append(text)
    return chunks or ["…"]


def _fit(text: str, limit: int) -> int:
    """The largest prefix length (in characters) whose UTF-16 length is within `limit`."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def markup(message: Outgoing, contact_label: str | None = None) -> (
    InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
):
    """Inline keyboard for buttons; a one-time "share my phone number" keyboard on request."""
    if message.payload.get("request_contact"):
        label = contact_label or "📱"
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    rows = [
        [InlineKeyboardButton(clean(b.label)[:64], callback_data=b.data) for b in row]
        for row in message.buttons
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def map_error(exc: TelegramError) -> SendError:
    """The sender's view of a Bot API failure (what to retry, what never to retry)."""
    if isinstance(exc, TgRetryAfter):
        seconds = exc.retry_after
        value = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
        return RetryAfter(value, str(exc))
    if isinstance(exc, Forbidden):
        return Unreachable(str(exc))
    if isinstance(exc, ChatMigrated):
        return Transient(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return Unreachable(str(exc))
        return Rejected(str(exc))
    if isinstance(exc, NetworkError):  # includes TimedOut
        return Transient(str(exc))
    return Transient(str(exc))
