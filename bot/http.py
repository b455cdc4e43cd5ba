"""Anju's own aiohttp server: web chat, Telegram webhook, /healthz and /metrics share it."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


class HttpServer:
    """One aiohttp application on one port; channels add their routes before it starts."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=25 * 1024 * 1024)
        self._runner: web.AppRunner | None = None

    @property
    def has_routes(self) -> bool:
        return len(self.app.router.routes()) > 0

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]  # port 0 → the one the OS chose
        log.info("HTTP server on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
