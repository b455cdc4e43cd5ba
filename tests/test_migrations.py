"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

import storage.all_models  # noqa: F401  (registers every table on Base.metadata)
from storage.db import Store
from storage.models import Base


async def test_migrated_schema_matches_the_models(store: Store) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return [d for d in compare_metadata(context, Base.metadata)
                if not (isinstance(d, tuple) and d[0] == "remove_table"
                        and d[1].name == "alembic_version")]

    async with store.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
