"""Schema migrations (Alembic), applied at start and by ``yousu db upgrade``.

Owns running Alembic programmatically: the scripts live in ``db/migrations`` (shipped as
package data), the connection comes from our engine. Upgrading is idempotent. On PostgreSQL an
advisory lock makes two instances starting together take turns; on SQLite the write lock does.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: an arbitrary constant naming yousu's migration lock on PostgreSQL
ADVISORY_LOCK_ID = 7_230_451


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, target: str = "head") -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    command.upgrade(alembic_config(connection), target)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    """Bring the schema to the newest revision (nothing to do when it is there); ``target``
    stops at an older one (tests of a migration's data step)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, target)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
