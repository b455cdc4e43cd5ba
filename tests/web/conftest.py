"""A running Anju with the web channel on a free port, over the parametrized test store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.web import WebChannel
from bot.config import Config, SenderConfig, WebConfig
from bot.messages import Attachment
from handlers.casework import staff_reply
from storage import roster
from storage.db import Store
from storage.models import InboundMessage, Outbox
from storage.repos.cases import CaseRepo
from tests.support import ROSTER

SECRET = "web-test-secret"


@dataclass
class WebLive:
    """The running app, its web channel and its base URL."""

    app: App
    channel: WebChannel
    base: str

    async def staff_replies(self, number: str, text: str,
                            attachments: tuple[Attachment, ...] = ()) -> None:
        """A staffer answers the case (as the Telegram staff desk would) and the sender wakes."""
        async with self.app.store.transaction() as session:
            case = await CaseRepo(session).by_number(number)
            assert case is not None, number
            await staff_reply(session, case, text, actor="staff:test", now=self.app.clock.now(),
                              attachments=attachments)
        self.app.sender.notify()


@pytest.fixture
async def live(store: Store, tmp_path: Path) -> AsyncIterator[WebLive]:
    web = WebConfig(port=0, secret=SECRET)  # type: ignore[arg-type]
    config = Config(web=web, sender=SenderConfig(poll_seconds=0.1))
    channel = WebChannel(web, secret_path=tmp_path / "secret", uploads=tmp_path / "uploads")
    app = App(config, channels=[channel], store=store)
    async with store.transaction() as session:
        parsed = roster.parse(roster.read_rows(ROSTER))
        await roster.upsert(session, parsed.records, app.clock.now())
    await app.start()
    try:
        yield WebLive(app, channel, f"http://127.0.0.1:{app.http.port}")
    finally:
        await app.stop()


async def seed_history(live: WebLive, sid: str, total: int, label: str) -> None:
    """`total` old messages in the session's transcript, owner and bot in turn, labelled
    ``label.format(n)`` in order (for paging tests)."""
    start = live.app.clock.now() - timedelta(days=3)
    async with live.app.store.transaction() as session:
        for n in range(total):
            at = start + timedelta(minutes=n)
            if n % 2 == 0:
                session.add(InboundMessage(channel="web", chat_id=sid, user_id=sid,
                                           text=label.format(n), payload={}, received_at=at))
            else:
                session.add(Outbox(channel="web", chat_id=sid, payload={"text": label.format(n)},
                                   status="sent", not_before=at, created_at=at, sent_at=at))
