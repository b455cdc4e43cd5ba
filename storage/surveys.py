"""Satisfaction surveys (after a repair or complaint) and return visits (after a complaint)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigId


class Survey(Base):
    """One survey or return visit sent for a case; answered in place, scores 1–5."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))  # survey | revisit
    round: Mapped[int] = mapped_column(Integer, default=1)  # a reopened case is surveyed again
    sent_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    score_result: Mapped[int | None] = mapped_column(Integer)  # the result
    score_process: Mapped[int | None] = mapped_column(Integer)  # the process
    score_person: Mapped[int | None] = mapped_column(Integer)  # the person responsible
    solved: Mapped[bool | None] = mapped_column(Boolean)  # revisit: "is it still solved?"
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("case_id", "kind", "round", name="uq_survey_case_kind"),)


class MonthlyCheck(Base):
    """An answer to the monthly satisfaction check (last month's signings and move-ins):
    one per person and month; answering again replaces the score."""

    __tablename__ = "monthly_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    month: Mapped[str] = mapped_column(String(6))  # YYYYMM of the signings/move-ins asked about
    score: Mapped[int] = mapped_column(Integer)  # 1–5
    answered_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("person_id", "month", name="uq_monthly_check"),)
