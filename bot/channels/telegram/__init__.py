"""Telegram (python-telegram-bot v22): the owners' private chats and the staff groups."""

from __future__ import annotations

from bot.channels.base import Channel
from bot.channels.telegram.desk import TelegramStaffDesk
from bot.channels.telegram.owners import TelegramChannel
from bot.channels.telegram.runtime import TelegramRuntime
from bot.config import TelegramConfig


def build_telegram(config: TelegramConfig) -> list[Channel]:
    """The owners' channel, plus the staff desk when a staff group is configured."""
    runtime = TelegramRuntime(config)
    channels: list[Channel] = [TelegramChannel(runtime)]
    if config.staff_chat_id is not None or config.department_chats:
        channels.append(TelegramStaffDesk(runtime))
    return channels


__all__ = ["TelegramChannel", "TelegramRuntime", "TelegramStaffDesk", "build_telegram"]
