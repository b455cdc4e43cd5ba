"""The case lifecycle: legal paths succeed and are recorded, illegal ones are refused clearly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from handlers import casework
from storage.db import Store
from storage.lifecycle import IllegalTransition
from storage.models import CaseEvent, Outbox
from storage.repos.cases import CaseRepo
from tests.support.harness import START


async def open_case(store: Store, kind: str = "repair") -> int:
    async with store.transaction() as session:
        case = await CaseRepo(session).open(
            kind=kind, now=START, actor="test", department="property", title="t",
            description="卫生间漏水", channel="test", chat_id="c1",
        )
        return case.id


async def test_case_numbers_are_readable_and_sequential_per_day(store: Store) -> None:
    async with store.transaction() as session:
        repo = CaseRepo(session)
        first = await repo.next_number("repair", START)
        second = await repo.next_number("repair", START)
        complaint = await repo.next_number("complaint", START)
    assert (first, second, complaint) == ("R-20261118-0001", "R-20261118-0002", "C-20261118-0001")


async def test_the_full_lifecycle_with_second_handling(store: Store) -> None:
    case_id = await open_case(store)
    clock = FakeClock(START)
    path = ["assigned", "in_progress", "resolved", "reopened", "in_progress", "resolved", "closed"]
    for target in path:
        clock.advance(hours=1)
        async with store.transaction() as session:
            case = await CaseRepo(session).get(case_id)
            assert case is not None
            await casework.change_state(session, case, target, actor="staff:1", now=clock.now())
    async with store.transaction() as session:
        case = await CaseRepo(session).get(case_id)
        assert case is not None
        assert (case.state, case.reopen_count) == ("closed", 1)
        assert case.first_replied_at is not None and case.closed_at is not None
        events = (await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.type == "state")
            .order_by(CaseEvent.id))).all()
        assert [e.to_state for e in events] == path
        notices = (await session.scalars(select(Outbox).where(Outbox.kind == "progress"))).all()
        assert len(notices) == len(path)


@pytest.mark.parametrize(("path", "target"), [
    ((), "closed"),
    ((), "reopened"),
    (("resolved", "closed"), "in_progress"),
    (("cancelled",), "assigned"),
])
async def test_an_illegal_transition_is_refused_with_a_clear_error(
    store: Store, path: tuple[str, ...], target: str
) -> None:
    case_id = await open_case(store)
    async with store.transaction() as session:
        case = await CaseRepo(session).get(case_id)
        assert case is not None
        for step in path:
            await CaseRepo(session).transition(case, step, actor="t", now=START)
        with pytest.raises(IllegalTransition) as err:
            await CaseRepo(session).transition(case, target, actor="t", now=START)
    assert f"cannot become {target}" in str(err.value) and case.number in str(err.value)


async def test_an_unknown_state_is_refused(store: Store) -> None:
    case_id = await open_case(store)
    async with store.transaction() as session:
        case = await CaseRepo(session).get(case_id)
        assert case is not None
        with pytest.raises(ValueError, match="unknown case state"):
            await CaseRepo(session).transition(case, "done", actor="t", now=START)
