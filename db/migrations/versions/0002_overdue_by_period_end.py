"""indexes for overdue counts of past periods, and one complaint per sender's reference

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_WHERE = "breached_at IS NOT NULL AND met_at IS NOT NULL"
_HAS_REF = "external_ref IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "uq_complaints_channel_external_ref",
            ["channel", "external_ref"],
            unique=True,
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clocks_breached_met",
            ["met_at", "complaint_id"],
            unique=False,
            sqlite_where=sa.text(_WHERE),
            postgresql_where=sa.text(_WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_complaints_channel_external_ref",
            sqlite_where=sa.text(_HAS_REF),
            postgresql_where=sa.text(_HAS_REF),
        )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clocks_breached_met",
            sqlite_where=sa.text(_WHERE),
            postgresql_where=sa.text(_WHERE),
        )
