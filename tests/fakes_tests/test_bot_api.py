"""The fake server driven by the real python-telegram-bot ``Bot`` over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import time

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tests.fakes import FakeTelegram

USER = 4242
GROUP = -1001234567890
FORUM = -1009876543210


def keyboard(data: str = "ok") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data=data)]])


async def test_get_me(bot: Bot, tg: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.id == tg.bot_id
    assert me.is_bot
    assert me.username == "anju_test_bot"


async def test_send_message_is_recorded_and_parsed(bot: Bot, tg: FakeTelegram) -> None:
    first = await bot.send_message(USER, "<b>欢迎</b> to Anju", parse_mode=ParseMode.HTML)
    second = await bot.send_message(USER, "second", reply_markup=keyboard("menu:1"))
    other = await bot.send_message(USER + 1, "other chat")

    assert first.text == "欢迎 to Anju"
    assert first.entities[0].type == "bold"
    assert first.entities[0].length == 2
    assert first.chat.id == USER
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.id == tg.bot_id
    assert second.message_id == first.message_id + 1
    assert other.message_id == 1
    assert second.reply_markup == keyboard("menu:1")
    assert isinstance(first.date, dtm.datetime)

    assert [r.method for r in tg.sent] == ["sendMessage"] * 3
    record = tg.sent[0]
    assert record.chat_id == USER
    assert record.text == "<b>欢迎</b> to Anju"
    assert record.rendered_text == "欢迎 to Anju"
    assert record.parse_mode == "HTML"
    assert record.message_id == first.message_id
    assert tg.sent[1].reply_markup == {
        "inline_keyboard": [[{"text": "OK", "callback_data": "menu:1"}]]
    }
    assert tg.errors == []
    assert [c.method for c in tg.calls][-3:] == ["sendMessage"] * 3


async def test_reply_to_message(bot: Bot, tg: FakeTelegram) -> None:
    incoming = tg.inject_message(USER, USER, "hello")["message"]
    reply = await bot.send_message(USER, "hi!", reply_to_message_id=incoming["message_id"])
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "hello"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER, "hi!", reply_to_message_id=999)


async def test_markdown_v2_send(bot: Bot, tg: FakeTelegram) -> None:
    msg = await bot.send_message(USER, "*房源* 1\\.5万", parse_mode=ParseMode.MARKDOWN_V2)
    assert msg.text == "房源 1.5万"
    with pytest.raises(BadRequest, match=r"Can't parse entities: character '\.' is reserved"):
        await bot.send_message(USER, "*房源* 1.5万", parse_mode=ParseMode.MARKDOWN_V2)
    assert tg.errors[-1].description.startswith("Bad Request: can't parse entities: Character")


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "<div>x</div>", "1 < 2", "Tom & Jerry", "<b>x</i>"],
)
async def test_html_parse_errors(bot: Bot, tg: FakeTelegram, text: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert tg.errors[-1].error_code == 400
    assert tg.sent == []


async def test_text_length_limits_count_utf16(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(USER, "安" * 4096)
    await bot.send_message(USER, "🏠" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "🏠" * 2048 + "x")
    # Markup does not count: only the visible text is measured.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    assert tg.errors[0].description == "Bad Request: message is too long"


async def test_caption_too_long(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_photo(USER, b"jpeg", caption="x" * 1024)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, b"jpeg", caption="x" * 1025)
    assert tg.errors[-1].description == "Bad Request: message caption is too long"


async def test_callback_data_limit(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=keyboard("房" * 22))  # 66 bytes
    assert tg.errors[-1].description == "Bad Request: BUTTON_DATA_INVALID"


async def test_blocked_user_is_forbidden(bot: Bot, tg: FakeTelegram) -> None:
    tg.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello")
    assert tg.errors[-1].error_code == 403
    tg.unblock(USER)
    await bot.send_message(USER, "hello again")


async def test_chat_not_found(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(GROUP, "hello group")
    strict = FakeTelegram(auto_private_chats=False)
    async with (
        strict,
        Bot(strict.token, base_url=strict.base_url) as strict_bot,
    ):
        with pytest.raises(BadRequest, match="Chat not found"):
            await strict_bot.send_message(USER, "hi")
        strict.add_user(USER, first_name="Li")
        msg = await strict_bot.send_message(USER, "hi")
        assert msg.chat.first_name == "Li"


async def test_group_membership_errors(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Sales", bot_status="left")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(GROUP, "hi")
    tg.set_member(GROUP, tg.bot_id, "kicked")
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP, "hi")
    tg.set_member(GROUP, tg.bot_id, "member")
    msg = await bot.send_message(GROUP, "hi")
    assert msg.chat.title == "Sales"
    assert msg.chat.type == "supergroup"


async def test_migrated_group(bot: Bot, tg: FakeTelegram) -> None:
    old_id, new_id = -4001, -1004001
    tg.add_group(old_id, "Old", chat_type="group")
    updates = tg.inject_migration(old_id, new_id)
    assert updates[0]["message"]["migrate_to_chat_id"] == new_id
    assert updates[1]["message"]["migrate_from_chat_id"] == old_id
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(old_id, "hi")
    assert info.value.new_chat_id == new_id
    assert tg.errors[-1].parameters == {"migrate_to_chat_id": new_id}
    msg = await bot.send_message(new_id, "hi")
    assert msg.chat.type == "supergroup"


async def test_forum_topics(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(FORUM, "Intake desk", is_forum=True)
    topic = await bot.create_forum_topic(FORUM, "客户 #1024", icon_color=16766590)
    assert topic.name == "客户 #1024"
    assert topic.icon_color == 16766590
    thread = topic.message_thread_id
    assert thread > 1
    assert tg.topics[FORUM][thread].name == "客户 #1024"

    msg = await bot.send_message(FORUM, "new lead", message_thread_id=thread)
    assert msg.message_thread_id == thread
    assert msg.is_topic_message
    assert msg.message_id > thread
    assert tg.sent[-1].message_thread_id == thread
    general = await bot.send_message(FORUM, "to General")
    assert general.message_thread_id is None

    assert await bot.edit_forum_topic(FORUM, thread, name="客户 #1024 (closed)")
    assert await bot.close_forum_topic(FORUM, thread)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(FORUM, thread)
    assert await bot.reopen_forum_topic(FORUM, thread)
    assert await bot.delete_forum_topic(FORUM, thread)
    assert tg.topics[FORUM][thread].is_deleted

    methods = [r.method for r in tg.sent]
    assert methods == [
        "createForumTopic",
        "sendMessage",
        "sendMessage",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
    ]


async def test_message_thread_not_found(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(FORUM, "Intake desk", is_forum=True)
    topic = tg.add_topic(FORUM, "Lead")
    await bot.send_message(FORUM, "ok", message_thread_id=topic.message_thread_id)
    tg.delete_topic(FORUM, topic.message_thread_id)
    for thread_id in (topic.message_thread_id, 999, 1):  # deleted, unknown, General
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(FORUM, "x", message_thread_id=thread_id)


async def test_create_topic_in_non_forum(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Plain group")
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(GROUP, "topic")
    assert tg.errors[-1].description == "Bad Request: the chat is not a forum"


async def test_photo_upload_get_file_and_download(bot: Bot, tg: FakeTelegram) -> None:
    data = b"\x89PNG\r\n fake image bytes"
    msg = await bot.send_photo(
        USER, io.BytesIO(data), caption="<i>floor plan</i>", parse_mode="HTML"
    )
    assert msg.caption == "floor plan"
    assert msg.caption_entities[0].type == "italic"
    largest = msg.photo[-1]
    file = await bot.get_file(largest.file_id)
    assert file.file_size == len(data)
    assert file.file_path is not None
    assert file.file_path.startswith(tg.base_file_url)
    assert bytes(await file.download_as_bytearray()) == data
    record = tg.sent[-1]
    assert record.method == "sendPhoto"
    assert record.caption == "<i>floor plan</i>"
    assert tg.get_file_data(largest.file_id) == data

    # Re-sending by file_id works, unknown ids are rejected like Telegram.
    again = await bot.send_photo(USER, largest.file_id)
    assert again.photo[-1].file_id == largest.file_id
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER, "nonexistent-file-id")


async def test_registered_file_download_to_memory(bot: Bot, tg: FakeTelegram) -> None:
    tg.register_file("doc-1", b"%PDF-1.7 contract", "documents/contract.pdf")
    file = await bot.get_file("doc-1")
    out = io.BytesIO()
    await file.download_to_memory(out)
    assert out.getvalue() == b"%PDF-1.7 contract"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("missing")


async def test_incoming_media_is_downloadable(bot: Bot, tg: FakeTelegram) -> None:
    update = tg.inject_message(
        USER, USER, photo=b"user-photo", caption="my ID card", username="li_lei"
    )
    file_id = update["message"]["photo"][-1]["file_id"]
    file = await bot.get_file(file_id)
    assert bytes(await file.download_as_bytearray()) == b"user-photo"


async def test_document_media_group_copy_forward(bot: Bot, tg: FakeTelegram) -> None:
    doc = await bot.send_document(USER, b"a,b\n1,2\n", filename="leads.csv", caption="export")
    assert doc.document is not None
    assert doc.document.file_name == "leads.csv"
    album = await bot.send_media_group(
        USER,
        [
            InputMediaPhoto(b"one", caption="room 1"),
            InputMediaPhoto(b"two", caption="room 2"),
        ],
    )
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id
    assert album[1].caption == "room 2"
    assert [r.method for r in tg.sent[-2:]] == ["sendMediaGroup"] * 2

    incoming = tg.inject_message(USER, USER, "copy me")["message"]
    tg.add_group(GROUP, "Agents")
    copied = await bot.copy_message(GROUP, USER, incoming["message_id"])
    assert tg.get_message(GROUP, copied.message_id)["text"] == "copy me"  # type: ignore[index]
    forwarded = await bot.forward_message(GROUP, USER, incoming["message_id"])
    assert forwarded.text == "copy me"
    assert forwarded.forward_origin is not None
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(GROUP, USER, 12345)


async def test_edit_and_delete(bot: Bot, tg: FakeTelegram) -> None:
    msg = await bot.send_message(USER, "v1", reply_markup=keyboard())
    edited = await bot.edit_message_text("v2", USER, msg.message_id, reply_markup=keyboard())
    assert isinstance(edited, object)
    assert edited.text == "v2"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("v2", USER, msg.message_id, reply_markup=keyboard())
    # Editing text without reply_markup drops the keyboard, like Telegram.
    edited = await bot.edit_message_text("v3", USER, msg.message_id)
    assert edited.reply_markup is None  # type: ignore[union-attr]
    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard("new"))
    assert (
        tg.get_message(USER, msg.message_id)["reply_markup"]["inline_keyboard"][0][0][  # type: ignore[index]
            "callback_data"
        ]
        == "new"
    )
    assert await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v4", USER, msg.message_id)
    assert [r.method for r in tg.sent] == [
        "sendMessage",
        "editMessageText",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
    ]


async def test_answer_callback_query(bot: Bot, tg: FakeTelegram) -> None:
    msg = await bot.send_message(USER, "pick", reply_markup=keyboard("pick:1"))
    update = tg.inject_callback(USER, USER, "pick:1", msg.message_id)
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Saved")
    assert tg.sent[-1].method == "answerCallbackQuery"
    assert tg.sent[-1].text == "Saved"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)


async def test_chat_member_statuses(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Agents")
    expected = {
        1: ("member", ChatMemberMember),
        2: ("administrator", ChatMemberAdministrator),
        3: ("creator", ChatMemberOwner),
        4: ("left", ChatMemberLeft),
        5: ("kicked", ChatMemberBanned),
        6: ("restricted", ChatMemberRestricted),
    }
    for user_id, (status, _) in expected.items():
        tg.set_member(GROUP, user_id, status)
    for user_id, (status, cls) in expected.items():
        member = await bot.get_chat_member(GROUP, user_id)
        assert member.status == status
        assert isinstance(member, cls)
        assert member.user.id == user_id
    unknown = await bot.get_chat_member(GROUP, 777)
    assert unknown.status == "left"
    me = await bot.get_chat_member(GROUP, tg.bot_id)
    assert isinstance(me, ChatMemberAdministrator)
    private = await bot.get_chat_member(USER, USER)
    assert private.status == "member"


async def test_get_chat(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(FORUM, "Intake", is_forum=True, username="anju_intake")
    info = await bot.get_chat(FORUM)
    assert isinstance(info, ChatFullInfo)
    assert info.is_forum
    assert info.title == "Intake"
    by_username = await bot.get_chat("@anju_intake")
    assert by_username.id == FORUM
    tg.add_user(USER, first_name="Wei", username="wei")
    private = await bot.get_chat(USER)
    assert private.first_name == "Wei"


async def test_commands(bot: Bot, tg: FakeTelegram) -> None:
    commands = [BotCommand("start", "开始"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands)
    assert await bot.get_my_commands() == tuple(commands)
    assert await bot.get_my_commands(language_code="zh") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chat_action(bot: Bot, tg: FakeTelegram) -> None:
    assert await bot.send_chat_action(USER, ChatAction.TYPING)
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")


async def test_unknown_method_is_404(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})
    assert tg.errors[-1].error_code == 404
    assert tg.errors[-1].description == "Not Found"


async def test_method_names_are_case_insensitive(tg: FakeTelegram) -> None:
    bot = Bot(tg.token, base_url=tg.base_url)
    async with bot:
        result = await bot.do_api_request("SENDMESSAGE", api_kwargs={"chat_id": USER, "text": "x"})
    assert result["text"] == "x"
    assert tg.sent[-1].method == "sendMessage"


async def test_wrong_token(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("1:wrong", base_url=tg.base_url):
            pass
    assert tg.calls[-1].http_status == 401


async def test_webhook_lifecycle(bot: Bot, tg: FakeTelegram) -> None:
    assert await bot.set_webhook("https://anju.example.com/tg", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://anju.example.com/tg"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://anju.example.com/tg")
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    update = tg.build_update("message", chat_id=USER, user_id=USER, text="/start")
    assert update["message"]["entities"][0]["type"] == "bot_command"
    assert tg.pending_updates == []  # built, not queued


async def test_get_updates_long_poll_and_offsets(bot: Bot, tg: FakeTelegram) -> None:
    async def inject_later() -> None:
        await asyncio.sleep(0.1)
        tg.inject_message(USER, USER, "/start", first_name="Mei", language_code="zh-hans")

    started = time.monotonic()
    task = asyncio.create_task(inject_later())
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await task
    assert elapsed < 4.0  # returned on injection, not after the 5 s timeout
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start"
    assert message.from_user is not None
    assert message.from_user.first_name == "Mei"
    assert message.entities[0].type == "bot_command"

    # Not confirmed yet -> delivered again; confirming with offset removes it.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()

    # Empty long poll times out after ~timeout.
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 4.5


async def test_allowed_updates_filtering(bot: Bot, tg: FakeTelegram) -> None:
    msg = await bot.send_message(USER, "pick", reply_markup=keyboard())
    tg.inject_message(USER, USER, "text")
    tg.inject_callback(USER, USER, "ok", msg.message_id)
    updates = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert len(updates) == 1
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.data == "ok"
    assert updates[0].callback_query.message is not None


async def test_other_update_kinds(bot: Bot, tg: FakeTelegram) -> None:
    first = tg.inject_message(USER, USER, "I want a 2-bedroom")["message"]
    tg.inject_edited_message(USER, USER, first["message_id"], "I want a 3-bedroom")
    tg.inject_my_chat_member(USER, USER, "kicked")
    tg.inject_message(USER, USER, contact="+8613800000000")
    tg.inject_message(USER, USER, location=(31.23, 121.47))
    tg.inject_message(USER, USER, voice=b"OggS...", sticker=None)
    tg.inject_message(USER, USER, document={"data": b"x", "file_name": "id.pdf"})
    tg.inject_message(USER, USER, sticker="👍")
    updates = await bot.get_updates(timeout=0)
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "I want a 3-bedroom"
    assert updates[2].my_chat_member is not None
    assert updates[2].my_chat_member.new_chat_member.status == "kicked"
    assert updates[3].message is not None and updates[3].message.contact is not None
    assert updates[4].message is not None and updates[4].message.location is not None
    assert updates[5].message is not None and updates[5].message.voice is not None
    assert updates[6].message is not None and updates[6].message.document is not None
    assert updates[7].message is not None and updates[7].message.sticker is not None
    # my_chat_member "kicked" in a private chat means the user blocked the bot.
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "still there?")


async def test_topic_message_injection(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(FORUM, "Intake", is_forum=True)
    topic = tg.add_topic(FORUM, "Lead 7")
    tg.inject_message(FORUM, USER, "hello agents", message_thread_id=topic.message_thread_id)
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.is_topic_message
    assert update.message.message_thread_id == topic.message_thread_id
    assert update.message.chat.is_forum


async def test_forced_failures(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next(1, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert info.value.retry_after == dtm.timedelta(seconds=7)
    assert tg.errors[-1].description == "Too Many Requests: retry after 7"
    assert tg.errors[-1].parameters == {"retry_after": 7}

    tg.fail_next(1, error_code=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "x")
    tg.fail_next(1, error_code=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    tg.drop_next(1)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    tg.fail_next(1, methods=["getMe"])
    await bot.send_message(USER, "not affected")
    with pytest.raises(RetryAfter):
        await bot.get_me()
    msg = await bot.send_message(USER, "recovered")
    assert msg.text == "recovered"
    assert [r.text for r in tg.sent] == ["not affected", "recovered"]


async def test_wait_for(bot: Bot, tg: FakeTelegram) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "late")

    task = asyncio.create_task(send_later())
    record = await tg.wait_for(method="sendMessage", chat_id=USER, timeout=2)
    await task
    assert record.text == "late"
    # Already-recorded matches resolve immediately; predicates combine with attributes.
    assert (await tg.wait_for(lambda r: "lat" in (r.text or ""))).text == "late"
    with pytest.raises(TimeoutError):
        await tg.wait_for(method="sendPhoto", timeout=0.1)
    tg.clear()
    assert tg.sent == [] and tg.calls == [] and tg.errors == []


async def test_service_and_edge_updates_parse(bot: Bot, tg: FakeTelegram) -> None:
    from telegram.ext import filters

    tg.add_group(-4002, "Old", chat_type="group")
    tg.inject_migration(-4002, -1004002)
    tg.inject_callback(USER, USER, "stale", 31337)  # message the fake never saw
    tg.inject_message(USER, USER, photo=True, media_group_id="album-1", caption="1/2")
    tg.inject_message(USER, USER, photo=True, media_group_id="album-1")
    tg.inject_message(GROUP, USER, "hi group", chat_type="group")
    updates = await bot.get_updates(timeout=0)
    assert filters.StatusUpdate.MIGRATE.check_update(updates[0])
    assert updates[0].message is not None
    assert updates[0].message.migrate_to_chat_id == -1004002
    assert updates[1].message is not None
    assert updates[1].message.migrate_from_chat_id == -4002
    assert updates[2].callback_query is not None
    # PTB 22 parses date=0 messages as Message with is_accessible == False.
    assert updates[2].callback_query.message is not None
    assert not updates[2].callback_query.message.is_accessible
    assert updates[3].message is not None
    assert updates[3].message.media_group_id == "album-1"
    assert updates[5].message is not None
    assert updates[5].message.chat.type == "group"
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)
