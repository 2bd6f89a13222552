"""the 12345 platform's API keys, hashed, with an optional callback

Revision ID: 0005_open311
Revises: 0004
Create Date: 2026-12-07

Keys made with ``yousu apikeys create`` are stored as their SHA-256 (``bot.domain.api_keys``);
keys in ``HTTP_API_KEYS`` keep working beside them. A name is held by one active key at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0005_open311"
down_revision = "0004"
branch_labels = None
depends_on = None

_ACTIVE = "revoked_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("signing_secret", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_api_keys_active_name",
            ["name"],
            unique=True,
            sqlite_where=sa.text(_ACTIVE),
            postgresql_where=sa.text(_ACTIVE),
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_api_keys_active_name",
            sqlite_where=sa.text(_ACTIVE),
            postgresql_where=sa.text(_ACTIVE),
        )
    op.drop_table("api_keys")
