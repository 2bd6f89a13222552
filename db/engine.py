"""Database engines for SQLite (the embedded default) and PostgreSQL (production).

Owns connection settings. SQLite runs in WAL mode; writers wait for the lock (without blocking
the event loop, see ``db.sqlite_driver``) instead of failing with "database is locked", and
every transaction starts with ``BEGIN IMMEDIATE``: a transaction that reads first and writes
later would otherwise deadlock on the lock upgrade, which SQLite reports at once instead of
waiting. PostgreSQL uses asyncpg.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db import sqlite_driver

#: execution options of a connection that only reads: on SQLite it begins DEFERRED and so
#: does not take the write lock
READ_ONLY = {"yousu_read_only": True}
#: how long a SQLite writer waits for the lock before the use case fails (the wait is an
#: asyncio sleep between tries, so other coroutines run meanwhile)
SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    schema: str | None = None,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine for ``url``. ``schema`` (PostgreSQL only) sets the search path, which
    the tests use to give each run a schema of its own; ``busy_timeout_ms`` (SQLite only) is
    how long a writer waits for the lock."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            async_creator=sqlite_driver.connector(database or ":memory:", busy_timeout_ms / 1000),
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": 5}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control from the driver so BEGIN IMMEDIATE below is what runs
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get("yousu_read_only", False)
        driver = connection.connection.driver_connection
        if isinstance(driver, sqlite_driver.LoopConnection):
            # a read-only transaction may be a long report: its statements go to the thread
            driver.runs_inline = not read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
