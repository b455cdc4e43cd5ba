"""Webhook, groups without topics, supergroup migration, flood control, albums and edits."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from storage.db import Store
from storage.models import InboundMessage
from tests.fakes import FakeTelegram, RateLimits
from tests.telegram.conftest import (
    OWNER,
    STAFF_GROUP,
    STAFFER,
    Live,
    eventually,
    start_app,
    telegram_config,
)


async def inbound_count(store: Store) -> int:
    async with store.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundMessage)) or 0)


async def test_webhook_refuses_a_wrong_secret_and_stores_before_answering(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake_telegram.rate_limits = RateLimits.disabled()
    fake_telegram.add_user(OWNER)
    config = telegram_config(fake_telegram, tmp_path, mode="webhook", webhook_secret="s3cret")
    app = await start_app(config, store)
    try:
        url = f"http://127.0.0.1:{app.http.port}/telegram/webhook"
        update = fake_telegram.build_update("message", chat_id=OWNER, user_id=OWNER, text="/start")
        async with aiohttp.ClientSession() as http:
            for secret in ("wrong", "", "s3cre"):
                async with http.post(url, json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
                    assert r.status == 403
            assert await inbound_count(store) == 0
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as r:
                assert r.status == 200
            assert await inbound_count(store) == 1  # stored before the 200
        await fake_telegram.wait_for(lambda r: r.chat_id == OWNER, timeout=10)
    finally:
        await app.stop()


async def test_in_a_group_without_topics_replies_to_the_card_form_the_thread(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    fake.rate_limits = RateLimits.disabled()
    group = -1002000
    fake.add_user(OWNER)
    fake.add_group(group, "客服群", is_forum=False)
    fake.add_user(STAFFER)
    fake.set_member(group, STAFFER, "member")
    app = await start_app(telegram_config(fake, tmp_path, staff_chat_id=group), store)
    live = Live(app, fake, store)
    try:
        since = await live.owner_says(contact="+86 138 0013 8001")
        await live.reply_to_owner(since, "张伟")
        since = await live.owner_says("厨房燃气泄漏了，味道很大！")
        card = await fake.wait_for(lambda r: r.chat_id == group and "紧急工单" in (r.text or ""),
                                   since=since, timeout=10)
        assert card.message_thread_id is None
        assert not [r for r in fake.sent if r.method == "createForumTopic"]

        async def recorded() -> bool:
            return (await live.case()).staff_message_id == str(card.message_id)

        await eventually(recorded)
        since = live.mark()
        fake.inject_message(group, STAFFER, "师傅马上到", reply_to_message_id=card.message_id)
        await live.reply_to_owner(since, "师傅马上到")
        since = await live.owner_says("好的谢谢")
        copied = await fake.wait_for(lambda r: r.chat_id == group and "好的谢谢" in (r.text or ""),
                                     since=since, timeout=10)
        assert f'"message_id": {card.message_id}' in str(copied.params.get("reply_parameters"))
    finally:
        await app.stop()


async def test_a_staff_group_upgraded_to_a_supergroup_is_followed(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    fake.rate_limits = RateLimits.disabled()
    old, new = -3000, -1003000
    fake.add_user(OWNER)
    fake.add_group(old, "客服群", chat_type="group")
    app = await start_app(telegram_config(fake, tmp_path, staff_chat_id=old), store)
    live = Live(app, fake, store)
    try:
        fake.inject_migration(old, new)
        since = await live.owner_says("厨房燃气泄漏了，味道很大！")
        card = await fake.wait_for(lambda r: "紧急工单" in (r.text or ""), since=since, timeout=10)
        assert card.chat_id == new
    finally:
        await app.stop()


async def test_flood_control_retry_after_is_obeyed(live: Live) -> None:
    live.fake.fail_next(1, error_code=429, retry_after=1, methods={"sendMessage"})
    since = await live.owner_says("/start")
    error = await live.fake.wait_for_error(error_code=429)
    reply = await live.reply_to_owner(since)
    assert reply.timestamp - error.timestamp >= 0.9


async def test_an_album_is_handled_as_one_message(live: Live) -> None:
    since = await live.owner_says(photo=True, media_group_id="album-1")
    await live.owner_says(photo=True, media_group_id="album-1")
    await live.owner_says(photo=True, media_group_id="album-1")
    await live.reply_to_owner(since)
    marker = await live.owner_says("/help")
    await live.reply_to_owner(marker)
    answers = [r for r in live.fake.sent[since:marker] if r.chat_id == OWNER]
    assert len(answers) == 1
    async with live.store.transaction() as session:
        rows = (await session.scalars(select(InboundMessage))).all()
    albums = [r for r in rows if r.payload.get("attachments")]
    assert len(albums) == 1 and len(albums[0].payload["attachments"]) == 3


async def test_edits_and_voice_notes_on_an_open_case_reach_the_topic(live: Live) -> None:
    since = await live.owner_says(contact="+86 138 0013 8001")
    await live.reply_to_owner(since, "张伟")
    since = await live.owner_says("厨房燃气泄漏了，味道很大！")
    card = await live.in_staff(since, "紧急工单")
    message = live.fake.inject_message(OWNER, OWNER, "阀门已经关了，还要做什么？")["message"]
    await live.in_staff(since, "阀门已经关了")
    since = live.mark()
    live.fake.inject_edited_message(OWNER, OWNER, message["message_id"], "阀门已经关上了")
    edited = await live.in_staff(since, "阀门已经关上了")
    assert edited.message_thread_id == card.message_thread_id
    since = await live.owner_says(voice=b"OggS voice")
    await live.reply_to_owner(since)
    copy = await live.fake.wait_for(method="copyMessage", since=since, timeout=10)
    assert copy.chat_id == STAFF_GROUP and copy.message_thread_id == card.message_thread_id


async def polling_app(store: Store, fake: FakeTelegram, tmp_path: Path) -> tuple[Any, Any, Any]:
    """A running app in polling mode, its Telegram runtime and the runtime's real dispatch."""
    fake.rate_limits = RateLimits.disabled()
    fake.add_user(OWNER)
    app = await start_app(telegram_config(fake, tmp_path), store)
    runtime = app.channels["telegram"].runtime  # type: ignore[attr-defined]
    return app, runtime, runtime.dispatch


async def test_polling_confirms_an_update_only_after_it_is_stored(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """A crash between fetching and storing must leave the update with Telegram: the offset
    that confirms it is sent only after dispatch committed."""
    fake = fake_telegram
    app, runtime, stored = await polling_app(store, fake, tmp_path)
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def slow_store(message: Any) -> Any:
        entered.set()
        await gate.wait()
        return await stored(message)

    runtime.dispatch = slow_store
    try:
        fake.inject_message(OWNER, OWNER, "卫生间漏水了")
        await asyncio.wait_for(entered.wait(), 10)
        await asyncio.sleep(0.3)  # time enough for PTB's Updater to have confirmed it already
        assert [u["message"]["text"] for u in fake.pending_updates] == ["卫生间漏水了"]
        assert await inbound_count(store) == 0
        gate.set()
        await fake.wait_for(lambda r: r.chat_id == OWNER, timeout=10)
        await eventually(lambda: _confirmed(fake))
        assert await inbound_count(store) == 1
    finally:
        gate.set()
        await app.stop()


async def _confirmed(fake: FakeTelegram) -> bool:
    return fake.pending_updates == []


async def test_an_update_that_always_fails_is_set_aside_and_the_rest_go_on(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    app, runtime, stored = await polling_app(store, fake, tmp_path)

    async def picky(message: Any) -> Any:
        if message.text == "坏消息":
            raise ValueError("cannot be handled")
        return await stored(message)

    runtime.dispatch = picky
    try:
        fake.inject_message(OWNER, OWNER, "坏消息")
        fake.inject_message(OWNER, OWNER, "/start")
        await fake.wait_for(lambda r: r.chat_id == OWNER, timeout=10)
        await eventually(lambda: _confirmed(fake))
        letters = (tmp_path / "files" / "dead-letters.jsonl").read_text(encoding="utf-8")
        assert "坏消息" in letters and "ValueError" in letters
        assert len(letters.splitlines()) == 1
    finally:
        await app.stop()


async def test_command_menus_are_published_for_owners_in_two_languages_and_for_staff(
    live: Live,
) -> None:
    def names(scope: str, lang: str = "") -> list[str]:
        key = (json.dumps({"type": scope}, sort_keys=True), lang)
        return [c["command"] for c in live.fake.commands.get(key, [])]

    assert {"start", "mycases", "cancel", "help"} <= set(names("all_private_chats"))
    assert names("all_private_chats", "en") == names("all_private_chats")
    assert {"claim", "resolve", "verify", "report"} <= set(names("all_group_chats"))
    zh = live.fake.commands[(json.dumps({"type": "all_private_chats"}), "")]
    assert next(c for c in zh if c["command"] == "mycases")["description"] == "我的工单"


async def test_healthz_shows_telegram_down_while_polling_fails_and_up_again(
    store: Store, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    app, runtime, _ = await polling_app(store, fake, tmp_path)
    runtime.poll_backoff = 0.05
    url = f"http://127.0.0.1:{app.http.port}/healthz"

    async def telegram_is(state: str, http: aiohttp.ClientSession) -> bool:
        async with http.get(url) as response:
            report = await response.json()
            return bool(report["channels"]["telegram"] == state
                        and (response.status == 200) == (state == "up"))

    try:
        async with aiohttp.ClientSession() as http:
            assert await telegram_is("up", http)
            fake.fail_next(6, error_code=502, methods={"getUpdates"})
            fake.inject_message(OWNER, OWNER, "/start")  # ends the current long poll
            await eventually(lambda: telegram_is("down", http), timeout=10)
            fake.inject_message(OWNER, OWNER, "/help")  # the first good poll returns at once
            await eventually(lambda: telegram_is("up", http), timeout=20)
    finally:
        await app.stop()
