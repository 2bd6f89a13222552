"""Opening the database for a process: engine, migrations, units, unit-of-work factory.

Owns start-up of the storage side, shared by ``yousu run``, the CLI commands and the tests.
Units are synced from the knowledge registry on every start (insert new, update aliases), so
officials can only be attached to units the plans name.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import DatabaseUnavailable
from db.engine import (
    DatabaseMisconfigured,
    DatabaseMissing,
    create_engine,
    shown_url,
    sqlite_path,
)
from db.migrate import current_revision, upgrade
from db.models import UnitRow
from db.uow import SqlUnitOfWorkFactory, is_unavailable

log = logging.getLogger(__name__)


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory
    #: a SQLite file created by this start (there was none): callers say so loudly
    created: bool = False

    async def dispose(self) -> None:
        await self.engine.dispose()


async def sync_units(engine: AsyncEngine) -> int:
    """Make the units table match the knowledge registry; returns the number of units."""
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - reads JSON

    registry = load_knowledge_base().units
    wanted = {u.name: (list(u.aliases), False) for u in registry.all_units()}
    wanted.update({g.name: (list(g.aliases), True) for g in registry.all_groups()})
    async with engine.begin() as connection:
        have = {row.name: row for row in (await connection.execute(select(UnitRow))).all()}
        for name, (aliases, is_group) in wanted.items():
            if name not in have:
                await connection.execute(
                    insert(UnitRow).values(name=name, aliases=aliases, is_group=is_group)
                )
            elif list(have[name].aliases) != aliases or have[name].is_group != is_group:
                await connection.execute(
                    update(UnitRow)
                    .where(UnitRow.name == name)
                    .values(aliases=aliases, is_group=is_group)
                )
    return len(wanted)


#: PostgreSQL's answers (SQLSTATE) that mean the settings are wrong, not that it is down
_NO_DATABASE = "3D000"
_NO_ROLE = "28000"
_BAD_PASSWORD = "28P01"
_NO_PRIVILEGE = "42501"


def misconfiguration(url: str, exc: BaseException) -> DatabaseMisconfigured | None:
    """What the operator must change, when ``exc`` (met while opening ``url``) says so."""
    shown = shown_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        if path is None or not isinstance(cause, sqlite3.DatabaseError):
            return None
        reason = str(cause)
        if isinstance(cause, sqlite3.OperationalError) and "database is locked" in reason:
            return None  # another process holds the lock: that one is worth waiting for
        zh = {
            "unable to open database file": "无法打开或创建该文件（文件夹不可写？）",
            "attempt to write a readonly database": "文件是只读的",
            "file is not a database": "该文件不是 SQLite 数据库",
            "disk I/O error": "读写磁盘出错",
        }.get(reason, reason)
        return DatabaseMisconfigured(
            f"无法使用 SQLite 数据库文件 {path}：{zh}",
            f"cannot use the SQLite database {path}: {reason}",
        )
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    user, name = parsed.username or "", parsed.database or ""
    messages = {
        _NO_DATABASE: (
            f"PostgreSQL 服务器 {where} 上没有数据库“{name}”：请先创建（createdb {name}）"
            f"或改正 DATABASE_URL（{shown}）",
            f"database {name!r} does not exist on {where} ({shown})",
        ),
        _NO_ROLE: (
            f"PostgreSQL 服务器 {where} 上没有用户（角色）“{user}”：请先创建或改正 DATABASE_URL"
            f"（{shown}）",
            f"role {user!r} does not exist on {where} ({shown})",
        ),
        _BAD_PASSWORD: (
            f"PostgreSQL 用户“{user}”的密码不对，请检查 DATABASE_URL（{shown}）",
            f"password authentication failed for {user!r} ({shown})",
        ),
        _NO_PRIVILEGE: (
            f"PostgreSQL 用户“{user}”在数据库“{name}”中权限不足（需要建表权限以升级结构）",
            f"{user!r} lacks privileges in {name!r} to migrate the schema ({shown})",
        ),
    }
    if state in messages:
        return DatabaseMisconfigured(*messages[state])
    return None


@asynccontextmanager
async def _opening(url: str, engine: AsyncEngine) -> AsyncIterator[None]:
    """Errors met while opening ``url`` as named errors: what the operator must change
    (``DatabaseMisconfigured``), or a database that cannot be reached now
    (``DatabaseUnavailable``); the engine is disposed of either way."""
    try:
        yield
    except (DBAPIError, OSError, ConnectionError, TimeoutError) as exc:
        await engine.dispose()
        named = misconfiguration(url, exc)
        if named is not None:
            raise named from exc
        if is_unavailable(exc):
            raise DatabaseUnavailable(str(exc).splitlines()[0][:200]) from exc
        raise


def refuse_missing_sqlite(url: str) -> None:
    """``DatabaseMissing`` when ``url`` names a SQLite file that is not there."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    raise DatabaseMissing(
        f"数据库文件 {path} 不存在。为免悄悄换成空库（已受理的诉求会因此“消失”），"
        "服务不会自动新建数据库：如果之前有数据，说明文件或其文件夹被删除、移动或 DATA_DIR "
        "设错了，请从备份恢复或改正设置；首次部署请先运行 `yousu db upgrade` 新建，"
        "或在启动命令后加 --create-database。",
        f"the SQLite database {path} does not exist; not creating an empty one silently "
        "(restore it, fix DATA_DIR/DATABASE_URL, or create it with `yousu db upgrade` or "
        "--create-database)",
    )


async def open_database(url: str, *, schema: str | None = None, create: bool = True) -> Database:
    """Connect, migrate to the newest schema and sync units. Raises ``DatabaseMisconfigured``
    when the settings are wrong, ``DatabaseUnavailable`` when the database cannot be reached,
    and, unless ``create``, ``DatabaseMissing`` when the SQLite file is not there (a
    long-running service must not replace a lost database with an empty one)."""
    if not create:
        refuse_missing_sqlite(url)
    path = sqlite_path(url)
    created = path is not None and not path.exists()
    engine = create_engine(url, schema=schema)
    async with _opening(url, engine):
        await upgrade(engine)
        await sync_units(engine)
    if created:
        log.warning("created a new, empty SQLite database at %s", path)
    return Database(
        url=url, engine=engine, uow_factory=SqlUnitOfWorkFactory(engine), created=created
    )


async def schema_revision(url: str) -> str | None:
    """The schema revision of the database at ``url`` (``None`` when empty), without
    migrating it; errors named as ``open_database`` names them."""
    engine = create_engine(url)
    async with _opening(url, engine):
        revision = await current_revision(engine)
    await engine.dispose()
    return revision
