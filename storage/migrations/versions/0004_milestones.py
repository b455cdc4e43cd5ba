"""construction-milestone announcements and subscriptions

Revision ID: 0004
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "milestone_announcements",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("building", sa.String(50), nullable=False),
        sa.Column("milestone", sa.String(32), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo", sa.String(300), nullable=True),
        sa.Column("announced_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("project", "building", "milestone", name="uq_milestone_announcement"),
    )
    op.create_table(
        "milestone_subscriptions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("person_id", BigId, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "project", name="uq_milestone_subscription"),
    )
    op.create_index(
        "ix_milestone_subscriptions_person_id", "milestone_subscriptions", ["person_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_milestone_subscriptions_person_id", table_name="milestone_subscriptions")
    op.drop_table("milestone_subscriptions")
    op.drop_table("milestone_announcements")
