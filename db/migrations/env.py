"""Alembic environment: runs on the connection that ``db.migrate`` hands over (no alembic.ini,
no URL of its own), so the same code migrates SQLite and PostgreSQL, at start or by command."""

from __future__ import annotations

from alembic import context

from db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
