"""Cases and their history; every state change goes through the lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.lifecycle import NEW, OPEN_STATES, REOPENED, RESOLVED, check_transition
from storage.models import Case, CaseCounter, CaseEvent

PREFIX = {"repair": "R", "complaint": "C", "inquiry": "Q", "suggestion": "S"}


class CaseRepo:
    def __init__(self, session: AsyncSession, timezone: str = "Asia/Shanghai") -> None:
        self.session = session
        self.tz = ZoneInfo(timezone)

    async def next_number(self, kind: str, now: datetime) -> str:
        """`R-20261122-0007`: prefix by kind, local date, a per-day sequence."""
        day = now.astimezone(self.tz).strftime("%Y%m%d")
        prefix = PREFIX.get(kind, "X")
        key = f"{prefix}-{day}"
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(CaseCounter)
            .values(key=key, value=1)
            .on_conflict_do_update(
                index_elements=[CaseCounter.key], set_={"value": CaseCounter.value + 1}
            )
            .returning(CaseCounter.value)
        )
        value = (await self.session.execute(stmt)).scalar_one()
        return f"{key}-{value:04d}"

    async def open(self, *, kind: str, now: datetime, actor: str, **fields: Any) -> Case:
        case = Case(
            number=await self.next_number(kind, now),
            kind=kind,
            state=NEW,
            created_at=now,
            updated_at=now,
            attachments=fields.pop("attachments", None) or {},
            **fields,
        )
        self.session.add(case)
        await self.session.flush()
        self.session.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                actor=actor,
                type="created",
                to_state=NEW,
                text=case.description,
                data={"urgent": case.urgent, "department": case.department},
            )
        )
        await self.session.flush()
        return case

    async def transition(
        self, case: Case, target: str, *, actor: str, now: datetime, note: str | None = None
    ) -> CaseEvent:
        """Move a case to `target`, refusing what the lifecycle forbids, and record it."""
        check_transition(case.number, case.state, target)
        event = CaseEvent(
            case_id=case.id,
            at=now,
            actor=actor,
            type="state",
            from_state=case.state,
            to_state=target,
            text=note,
        )
        if target == RESOLVED:
            case.resolved_at = now
        elif target == REOPENED:
            case.reopen_count += 1
            case.resolved_at = None
        elif target == "closed":
            case.closed_at = now
        case.state = target
        case.updated_at = now
        self.session.add(event)
        await self.session.flush()
        return event

    async def add_event(
        self,
        case: Case,
        type_: str,
        *,
        actor: str,
        now: datetime,
        text: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> CaseEvent:
        event = CaseEvent(
            case_id=case.id, at=now, actor=actor, type=type_, text=text, data=data or {}
        )
        case.updated_at = now
        self.session.add(event)
        await self.session.flush()
        return event

    async def get(self, case_id: int) -> Case | None:
        return await self.session.get(Case, case_id)

    async def by_number(self, number: str, *, with_events: bool = False) -> Case | None:
        stmt = select(Case).where(Case.number == number.strip().upper())
        if with_events:
            stmt = stmt.options(selectinload(Case.events), selectinload(Case.person))
        return await self.session.scalar(stmt)

    async def for_person(
        self, person_id: int, *, channel: str | None = None, chat_id: str | None = None
    ) -> Sequence[Case]:
        stmt = select(Case).where(Case.person_id == person_id)
        if channel is not None:
            stmt = stmt.where(Case.channel == channel, Case.chat_id == chat_id)
        return (await self.session.scalars(stmt.order_by(Case.id.desc()).limit(20))).all()

    async def open_case_for_chat(self, channel: str, chat_id: str) -> Case | None:
        """The newest open case started from this chat (for relaying further messages)."""
        stmt = (
            select(Case)
            .where(Case.channel == channel, Case.chat_id == chat_id, Case.state.in_(OPEN_STATES))
            .order_by(Case.id.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    def listing(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        open_only: bool = False,
        project: str | None = None,
    ) -> Select[Case]:
        stmt = select(Case).options(selectinload(Case.person)).order_by(Case.id.desc())
        if state:
            stmt = stmt.where(Case.state == state)
        if kind:
            stmt = stmt.where(Case.kind == kind)
        if open_only:
            stmt = stmt.where(Case.state.in_(OPEN_STATES))
        if project:
            stmt = stmt.where(Case.project == project)
        return stmt

    async def list(self, limit: int = 50, **filters: Any) -> Sequence[Case]:
        return (await self.session.scalars(self.listing(**filters).limit(limit))).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count(Case.id))) or 0)
