"""Shared fixtures: every store-backed test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from storage.db import Store
from tests.support.postgres import PgServer, start_server

pytest_plugins = ["tests.fakes.fixtures"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    server = start_server()
    if server is None and os.environ.get("ANJU_REQUIRE_PG"):
        pytest.fail("ANJU_REQUIRE_PG is set but PostgreSQL could not be started")
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated, empty store: a SQLite file, or a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'anju.db'}"
    else:
        server: PgServer | None = request.getfixturevalue("pg_server")
        if server is None:
            pytest.skip("PostgreSQL is not installed (set ANJU_REQUIRE_PG=1 to make this fail)")
        name = f"anju_test_{os.getpid()}_{next(_counter)}"
        conn = await asyncpg.connect(server.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = server.url(name)
    store = Store.from_url(url)
    await store.upgrade()
    yield store
    await store.close()
