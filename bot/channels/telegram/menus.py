"""The command menus Telegram shows beside the text field: owners' commands in private chats
(Chinese by default, English for users whose Telegram speaks English), staff commands in the
staff groups. Published once at start; a failure is logged, never fatal."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from handlers.i18n import Texts

log = logging.getLogger(__name__)

OWNER_COMMANDS = ("start", "mycases", "progress", "cancel", "help", "lang", "subscribe",
                  "unsubscribe")
STAFF_COMMANDS = ("claim", "progress", "resolve", "reopen", "assign", "note", "case", "verify",
                  "report", "milestone", "help")


def menu(lang: str, names: tuple[str, ...], section: str) -> list[BotCommand]:
    t = Texts(lang)
    return [BotCommand(name, t(f"{section}.{name}")) for name in names]


async def publish(bot: Bot) -> None:
    """setMyCommands for private chats (zh as the default, en) and for group chats (staff)."""
    try:
        private = BotCommandScopeAllPrivateChats()
        await bot.set_my_commands(menu("zh", OWNER_COMMANDS, "menu_owner"), scope=private)
        await bot.set_my_commands(menu("en", OWNER_COMMANDS, "menu_owner"), scope=private,
                                  language_code="en")
        await bot.set_my_commands(menu("zh", STAFF_COMMANDS, "menu_staff"),
                                  scope=BotCommandScopeAllGroupChats())
    except TelegramError as exc:
        log.warning("could not publish the command menus: %s", exc)
