"""Surveys with buttons, the reminder, second handling, return visits, notices, business hours."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.config import Config, HoursConfig
from bot.timers.wiring import install_into
from handlers import casework
from storage.db import Store
from storage.models import Case
from storage.surveys import MonthlyCheck, Survey
from tests.support.harness import Harness, buttons, texts
from tests.timers.kit import Worker, add_person, d, get_case, local, open_case, outbox


async def resolve(store: Store, case_id: int, when: object) -> None:
    async with store.transaction() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        await casework.change_state(session, case, "resolved", actor="李师傅", now=when)  # type: ignore[arg-type]


async def deliver(h: Harness) -> list[str]:
    """Drains the outbox through the harness's channels; returns the texts the owner got."""
    before = len(h.channel.sent)
    while await h.sender.drain_once():
        pass
    return [m.text for m in h.channel.sent[before:]]


async def surveys_of(store: Store, case_id: int) -> list[Survey]:
    async with store.sessions() as session:
        rows = await session.scalars(select(Survey).where(Survey.case_id == case_id)
                                     .order_by(Survey.id))
        return list(rows)


async def test_a_resolved_repair_is_surveyed_with_buttons_and_a_low_score_reopens_it(
    store: Store,
) -> None:
    h = Harness(store)
    start = h.clock.now()
    case_id = await open_case(store, start, person_id=await add_person(store))
    await resolve(store, case_id, start + timedelta(hours=3))
    h.clock.set(start + timedelta(hours=3, minutes=1))
    await Worker(store, h.clock).tick()
    await deliver(h)
    survey_msg = h.channel.sent[-1]
    (survey,) = await surveys_of(store, case_id)
    assert [b.data for row in survey_msg.buttons for b in row] == [
        f"sv:{survey.id}:r:{n}" for n in range(1, 6)]
    assert "处理结果" in survey_msg.text
    assert "过程" in texts(await h.press(f"sv:{survey.id}:r:5"))
    assert "负责人员" in texts(await h.press(f"sv:{survey.id}:p:4"))
    assert buttons(await h.press(f"sv:{survey.id}:m:1")) == [
        f"sv:{survey.id}:s:y", f"sv:{survey.id}:s:n"]
    await h.press(f"sv:{survey.id}:s:y")
    assert [m.payload["event"] for m in h.staff_new] == ["survey_unsatisfied"]
    case = await get_case(store, case_id)
    assert case.state == "reopened" and case.reopen_count == 1
    await h.say("师傅态度不好")
    (survey,) = await surveys_of(store, case_id)
    assert (survey.score_result, survey.score_process, survey.score_person, survey.solved,
            survey.comment) == (5, 4, 1, True, "师傅态度不好")
    assert [m.payload["event"] for m in h.staff_new] == ["owner_message"]
    assert "已经完成" in texts(await h.press(f"sv:{survey.id}:r:1"))  # no second answer


async def test_a_happy_survey_does_not_reopen_and_someone_else_cannot_answer(store: Store) -> None:
    h = Harness(store)
    start = h.clock.now()
    case_id = await open_case(store, start, person_id=await add_person(store))
    await resolve(store, case_id, start)
    await Worker(store, h.clock).tick()
    (survey,) = await surveys_of(store, case_id)
    assert "没能理解" in texts(await h.press(f"sv:{survey.id}:r:1", user="stranger"))
    for data in ("r:5", "p:5", "m:5", "s:y"):
        await h.press(f"sv:{survey.id}:{data}")
    assert h.staff_new == []
    assert (await get_case(store, case_id)).state == "resolved"


async def test_an_unanswered_survey_is_reminded_once(store: Store) -> None:
    h = Harness(store)
    start = h.clock.now()
    case_id = await open_case(store, start, person_id=await add_person(store))
    await resolve(store, case_id, start)
    worker = Worker(store, h.clock)
    await worker.tick()
    h.clock.set(start + timedelta(hours=71))
    await worker.tick()
    assert len(await outbox(store, kind="survey")) == 1
    h.clock.set(start + timedelta(days=3, minutes=1))
    await worker.tick()
    h.clock.set(start + timedelta(days=6))
    await Worker(store, h.clock).tick()
    rows = await outbox(store, kind="survey")
    assert len(rows) == 2 and "温馨提醒" in rows[1].payload["text"]
    (survey,) = await surveys_of(store, case_id)
    assert survey.reminded_at is not None


async def test_a_complaint_gets_a_return_visit_and_no_reopens_it(store: Store) -> None:
    h = Harness(store)
    start = h.clock.now()
    case_id = await open_case(store, start, kind="complaint", person_id=await add_person(store))
    await resolve(store, case_id, start)
    worker = Worker(store, h.clock)
    await worker.tick()
    (survey,) = await surveys_of(store, case_id)
    for data in ("r:4", "p:4", "m:4", "s:y"):
        await h.press(f"sv:{survey.id}:{data}")
    h.clock.set(start + timedelta(days=13))
    await worker.tick()
    assert [s.kind for s in await surveys_of(store, case_id)] == ["survey"]
    h.clock.set(start + timedelta(days=14, minutes=1))
    await worker.tick()
    texts_sent = await deliver(h)
    assert any("是否仍然解决" in t for t in texts_sent)
    visit = (await surveys_of(store, case_id))[-1]
    assert visit.kind == "revisit"
    await h.press(f"sv:{visit.id}:v:n")
    assert (await get_case(store, case_id)).state == "reopened"
    assert [m.payload["event"] for m in h.staff_new] == ["survey_unsatisfied"]


async def test_warranty_notice_two_months_ahead_once_and_the_monthly_check(store: Store) -> None:
    h = Harness(store)
    await add_person(store, warranty_end=d("2027-01-20"), delivery_date=d("2026-10-15"))
    await add_person(store, name="李娜", phone="13800138002", chat="u2",
                     warranty_end=d("2027-06-01"))
    h.clock.set(local(2026, 11, 1, 10, 0))
    worker = Worker(store, h.clock)
    await worker.tick()
    notices = await outbox(store, kind="notice")
    assert [(n.chat_id, n.dedupe_key.split(":")[0]) for n in notices] == [  # type: ignore[union-attr]
        ("u1", "monthly")]
    assert notices[0].payload["buttons"][0][0]["data"] == "mc:202610:1"
    h.clock.set(local(2026, 11, 21, 10, 0))  # 60 days before 20 January
    await worker.tick()
    h.clock.set(local(2026, 11, 22, 10, 0))
    await Worker(store, h.clock).tick()
    warranty = [n for n in await outbox(store, kind="notice") if n.dedupe_key
                and n.dedupe_key.startswith("warranty:")]
    assert [n.chat_id for n in warranty] == ["u1"] and "2027年1月20日" in warranty[0].payload["text"]
    await h.press("mc:202610:1")
    assert [m.chat_id for m in h.staff_new] == ["customer_service"]
    await h.press("mc:202610:4")  # changed their mind: the latest answer counts, once
    async with store.transaction() as session:
        checks = (await session.scalars(select(MonthlyCheck))).all()
    assert [(c.month, c.score) for c in checks] == [("202610", 4)]
    assert h.staff_new == []  # a 4 is no alert


async def test_outside_hours_the_first_message_gets_one_auto_reply_per_off_period(
    store: Store,
) -> None:
    config = Config(hours=HoursConfig(enabled=True))
    h = Harness(store, config)
    install_into(Worker(store, h.clock, config).scheduler, h.dispatcher, store, config)
    await add_person(store)
    h.clock.set(local(2026, 11, 18, 20, 0))  # Wednesday evening
    first = texts(await h.say("物业费怎么交"))
    assert "非工作时间" in first and config.centre.emergency_phone in first
    assert "非工作时间" not in texts(await h.say("你好"))
    h.clock.set(local(2026, 11, 19, 10, 0))
    assert "非工作时间" not in texts(await h.say("你好"))
    h.clock.set(local(2026, 11, 19, 19, 0))
    assert "非工作时间" in texts(await h.say("你好"))  # a new off period
    await h.say("厨房燃气泄漏了")
    assert "on_duty" in [m.chat_id for m in h.staff_new]
