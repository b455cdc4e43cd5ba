"""Whole conversations driven through dispatch, channel-free, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.messages import Attachment
from storage.db import Store
from storage.models import Case, Conversation, InboundMessage, Outbox
from tests.support.harness import Harness, buttons, texts

CASE_NUMBER = re.compile(r"[RCQS]-\d{8}-\d{4}")


async def case_by_number(store: Store, number: str) -> Case:
    async with store.transaction() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        return case


async def test_start_greets_with_the_centre_script_and_menu(store: Store) -> None:
    h = Harness(store)
    replies = await h.say("/start")
    assert "您好，安居物业服务客户中心" in texts(replies)
    assert buttons(replies) == ["menu:repair", "menu:complaint", "menu:inquiry", "menu:suggestion",
                                "menu:mycases"]


async def test_full_repair_dialogue_survives_a_restart_mid_form(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    first = await h.say("卫生间漏水了")
    assert "手机号" in texts(first)  # identity first
    bound = await h.say("138 0013 8001")
    assert "张伟" in texts(bound) and "3栋" in texts(bound)
    # The description and place came with the first message; the form asks for the time.
    assert "什么时间上门" in texts(bound)

    h.restart()  # the process dies and comes back: the form continues where it was
    summary = await h.say("明天下午3点")
    assert "11月19日（周四）15:00" in texts(summary)
    assert "卫生间" in texts(summary) and "卫生间漏水了" in texts(summary)
    assert buttons(summary) == ["form:confirm", "form:edit", "form:cancel"]

    opened = await h.press("form:confirm")
    number = CASE_NUMBER.search(texts(opened))
    assert number and number.group().startswith("R-20261118-")
    assert "2小时内" in texts(opened) and "11月18日（周三）12:00" in texts(opened)
    case = await case_by_number(store, number.group())
    assert (case.kind, case.place, case.state, case.department) == (
        "repair", "bathroom", "new", "property")
    assert case.visit_at is not None and case.visit_at.hour == 7  # 15:00 Shanghai in UTC
    assert case.unit == "1201" and not case.urgent
    assert [m.payload["case_number"] for m in h.staff_new] == [number.group()]


async def test_repair_edit_goes_back_to_the_chosen_field(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.press("menu:repair")
    await h.press("place:kitchen")
    await h.say("水龙头一直滴水")
    await h.press("time:asap")
    await h.press("form:edit")
    asked = await h.press("edit:place")
    assert "place:balcony" in buttons(asked)
    summary = await h.press("place:balcony")
    assert "阳台" in texts(summary) and "尽快安排" in texts(summary)


async def test_a_time_the_bot_cannot_read_is_asked_again(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.say("厨房水管坏了，需要维修")
    again = await h.say("等我有空吧")
    assert "没能理解" in texts(again)


async def test_photos_are_kept_with_the_repair(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.press("menu:repair")
    await h.press("place:bedroom")
    photo = Attachment("photo", file_id="AgAD-1", name="wall.jpg")
    got = await h.say(attachments=(photo,))
    assert "共1张" in texts(got)
    await h.say("墙面有裂缝")
    await h.press("time:asap")
    opened = await h.press("form:confirm")
    case = await case_by_number(store, CASE_NUMBER.search(texts(opened)).group())  # type: ignore[union-attr]
    assert case.attachments["photos"][0]["file_id"] == "AgAD-1"


async def test_emergency_opens_an_urgent_case_without_a_form(store: Store) -> None:
    h = Harness(store)
    replies = await h.say("厨房燃气泄漏了，味道很大！")
    text = texts(replies)
    number = CASE_NUMBER.search(text)
    assert number, text
    assert h.config.centre.emergency_phone in text and "开窗通风" in text
    case = await case_by_number(store, number.group())
    assert case.urgent and case.state == "new"
    alert = h.staff_new[0]
    assert alert.payload["event"] == "urgent" and "紧急工单" in alert.text
    # Nobody knows who this is yet: the phone is asked for afterwards and attached to the case.
    assert "手机号" in text
    await h.load_roster()
    await h.say("13800138002")
    case = await case_by_number(store, number.group())
    assert case.person_id is not None and case.building == "3栋"


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("卫生间水管在滴水，好像越来越多", "入户水阀"),  # a repair close to an emergency
        ("请问电梯困人了应该打哪个电话", "不要强行扒门"),  # a question with danger words
    ],
)
async def test_near_emergency_asks_about_danger_and_escalates_on_yes(
    store: Store, text: str, advice: str
) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    asked = await h.say(text)
    assert "有没有人身或财产危险" in texts(asked)
    assert buttons(asked) == ["safety:yes", "safety:no"]
    replies = await h.press("safety:yes")
    number = CASE_NUMBER.search(texts(replies))
    assert number, texts(replies)
    case = await case_by_number(store, number.group())
    assert case.urgent and case.kind == "repair"
    assert advice in texts(replies)  # the safety advice fits the description
    assert h.staff_new[0].payload["event"] == "urgent"


async def test_near_emergency_without_danger_goes_on_with_the_form(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.say("卫生间水管在滴水，好像越来越多")
    nxt = await h.say("没有")
    assert "时间上门" in texts(nxt) or "位置" in texts(nxt)
    assert not h.staff_new
    await h.press("time:asap")
    opened = await h.press("form:confirm")
    case = await case_by_number(store, CASE_NUMBER.search(texts(opened)).group())  # type: ignore[union-attr]
    assert not case.urgent


async def test_near_emergency_complaint_asks_about_danger_too(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    asked = await h.say("楼上漏水漏了一个礼拜了，报了三回没人管，再不来我就打12345")
    assert buttons(asked) == ["safety:yes", "safety:no"]
    replies = await h.say("有危险")
    number = CASE_NUMBER.search(texts(replies))
    assert number and number.group().startswith("C-"), texts(replies)
    case = await case_by_number(store, number.group())
    assert case.urgent and case.kind == "complaint"
    assert h.staff_new[0].payload["event"] == "urgent"


async def test_urgent_alert_is_sent_before_waiting_live_replies(store: Store) -> None:
    h = Harness(store)
    await h.dispatcher.dispatch(
        __import__("bot.messages").messages.InboundMessage("test", "u9", "u9", text="/start"))
    await h.dispatcher.dispatch(
        __import__("bot.messages").messages.InboundMessage("test", "u8", "u8", text="电梯困人了，快来"))
    async with store.transaction() as session:
        rows = (await session.scalars(select(Outbox).order_by(Outbox.priority, Outbox.id))).all()
    assert rows[0].channel == "staff" and rows[0].payload["event"] == "urgent"


async def test_complaint_is_routed_by_category(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify("13800138003")
    check = await h.say("我要投诉，你们客服的态度太差了，打电话没人理")
    assert "服务态度" in texts(check) and buttons(check) == ["cat:yes", "cat:other"]
    asked = await h.press("cat:yes")
    assert "如何处理" in texts(asked)
    await h.say("希望给出书面道歉")
    opened = await h.press("form:confirm")
    number = CASE_NUMBER.search(texts(opened))
    assert number and number.group().startswith("C-")
    assert "销售部" in texts(opened) and "1天内" in texts(opened)
    case = await case_by_number(store, number.group())
    assert (case.category, case.department, case.desired_outcome) == (
        "service", "sales", "希望给出书面道歉")


async def test_complaint_category_can_be_picked_by_hand(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.press("menu:complaint")
    await h.press("cat:contract")
    await h.say("合同约定的交房时间已经延期三个月了")
    await h.press("outcome:skip")
    opened = await h.press("form:confirm")
    assert "法务部" in texts(opened)


async def test_question_with_danger_words_is_answered_when_all_is_well(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.say("请问电梯困人了应该打哪个电话")
    replies = await h.press("safety:no")
    text = texts(replies)
    assert "有没有人身或财产危险" not in text
    number = CASE_NUMBER.search(text)
    # answered from the knowledge base, or handed to staff as an ordinary inquiry
    assert number is None or number.group().startswith("Q-"), text
    assert not [m for m in h.staff_new if m.payload.get("event") == "urgent"]


async def test_faq_answers_an_inquiry_and_hands_over_on_request(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    answer = await h.say("请问物业费怎么交？")
    assert "物业费按建筑面积" in texts(answer)
    assert buttons(answer) == ["faq:solved", "faq:human"]
    handed = await h.press("faq:human")
    number = CASE_NUMBER.search(texts(handed))
    assert number and number.group().startswith("Q-")


async def test_unanswerable_inquiry_becomes_a_case(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.press("menu:inquiry")
    replies = await h.say("请问小区的学区划分是哪个学校")
    assert "人工客服" in texts(replies) and CASE_NUMBER.search(texts(replies))


async def test_suggestion_is_thanked_with_the_one_day_promise(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    replies = await h.say("建议小区多装几个电动车充电桩")
    text = texts(replies)
    assert "感谢您的宝贵建议" in text and "1天内" in text
    assert CASE_NUMBER.search(text).group().startswith("S-")  # type: ignore[union-attr]


async def test_mycases_lists_number_kind_state_and_promise(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.say("建议小区多装几个电动车充电桩")
    listing = await h.say("/mycases")
    text = texts(listing)
    assert re.search(r"S-\d{8}-\d{4} · 建议 · 已受理 · 承诺", text), text


async def test_a_typed_phone_does_not_reveal_cases_opened_elsewhere(store: Store) -> None:
    owner = Harness(store)
    await owner.load_roster()
    await owner.identify(user="real-owner")
    await owner.say("建议小区多装几个电动车充电桩", user="real-owner")
    listing = await owner.say("/mycases", user="impostor")
    assert "S-" not in texts(listing)
    await owner.identify(user="impostor")
    listing = await owner.say("/mycases", user="impostor")
    assert "S-" not in texts(listing)


async def test_unknown_phone_registers_a_prospect(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.press("menu:inquiry")
    replies = await h.say("13912345678")
    assert "意向客户" in texts(replies) and "想咨询什么" in texts(replies)


async def test_a_bad_phone_is_answered_politely_and_asked_again(store: Store) -> None:
    h = Harness(store)
    await h.press("menu:repair")
    replies = await h.say("12345")
    assert "不是有效的手机号码" in texts(replies)
    async with store.transaction() as session:
        conv = await session.scalar(select(Conversation))
        assert conv is not None and conv.state == "identity.phone"


async def test_cancel_leaves_the_form(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    await h.press("menu:repair")
    replies = await h.say("/cancel")
    assert "已取消" in texts(replies)
    async with store.transaction() as session:
        conv = await session.scalar(select(Conversation))
        assert conv is not None and conv.state == "idle"


async def test_english_speakers_get_english(store: Store) -> None:
    h = Harness(store)
    replies = await h.say("/start", lang="en")
    assert "Hello, this is Anju Property Service Centre" in texts(replies)
    switched = await h.say("/lang zh")
    assert "已切换为中文" in texts(switched)


async def test_every_inbound_message_is_stored_even_gibberish(store: Store) -> None:
    h = Harness(store)
    await h.say("asdfghjkl")
    await h.say("x" * 5000)
    await h.say("/nonsense")
    async with store.transaction() as session:
        rows = (await session.scalars(select(InboundMessage))).all()
    assert [len(r.text or "") for r in rows] == [9, 5000, 9]


async def test_follow_up_messages_join_the_open_case(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    await h.identify()
    opened = await h.say("建议小区多装几个电动车充电桩")
    number = CASE_NUMBER.search(texts(opened)).group()  # type: ignore[union-attr]
    replies = await h.say("另外地下车库也可以装")
    assert number in texts(replies)
    assert h.staff_new and h.staff_new[0].payload["event"] == "owner_message"
