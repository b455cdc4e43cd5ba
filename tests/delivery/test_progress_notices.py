"""Case-progress notices: every state change and appointment reaches the owner in their
language through the outbox; owners who opted out get none but still get their answers."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers import casework
from storage.db import Store
from storage.repos.cases import CaseRepo
from tests.support.harness import Harness, texts

NUMBER = re.compile(r"S-\d{8}-\d{4}")
PATH = ["assigned", "in_progress", "resolved", "reopened", "in_progress", "resolved", "closed"]


async def open_suggestion(h: Harness, user: str, phone: str) -> str:
    await h.identify(phone, user=user)
    replies = await h.say("建议小区多装几个电动车充电桩", user=user)
    found = NUMBER.search(texts(replies))
    assert found is not None, texts(replies)
    return found.group()


async def act(h: Harness, number: str, action: str) -> None:
    h.clock.advance(hours=1)
    async with h.store.transaction() as session:
        case = await CaseRepo(session).by_number(number)
        assert case is not None
        if action == "appointment":
            when = h.clock.now() + timedelta(days=1)
            await casework.set_appointment(session, case, when, actor="staff:1", now=h.clock.now())
        else:
            await casework.change_state(session, case, action, actor="staff:1", now=h.clock.now())
    while await h.sender.drain_once():
        pass


async def test_every_change_is_told_in_the_owners_language(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    number = await open_suggestion(h, "david", "13800138006")  # David Chen, English
    before = len(h.channel.sent)
    steps = ["assigned", "appointment", "in_progress", "appointment", "resolved", "reopened",
             "in_progress", "resolved", "closed"]
    for step in steps:
        await act(h, number, step)
    notices = h.channel.sent[before:]
    assert len(notices) == len(steps)
    assert all(n.chat_id == "david" and number in n.text and n.kind == "progress"
               for n in notices)
    said = [n.text for n in notices]
    assert "update: Assigned" in said[0] and "handled by" in said[0]
    assert "visit is booked for" in said[1] and "Promised by" in said[1]
    assert "visit has been moved to" in said[3]
    assert "update: Second handling" in said[5] and "answer by" in said[5]
    assert "update: Closed" in said[-1]
    assert not any(re.search(r"[\u4e00-\u9fff]", s.replace(number, "")) for s in said)


async def test_a_chinese_owner_is_told_in_chinese(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    number = await open_suggestion(h, "zw", "13800138001")
    before = len(h.channel.sent)
    await act(h, number, "assigned")
    await act(h, number, "appointment")
    notice, visit = h.channel.sent[before:]
    assert "状态更新：已派单" in notice.text and number in notice.text
    assert "上门时间已确定" in visit.text and number in visit.text


async def test_opted_out_owners_get_no_notices_but_still_get_answers(store: Store) -> None:
    h = Harness(store)
    await h.load_roster()
    number = await open_suggestion(h, "zw", "13800138001")
    answer = await h.say("/unsubscribe notices", user="zw")
    assert "已关闭" in texts(answer)
    before = len(h.channel.sent)
    for step in ["assigned", "appointment", "resolved"]:
        await act(h, number, step)
    assert h.channel.sent[before:] == []
    listing = await h.say("/mycases", user="zw")
    assert number in texts(listing)  # their own question is still answered
    await h.say("/subscribe notices", user="zw")
    await act(h, number, "closed")
    assert number in texts(h.channel.sent[-1:])
