"""ORM models: the single source of truth for the schema (migrations mirror it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# SQLite has no 64-bit autoincrement for BIGINT primary keys; use INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        # SQLite keeps text; store UTC without an offset so string order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Person(Base):
    """Someone on the roster (owner, buyer, prospect) or a prospect who wrote in."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    project: Mapped[str | None] = mapped_column(String(100), index=True)
    building: Mapped[str | None] = mapped_column(String(50))
    unit: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16), default="prospect")  # owner|buyer|prospect
    birthday: Mapped[date | None] = mapped_column(Date)
    birthday_lunar: Mapped[bool] = mapped_column(Boolean, default=False)
    # The next solar date of the birthday (lunar ones converted), kept by the roster import and
    # advanced after each greeting: today's recipients are one index lookup (issue 6).
    next_birthday: Mapped[date | None] = mapped_column(Date, index=True)
    signing_date: Mapped[date | None] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    on_roster: Mapped[bool] = mapped_column(Boolean, default=False)
    notices_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    greetings_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    identities: Mapped[list[Identity]] = relationship(back_populates="person")

    __table_args__ = (Index("ix_people_project_building", "project", "building"),)


class Identity(Base):
    """The link between a channel account and a person."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="identities")

    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_identity_channel_user"),)


class Case(Base):
    """A repair, complaint, inquiry or suggestion, from intake to close."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    assignee: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    desired_outcome: Mapped[str | None] = mapped_column(Text)
    visit_at: Mapped[datetime | None]
    visit_end: Mapped[datetime | None]
    project: Mapped[str | None] = mapped_column(String(100))
    building: Mapped[str | None] = mapped_column(String(50))
    unit: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    staff_chat_id: Mapped[str | None] = mapped_column(String(64))
    staff_thread_id: Mapped[str | None] = mapped_column(String(64))
    staff_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime]
    first_reply_due: Mapped[datetime | None]
    handle_due: Mapped[datetime | None]
    first_replied_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    attachments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    person: Mapped[Person | None] = relationship()


class CaseEvent(Base):
    """One step in a case's history: state change, note, message, with who did it."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(24))  # created|state|note|message_in|message_out|assign
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseCounter(Base):
    """Per-prefix, per-day sequence for readable case numbers."""

    __tablename__ = "case_counters"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class InboundMessage(Base):
    """Every message received, stored before anything is acknowledged."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_inbound_chat", "channel", "chat_id", "id"),
        UniqueConstraint("channel", "chat_id", "external_id", name="uq_inbound_external"),
    )


class Conversation(Base):
    """Where a user is in a flow, so a restart continues mid-form."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("channel", "chat_id", "user_id", name="uq_conversation_key"),
    )


class Outbox(Base):
    """An outbound message; written in the transaction that caused it, sent later."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # lower is sooner
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    person_id: Mapped[int | None] = mapped_column(BigId)
    case_id: Mapped[int | None] = mapped_column(BigId, index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_due", "status", "priority", "not_before", "id"),)


class Timer(Base):
    """Work due later (SLA checks, surveys, greetings): claimed by the scheduler."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    due_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(BigId, index=True)
    person_id: Mapped[int | None] = mapped_column(BigId)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)
