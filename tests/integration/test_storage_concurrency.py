"""Storage under contention and the weekly aggregates: two workers (two engines on one
database) never claim the same clock or outbox row, two instances can migrate at once, a taken
complaint number is a named error, and the report's SQL counts a hand-built week exactly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.records import (
    Actor,
    Complaint,
    HotTopic,
    OutboxMessage,
    Rating,
    SlaClock,
    Status,
    UnitCounts,
)
from bot.ports import UnitOfWorkFactory
from db.bootstrap import Database
from db.engine import create_engine
from db.migrate import current_revision, head_revision, upgrade
from db.repositories import DuplicateComplaintNumber
from db.uow import SqlUnitOfWorkFactory
from tests.sql_backends import Templates, postgres_url

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
async def second_engine(
    database: Database, db_templates: Templates, backend: str
) -> AsyncIterator[AsyncEngine]:
    """Another engine (another "instance") on the same database."""
    schema = db_templates.schema if backend == "postgres" else None
    engine = create_engine(database.url, schema=schema)
    yield engine
    await engine.dispose()


async def _firm(factory: UnitOfWorkFactory, external_id: str = "1") -> int:
    async with factory() as uow:
        firm = await uow.enterprises.get_or_create(Actor("telegram", external_id))
        await uow.commit()
    assert firm.id is not None
    return firm.id


def _complaint(number: str, firm: int, **fields: object) -> Complaint:
    values: dict[str, object] = {
        "text": "办证慢",
        "channel": "telegram",
        "sla_policy": "general",
        "status": Status.ROUTED,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Complaint(number, firm, **values)  # type: ignore[arg-type]


async def _drain(factory: UnitOfWorkFactory, kind: str, owner: str) -> list[int]:
    """Claim in small batches, one transaction each, until nothing is left for this worker."""
    claimed: list[int] = []
    while True:
        async with factory() as uow:
            if kind == "clocks":
                ids = [c.id for c in await uow.clocks.claim_due(NOW, owner, 60, limit=3)]
            else:
                ids = [m.id for m in await uow.outbox.claim(NOW, owner, 60, limit=3)]
            await uow.commit()
        if not ids:
            return claimed
        claimed += [i for i in ids if i is not None]
        await asyncio.sleep(0)  # let the other worker in between batches


@pytest.mark.parametrize("kind", ["clocks", "outbox"])
async def test_two_workers_never_claim_the_same_row(
    database: Database, second_engine: AsyncEngine, kind: str
) -> None:
    firm = await _firm(database.uow_factory)
    async with database.uow_factory() as uow:
        complaint = await uow.complaints.add(_complaint("20261125-0001", firm))
        assert complaint.id is not None
        for i in range(40):
            if kind == "clocks":
                await uow.clocks.add(SlaClock(complaint.id, f"m{i}", NOW, NOW))
            else:
                await uow.outbox.add(OutboxMessage("k", "telegram", str(i), {}, NOW))
        await uow.commit()
    other = SqlUnitOfWorkFactory(second_engine)
    first, second = await asyncio.gather(
        _drain(database.uow_factory, kind, "a"), _drain(other, kind, "b")
    )
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40 == len(set(first) | set(second))


async def test_a_taken_complaint_number_is_a_named_error(database: Database) -> None:
    firm = await _firm(database.uow_factory)
    async with database.uow_factory() as uow:
        await uow.complaints.add(_complaint("20261125-0001", firm))
        await uow.commit()
    with pytest.raises(DuplicateComplaintNumber) as caught:
        async with database.uow_factory() as uow:
            await uow.complaints.add(_complaint("20261125-0001", firm, text="另一件"))
            await uow.commit()
    assert "20261125-0001" in caught.value.zh
    async with database.uow_factory() as uow:
        stored = await uow.complaints.get_by_number("20261125-0001")
    assert stored is not None and stored.text == "办证慢"


async def test_two_instances_can_migrate_an_empty_database_at_once(
    backend: str, tmp_path: Path
) -> None:
    schema: str | None = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/fresh.sqlite"
    else:
        url = postgres_url() or ""
        if not url:
            pytest.skip("YOUSU_TEST_POSTGRES_URL is empty: PostgreSQL tests skipped on purpose")
        schema = f"yousu_migrate_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engines = [create_engine(url, schema=schema) for _ in range(2)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        for engine in engines:
            assert await current_revision(engine) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()
        if schema is not None:
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


# --- weekly figures on a hand-built week ---------------------------------------------------------

WEEK_START = datetime(2026, 11, 23, tzinfo=UTC)
WEEK_END = WEEK_START + timedelta(days=7)
IN_WEEK = WEEK_START + timedelta(days=1)
A, B = "区发改委", "区税务局"


async def _week(factory: UnitOfWorkFactory) -> None:
    """Seven complaints; the expected figures are worked out by hand in the test below."""
    firms = [await _firm(factory, str(i)) for i in range(1, 4)]
    early, late = IN_WEEK + timedelta(hours=1), IN_WEEK + timedelta(hours=9)
    due = IN_WEEK + timedelta(hours=4)
    async with factory() as uow:

        async def add(n: int, firm: int, **fields: object) -> int:
            fields.setdefault("created_at", IN_WEEK)
            complaint = await uow.complaints.add(_complaint(f"20261124-{n:04d}", firm, **fields))
            assert complaint.id is not None
            return complaint.id

        async def clock(cid: int, milestone: str, **fields: object) -> None:
            await uow.clocks.add(SlaClock(cid, milestone, due, due, **fields))  # type: ignore[arg-type]

        # c1: A, closed; rated 1 then 5 and solved (the latest rating counts)
        c1 = await add(1, firms[0], status=Status.CLOSED, lead_unit=A, topic_key="t-same-firm")
        await clock(c1, "response", met_at=early)
        await clock(c1, "first_reply", met_at=late)
        await clock(c1, "assignment", met_at=early)
        await uow.ratings.add(Rating(c1, 1, IN_WEEK, solved=False))
        await uow.ratings.add(Rating(c1, 5, IN_WEEK + timedelta(hours=1), solved=True))
        # c2: A, resolved, rated 2 without the "solved" answer: not confirmed, not satisfied
        c2 = await add(2, firms[0], status=Status.RESOLVED, lead_unit=A, topic_key="t-same-firm")
        await clock(c2, "response", met_at=late)
        await uow.ratings.add(Rating(c2, 2, IN_WEEK))
        # c3: B, in progress, first reply breached and still open
        c3 = await add(3, firms[1], status=Status.IN_PROGRESS, lead_unit=B, topic_key="t-hot")
        await clock(c3, "first_reply", breached_at=due + timedelta(minutes=1))
        # c4: B, financing (1330): contact met on time, feedback not yet due
        c4 = await add(
            4, firms[2], status=Status.SIGNED_OFF, lead_unit=B, sla_policy="1330", topic_key="t-hot"
        )
        await clock(c4, "contact", met_at=early)
        await uow.clocks.add(SlaClock(c4, "feedback", WEEK_END + timedelta(days=3), WEEK_END))
        # c5: received the week before; c6: merged into c3; c7: pending, no unit yet
        await add(5, firms[0], lead_unit=A, created_at=WEEK_START - timedelta(days=2))
        await add(6, firms[1], status=Status.MERGED, lead_unit=B, repeat_of=c3)
        await add(7, firms[2], status=Status.PENDING_DISPATCH)
        await uow.commit()


async def test_weekly_counts_of_a_hand_built_week(sql_uow_factory: UnitOfWorkFactory) -> None:
    await _week(sql_uow_factory)
    async with sql_uow_factory() as uow:
        counts = await uow.reports.unit_counts(WEEK_START, WEEK_END, WEEK_END)
        hot = await uow.reports.hot_topics(WEEK_START, WEEK_END)
    unit_a = UnitCounts(
        A,
        received=2,
        response_total=2,
        response_met=1,
        reply_total=1,
        reply_on_time=0,
        transfer_total=1,
        transfer_on_time=1,
        resolved=2,
        confirmed_resolved=1,
        answered_resolved=2,  # both resolved ones were rated: none silent
        ratings=2,
        satisfied=1,
    )
    unit_b = UnitCounts(
        B,
        received=2,
        reply_total=2,
        reply_on_time=1,
        overdue_open=1,
        breaches=1,
        financing={"contact": (1, 1)},
    )
    district = UnitCounts(
        None,
        received=5,
        response_total=2,
        response_met=1,
        reply_total=3,
        reply_on_time=1,
        transfer_total=1,
        transfer_on_time=1,
        resolved=2,
        confirmed_resolved=1,
        answered_resolved=2,  # both resolved ones were rated: none silent
        ratings=2,
        satisfied=1,
        overdue_open=1,
        breaches=1,
        financing={"contact": (1, 1)},
    )
    assert counts == [district, unit_a, unit_b]
    # one group of two firms; the same firm twice is not a hot topic
    assert [(h.topic_key, h.complaints, h.enterprises) for h in hot] == [("t-hot", 2, 2)]
    assert isinstance(hot[0], HotTopic) and hot[0].sample_text == "办证慢"


async def test_a_later_week_counts_no_intake_but_the_overdue_open_complaint(
    sql_uow_factory: UnitOfWorkFactory,
) -> None:
    await _week(sql_uow_factory)
    later = WEEK_END + timedelta(days=70)
    async with sql_uow_factory() as uow:
        counts = await uow.reports.unit_counts(later, later + timedelta(days=7), later)
        hot = await uow.reports.hot_topics(later, later + timedelta(days=7))
    # overdue_open is a stock at the end of the period, not a count of that week's intake
    assert [(c.unit, c.received, c.overdue_open) for c in counts] == [(None, 0, 1), (B, 0, 1)]
    assert hot == []


async def test_overdue_open_is_counted_as_it_stood_at_the_end_of_the_period(
    sql_uow_factory: UnitOfWorkFactory,
) -> None:
    """A clock breached in the week and met only the week after counts as overdue for that
    week, not for the next; a complaint closed within the week is not overdue at its end."""
    firm = await _firm(sql_uow_factory, "9")
    breached = IN_WEEK + timedelta(hours=5)
    async with sql_uow_factory() as uow:
        late = await uow.complaints.add(
            _complaint("20261124-0101", firm, status=Status.CLOSED, lead_unit=A)
        )
        closed = await uow.complaints.add(
            _complaint("20261124-0102", firm, status=Status.CLOSED, lead_unit=A)
        )
        assert late.id is not None and closed.id is not None
        late.closed_at = WEEK_END + timedelta(days=2)
        closed.closed_at = IN_WEEK + timedelta(hours=8)
        await uow.complaints.save(late)
        await uow.complaints.save(closed)
        due = IN_WEEK + timedelta(hours=4)
        met_next_week = WEEK_END + timedelta(days=1)
        await uow.clocks.add(
            SlaClock(late.id, "first_reply", due, due, breached_at=breached, met_at=met_next_week)
        )
        await uow.clocks.add(SlaClock(closed.id, "first_reply", due, due, breached_at=breached))
        await uow.commit()
    async with sql_uow_factory() as uow:
        that_week = await uow.reports.unit_counts(WEEK_START, WEEK_END, WEEK_END)
        next_week = await uow.reports.unit_counts(
            WEEK_END, WEEK_END + timedelta(days=7), WEEK_END + timedelta(days=7)
        )
    assert [(c.unit, c.overdue_open) for c in that_week] == [(None, 1), (A, 1)]
    assert [c.overdue_open for c in next_week] == [0]
