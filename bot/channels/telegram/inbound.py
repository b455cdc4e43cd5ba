"""Telegram updates → channel-neutral InboundMessage (SDK types stop here)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.messages import Attachment, Contact, InboundMessage

log = logging.getLogger(__name__)
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit


def message_text(message: Message) -> str | None:
    """The text or caption of a message."""
    return message.text if message.text is not None else message.caption


def attachments_of(message: Message) -> list[Attachment]:
    """Every attachment of a message, with what is needed to copy it to staff later."""
    origin = {"chat_id": message.chat_id, "message_id": message.message_id}
    found: list[Attachment] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        found.append(Attachment("photo", file_id=largest.file_id, size=largest.file_size,
                                extra=dict(origin)))
    if message.document:
        doc = message.document
        found.append(Attachment("document", file_id=doc.file_id, name=doc.file_name,
                                mime=doc.mime_type, size=doc.file_size, extra=dict(origin)))
    if message.voice:
        found.append(Attachment("voice", file_id=message.voice.file_id,
                                size=message.voice.file_size, extra=dict(origin)))
    if message.audio:
        found.append(Attachment("audio", file_id=message.audio.file_id, extra=dict(origin)))
    if message.video:
        found.append(Attachment("video", file_id=message.video.file_id, extra=dict(origin)))
    if message.sticker:
        found.append(Attachment("sticker", file_id=message.sticker.file_id,
                                extra={**origin, "emoji": message.sticker.emoji or ""}))
    if message.location:
        loc = message.location
        found.append(Attachment("location", extra={**origin, "latitude": loc.latitude,
                                                   "longitude": loc.longitude}))
    return found


async def download(bot: Bot, attachment: Attachment, files_dir: Path) -> Attachment:
    """Keeps a local copy of a photo or document (within the 20 MB Bot API limit)."""
    if attachment.kind not in ("photo", "document") or not attachment.file_id:
        return attachment
    if attachment.size is not None and attachment.size > MAX_DOWNLOAD:
        return attachment
    try:
        file = await bot.get_file(attachment.file_id)
        await asyncio.to_thread(files_dir.mkdir, parents=True, exist_ok=True)
        suffix = Path(file.file_path or "").suffix or ".bin"
        unique = file.file_unique_id or attachment.file_id[-16:]
        target = files_dir / f"{unique}{suffix}"
        await file.download_to_drive(target)
    except (TelegramError, OSError) as exc:
        log.warning("could not download %s: %s", attachment.kind, exc)
        return attachment
    return Attachment(**{**attachment.__dict__, "path": str(target)})


def to_inbound(
    message: Message,
    *,
    channel: str,
    attachments: tuple[Attachment, ...],
    staff: bool = False,
    edited: bool = False,
    text: str | None = None,
) -> InboundMessage:
    """The neutral message for one Telegram message (or a whole album)."""
    user = message.from_user
    contact = None
    if message.contact is not None:
        contact = Contact(
            phone=message.contact.phone_number,
            user_id=str(message.contact.user_id) if message.contact.user_id else None,
            name=message.contact.first_name,
        )
    thread = None
    if message.is_topic_message and message.message_thread_id:
        thread = str(message.message_thread_id)
    reply_to = None
    if message.reply_to_message is not None and not (
        thread and message.reply_to_message.message_id == message.message_thread_id
    ):
        reply_to = str(message.reply_to_message.message_id)
    external = f"{message.message_id}e{int(message.edit_date.timestamp())}" if (
        edited and message.edit_date) else str(message.message_id)
    return InboundMessage(
        channel=channel,
        chat_id=str(message.chat_id),
        user_id=str(user.id) if user else str(message.chat_id),
        text=text if text is not None else message_text(message),
        attachments=attachments,
        contact=contact,
        external_id=external,
        user_name=user.full_name if user else None,
        language_hint=user.language_code if user else None,
        chat_type=message.chat.type,
        thread_id=thread,
        reply_to=reply_to,
        edited=edited,
        staff=staff,
    )
