"""Storage guarantees on the real databases: UTC round trips, optimistic locking, atomic
numbering, an append-only event log, dedupe, rollback, migrations and outages."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.domain.records import (
    Actor,
    Complaint,
    Event,
    EventKind,
    OutboxMessage,
    SlaClock,
    Status,
)
from bot.ports import ConcurrentUpdate, DatabaseUnavailable
from db.bootstrap import Database, open_database
from db.engine import create_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Base
from db.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def _complaint(database: Database, number: str = "20261125-0001") -> Complaint:
    async with database.uow_factory() as uow:
        firm = await uow.enterprises.get_or_create(Actor("telegram", "1"))
        assert firm.id is not None
        complaint = await uow.complaints.add(
            Complaint(
                number,
                firm.id,
                "文本",
                "telegram",
                "general",
                Status.ROUTED,
                NOW,
                NOW,
                attachments=("file-1",),
                co_units=("区税务局",),
                lead_unit="区发改委",
            )
        )
        await uow.commit()
    return complaint


async def test_times_come_back_aware_utc_and_tuples_survive(database: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    async with database.uow_factory() as uow:
        firm = await uow.enterprises.get_or_create(Actor("telegram", "1"))
        assert firm.id is not None
        stored = await uow.complaints.add(
            Complaint(
                "20261125-0001",
                firm.id,
                "文本",
                "telegram",
                "general",
                Status.ROUTED,
                NOW.astimezone(beijing),
                NOW,
                co_units=("区税务局", "区发改委"),
            )
        )
        await uow.commit()
    async with database.uow_factory() as uow:
        loaded = await uow.complaints.get_by_number("20261125-0001")
    assert loaded is not None and loaded.id == stored.id
    assert loaded.created_at == NOW and loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.co_units == ("区税务局", "区发改委")


async def test_a_stale_save_loses(database: Database) -> None:
    await _complaint(database)
    async with database.uow_factory() as uow:  # someone reads the complaint...
        theirs = await uow.complaints.get_by_number("20261125-0001")
    async with database.uow_factory() as uow:  # ...meanwhile another changes it
        mine = await uow.complaints.get_by_number("20261125-0001")
        assert mine is not None
        mine.status = Status.SIGNED_OFF
        await uow.complaints.save(mine)
        await uow.commit()
    assert theirs is not None and theirs.version == mine.version - 1
    theirs.status = Status.PENDING_DISPATCH
    async with database.uow_factory() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.complaints.save(theirs)
    async with database.uow_factory() as uow:
        stored = await uow.complaints.get_by_number("20261125-0001")
    assert stored is not None and stored.status is Status.SIGNED_OFF


async def test_daily_sequence_is_atomic_under_concurrency(database: Database) -> None:
    async def take() -> int:
        async with database.uow_factory() as uow:
            value = await uow.complaints.next_sequence(date(2026, 11, 25))
            await uow.commit()
            return value

    values = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(values) == list(range(1, 21))
    async with database.uow_factory() as uow:
        assert await uow.complaints.next_sequence(date(2026, 11, 26)) == 1


async def test_events_are_append_only(database: Database) -> None:
    complaint = await _complaint(database)
    assert complaint.id is not None
    async with database.uow_factory() as uow:
        await uow.events.append(Event(complaint.id, EventKind.SUBMITTED, "telegram:1", NOW))
        await uow.commit()
    for statement in ("UPDATE events SET actor = 'forged'", "DELETE FROM events"):
        async with database.engine.connect() as connection:
            with pytest.raises(DBAPIError, match="append-only"):
                await connection.execute(text(statement))


async def test_nothing_is_kept_without_commit(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.uow_factory() as uow:
            firm = await uow.enterprises.get_or_create(Actor("telegram", "1"))
            assert firm.id is not None
            await uow.complaints.add(
                Complaint(
                    "20261125-0001", firm.id, "t", "telegram", "general", Status.SUBMITTED, NOW, NOW
                )
            )
            raise RuntimeError("crash mid use case")
    async with database.uow_factory() as uow:
        assert await uow.complaints.get_by_number("20261125-0001") is None


async def test_outbox_dedupe_keeps_the_transaction_usable(database: Database) -> None:
    message = OutboxMessage("k", "telegram", "1", {"a": 1}, NOW, dedupe_key="same")
    async with database.uow_factory() as uow:
        assert await uow.outbox.add(message) is True
        again = OutboxMessage("k", "telegram", "1", {"a": 2}, NOW, dedupe_key="same")
        assert await uow.outbox.add(again) is False
        assert await uow.outbox.add(OutboxMessage("k", "telegram", "2", {}, NOW)) is True
        await uow.commit()
    async with database.uow_factory() as uow:
        claimed = await uow.outbox.claim(NOW, "w", 30)
    assert [m.payload for m in claimed] == [{"a": 1}, {}]


async def test_leases_expire(database: Database) -> None:
    complaint = await _complaint(database)
    assert complaint.id is not None
    async with database.uow_factory() as uow:
        await uow.clocks.add(SlaClock(complaint.id, "response", NOW, NOW))
        await uow.commit()
    async with database.uow_factory() as uow:
        assert len(await uow.clocks.claim_due(NOW, "a", 30)) == 1
        await uow.commit()
    async with database.uow_factory() as uow:
        assert await uow.clocks.claim_due(NOW + timedelta(seconds=10), "b", 30) == []
        assert len(await uow.clocks.claim_due(NOW + timedelta(seconds=31), "b", 30)) == 1


async def test_migrations_are_idempotent_and_match_the_models(database: Database) -> None:
    await upgrade(database.engine)
    await upgrade(database.engine)
    assert await current_revision(database.engine) == head_revision()

    def diff(connection: object) -> list[object]:
        from alembic.autogenerate import compare_metadata  # noqa: PLC0415
        from alembic.migration import MigrationContext  # noqa: PLC0415

        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_units_are_synced_from_the_knowledge_base(database: Database) -> None:
    async with database.engine.connect() as connection:
        names = set((await connection.execute(text("SELECT name FROM units"))).scalars())
    assert {"区发改委", "区市场监管局", "区住建局"} <= names and len(names) >= 44


async def test_unreachable_postgres_is_a_named_error() -> None:
    with pytest.raises(DatabaseUnavailable):
        await open_database("postgresql+asyncpg://root@127.0.0.1:1/test")


async def test_a_locked_sqlite_file_is_a_named_error_and_nothing_half_written(
    tmp_path: object,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.sqlite"
    database = await open_database(url)
    impatient = SqlUnitOfWorkFactory(create_engine(url, busy_timeout_ms=200))
    try:
        async with database.engine.connect() as holder:
            await holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock
            with pytest.raises(DatabaseUnavailable):
                async with impatient() as uow:
                    await uow.enterprises.get_or_create(Actor("telegram", "1"))
                    await uow.commit()
        async with database.uow_factory() as uow:
            assert await uow.enterprises.get(1) is None
            # the writer waits (busy timeout) rather than fails once the lock is free
            assert (await uow.enterprises.get_or_create(Actor("telegram", "1"))).id == 1
    finally:
        await impatient.engine.dispose()
        await database.dispose()


async def test_reports_read_while_a_writer_holds_the_lock(database: Database) -> None:
    await _complaint(database)
    async with database.uow_factory() as writer:  # a use case in the middle of its writes
        await writer.enterprises.get_or_create(Actor("telegram", "2"))
        async with database.uow_factory() as reader:
            counts = await asyncio.wait_for(
                reader.reports.unit_counts(NOW - timedelta(days=1), NOW + timedelta(days=1), NOW),
                timeout=5,
            )
        assert counts[0].received == 1


async def test_a_writer_waiting_for_the_sqlite_lock_does_not_block_the_event_loop(
    tmp_path: object,
) -> None:
    """SQLite statements run on the loop's thread; waiting for another writer's lock must be
    an asyncio sleep, or the holder below could never finish and release it."""
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.sqlite"
    database = await open_database(url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def waiting_writer() -> int:
        async with database.uow_factory() as uow:
            enterprise = await uow.enterprises.get_or_create(Actor("telegram", "waiting"))
            await uow.commit()
        assert enterprise.id is not None
        return enterprise.id

    ticking = asyncio.create_task(ticker())
    try:
        async with database.engine.connect() as holder:
            await holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock
            writer = asyncio.create_task(waiting_writer())
            await asyncio.sleep(0.3)
            assert not writer.done()  # it waits for the lock ...
            assert ticks >= 10  # ... while the loop keeps running
            await holder.commit()
        assert await asyncio.wait_for(writer, timeout=5) >= 1  # and gets it once released
    finally:
        ticking.cancel()
        await database.dispose()


def test_only_another_connections_lock_is_waited_for() -> None:
    """SQLITE_BUSY (another connection holds the lock) is worth waiting for; a conflict within
    the connection (SQLITE_LOCKED) or a stale read snapshot never clears by waiting."""
    import sqlite3  # noqa: PLC0415

    from db.sqlite_driver import is_busy  # noqa: PLC0415

    def error(code: int) -> sqlite3.OperationalError:
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
        return exc

    assert is_busy(error(5)) and is_busy(error(261))  # BUSY, BUSY_RECOVERY
    assert not is_busy(error(6))  # SQLITE_LOCKED: "database table is locked"
    assert not is_busy(error(517))  # BUSY_SNAPSHOT
    assert not is_busy(ValueError("database is locked"))


async def test_references_of_complaints_on_file_get_their_sender(tmp_path: Path) -> None:
    """Migration 0003 records whose numbering each stored reference is, so that the new
    per-sender unique index holds for complaints filed before it."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        await upgrade(engine, "0002")
        now = "2026-11-25 02:00:00.000000"
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO enterprises (id, channel, external_id) VALUES "
                    "(1, 'http', '12345/caller-1'), (2, 'http', 'other')"
                )
            )
            for number, enterprise, ref in (("0001", 1, "R-1"), ("0002", 2, None)):
                await connection.execute(
                    text(
                        "INSERT INTO complaints (number, enterprise_id, text, channel, "
                        "sla_policy, status, created_at, updated_at, attachments, co_units, "
                        "routing_confidence, confidential, external_ref, version) VALUES "
                        "(:number, :enterprise, '办电难', 'http', 'general', 'routed', :now, "
                        ":now, '[]', '[]', 0.5, 0, :ref, 0)"
                    ),
                    {
                        "number": f"20261125-{number}",
                        "enterprise": enterprise,
                        "now": now,
                        "ref": ref,
                    },
                )
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT number, ref_scope FROM complaints ORDER BY number")
            )
            assert rows.all() == [("20261125-0001", "12345"), ("20261125-0002", None)]
            # the same reference from another sender is a new row now, from the same one not
            await connection.execute(
                text(
                    "INSERT INTO complaints (number, enterprise_id, text, channel, sla_policy, "
                    "status, created_at, updated_at, attachments, co_units, routing_confidence, "
                    "confidential, external_ref, ref_scope, version) VALUES ('20261125-0003', 2, "
                    "'x', 'http', 'general', 'routed', :now, :now, '[]', '[]', 0, 0, 'R-1', "
                    "'other', 0)"
                ),
                {"now": now},
            )
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text(
                        "INSERT INTO complaints (number, enterprise_id, text, channel, "
                        "sla_policy, status, created_at, updated_at, attachments, co_units, "
                        "routing_confidence, confidential, external_ref, ref_scope, version) "
                        "VALUES ('20261125-0004', 1, 'x', 'http', 'general', 'routed', :now, "
                        ":now, '[]', '[]', 0, 0, 'R-1', '12345', 0)"
                    ),
                    {"now": now},
                )
    finally:
        await engine.dispose()
