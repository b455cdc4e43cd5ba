"""Construction milestones: who receives them, exactly once, status, the staff report,
/progress, /subscribe and /unsubscribe."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from bot.channels.base import Unreachable
from bot.scheduler import Scheduler
from handlers import milestones
from storage.db import Store
from storage.models import Outbox, Person
from tests.support.harness import Harness, texts

YUNQI = "安居·云栖府"
PEOPLE = {  # chat → phone
    "yl": "13900139001",  # 杨磊, buyer, 1栋
    "zm": "13900139002",  # 赵敏, buyer, 1栋
    "hq": "13900139003",  # 黄强, buyer, 2栋
    "ew": "13900139006",  # Emily Wang, buyer, 3栋, English
    "wh": "13900139005",  # 吴昊, buyer, 3栋: opts out
    "xl": "13700137001",  # 徐丽, prospect of 云栖府: subscribes
    "zw": "13800138001",  # 张伟, owner of another project
}  # 周婷 (2栋) never talks to the bot: no chat to reach her on


async def community(store: Store) -> Harness:
    h = Harness(store)
    await h.load_roster()
    for chat, phone in PEOPLE.items():
        await h.identify(phone, user=chat)
    await h.say("/unsubscribe notices", user="wh")
    subscribed = await h.say("/subscribe notices", user="xl")
    assert YUNQI in texts(subscribed)
    return h


async def announce(h: Harness, building: str | None = None, code: str = "topped_out",
                   **extra: object) -> milestones.Announced:
    async with h.store.transaction() as session:
        return await milestones.announce(session, project=YUNQI, building=building,
                                         milestone=code, now=h.clock.now(), actor="staff:test",
                                         **extra)  # type: ignore[arg-type]


async def drain(h: Harness) -> None:
    while await h.sender.drain_once():
        pass


async def test_preview_counts_buyers_and_subscribers_minus_opt_outs(store: Store) -> None:
    await community(store)
    async with store.transaction() as session:
        whole = await milestones.preview(session, project=YUNQI, building=None,
                                         milestone="topped_out", reached_on=date(2026, 11, 20))
        one = await milestones.preview(session, project=YUNQI, building="1栋",
                                       milestone="topped_out")
    assert whole.count == 5  # yl zm hq ew + the subscribed prospect xl
    assert (whole.audience.opted_out, whole.audience.no_channel) == (1, 1)
    assert "主体结构封顶" in whole.text and "2026-11-20" in whole.text
    assert "接收人数：5" in whole.summary
    assert one.count == 3  # yl zm + xl, who follows the whole project
    async with store.transaction() as session:
        assert await session.scalar(select(Outbox.id).where(Outbox.kind == "milestone")) is None


async def test_each_recipient_gets_an_announcement_exactly_once(store: Store) -> None:
    h = await community(store)
    before = len(h.channel.sent)
    first = await announce(h, note="感谢耐心等待")
    again = await announce(h, note="感谢耐心等待")
    assert (first.enqueued, again.enqueued, again.total) == (5, 0, 5)
    await drain(h)
    await announce(h)  # a third run after delivery: still nothing new
    await drain(h)
    got = h.channel.sent[before:]
    assert Counter(m.chat_id for m in got) == {c: 1 for c in ("yl", "zm", "hq", "ew", "xl")}
    english = next(m for m in got if m.chat_id == "ew")
    assert "Main structure topped out" in english.text
    chinese = next(m for m in got if m.chat_id == "yl")
    assert "主体结构封顶" in chinese.text and "感谢耐心等待" in chinese.text
    assert all(m.kind == "milestone" for m in got)


async def test_a_photo_travels_with_the_notice(store: Store) -> None:
    h = await community(store)
    await announce(h, building="2栋", code="exterior_done", photo="/srv/photos/facade.jpg")
    await drain(h)
    sent = next(m for m in h.channel.sent if m.chat_id == "hq" and m.kind == "milestone")
    assert [a.path for a in sent.attachments] == ["/srv/photos/facade.jpg"]


async def test_status_and_the_staff_report_once_delivery_finishes(store: Store) -> None:
    h = await community(store)
    h.channel.failures["hq"] = Unreachable("Forbidden: bot was blocked by the user")
    done = await announce(h)
    scheduler = Scheduler(store, h.clock)
    scheduler.register(milestones.REPORT_KIND, milestones.report_job)
    async with store.transaction() as session:
        pending = await milestones.status(session, done.announcement_id)
    assert (pending.pending, pending.total) == (5, 5)
    h.clock.advance(seconds=31)
    await scheduler.run_due()  # not finished yet: checks again later, posts nothing
    await drain(h)
    assert not [m for m in h.staff.sent if m.payload.get("event") == "milestone_report"]
    async with store.transaction() as session:
        counts = await milestones.status(session, done.announcement_id)
        blocked = await session.scalar(select(Person).where(Person.phone == PEOPLE["hq"]))
    assert (counts.sent, counts.pending, counts.unreachable, counts.failed) == (4, 0, 1, 0)
    assert blocked is not None and blocked.unreachable
    h.clock.advance(seconds=31)
    await scheduler.run_due()
    h.clock.advance(seconds=31)
    await scheduler.run_due()
    await drain(h)
    reports = [m for m in h.staff.sent if m.payload.get("event") == "milestone_report"]
    assert len(reports) == 1
    assert "已送达 4" in reports[0].text and "无法送达 1" in reports[0].text


async def test_progress_lists_the_buildings_milestones_so_far(store: Store) -> None:
    h = await community(store)
    await announce(h, building="1栋", code="topped_out", reached_on=date(2026, 10, 1))
    await announce(h, code="show_area", reached_on=date(2026, 3, 1))
    mine = texts(await h.say("/progress", user="yl"))
    assert mine.index("样板示范区开放") < mine.index("主体结构封顶")
    assert "2026-10-01" in mine and "下一节点：外装修工程竣工" in mine
    other = texts(await h.say("工程进度", user="hq"))  # 2栋: only the project-wide one
    assert "样板示范区开放" in other and "主体结构封顶" not in other.split("下一节点")[0]
    stranger = texts(await h.say("/progress", user="nobody"))
    assert "手机号" in stranger


async def test_greetings_and_notices_are_switched_separately(store: Store) -> None:
    h = await community(store)
    menu = await h.say("/unsubscribe", user="yl")
    assert [b.data for m in menu for row in m.buttons for b in row] == [
        "sub:off:notices", "sub:off:greetings"]
    await h.press("sub:off:greetings", user="yl")
    async with store.transaction() as session:
        person = await session.scalar(select(Person).where(Person.phone == PEOPLE["yl"]))
        assert person is not None
        assert (person.greetings_opt_out, person.notices_opt_out) == (True, False)
    await h.say("/subscribe greetings", user="yl")
    await h.say("/unsubscribe notices", user="yl")
    async with store.transaction() as session:
        person = await session.scalar(select(Person).where(Person.phone == PEOPLE["yl"]))
        assert person is not None
        assert (person.greetings_opt_out, person.notices_opt_out) == (False, True)
        shown = await milestones.preview(session, project=YUNQI, building="1栋",
                                         milestone="topped_out")
    assert shown.count == 2  # zm and the prospect; yl opted out
