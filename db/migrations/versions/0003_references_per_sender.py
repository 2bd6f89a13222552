"""a sender's reference is unique per sender (API key), not per channel

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

Two 12345 platforms (two API keys) may number their work orders alike; with references unique
per channel, the second platform's complaint was answered with the first one's order and never
filed. ``ref_scope`` records whose numbering a reference is (``bot.domain.records.
reference_scope``): the part of the enterprise's external id before a ``/``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_HAS_REF = "external_ref IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref_scope", sa.String(length=100), nullable=True))
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.Integer),
        sa.column("enterprise_id", sa.Integer),
        sa.column("external_ref", sa.String),
        sa.column("ref_scope", sa.String),
    )
    enterprises = sa.table(
        "enterprises", sa.column("id", sa.Integer), sa.column("external_id", sa.String)
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(complaints.c.id, enterprises.c.external_id)
        .join(enterprises, enterprises.c.id == complaints.c.enterprise_id)
        .where(complaints.c.external_ref.is_not(None))
    ).all()
    for complaint_id, external_id in rows:
        connection.execute(
            complaints.update()
            .where(complaints.c.id == complaint_id)
            .values(ref_scope=external_id.split("/", 1)[0])
        )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_complaints_channel_external_ref",
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )
        batch_op.create_index(
            "uq_complaints_sender_external_ref",
            ["channel", "ref_scope", "external_ref"],
            unique=True,
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_complaints_sender_external_ref",
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )
        batch_op.create_index(
            "uq_complaints_channel_external_ref",
            ["channel", "external_ref"],
            unique=True,
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )
        batch_op.drop_column("ref_scope")
