"""A running Anju (real App, real PTB) talking HTTP to the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import Pacing
from bot.channels.telegram import TelegramChannel, TelegramRuntime, TelegramStaffDesk
from bot.config import Config, SenderConfig, StoreConfig, TelegramConfig, WebConfig
from storage import roster
from storage.db import Store
from storage.models import Case
from tests.fakes import FakeTelegram, RateLimits, SentRecord
from tests.support import ROSTER

OWNER = 5001  # 张伟, 13800138001, 3栋1201 on the demo roster
STAFF_GROUP = -1001000
STAFFER = 7001
OUTSIDER = 7999
FAST = Pacing(per_second=1000)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error under our filterwarnings) when reading int retry_after."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@dataclass
class Live:
    """The running bot, the fake Telegram and helpers to talk as owner or staff."""

    app: App
    fake: FakeTelegram
    store: Store

    def mark(self) -> int:
        return len(self.fake.sent)

    async def owner_says(self, text: str | None = None, **kwargs: Any) -> int:
        since = self.mark()
        self.fake.inject_message(OWNER, OWNER, text, **kwargs)
        return since

    async def reply_to_owner(self, since: int, contains: str = "", timeout: float = 10) -> SentRecord:  # noqa: ASYNC109
        return await self.fake.wait_for(
            lambda r: r.chat_id == OWNER and contains in (r.text or ""), since=since,
            timeout=timeout,
        )

    async def in_staff(self, since: int, contains: str = "", timeout: float = 10,  # noqa: ASYNC109
                       **match: Any) -> SentRecord:
        return await self.fake.wait_for(
            lambda r: r.chat_id == STAFF_GROUP and contains in (r.text or ""), since=since,
            timeout=timeout, **match,
        )

    async def case(self, number: str | None = None) -> Case:
        from sqlalchemy import select

        async with self.store.transaction() as session:
            stmt = select(Case).order_by(Case.id.desc())
            if number:
                stmt = stmt.where(Case.number == number)
            found = await session.scalar(stmt.limit(1))
            assert found is not None
            return found


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:  # noqa: ASYNC109
    """Waits until `check()` is true (the bot works concurrently with the test)."""
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


def telegram_config(fake: FakeTelegram, tmp_path: Path, **extra: Any) -> Config:
    values: dict[str, Any] = {"staff_chat_id": STAFF_GROUP, **extra}
    tg = TelegramConfig(
        token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
        files_dir=str(tmp_path / "files"), **values,
    )
    return Config(
        telegram=tg,
        store=StoreConfig(url="sqlite://", migrate_on_start=False),
        sender=SenderConfig(poll_seconds=0.05),
        web=WebConfig(host="127.0.0.1", port=0),
    )


async def start_app(config: Config, store: Store) -> App:
    assert config.telegram is not None
    runtime = TelegramRuntime(config.telegram)
    channels = [TelegramChannel(runtime, FAST), TelegramStaffDesk(runtime, FAST)]
    app = App(config, channels=channels, store=store)
    async with store.transaction() as session:
        parsed = roster.parse(roster.read_rows(ROSTER))
        await roster.upsert(session, parsed.records, app.clock.now())
    await app.start()
    return app


@pytest.fixture
async def live(store: Store, fake_telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[Live]:
    fake = fake_telegram
    fake.rate_limits = RateLimits.disabled()
    fake.add_user(OWNER, first_name="伟", last_name="张", language_code="zh-hans")
    fake.add_group(STAFF_GROUP, "安居客服中心", is_forum=True)
    fake.add_user(STAFFER, first_name="客服小王")
    fake.set_member(STAFF_GROUP, STAFFER, "member")
    fake.add_user(OUTSIDER, first_name="路人")
    app = await start_app(telegram_config(fake, tmp_path), store)
    try:
        yield Live(app, fake, store)
    finally:
        await app.stop()
