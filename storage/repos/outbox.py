"""The transactional outbox: rows written with the change that caused them, drained by a sender."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox

PENDING, SENDING, SENT, FAILED, UNREACHABLE = "pending", "sending", "sent", "failed", "unreachable"


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        *,
        channel: str,
        chat_id: str,
        payload: dict[str, Any],
        now: datetime,
        priority: int = 0,
        kind: str = "reply",
        person_id: int | None = None,
        case_id: int | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> Outbox:
        row = Outbox(
            channel=channel,
            chat_id=chat_id,
            payload=payload,
            priority=priority,
            kind=kind,
            person_id=person_id,
            case_id=case_id,
            dedupe_key=dedupe_key,
            status=PENDING,
            attempts=0,
            not_before=not_before or now,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def enqueue_many(self, rows: Iterable[dict[str, Any]], now: datetime) -> int:
        """Bulk insert; rows whose dedupe_key already exists are skipped (exactly-once)."""
        values = [
            {
                "priority": 0,
                "kind": "bulk",
                "person_id": None,
                "case_id": None,
                "dedupe_key": None,
                **r,
                "status": PENDING,
                "attempts": 0,
                "not_before": r.get("not_before") or now,
                "created_at": now,
            }
            for r in rows
        ]
        if not values:
            return 0
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        total = 0
        for start in range(0, len(values), 2000):
            chunk = values[start : start + 2000]
            stmt = insert(Outbox).on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
            # RETURNING counts the rows really inserted (rowcount is unreliable for executemany).
            result = await self.session.execute(stmt.returning(Outbox.id), chunk)
            total += len(result.all())
        return total

    def _claimable(self, now: datetime) -> Any:
        return or_(
            and_(Outbox.status == PENDING, Outbox.not_before <= now),
            and_(Outbox.status == SENDING, Outbox.lease_until < now),
        )

    async def claim(
        self, now: datetime, *, limit: int, lease: timedelta, channels: Sequence[str] | None = None
    ) -> list[Outbox]:
        """Lease due rows (priority first); expired leases of a crashed sender are reclaimed.

        Two index-ordered queries (expired leases, then pending rows in the order of
        ix_outbox_due) instead of one OR: a single OR query sorts the whole backlog, which
        costs ~100 ms per claim with 100,000 rows waiting."""
        locking = self.session.get_bind().dialect.name == "postgresql"
        rows: list[Outbox] = []
        for status, due in ((SENDING, Outbox.lease_until < now), (PENDING, Outbox.not_before <= now)):
            stmt = select(Outbox).where(Outbox.status == status, due)
            if channels is not None:
                stmt = stmt.where(Outbox.channel.in_(channels))
            stmt = stmt.order_by(Outbox.priority, Outbox.not_before, Outbox.id)
            stmt = stmt.limit(limit - len(rows))
            if locking:
                stmt = stmt.with_for_update(skip_locked=True)
            rows.extend((await self.session.scalars(stmt)).all())
            if len(rows) >= limit:
                break
        for row in rows:
            row.status = SENDING
            row.lease_until = now + lease
            row.attempts += 1
        await self.session.flush()
        return rows

    async def mark_sent(self, row_id: int, now: datetime, external_id: str | None) -> None:
        await self.session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(status=SENT, sent_at=now, external_id=external_id, lease_until=None, error=None)
        )

    async def mark(self, row_id: int, status: str, error: str | None = None) -> None:
        await self.session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(status=status, error=error, lease_until=None)
        )

    async def retry_at(self, row_id: int, when: datetime, error: str, *, count: bool = True) -> None:
        """Put a row back for a later try; `count=False` gives back the attempt (429 pauses)."""
        values: dict[str, Any] = {
            "status": PENDING,
            "not_before": when,
            "lease_until": None,
            "error": error,
        }
        if not count:
            values["attempts"] = Outbox.attempts - 1
        await self.session.execute(update(Outbox).where(Outbox.id == row_id).values(**values))

    async def depth(self) -> tuple[int, datetime | None]:
        """How many rows wait, and since when the oldest."""
        row = (
            await self.session.execute(
                select(func.count(Outbox.id), func.min(Outbox.created_at)).where(
                    Outbox.status.in_((PENDING, SENDING))
                )
            )
        ).one()
        oldest = row[1]
        return int(row[0]), oldest

    async def for_chat(self, channel: str, chat_id: str, limit: int = 50) -> Sequence[Outbox]:
        stmt = (
            select(Outbox)
            .where(Outbox.channel == channel, Outbox.chat_id == chat_id)
            .order_by(Outbox.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def for_case(self, case_id: int) -> Sequence[Outbox]:
        stmt = select(Outbox).where(Outbox.case_id == case_id).order_by(Outbox.id)
        return (await self.session.scalars(stmt)).all()
