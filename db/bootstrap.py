"""Opening the database for a process: engine, migrations, units, unit-of-work factory.

Owns start-up of the storage side, shared by ``yousu run``, the CLI commands and the tests.
Units are synced from the knowledge registry on every start (insert new, update aliases), so
officials can only be attached to units the plans name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import DatabaseUnavailable
from db.engine import create_engine
from db.migrate import upgrade
from db.models import UnitRow
from db.uow import SqlUnitOfWorkFactory, is_unavailable


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory

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


async def open_database(url: str, *, schema: str | None = None) -> Database:
    """Connect, migrate to the newest schema and sync units. Raises ``DatabaseUnavailable``
    when the database cannot be reached."""
    engine = create_engine(url, schema=schema)
    try:
        await upgrade(engine)
        await sync_units(engine)
    except (DBAPIError, OSError, ConnectionError, TimeoutError) as exc:
        await engine.dispose()
        if is_unavailable(exc):
            raise DatabaseUnavailable(str(exc).splitlines()[0][:200]) from exc
        raise
    return Database(url=url, engine=engine, uow_factory=SqlUnitOfWorkFactory(engine))
