"""files outbox messages send (the weekly push's chart and ledger), stored once by content

Revision ID: 0005_outbox_files
Revises: 0004
Create Date: 2026-12-07

A weekly push sends each unit's officials their chart (sendPhoto) and ledger (sendDocument)
through the outbox; the message names the file by the SHA-256 of its content, and the file is
kept here once, so a restart or another instance delivers it and nothing is stored twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0005_outbox_files"
down_revision = "0005_open311"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outbox_files")),
    )


def downgrade() -> None:
    op.drop_table("outbox_files")
