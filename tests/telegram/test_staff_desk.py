"""Staff in a forum group: relay both ways, notes, state changes, refusals, lost topics."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CaseEvent, Identity
from tests.fakes import SentRecord
from tests.telegram.conftest import OUTSIDER, OWNER, STAFF_GROUP, STAFFER, Live, eventually


async def open_case(live: Live) -> SentRecord:
    """张伟 binds his phone and reports a gas leak; returns the card in the staff topic."""
    since = await live.owner_says(contact="+86 138 0013 8001")
    await live.reply_to_owner(since, "张伟")
    since = await live.owner_says("厨房燃气泄漏了，味道很大！")
    await live.reply_to_owner(since, "工单")
    card = await live.in_staff(since, "紧急工单")
    await eventually(lambda: _has_card(live, card))
    return card


async def _has_card(live: Live, card: SentRecord) -> bool:
    return (await live.case()).staff_message_id == str(card.message_id)


def staff_says(live: Live, card: SentRecord, text: str, user: int = STAFFER) -> int:
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, user, text, message_thread_id=card.message_thread_id)
    return since


async def test_owner_and_staff_messages_are_relayed_both_ways(live: Live) -> None:
    card = await open_case(live)
    since = await live.owner_says("阀门已经关了，还要做什么？")
    copied = await live.in_staff(since, "阀门已经关了")
    assert copied.message_thread_id == card.message_thread_id

    since = staff_says(live, card, "请开窗通风，维修师傅10分钟后到。")
    relayed = await live.reply_to_owner(since, "维修师傅10分钟后到")
    assert "客服回复" in (relayed.text or "")
    assert "客服小王" not in (relayed.text or "") and str(STAFFER) not in (relayed.text or "")


async def test_a_staff_photo_reaches_the_owner_as_a_copy_without_the_staffer(live: Live) -> None:
    card = await open_case(live)
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, photo=b"\xff\xd8\xffvalve-photo",
                             caption="阀门在这里，请关闭", message_thread_id=card.message_thread_id)
    text = await live.reply_to_owner(since, "阀门在这里")
    assert "客服回复" in (text.text or "")
    copy = await live.fake.wait_for(lambda r: r.chat_id == OWNER, method="copyMessage",
                                    since=since)
    assert copy.params.get("from_chat_id") in (STAFF_GROUP, str(STAFF_GROUP))
    assert not copy.params.get("caption")  # the caption came once, in the signed text
    async with live.store.transaction() as session:
        event = await session.scalar(select(CaseEvent).where(CaseEvent.type == "message_out"))
    assert event is not None and event.data["attachments"][0]["kind"] == "photo"


async def test_a_staff_sticker_is_not_relayed_and_staff_are_told(live: Live) -> None:
    card = await open_case(live)
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, sticker="👍",
                             message_thread_id=card.message_thread_id)
    await live.in_staff(since, "无法转发给业主")
    assert not [r for r in live.fake.sent[since:] if r.chat_id == OWNER]


async def test_internal_notes_are_never_relayed(live: Live) -> None:
    card = await open_case(live)
    since = staff_says(live, card, "# 业主脾气急，注意沟通")
    staff_says(live, card, "/note 已通知燃气公司")
    marker = staff_says(live, card, "师傅已出发")
    await live.reply_to_owner(marker, "师傅已出发")
    to_owner = [r.text or "" for r in live.fake.sent[since:] if r.chat_id == OWNER]
    assert not any("脾气" in t or "燃气公司" in t for t in to_owner)
    async with live.store.transaction() as session:
        notes = (await session.scalars(select(CaseEvent.text).where(
            CaseEvent.type == "note"))).all()
    assert set(notes) == {"业主脾气急，注意沟通", "已通知燃气公司"}


async def test_claim_button_and_resolve_notify_the_owner_and_the_topic(live: Live) -> None:
    card = await open_case(live)
    since = live.mark()
    live.fake.inject_callback(STAFF_GROUP, STAFFER, f"case:claim:{(await live.case()).id}",
                              card.message_id or 0)
    notice = await live.reply_to_owner(since, "状态更新")
    assert "已受理" in (notice.text or "") or "负责" in (notice.text or "")
    shown = await live.in_staff(since, "📌")
    assert shown.message_thread_id == card.message_thread_id

    since = staff_says(live, card, "/resolve 已更换燃气阀门")
    done = await live.reply_to_owner(since, "已更换燃气阀门")
    assert "状态更新" in (done.text or "")
    await eventually(lambda: _state_is(live, "resolved"))


async def test_an_urgent_card_stays_pinned_until_the_case_is_resolved(live: Live) -> None:
    card = await open_case(live)
    await live.fake.wait_for(method="pinChatMessage")
    assert live.fake.pinned[STAFF_GROUP] == [card.message_id]
    since = staff_says(live, card, "/resolve 已处理")
    await live.fake.wait_for(method="unpinChatMessage", since=since)
    assert live.fake.pinned[STAFF_GROUP] == []


async def test_without_the_pin_right_the_urgent_card_still_arrives(live: Live) -> None:
    live.fake.set_member(STAFF_GROUP, live.fake.bot_id, "administrator",
                         can_pin_messages=False)
    card = await open_case(live)
    assert "紧急工单" in (card.text or "")
    await eventually(lambda: _pin_refused(live))
    assert STAFF_GROUP not in live.fake.pinned
    cards = [r for r in live.fake.sent if "紧急工单" in (r.text or "")]
    assert cards == [card]  # the refused pin did not make the card go out again


async def _pin_refused(live: Live) -> bool:
    return any(e.method == "pinChatMessage" for e in live.fake.errors)


async def _state_is(live: Live, state: str) -> bool:
    return (await live.case()).state == state


async def test_a_non_member_is_refused_and_nothing_reaches_the_owner(live: Live) -> None:
    card = await open_case(live)
    since = live.mark()
    live.fake.inject_callback(STAFF_GROUP, OUTSIDER, f"case:resolve:{(await live.case()).id}",
                              card.message_id or 0)
    refused = await live.in_staff(since, "只有客服中心工作人员")
    assert refused.chat_id == STAFF_GROUP
    staff_says(live, card, "我来冒充客服", user=OUTSIDER)
    await live.in_staff(since + 1, "只有客服中心工作人员")
    assert (await live.case()).state == "new"
    assert not [r for r in live.fake.sent[since:] if r.chat_id == OWNER]


async def test_owner_cannot_press_staff_buttons(live: Live) -> None:
    await open_case(live)
    case = await live.case()
    since = live.mark()
    live.fake.inject_callback(OWNER, OWNER, f"case:resolve:{case.id}", 1)
    await live.reply_to_owner(since)
    assert (await live.case()).state == "new"


async def test_a_deleted_topic_is_recreated_with_the_card(live: Live) -> None:
    card = await open_case(live)
    assert card.message_thread_id is not None
    live.fake.delete_topic(STAFF_GROUP, card.message_thread_id)
    since = await live.owner_says("煤气味越来越大了")
    topic = await live.fake.wait_for(method="createForumTopic", since=since)
    assert topic.message_id != card.message_thread_id
    copied = await live.in_staff(since, "煤气味越来越大了")
    assert copied.message_thread_id == topic.message_id
    recard = await live.in_staff(since, "紧急工单")
    assert recard.message_thread_id == topic.message_id


async def test_general_topic_chatter_is_not_a_case_reply(live: Live) -> None:
    await open_case(live)
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, "大家辛苦了")
    marker = await live.owner_says("/help")
    await live.reply_to_owner(marker)
    assert not [r for r in live.fake.sent[since:] if "大家辛苦了" in (r.text or "")]
    assert not live.fake.errors


async def test_report_command_posts_the_month_summary_for_staff_only(live: Live) -> None:
    await open_case(live)
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, "/report")
    summary = await live.fake.wait_for(lambda r: r.chat_id == STAFF_GROUP, since=since)
    assert "只有客服中心工作人员" not in (summary.text or "")
    assert "不在任何工单" not in (summary.text or "")
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, STAFFER, "/report 2026-13")
    await live.in_staff(since, "用法")
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, OUTSIDER, "/report")
    await live.in_staff(since, "只有客服中心工作人员")


async def test_staff_verify_a_typed_phone_after_calling_the_owner(live: Live) -> None:
    since = await live.owner_says("厨房燃气泄漏了，味道很大！")
    await live.reply_to_owner(since, "手机号")
    card = await live.in_staff(since, "紧急工单")
    await eventually(lambda: _has_card(live, card))
    since = await live.owner_says("13800138001")  # typed, not shared: unverified
    await live.reply_to_owner(since, "张伟")
    assert not await _verified(live)
    since = await live.owner_says("客厅插座冒火花了，有烧焦味！")  # a second case, typed phone
    typed = await live.in_staff(since, "未验证")
    assert "/verify" in (typed.text or "")

    since = staff_says(live, card, "/verify", user=OUTSIDER)
    await live.in_staff(since, "只有客服中心工作人员")
    assert not await _verified(live)

    since = staff_says(live, card, "/verify")
    shown = await live.in_staff(since, "业主身份已核实")
    assert "客服小王" in (shown.text or "") and shown.message_thread_id == card.message_thread_id
    told = await live.reply_to_owner(since, "已核实您的身份")
    assert "客服小王" not in (told.text or "")
    assert await _verified(live)
    async with live.store.transaction() as session:
        events = (await session.scalars(select(CaseEvent.type))).all()
    assert "verified" in events

    since = staff_says(live, card, "/verify")
    await live.in_staff(since, "已是已验证状态")


async def _verified(live: Live) -> bool:
    async with live.store.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.channel == "telegram"))
    return identity is not None and identity.verified


async def test_a_staff_edit_reaches_the_owner_as_a_correction_and_commands_do_not_rerun(
    live: Live,
) -> None:
    card = await open_case(live)
    since = live.mark()
    sent = live.fake.inject_message(STAFF_GROUP, STAFFER, "师傅10点到",
                                    message_thread_id=card.message_thread_id)["message"]
    await live.reply_to_owner(since, "师傅10点到")
    since = live.mark()
    live.fake.inject_edited_message(STAFF_GROUP, STAFFER, sent["message_id"], "师傅11点到")
    corrected = await live.reply_to_owner(since, "师傅11点到")
    assert "客服更正" in (corrected.text or "")

    command = live.fake.inject_message(STAFF_GROUP, STAFFER, "/resolve 已修好",
                                       message_thread_id=card.message_thread_id)["message"]
    await eventually(lambda: _state_is(live, "resolved"))
    since = live.mark()
    live.fake.inject_edited_message(STAFF_GROUP, STAFFER, command["message_id"], "/reopen")
    await live.in_staff(since, "不会再次执行")
    assert (await live.case()).state == "resolved"
