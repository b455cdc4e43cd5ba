"""The store: engine factory, transactions and migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Map plain URLs to the async drivers we ship (sqlite → aiosqlite, postgres → asyncpg)."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build an engine; SQLite gets WAL, a busy timeout and IMMEDIATE write transactions."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling defers BEGIN and upgrades read locks to write locks
    # lazily, which deadlocks concurrent writers instead of waiting; take the write lock up front.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


class Store:
    """Owns the engine and hands out sessions; one transaction per unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self, revision: str = "heads") -> None:
        """Apply Alembic migrations up to `revision` (all branch heads by default)."""

        def run(conn: Connection) -> tuple[set[str], set[str]]:
            before = set(MigrationContext.configure(conn).get_current_heads())
            command.upgrade(alembic_config(conn), revision)
            return before, set(MigrationContext.configure(conn).get_current_heads())

        async with self.engine.begin() as conn:
            before, after = await conn.run_sync(run)
        if before != after:
            log.info("store migrated: %s → %s", ", ".join(sorted(before)) or "empty",
                     ", ".join(sorted(after)))
        else:
            log.debug("store schema up to date (%s)", ", ".join(sorted(after)))

    async def close(self) -> None:
        await self.engine.dispose()
