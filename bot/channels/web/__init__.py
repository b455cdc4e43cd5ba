"""The web-chat channel (page, widget, websocket) served by Anju's own aiohttp server."""

from bot.channels.web.channel import WebChannel

__all__ = ["WebChannel"]
