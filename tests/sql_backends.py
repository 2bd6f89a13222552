"""The two real databases every storage and service test runs on: a SQLite file and the
PostgreSQL server.

Each test session migrates one template of each (a SQLite file that is copied for every test;
a PostgreSQL schema of its own, emptied before every test), so tests are isolated and quick.
``YOUSU_TEST_POSTGRES_URL`` names the server (default: the local one); PostgreSQL tests fail
with a clear message when it cannot be reached, unless that variable is set to the empty
string, which skips them on purpose.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from db.bootstrap import Database, open_database
from db.engine import create_engine
from db.models import Base
from db.uow import SqlUnitOfWorkFactory

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://root@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")
#: tables whose rows belong to one test (units come from the knowledge base and stay)
_PER_TEST = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "units"]


def postgres_url() -> str | None:
    url = os.environ.get("YOUSU_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return url or None


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Templates:
    """Migrated databases made once per session."""

    def __init__(self, folder: Path) -> None:
        self.sqlite_file = folder / "template.sqlite"
        self.schema = f"yousu_test_{uuid.uuid4().hex[:10]}"
        self._postgres_ready: bool | None = None
        self._postgres_error = ""

    def prepare_sqlite(self) -> None:
        async def go() -> None:
            database = await open_database(sqlite_url(self.sqlite_file))
            await database.dispose()

        asyncio.run(go())

    async def prepare_postgres(self) -> None:
        """Create and migrate this session's schema (once; called from the first test)."""
        url = postgres_url()
        if self._postgres_ready is not None or url is None:
            return

        async def go() -> None:
            admin = create_engine(url)
            try:
                async with admin.begin() as connection:
                    await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            finally:
                await admin.dispose()
            database = await open_database(url, schema=self.schema)
            await database.dispose()

        try:
            await go()
            self._postgres_ready = True
        except Exception as exc:  # reported by every PostgreSQL test below
            self._postgres_ready = False
            self._postgres_error = f"{type(exc).__name__}: {exc}"

    def drop_postgres(self) -> None:
        url = postgres_url()
        if not self._postgres_ready or url is None:
            return

        async def go() -> None:
            admin = create_engine(url)
            try:
                async with admin.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            finally:
                await admin.dispose()

        asyncio.run(go())

    @asynccontextmanager
    async def database(self, backend: str, folder: Path) -> AsyncIterator[Database]:
        if backend == "sqlite":
            path = folder / "yousu.sqlite"
            shutil.copyfile(self.sqlite_file, path)
            url = sqlite_url(path)
            engine = create_engine(url)
        else:
            url = postgres_url() or ""
            if not url:
                pytest.skip("YOUSU_TEST_POSTGRES_URL is empty: PostgreSQL tests skipped on purpose")
            await self.prepare_postgres()
            if not self._postgres_ready:
                pytest.fail(
                    f"PostgreSQL at {url} is not usable ({self._postgres_error}). Start it, set "
                    "YOUSU_TEST_POSTGRES_URL to another server, or to '' to skip these tests."
                )
            engine = create_engine(url, schema=self.schema)
            async with engine.begin() as connection:
                tables = ", ".join(f'"{name}"' for name in _PER_TEST)
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        database = Database(url=url, engine=engine, uow_factory=SqlUnitOfWorkFactory(engine))
        try:
            yield database
        finally:
            await database.dispose()
