"""timers: people.next_birthday (indexed) for the daily birthday greetings

Revision ID: 0005
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("next_birthday", sa.Date(), nullable=True))
    op.create_index("ix_people_next_birthday", "people", ["next_birthday"])


def downgrade() -> None:
    op.drop_index("ix_people_next_birthday", table_name="people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("next_birthday")
