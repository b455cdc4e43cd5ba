"""/milestone in the staff group: usage, preview with the recipient count, confirmation by the
same staff member, exactly-once delivery rows, polite errors (issue 5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers import milestones
from storage.models import Outbox, Person
from storage.repos.people import PeopleRepo
from tests.fakes import SentRecord
from tests.telegram.conftest import OUTSIDER, STAFF_GROUP, STAFFER, Live, eventually

YUNQI = "安居·云栖府"
CHATS = {"13900139001": 6001, "13900139002": 6002, "13900139003": 6003}  # 1栋, 1栋, 2栋
COLLEAGUE = 7002


async def bind_buyers(live: Live) -> dict[str, int]:
    """The Yunqi buyers above have talked to the bot; returns {name: person id} of 1栋."""
    async with live.store.transaction() as session:
        people = PeopleRepo(session)
        for phone, user in CHATS.items():
            person = await session.scalar(select(Person).where(Person.phone == phone))
            assert person is not None
            live.fake.add_user(user, first_name=person.name)
            await people.link(person, "telegram", str(user), str(user), True, live.app.clock.now())
        rows = await session.execute(select(Person.name, Person.id).where(
            Person.project == YUNQI, Person.building == "1栋",
            Person.role.in_(("owner", "buyer"))))
        return {name: pid for name, pid in rows}


def staff_says(live: Live, text: str, user: int = STAFFER) -> int:
    since = live.mark()
    live.fake.inject_message(STAFF_GROUP, user, text)
    return since


async def preview_buttons(live: Live) -> list[dict[str, Any]]:
    """The 确认发布 / 取消 buttons of the latest preview, as the bot queued them."""
    async with live.store.transaction() as session:
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "staff")
                                      .order_by(Outbox.id.desc()))).all()
    for row in rows:
        if row.payload.get("event") == "milestone_preview":
            return [b for line in row.payload["buttons"] for b in line]
    raise AssertionError("no preview queued")


async def milestone_rows(live: Live) -> list[Outbox]:
    async with live.store.transaction() as session:
        return list((await session.scalars(select(Outbox).where(
            Outbox.kind == milestones.KIND))).all())


def press(live: Live, data: str, preview: SentRecord, user: int = STAFFER) -> int:
    since = live.mark()
    live.fake.inject_callback(STAFF_GROUP, user, data, preview.message_id or 0)
    return since


async def test_usage_lists_every_code_with_its_chinese_name(live: Live) -> None:
    since = staff_says(live, "/milestone")
    usage = await live.in_staff(since, "用法")
    for code in milestones.CATALOGUE:
        assert code in (usage.text or "")
    assert "主体结构封顶" in (usage.text or "") and "收楼样板区开放" in (usage.text or "")


async def test_preview_confirm_and_no_duplicates(live: Live) -> None:
    building_one = await bind_buyers(live)
    assert len(building_one) == 2

    since = staff_says(live, f"/milestone {YUNQI} 1栋 topped_out 2026-11-20 感谢耐心等待")
    preview = await live.in_staff(since, "即将发送")
    text = preview.text or ""
    assert f"接收人数：{len(building_one)}" in text
    assert "主体结构封顶" in text and "2026-11-20" in text and "感谢耐心等待" in text
    buttons = await preview_buttons(live)
    assert [b["label"] for b in buttons] == ["确认发布", "取消"]
    assert all(len(b["data"].encode()) <= 64 for b in buttons)
    assert await milestone_rows(live) == []  # nothing before confirmation

    # A colleague's press does not confirm someone else's preview.
    live.fake.add_user(COLLEAGUE, first_name="客服小李")
    live.fake.set_member(STAFF_GROUP, COLLEAGUE, "member")
    since = press(live, buttons[0]["data"], preview, user=COLLEAGUE)
    await live.in_staff(since, "已失效")
    assert await milestone_rows(live) == []

    since = press(live, buttons[0]["data"], preview)
    done = await live.in_staff(since, "已发布")
    assert "anju milestone status" in (done.text or "")
    assert f"新加入发送队列 {len(building_one)} 条" in (done.text or "")
    rows = await milestone_rows(live)
    assert sorted(r.person_id for r in rows) == sorted(building_one.values())
    assert {r.chat_id for r in rows} == {"6001", "6002"}

    since = press(live, buttons[0]["data"], preview)  # the same button again
    await live.in_staff(since, "已失效")
    since = staff_says(live, f"/milestone {YUNQI} 1栋 主体结构封顶")  # and the whole command
    await live.in_staff(since, "即将发送")
    since = staff_says(live, "/milestone 确认")
    again = await live.in_staff(since, "已发布")
    assert "新加入发送队列 0 条" in (again.text or "")
    rows = await milestone_rows(live)
    assert sorted(r.person_id for r in rows) == sorted(building_one.values())
    await eventually(lambda: _delivered(live, {6001, 6002}))


async def _delivered(live: Live, chats: set[int]) -> bool:
    return chats <= {r.chat_id for r in live.fake.sent if "主体结构封顶" in (r.text or "")}


async def test_cancel_sends_nothing(live: Live) -> None:
    await bind_buyers(live)
    since = staff_says(live, f"/milestone {YUNQI} 2栋 exterior_done")
    preview = await live.in_staff(since, "接收人数：1")
    cancel = (await preview_buttons(live))[1]["data"]
    since = press(live, cancel, preview)
    await live.in_staff(since, "已取消")
    since = staff_says(live, "/milestone ok")
    await live.in_staff(since, "已失效")
    assert await milestone_rows(live) == []


async def test_bad_code_or_project_is_answered_politely(live: Live) -> None:
    since = staff_says(live, f"/milestone {YUNQI} 1栋 roof_party")
    answer = await live.in_staff(since, "抱歉")
    assert "topped_out" in (answer.text or "") and "handover_sample_open" in (answer.text or "")
    since = staff_says(live, "/milestone 安居·不存在 topped_out")
    answer = await live.in_staff(since, "没有找到项目")
    assert YUNQI in (answer.text or "") and "topped_out" in (answer.text or "")
    since = staff_says(live, f"/milestone {YUNQI} 9栋 topped_out")
    await live.in_staff(since, "没有楼栋")
    since = staff_says(live, f"/milestone {YUNQI} topped_out 2026-02-30")
    await live.in_staff(since, "日期")
    assert not live.fake.errors
    assert await milestone_rows(live) == []


async def test_outsiders_cannot_announce(live: Live) -> None:
    since = staff_says(live, f"/milestone {YUNQI} 1栋 topped_out", user=OUTSIDER)
    await live.in_staff(since, "只有客服中心工作人员")
    since = staff_says(live, "/milestone ok", user=OUTSIDER)
    await live.in_staff(since, "只有客服中心工作人员")
    assert await milestone_rows(live) == []


async def test_preview_shows_the_buttons_in_telegram(live: Live) -> None:
    await bind_buyers(live)
    since = staff_says(live, f"/milestone {YUNQI} 1栋 topped_out")
    preview = await live.in_staff(since, "即将发送")
    assert preview.reply_markup is not None
