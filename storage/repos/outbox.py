"""The transactional outbox: rows written with the change that caused them, drained by a sender."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.models import Outbox

PENDING, SENDING, SENT, FAILED, UNREACHABLE = "pending", "sending", "sent", "failed", "unreachable"

_T = cast(Table, Outbox.__table__)
# The columns a sender needs to deliver a claimed row (no ORM objects: a claim of 50 rows as
# ORM objects plus their per-row flush cost ~11 ms of CPU, as plain rows ~1-2 ms).
_CLAIM_COLUMNS = (
    _T.c.id, _T.c.channel, _T.c.chat_id, _T.c.payload, _T.c.kind, _T.c.case_id, _T.c.person_id,
    _T.c.attempts, _T.c.error,
)
# The same columns for the SQLite claim's RETURNING, plus the claim order.
_CLAIM_SQL = ", ".join(c.name for c in _CLAIM_COLUMNS) + ", priority, not_before"
_MARK_SENT = (
    update(_T)
    .where(_T.c.id == bindparam("row_id"))
    .values(status=SENT, sent_at=bindparam("sent_at"), external_id=bindparam("ext"),
            lease_until=None, error=None)
)


@dataclass(slots=True)
class Claimed:
    """A leased outbox row as the sender sees it (plain values, detached from any session);
    `attempts` and `lease_until` are the values the claim wrote."""

    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    kind: str
    case_id: int | None
    person_id: int | None
    attempts: int
    error: str | None
    lease_until: datetime


async def mark_sent_many(
    conn: AsyncConnection, marks: Sequence[tuple[int, str | None]], now: datetime
) -> None:
    """Marks rows sent in the caller's transaction: one executemany of a core UPDATE by id."""
    await conn.execute(
        _MARK_SENT, [{"row_id": row_id, "sent_at": now, "ext": ext} for row_id, ext in marks]
    )


class SentMarkWriter:
    """Commits "sent" marks on a connection of its own, kept open between writes.

    A pooled ORM transaction costs a checkout, BEGIN, cursor open/close, COMMIT and the pool's
    reset, each a hop to the driver's thread (about 1-2 ms of CPU on SQLite); one mark per
    send at 300/s cannot afford that. On SQLite the writer hands the aiosqlite connection one
    statement, `UPDATE … SET external_id = CASE id WHEN … END WHERE id IN (…)`, which SQLite
    runs as its own write transaction (autocommit; a write statement takes the write lock
    up front and waits on busy_timeout): one hop, atomic for all marks of the batch.
    Elsewhere it runs the core UPDATE in a transaction of its dedicated connection. A failed
    write drops the connection; the next write opens a new one. `close()` releases it."""

    CHUNK = 400  # marks per statement on SQLite (3 parameters each)

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # The same conversion the ORM applies to `sent_at` (UTC, naive text on SQLite).
        # The dialect-level processor: on SQLite it also renders the text the ORM writes
        # ("YYYY-MM-DD HH:MM:SS.ffffff"), which claims compare as strings.
        dialect = engine.dialect
        self.bind_time = (_T.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)
                          or (lambda v: v))
        load = _T.c.payload.type.dialect_impl(dialect).result_processor(dialect, None)
        self.load_json: Callable[[Any], Any] = load or (lambda v: v)
        self.conn: AsyncConnection | None = None
        self.driver: Any = None
        self.opening = asyncio.Lock()

    async def write(self, marks: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Commits the marks (one transaction, on SQLite one per 400 marks); returns once
        they are committed."""
        try:
            await self._connect()
            if self.sqlite:
                for start in range(0, len(marks), self.CHUNK):
                    await self._write_sqlite(marks[start : start + self.CHUNK], now)
            else:
                assert self.conn is not None
                async with self.conn.begin():
                    await mark_sent_many(self.conn, marks, now)
        except BaseException:
            await self.close(broken=True)
            raise

    async def _connect(self) -> None:
        """Opens the dedicated connection once (claims and marks may ask at the same time)."""
        async with self.opening:
            if self.conn is None:
                conn = await self.engine.connect()
                if self.sqlite:
                    self.driver = (await conn.get_raw_connection()).driver_connection
                self.conn = conn

    async def claim(
        self, now: datetime, *, limit: int, lease: timedelta, channels: Sequence[str] | None = None
    ) -> list[Claimed]:
        """SQLite only: `OutboxRepo.claim_batch` as autocommit statements on this writer's
        connection, one hop each (expired leases, then due pending rows). Each statement is
        atomic on its own. Sharing the marks' connection means claims and sent marks run one
        after the other in its driver thread instead of two connections contending for
        SQLite's write lock (where the loser sleeps in the busy handler, and a pooled claim
        transaction holds the lock across several event-loop turns)."""
        assert self.sqlite, "SentMarkWriter.claim is the SQLite fast path"
        until = now + lease
        claimed: list[Claimed] = []
        try:
            await self._connect()
            for status, due in ((SENDING, "lease_until < ?"), (PENDING, "not_before <= ?")):
                params: list[Any] = [SENDING, self.bind_time(until), status, self.bind_time(now)]
                where = f"status = ? AND {due}"
                if channels is not None:
                    where += " AND channel IN (" + ", ".join("?" * len(channels)) + ")"
                    params += channels
                params.append(limit - len(claimed))
                sql = (
                    "UPDATE outbox SET status = ?, lease_until = ?, attempts = attempts + 1 "
                    f"WHERE id IN (SELECT id FROM outbox WHERE {where} "
                    "ORDER BY priority, not_before, id LIMIT ?) RETURNING " + _CLAIM_SQL
                )
                found = await self.driver.execute_fetchall(sql, params)
                # RETURNING has no order: back to (priority, not_before, id); not_before is
                # UTC text on SQLite, so its string order is time order.
                for r in sorted(found, key=lambda r: (r[9], r[10], r[0])):
                    claimed.append(Claimed(r[0], r[1], r[2], self.load_json(r[3]), r[4], r[5],
                                           r[6], r[7], r[8], until))
                if len(claimed) >= limit:
                    break
        except BaseException:
            await self.close(broken=True)
            raise
        return claimed

    async def _write_sqlite(self, marks: Sequence[tuple[int, str | None]], now: datetime) -> None:
        params: list[Any] = [SENT, self.bind_time(now)]
        for row_id, ext in marks:
            params += (row_id, ext)
        params += (row_id for row_id, _ in marks)
        sql = (
            "UPDATE outbox SET status = ?, sent_at = ?, lease_until = NULL, error = NULL, "
            "external_id = CASE id" + " WHEN ? THEN ?" * len(marks) + " END "
            "WHERE id IN (" + ", ".join("?" * len(marks)) + ")"
        )
        await self.driver.execute_fetchall(sql, params)  # one hop; the cursor dies in the thread

    async def close(self, *, broken: bool = False) -> None:
        """Returns the connection to the pool (or discards it after a failed write)."""
        conn, self.conn, self.driver = self.conn, None, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if broken:
                await conn.invalidate()
            await conn.close()


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

    async def enqueue_from_select(
        self, rows: Select[Any], columns: Sequence[str], now: datetime
    ) -> int:
        """Bulk insert straight from a query (`INSERT … SELECT`, the rows never pass through
        Python): `rows` yields the named `columns`; status, attempts, not_before and
        created_at are filled in. Rows whose dedupe_key already exists are skipped
        (exactly-once); returns how many were inserted."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        filled = rows.add_columns(
            literal(PENDING), literal(0), literal(now, _T.c.not_before.type),
            literal(now, _T.c.created_at.type),
        ).where(true())  # SQLite: without a WHERE, "ON CONFLICT" would parse as a join clause
        stmt = insert(Outbox).from_select(
            [*columns, "status", "attempts", "not_before", "created_at"], filled
        ).on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def claim_batch(
        self, now: datetime, *, limit: int, lease: timedelta, channels: Sequence[str] | None = None
    ) -> list[Claimed]:
        """Lease due rows (priority first); expired leases of a crashed sender are reclaimed.

        Two index-ordered statements (expired leases, then pending rows in the order of
        ix_outbox_due) instead of one OR: a single OR query sorts the whole backlog, which
        costs ~100 ms per claim with 100,000 rows waiting. Each is one round trip, `UPDATE …
        SET status = 'sending', lease_until = …, attempts = attempts + 1 WHERE id IN (SELECT id
        … ORDER BY priority, not_before, id LIMIT n) RETURNING …` (plain column values, no ORM
        objects; SQLite ≥ 3.35); on PostgreSQL the subquery locks its rows `FOR UPDATE SKIP
        LOCKED`, so concurrent claimers never take the same row. RETURNING has no order, so
        the rows are sorted back into claim order here."""
        locking = self.session.get_bind().dialect.name == "postgresql"
        conn = await self.session.connection()
        until = now + lease
        claimed: list[Claimed] = []
        for status, due in ((SENDING, _T.c.lease_until < now), (PENDING, _T.c.not_before <= now)):
            pick = select(_T.c.id).where(_T.c.status == status, due)
            if channels is not None:
                pick = pick.where(_T.c.channel.in_(channels))
            pick = pick.order_by(_T.c.priority, _T.c.not_before, _T.c.id)
            pick = pick.limit(limit - len(claimed))
            if locking:
                pick = pick.with_for_update(skip_locked=True)
            stmt = (
                update(_T)
                .where(_T.c.id.in_(pick))
                .values(status=SENDING, lease_until=until, attempts=_T.c.attempts + 1)
                .returning(*_CLAIM_COLUMNS, _T.c.priority, _T.c.not_before)
            )
            found = sorted((await conn.execute(stmt)).all(),
                           key=lambda r: (r.priority, r.not_before, r.id))
            claimed.extend(
                Claimed(r.id, r.channel, r.chat_id, r.payload, r.kind, r.case_id, r.person_id,
                        r.attempts, r.error, until)
                for r in found
            )
            if len(claimed) >= limit:
                break
        return claimed

    async def claim(
        self, now: datetime, *, limit: int, lease: timedelta, channels: Sequence[str] | None = None
    ) -> list[Outbox]:
        """`claim_batch`, returning the leased rows as ORM objects (same order)."""
        claimed = await self.claim_batch(now, limit=limit, lease=lease, channels=channels)
        if not claimed:
            return []
        stmt = (
            select(Outbox)
            .where(Outbox.id.in_([c.id for c in claimed]))
            .execution_options(populate_existing=True)
        )
        by_id = {row.id: row for row in (await self.session.scalars(stmt)).all()}
        return [by_id[c.id] for c in claimed]

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
