"""Construction-milestone announcements and prospects' subscriptions to a project's news."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigId


class Announcement(Base):
    """One milestone announced for a project (building "" = the whole project).

    Unique per (project, building, milestone): announcing again reuses the row, so the outbox
    dedupe keys `milestone:<id>:<person>` make every recipient get it exactly once."""

    __tablename__ = "milestone_announcements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    building: Mapped[str] = mapped_column(String(50), default="")
    milestone: Mapped[str] = mapped_column(String(32))
    reached_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(300))
    announced_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("project", "building", "milestone", name="uq_milestone_announcement"),
    )


class MilestoneSubscription(Base):
    """A prospect (or anyone) who asked for a project's construction news."""

    __tablename__ = "milestone_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    project: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("person_id", "project", name="uq_milestone_subscription"),
    )
