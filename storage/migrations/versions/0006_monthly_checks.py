"""monthly satisfaction check answers as data (joins the milestone and timer branches)

Revision ID: 0006
Revises: 0004, 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monthly_checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("people.id"), nullable=False),
        sa.Column("month", sa.String(6), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "month", name="uq_monthly_check"),
    )
    op.create_index("ix_monthly_checks_person_id", "monthly_checks", ["person_id"])
    op.create_index("ix_monthly_checks_answered_at", "monthly_checks", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_monthly_checks_answered_at", table_name="monthly_checks")
    op.drop_index("ix_monthly_checks_person_id", table_name="monthly_checks")
    op.drop_table("monthly_checks")
