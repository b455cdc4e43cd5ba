"""The composition root: builds the store, engine, channels, sender and scheduler from config."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import nlp
from bot.channels.base import Channel
from bot.channels.staff_log import LogStaffDesk
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.http import HttpServer
from bot.ops import install_ops
from bot.reports.schedule import install as install_reports
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.timers import install as install_timers
from handlers import milestones
from storage.db import Store

log = logging.getLogger(__name__)


class App:
    """Everything `anju run` and `anju chat` need, wired once; nothing happens at import."""

    def __init__(
        self,
        config: Config,
        *,
        channels: Sequence[Channel] = (),
        clock: Clock | None = None,
        store: Store | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = store or Store.from_url(config.store.url)
        self.channels: dict[str, Channel] = {c.name: c for c in channels}
        self.channels.setdefault("staff", LogStaffDesk())
        for channel in self.channels.values():
            bind_store = getattr(channel, "bind_store", None)  # channels that keep delivery ids
            if bind_store is not None:
                bind_store(self.store)
        self.sender = Sender(self.store, self.channels, self.clock, config.sender)
        self.dispatcher = Dispatcher(self.store, config, self.clock, on_outbox=self.sender.notify)
        self.scheduler = Scheduler(self.store, self.clock, config.scheduler)
        self.scheduler.after_job = self.sender.notify
        install_timers(self)  # greetings, SLA watch, surveys, notices, business hours
        install_reports(self)  # the monthly report to the staff desk on the 1st
        self.scheduler.register(milestones.REPORT_KIND, milestones.report_job)  # broadcast reports
        self.http = HttpServer(config.web.host, config.web.port)
        install_ops(self)
        self.stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Migrates the store, starts the loops, then opens the channels."""
        if self.config.store.migrate_on_start:
            await self.store.upgrade()
        nlp.configure(routing=dict(self.config.routing) or None)
        self._tasks = [
            asyncio.create_task(self.sender.run(self.stopping), name="sender"),
            asyncio.create_task(self.scheduler.run(self.stopping), name="scheduler"),
        ]
        for channel in self.channels.values():
            channel.add_routes(self.http.app)
        if self.http.has_routes:
            await self.http.start()
        for channel in self.channels.values():
            await channel.start(self.dispatcher.dispatch)
        log.info("Anju started: channels %s, store %s", ", ".join(self.channels), self.store.dialect)

    async def stop(self) -> None:
        """Lets the loops finish their current row first (a send in flight completes and is
        marked), then closes the channels and the HTTP server, then the store. Input that
        arrives meanwhile is still stored; its answers wait in the outbox for the next start."""
        self.stopping.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in self._tasks:
            task.cancel()
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.stop()
        await self.http.stop()
        await self.store.close()
        log.info("Anju stopped")

    async def __aenter__(self) -> App:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
