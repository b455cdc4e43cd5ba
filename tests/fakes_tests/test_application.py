"""A full PTB ``Application`` polling the fake server."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import FakeTelegram

USER = 5151
FORUM = -1005151515151


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "您好！请选择：",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("买房", callback_data="buy")]]),
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    await update.effective_message.reply_html(f"收到：<b>{html.escape(text)}</b>")


async def raw_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buggy on purpose: user text goes into HTML unescaped."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(f"<b>{' '.join(context.args or [])}</b>")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("OK")
    await query.edit_message_text(f"选择了 {query.data}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    file = await message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await message.reply_text(f"photo bytes: {len(data)}")


@pytest_asyncio.fixture
async def app(fake_telegram: FakeTelegram) -> AsyncIterator[Application]:
    tg = fake_telegram
    application = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("raw", raw_echo))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    # The poll timeout does not slow tests down: updater.stop() cancels the pending poll.
    await application.updater.start_polling(poll_interval=0, timeout=3)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_polling_conversation(
    app: Application,
    fake_telegram: FakeTelegram,
) -> None:
    tg = fake_telegram
    tg.inject_message(USER, USER, "/start", first_name="小明", language_code="zh-hans")
    greeting = await tg.wait_for(method="sendMessage", chat_id=USER, timeout=3)
    assert greeting.text == "您好！请选择："
    assert greeting.reply_markup is not None
    # PTB quotes (reply_to_message) only outside private chats by default.
    assert "reply_to_message" not in greeting.result

    tg.inject_callback(USER, USER, "buy", greeting.message_id or 0)
    answer = await tg.wait_for(method="answerCallbackQuery", timeout=3)
    assert answer.text == "OK"
    edit = await tg.wait_for(method="editMessageText", timeout=3)
    assert edit.text == "选择了 buy"
    assert edit.message_id == greeting.message_id

    tg.inject_message(USER, USER, "三室 <一厅> & 车位")
    reply = await tg.wait_for(lambda r: r.parse_mode == "HTML", method="sendMessage", timeout=3)
    assert reply.text == "收到：<b>三室 &lt;一厅&gt; &amp; 车位</b>"
    assert reply.rendered_text == "收到：三室 <一厅> & 车位"
    assert tg.errors == []


async def test_handler_errors_are_visible(
    app: Application,
    fake_telegram: FakeTelegram,
) -> None:
    tg = fake_telegram
    tg.inject_message(USER, USER, "/raw a < b")
    error = await tg.wait_for_error(method="sendMessage", timeout=3)
    assert error.error_code == 400
    assert error.description.startswith("Bad Request: can't parse entities")


async def test_photo_download_inside_handler(
    app: Application,
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.inject_message(USER, USER, photo=b"0123456789")
    reply = await fake_telegram.wait_for(method="sendMessage", timeout=3)
    assert reply.text == "photo bytes: 10"


async def test_updates_arrive_promptly_and_are_confirmed(
    app: Application,
    fake_telegram: FakeTelegram,
) -> None:
    tg = fake_telegram
    loop = asyncio.get_running_loop()
    for i in range(3):
        started = loop.time()
        tg.inject_message(USER + i, USER + i, f"msg {i}")
        await tg.wait_for(method="sendMessage", chat_id=USER + i, timeout=3)
        assert loop.time() - started < 1.5  # woken by injection, not by the 3 s poll timeout
    # Wait for the next poll to confirm the offset; the queue then drains.
    for _ in range(50):
        if not tg.pending_updates:
            break
        await asyncio.sleep(0.05)
    assert tg.pending_updates == []


async def test_forum_topic_flow(
    app: Application,
    fake_telegram: FakeTelegram,
) -> None:
    tg = fake_telegram
    tg.add_group(FORUM, "安居 intake", is_forum=True)
    topic = await app.bot.create_forum_topic(FORUM, "客户 小明")
    tg.inject_message(FORUM, USER, "hello from topic", message_thread_id=topic.message_thread_id)
    reply = await tg.wait_for(method="sendMessage", chat_id=FORUM, timeout=3)
    # Message.reply_* in PTB keeps the thread: the reply lands in the same topic.
    assert reply.message_thread_id == topic.message_thread_id


async def test_clean_shutdown_leaves_no_errors(fake_telegram: FakeTelegram) -> None:
    tg = fake_telegram
    application = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        tg.inject_message(USER, USER, "ping")
        await tg.wait_for(method="sendMessage", timeout=3)
        await application.updater.stop()
        await application.stop()
    methods = {c.method for c in tg.calls}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert tg.errors == []
    assert tg.pending_updates == []  # the final getUpdates(offset=...) confirmed everything
