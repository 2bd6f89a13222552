"""The tables: typed SQLAlchemy 2 models of the records in ``bot.domain.records``.

Owns the schema (Alembic migrations in ``db/migrations`` create it; a test checks the two
agree). Times are stored in UTC: ``UtcDateTime`` writes aware datetimes as UTC and reads them
back aware, also on SQLite, which has no time zones. Lease columns (``lease_owner``,
``lease_until``) let several instances share the sweeper's and the outbox worker's work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class UnitRow(Base):
    """Units synced from the knowledge registry (``knowledge/data/units.json``)."""

    __tablename__ = "units"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)


class DailyCounterRow(Base):
    __tablename__ = "daily_counters"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class OfficialRow(Base):
    __tablename__ = "officials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    unit: Mapped[str | None] = mapped_column(ForeignKey("units.name"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class EnterpriseRow(Base):
    __tablename__ = "enterprises"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(100))
    company_name: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(32))
    contact_person: Mapped[str | None] = mapped_column(String(50))
    profile_asked_at: Mapped[datetime | None]


class ComplaintRow(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_unit_status", "lead_unit", "status"),
        Index("ix_complaints_enterprise_status", "enterprise_id", "status"),
        Index("ix_complaints_status_created", "status", "created_at"),
        Index("ix_complaints_created_unit", "created_at", "lead_unit"),
        Index("ix_complaints_measure_created", "measure_id", "created_at"),
        # a sender's reference is filed once per sender (an API key's platform): a retried
        # request or an import run twice at once cannot file a complaint twice, and two
        # platforms' equal references stay two complaints
        Index(
            "uq_complaints_sender_external_ref",
            "channel",
            "ref_scope",
            "external_ref",
            unique=True,
            sqlite_where=text("external_ref IS NOT NULL"),
            postgresql_where=text("external_ref IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    sla_policy: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    measure_id: Mapped[str | None] = mapped_column(String(32))
    measure_title: Mapped[str | None] = mapped_column(Text)
    lead_unit: Mapped[str | None] = mapped_column(String(64))
    co_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    routing_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(64))
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    topic_key: Mapped[str | None] = mapped_column(String(32), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(64))
    ref_scope: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)


class EventRow(Base):
    """Append-only (the migration adds triggers that refuse UPDATE and DELETE)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(140))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SlaClockRow(Base):
    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("complaint_id", "milestone"),
        # the sweeper only ever looks at running clocks
        Index(
            "ix_sla_clocks_running_warn",
            "warn_at",
            sqlite_where=text("met_at IS NULL"),
            postgresql_where=text("met_at IS NULL"),
        ),
        Index(
            "ix_sla_clocks_running_due",
            "due_at",
            sqlite_where=text("met_at IS NULL"),
            postgresql_where=text("met_at IS NULL"),
        ),
        # the report's overdue count: running clocks that have breached
        Index(
            "ix_sla_clocks_overdue",
            "breached_at",
            "complaint_id",
            sqlite_where=text("met_at IS NULL AND breached_at IS NOT NULL"),
            postgresql_where=text("met_at IS NULL AND breached_at IS NOT NULL"),
        ),
        # the same count for a past period: clocks breached then and met only later
        Index(
            "ix_sla_clocks_breached_met",
            "met_at",
            "complaint_id",
            sqlite_where=text("breached_at IS NOT NULL AND met_at IS NOT NULL"),
            postgresql_where=text("breached_at IS NOT NULL AND met_at IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    milestone: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    met_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class RatingRow(Base):
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(Text, default="")
    solved: Mapped[bool | None] = mapped_column(Boolean)


class ExtensionRequestRow(Base):
    __tablename__ = "extension_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class InboxRow(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index(
            "ix_inbox_pending",
            "id",
            sqlite_where=text("handled_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("handled_at IS NULL AND failed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    handled_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class ChatStateRow(Base):
    __tablename__ = "chat_states"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class LockRow(Base):
    """Named locks with an expiry, e.g. the one Telegram poller among several instances."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


class OutboxFileRow(Base):
    """A file an outbox message sends (the weekly chart and ledger), stored once by the
    SHA-256 of its content however many messages send it."""

    __tablename__ = "outbox_files"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class ApiKeyRow(Base):
    """The 12345 platform's keys (``bot.domain.api_keys``): the key's SHA-256, never the key.
    A name is taken by one active key at a time; a revoked key's name may be given again."""

    __tablename__ = "api_keys"
    __table_args__ = (
        Index(
            "uq_api_keys_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    callback_url: Mapped[str | None] = mapped_column(String(500))
    signing_secret: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
