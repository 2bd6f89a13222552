"""a durable inbox of incoming updates, named locks with an expiry, chat states, and the
enterprise's contact person

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Telegram updates are stored here before Telegram is told they were received (the next
getUpdates offset), and handled from here, so a crash loses none. ``locks`` lets exactly one
of several instances poll Telegram.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PENDING = "handled_at IS NULL AND failed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_person", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("profile_asked_at", db.models.UtcDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_inbox_channel")),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text(_PENDING),
            postgresql_where=sa.text(_PENDING),
        )
    op.create_table(
        "chat_states",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_id", name=op.f("pk_chat_states")),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("until", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )


def downgrade() -> None:
    op.drop_table("locks")
    op.drop_table("chat_states")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_inbox_pending", sqlite_where=sa.text(_PENDING), postgresql_where=sa.text(_PENDING)
        )
    op.drop_table("inbox")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("profile_asked_at")
        batch_op.drop_column("contact_person")
