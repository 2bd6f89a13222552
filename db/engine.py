"""Database engines for SQLite (the embedded default) and PostgreSQL (production).

Owns connection settings. SQLite runs in WAL mode; writers wait for the lock (without blocking
the event loop, see ``db.sqlite_driver``) instead of failing with "database is locked", and
every transaction starts with ``BEGIN IMMEDIATE``: a transaction that reads first and writes
later would otherwise deadlock on the lock upgrade, which SQLite reports at once instead of
waiting. PostgreSQL uses asyncpg. Any other URL is refused with a named error saying what to
write (``DatabaseMisconfigured``).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import YousuError
from db import sqlite_driver

#: execution options of a connection that only reads: on SQLite it begins DEFERRED and so
#: does not take the write lock
READ_ONLY = {"yousu_read_only": True}
#: how long a SQLite writer waits for the lock before the use case fails (the wait is an
#: asyncio sleep between tries, so other coroutines run meanwhile)
SQLITE_BUSY_TIMEOUT_MS = 10_000


#: the URLs yousu can use, as an operator is told when DATABASE_URL is something else
URL_FORMS_ZH = "sqlite+aiosqlite:///文件路径 或 postgresql+asyncpg://用户:密码@主机:端口/库名"
URL_FORMS_EN = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB"
_SUPPORTED = {("sqlite", "aiosqlite"), ("postgresql", "asyncpg")}


class DatabaseMisconfigured(YousuError):
    """The database named in the settings cannot be used as it is: an unsupported or
    malformed URL, a database or role that does not exist, a wrong password, a SQLite path
    that cannot be written. Unlike ``DatabaseUnavailable``, waiting will not help: the
    operator must change something (the CLI exits with code 2 and says what)."""

    code = "database_misconfigured"
    http_status = 503


class DatabaseMissing(YousuError):
    """The SQLite file a service is configured with is not there, and the service was not
    asked to create it: it may have been deleted or moved, and an empty database in its place
    would silently lose what was acknowledged (the CLI exits with code 2)."""

    code = "database_missing"
    http_status = 503


def shown_url(url: str) -> str:
    """``url`` as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r":[^:@/]*@", ":***@", url)


def check_url(url: str) -> URL:
    """The parsed URL if yousu can use it; ``DatabaseMisconfigured`` saying what to write
    otherwise (``mysql://``, ``postgresql://`` without asyncpg, a typo)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseMisconfigured(
            f"数据库地址 DATABASE_URL 无法识别：{shown_url(url)}。应为 {URL_FORMS_ZH}",
            f"DATABASE_URL is not a database URL: {shown_url(url)}; use {URL_FORMS_EN}",
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if (backend, driver) not in _SUPPORTED:
        hint = {"sqlite": "sqlite+aiosqlite://", "postgresql": "postgresql+asyncpg://"}
        better = f"（请写成 {hint[backend]}...）" if backend in hint else ""
        raise DatabaseMisconfigured(
            f"不支持的数据库地址：{shown_url(url)}{better}。yousu 支持 {URL_FORMS_ZH}",
            f"unsupported database URL {shown_url(url)} ({backend}+{driver}); use {URL_FORMS_EN}",
        )
    return parsed


def is_sqlite(url: str) -> bool:
    return check_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for PostgreSQL and in-memory databases)."""
    parsed = check_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


#: why a folder cannot be made, in Chinese
_WHY = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "不允许写入",
    errno.EROFS: "文件系统是只读的",
    errno.EEXIST: "路径中有同名的文件",
    errno.ENOTDIR: "路径中有同名的文件",
    errno.ENOENT: "上级路径不存在",
    errno.ENOSPC: "磁盘已满",
}


def _prepare_sqlite_folder(path: Path) -> None:
    """The file's folder exists (made if need be), the path is not a folder itself, and a
    missing file can be created (asked before a connection fails half-way trying)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = _WHY.get(exc.errno or 0, exc.strerror or str(exc))
        raise DatabaseMisconfigured(
            f"无法创建 SQLite 数据库所在的文件夹 {path.parent}：{why}",
            f"cannot create the SQLite database folder {path.parent}: {exc}",
        ) from None
    if path.is_dir():
        raise DatabaseMisconfigured(
            f"SQLite 数据库路径 {path} 是一个文件夹，请指定文件",
            f"the SQLite database path {path} is a folder",
        )
    if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise DatabaseMisconfigured(
            f"无法在文件夹 {path.parent} 中创建 SQLite 数据库文件：没有写入权限",
            f"cannot create the SQLite database in {path.parent}: the folder is not writable",
        )


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
        path = sqlite_path(url)
        if path is not None:
            _prepare_sqlite_folder(path)
        engine = create_async_engine(
            url,
            async_creator=sqlite_driver.connector(
                str(path) if path else ":memory:", busy_timeout_ms / 1000
            ),
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
