"""Which channels `anju run` opens, chosen by the configuration."""

from __future__ import annotations

from bot.channels.base import Channel
from bot.config import Config


def build_channels(config: Config) -> list[Channel]:
    """The channels the configuration asks for (Telegram and web chat plug in here)."""
    channels: list[Channel] = []
    if config.web.enabled:
        from bot.channels.web import WebChannel

        channels.append(WebChannel(config.web))
    if config.telegram is not None and config.telegram.token is not None:
        from bot.channels.telegram import build_telegram

        channels.extend(build_telegram(config.telegram))
    return channels
