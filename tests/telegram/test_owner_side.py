"""Owners in private chats: contact binding, a repair with a photo, emergencies, hostile text."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import select

from storage.models import Identity, Person
from tests.telegram.conftest import OWNER, STAFF_GROUP, STAFFER, Live, eventually

CASE_NUMBER = re.compile(r"[RCIS]-\d{8}-\d{4}")


async def test_a_shared_own_contact_verifies_and_a_foreign_one_does_not(live: Live) -> None:
    since = await live.owner_says("卫生间漏水了")
    ask = await live.reply_to_owner(since, "手机号")
    keyboard = ask.reply_markup or {}
    assert keyboard["keyboard"][0][0]["request_contact"] is True

    since = await live.owner_says(contact={"phone_number": "+8613800138001",
                                           "first_name": "伟", "user_id": OWNER + 1})
    await live.reply_to_owner(since)
    since = await live.owner_says(contact="+86 138 0013 8001")  # the sender's own card
    bound = await live.reply_to_owner(since, "张伟")
    assert "3栋" in (bound.text or "")
    async with live.store.transaction() as session:
        identity = await session.scalar(
            select(Identity).where(Identity.channel == "telegram", Identity.user_id == str(OWNER)))
        assert identity is not None and identity.verified


async def test_full_repair_dialogue_with_a_photo_opens_a_topic_with_the_card(live: Live) -> None:
    since = await live.owner_says(contact="+86 138 0013 8001")
    await live.reply_to_owner(since, "张伟")
    since = await live.owner_says(caption="卫生间漏水了", photo=b"\xff\xd8\xff\xe0leak-photo")
    await live.reply_to_owner(since, "什么时间")
    since = await live.owner_says("明天下午3点")
    summary = await live.reply_to_owner(since, "卫生间漏水了")
    data = [b["callback_data"] for row in (summary.reply_markup or {})["inline_keyboard"]
            for b in row]
    assert "form:confirm" in data
    since = live.mark()
    live.fake.inject_callback(OWNER, OWNER, "form:confirm", summary.message_id or 0)
    opened = await live.reply_to_owner(since, "工单")
    number = CASE_NUMBER.search(opened.text or "")
    assert number is not None

    topic = await live.fake.wait_for(method="createForumTopic", since=since, timeout=10)
    assert (topic.params.get("name") or "").startswith(number.group())
    card = await live.in_staff(since, number.group(), method="sendMessage")
    assert card.message_thread_id == topic.message_id
    buttons = [b["text"] for row in (card.reply_markup or {})["inline_keyboard"] for b in row]
    assert buttons == ["认领", "处理中", "已解决", "转派"]
    async def recorded() -> bool:
        case = await live.case(number.group())
        return case.staff_message_id == str(card.message_id)

    await eventually(recorded)
    case = await live.case(number.group())
    assert (case.staff_chat_id, case.staff_thread_id) == (str(STAFF_GROUP), str(topic.message_id))
    photos = (case.attachments or {}).get("photos", [])
    assert len(photos) == 1 and photos[0]["kind"] == "photo" and photos[0]["file_id"]
    assert Path(photos[0]["path"]).read_bytes()  # noqa: ASYNC240 == b"\xff\xd8\xff\xe0leak-photo"


async def test_an_emergency_goes_to_staff_at_once_marked_urgent(live: Live) -> None:
    since = await live.owner_says("厨房燃气泄漏了，味道很大！")
    await live.reply_to_owner(since, "工单")
    card = await live.in_staff(since, "紧急工单", method="sendMessage")
    topic = await live.fake.wait_for(method="createForumTopic", since=since)
    assert (topic.params.get("name") or "").startswith("🚨")
    assert card.message_thread_id == topic.message_id


async def test_hostile_texts_are_answered_without_a_single_api_error(live: Live) -> None:
    hostile = [
        "<b>unclosed <i>tags & ampersands</b> &amp; <script>",
        "*bold _italic [link](http://x) `code ~~~ ||spoiler|| \\",
        "控\x00制\x07字\x1b符\u2028" + "😀" * 10,
        "我要投诉" + "很长的抱怨" * 1000,  # 5,000 characters
    ]
    since = live.mark()
    for text in hostile:
        s = await live.owner_says(text)
        await live.reply_to_owner(s)
    await live.owner_says(contact="+86 138 0013 8001")
    await live.reply_to_owner(since, "张伟")
    assert live.fake.errors == []


async def test_a_blocked_owner_is_marked_unreachable_and_staff_are_told(live: Live) -> None:
    since = await live.owner_says(contact="+86 138 0013 8001")
    await live.reply_to_owner(since, "张伟")
    since = await live.owner_says("厨房燃气泄漏了，味道很大！")
    await live.reply_to_owner(since, "工单")
    card = await live.in_staff(since, "紧急工单")
    live.fake.block(OWNER)
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, "师傅十分钟后到",
                             message_thread_id=card.message_thread_id)
    told = await live.in_staff(since, "屏蔽")
    assert told.message_thread_id == card.message_thread_id
    async with live.store.transaction() as session:
        person = await session.scalar(select(Person).where(Person.phone == "13800138001"))
        assert person is not None and person.unreachable
    live.fake.inject_my_chat_member(OWNER, OWNER, "member", "kicked")
    for _ in range(100):
        async with live.store.transaction() as session:
            person = await session.scalar(select(Person).where(Person.phone == "13800138001"))
            if person is not None and not person.unreachable:
                break
        await asyncio.sleep(0.05)
    assert person is not None and not person.unreachable
