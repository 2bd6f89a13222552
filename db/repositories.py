"""Repositories: the storage ports of ``bot.ports`` over SQLAlchemy sessions.

Owns the mapping between rows (``db.models``) and records (``bot.domain.records``) and the
queries behind each port method. Repositories never commit: the unit of work (``db.uow``) does.
Claims with leases use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has a single writer
(every transaction begins IMMEDIATE, see ``db.engine``), so a plain select-then-update inside
the transaction is already exclusive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.domain.records import (
    Actor,
    ChatState,
    Complaint,
    Enterprise,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    InboxUpdate,
    Official,
    OutboxMessage,
    Rating,
    ReferenceKey,
    Role,
    SlaClock,
    Status,
    TopicCandidate,
)
from bot.errors import YousuError
from bot.ports import ConcurrentUpdate
from db.models import (
    Base,
    ChatStateRow,
    ComplaintRow,
    DailyCounterRow,
    EnterpriseRow,
    EventRow,
    ExtensionRequestRow,
    InboxRow,
    LockRow,
    OfficialRow,
    OutboxFileRow,
    OutboxRow,
    RatingRow,
    SlaClockRow,
)

R = TypeVar("R")
T = TypeVar("T")


class DuplicateComplaintNumber(YousuError):
    """A complaint number is already taken (numbers come from ``next_sequence``, so this means
    a number was made some other way or the day's counter was reset); nothing was stored."""

    code = "duplicate_number"
    http_status = 409

    def __init__(self, number: str) -> None:
        super().__init__(
            f"诉求编号 {number} 已存在，本次未保存，请重试",
            f"complaint number {number} already exists; nothing was saved, please retry",
        )
        self.number = number


class DuplicateReference(YousuError):
    """Another transaction filed a complaint under the same sender's reference meanwhile
    (two requests racing); nothing of this one was saved, and filing it again returns the
    complaint that won."""

    code = "duplicate_reference"
    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            "该编号的诉求刚刚已由另一请求受理，本次未重复保存，请重试以取得工单编号",
            "a complaint with this reference was filed meanwhile; nothing was saved, retry",
        )


def _columns(record: Any, row_type: type[Base], skip: Sequence[str] = ()) -> dict[str, Any]:
    """The record's fields that are columns of ``row_type`` (tuples stored as JSON lists)."""
    names = set(row_type.__table__.columns.keys())
    values: dict[str, Any] = {}
    for item in fields(record):
        if item.name in names and item.name not in skip:
            value = getattr(record, item.name)
            values[item.name] = list(value) if isinstance(value, tuple) else value
    return values


def _table(row_type: type[Base]) -> Table:
    return cast(Table, row_type.__table__)


async def _core(session: AsyncSession) -> AsyncConnection:
    """The session's connection, for plain Core statements: they skip the ORM's work per
    statement (~0.3 ms), which intake's dozen statements per complaint would otherwise pay."""
    return await session.connection()


def _chunks(items: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    """Keep IN lists and multi-row statements under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert(session: AsyncSession) -> Any:
    return pg_insert if _is_postgres(session) else sqlite_insert


async def _insert_returning_id(session: AsyncSession, row_type: type[Base], record: Any) -> int:
    """Insert one record with a Core statement (no ORM flush: intake writes a dozen rows)."""
    statement = _INSERTS.get(row_type)
    if statement is None:
        # one statement per table, values as parameters: compiled once, then cached
        statement = _INSERTS[row_type] = insert(row_type).returning(row_type.id)  # type: ignore[attr-defined]
    values = _columns(record, row_type, skip=("id",))
    return int((await session.execute(statement, values)).scalar_one())


_INSERTS: dict[type[Base], Any] = {}


def _record(row: Any, record_type: type[R]) -> R:
    """The record of a row: fields taken by name; JSON lists become tuples, and the enum
    fields (below) become their enums."""
    enums = _ENUMS.get(record_type, {})
    values: dict[str, Any] = {}
    for item in fields(record_type):  # type: ignore[arg-type]
        value = getattr(row, item.name)
        if item.name in enums and value is not None:
            value = enums[item.name](value)
        elif isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, dict):
            value = dict(value)
        values[item.name] = value
    return record_type(**values)


#: record fields stored as their enum's value
_ENUMS: dict[type, dict[str, Any]] = {
    Complaint: {"status": Status},
    Official: {"role": Role},
    ExtensionRequest: {"status": ExtensionStatus},
}


def _complaint(row: Any) -> Complaint:
    return _record(row, Complaint)


def _clock(row: Any) -> SlaClock:
    return _record(row, SlaClock)


def _official(row: Any) -> Official:
    return _record(row, Official)


def _enterprise(row: Any) -> Enterprise:
    return _record(row, Enterprise)


def _extension(row: Any) -> ExtensionRequest:
    return _record(row, ExtensionRequest)


def _message(row: Any) -> OutboxMessage:
    return _record(row, OutboxMessage)


# --- complaints ---------------------------------------------------------------------------------


class SqlComplaintRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, complaint: Complaint) -> Complaint:
        try:
            complaint.id = await _insert_returning_id(self._session, ComplaintRow, complaint)
        except IntegrityError as exc:
            # SQLite names the column, PostgreSQL the constraint (uq_complaints_number)
            if "number" in str(exc.orig):
                raise DuplicateComplaintNumber(complaint.number) from exc
            raise
        return complaint

    async def add_many(self, complaints: Sequence[Complaint]) -> None:
        if not complaints:
            return
        table = _table(ComplaintRow)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        connection = await _core(self._session)
        for chunk in _chunks(complaints, 200):
            rows = [_columns(c, ComplaintRow, skip=("id",)) for c in chunk]
            try:
                ids = (await connection.execute(statement, rows)).scalars().all()
            except IntegrityError as exc:
                if "external_ref" in str(exc.orig):
                    raise DuplicateReference() from exc
                if "number" in str(exc.orig):
                    numbers = ", ".join(c.number for c in chunk)
                    raise DuplicateComplaintNumber(numbers) from exc
                raise
            for complaint, new_id in zip(chunk, ids, strict=True):
                complaint.id = int(new_id)

    async def _one(self, *criteria: Any) -> Complaint | None:
        row = (await self._session.execute(select(ComplaintRow).where(*criteria))).scalar()
        if row is None:
            return None
        self._session.expunge(row)
        return _complaint(row)

    async def get(self, complaint_id: int) -> Complaint | None:
        return await self._one(ComplaintRow.id == complaint_id)

    async def get_by_number(self, number: str) -> Complaint | None:
        return await self._one(ComplaintRow.number == number)

    async def save(self, complaint: Complaint) -> Complaint:
        values = _columns(complaint, ComplaintRow, skip=("id", "version"))
        result = await self._session.execute(
            update(ComplaintRow)
            .where(ComplaintRow.id == complaint.id, ComplaintRow.version == complaint.version)
            .values(**values, version=complaint.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(complaint.number)
        complaint.version += 1
        return complaint

    async def next_sequence(self, day: date) -> int:
        return await self.next_sequences(day, 1)

    async def next_sequences(self, day: date, count: int) -> int:
        if count < 1:
            raise ValueError(f"cannot reserve {count} sequence numbers")
        insert = _insert(self._session)
        statement = (
            insert(DailyCounterRow)
            .values(day=day, last_value=count)
            .on_conflict_do_update(
                index_elements=[DailyCounterRow.day],
                set_={"last_value": DailyCounterRow.last_value + count},
            )
            .returning(DailyCounterRow.last_value)
        )
        last = (await (await _core(self._session)).execute(statement)).scalar_one()
        return int(last) - count + 1

    async def _many(self, statement: Any) -> list[Complaint]:
        rows = (await self._session.execute(statement)).scalars().all()
        return [_complaint(row) for row in rows]

    async def open_for_enterprise(self, enterprise_id: int) -> list[Complaint]:
        return (await self.open_for_enterprises([enterprise_id])).get(enterprise_id, [])

    async def open_for_enterprises(
        self, enterprise_ids: Iterable[int]
    ) -> dict[int, list[Complaint]]:
        open_statuses = [s.value for s in Status if s.is_open]
        table = _table(ComplaintRow)
        connection = await _core(self._session)
        found: dict[int, list[Complaint]] = {}
        for chunk in _chunks(sorted(set(enterprise_ids))):
            rows = await connection.execute(
                select(table)
                .where(table.c.enterprise_id.in_(chunk), table.c.status.in_(open_statuses))
                .order_by(table.c.id.desc())
            )
            for row in rows:
                found.setdefault(row.enterprise_id, []).append(_record(row, Complaint))
        return found

    async def for_enterprise(self, enterprise_id: int, limit: int = 20) -> list[Complaint]:
        return await self._many(
            select(ComplaintRow)
            .where(ComplaintRow.enterprise_id == enterprise_id)
            .order_by(ComplaintRow.id.desc())
            .limit(limit)
        )

    async def for_unit(
        self, unit: str, statuses: Sequence[Status] | None = None, limit: int = 50
    ) -> list[Complaint]:
        statement = select(ComplaintRow).where(ComplaintRow.lead_unit == unit)
        if statuses is not None:
            statement = statement.where(ComplaintRow.status.in_([s.value for s in statuses]))
        return await self._many(statement.order_by(ComplaintRow.id).limit(limit))

    async def with_status(self, statuses: Sequence[Status], limit: int = 50) -> list[Complaint]:
        return await self._many(
            select(ComplaintRow)
            .where(ComplaintRow.status.in_([s.value for s in statuses]))
            .order_by(ComplaintRow.id)
            .limit(limit)
        )

    async def topic_candidates(
        self, since: datetime, measure_id: str, limit: int = 500
    ) -> list[TopicCandidate]:
        # three columns, no ORM objects: intake runs this for every complaint (batch); newest
        # by created_at, so the (measure_id, created_at) index yields them in order and the
        # scan stops at ``limit`` however many complaints the measure has
        open_statuses = [s.value for s in Status if s.is_open]
        rows = await (await _core(self._session)).execute(
            select(ComplaintRow.enterprise_id, ComplaintRow.text, ComplaintRow.topic_key)
            .where(
                ComplaintRow.measure_id == measure_id,
                ComplaintRow.created_at >= since,
                ComplaintRow.status.in_(open_statuses),
            )
            .order_by(ComplaintRow.created_at.desc())
            .limit(limit)
        )
        return [TopicCandidate(*row) for row in rows]

    async def by_refs(self, refs: Iterable[ReferenceKey]) -> dict[ReferenceKey, Complaint]:
        table = _table(ComplaintRow)
        connection = await _core(self._session)
        found: dict[ReferenceKey, Complaint] = {}
        for chunk in _chunks(sorted(set(refs))):
            rows = await connection.execute(
                select(table).where(
                    table.c.external_ref.in_([ref for _, _, ref in chunk]),
                    tuple_(table.c.channel, table.c.ref_scope, table.c.external_ref).in_(chunk),
                )
            )
            for row in rows:
                found[(row.channel, row.ref_scope, row.external_ref)] = _record(row, Complaint)
        return found

    async def resolved_before(self, cutoff: datetime, limit: int = 100) -> list[Complaint]:
        return await self._many(
            select(ComplaintRow)
            .where(ComplaintRow.status == Status.RESOLVED.value, ComplaintRow.resolved_at <= cutoff)
            .order_by(ComplaintRow.resolved_at)
            .limit(limit)
        )


# --- events -------------------------------------------------------------------------------------


class SqlEventLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, event: Event) -> Event:
        new_id = await _insert_returning_id(self._session, EventRow, event)
        return Event(
            event.complaint_id, event.kind, event.actor, event.at, event.reason, event.data, new_id
        )

    async def append_many(self, events: Sequence[Event]) -> list[Event]:
        if not events:
            return []
        table = _table(EventRow)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        connection = await _core(self._session)
        stored: list[Event] = []
        for chunk in _chunks(events, 300):
            rows = [_columns(e, EventRow, skip=("id",)) for e in chunk]
            ids = (await connection.execute(statement, rows)).scalars().all()
            stored.extend(
                Event(e.complaint_id, e.kind, e.actor, e.at, e.reason, e.data, int(new_id))
                for e, new_id in zip(chunk, ids, strict=True)
            )
        return stored

    async def for_complaint(self, complaint_id: int) -> list[Event]:
        rows = (
            await self._session.execute(
                select(EventRow).where(EventRow.complaint_id == complaint_id).order_by(EventRow.id)
            )
        ).scalars()
        return [
            Event(r.complaint_id, EventKind(r.kind), r.actor, r.at, r.reason, dict(r.data), r.id)
            for r in rows
        ]


# --- clocks -------------------------------------------------------------------------------------


async def _lease(
    session: AsyncSession,
    row_type: type[SlaClockRow] | type[OutboxRow] | type[InboxRow],
    candidates: Any,
    owner: str,
    until: datetime,
    *,
    count: bool = False,
) -> list[Any]:
    """Lease the rows ``candidates`` selects (ids) to ``owner``; returns the leased rows.
    ``count`` adds one to the rows' ``attempts`` (a crash mid-handling still counts)."""
    if _is_postgres(session):
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    await session.execute(
        update(row_type)
        .where(row_type.id.in_(ids))
        .values(
            lease_owner=owner,
            lease_until=until,
            **({"attempts": row_type.attempts + 1} if count and row_type is InboxRow else {}),
        )
        .execution_options(synchronize_session=False)
    )
    rows = (
        await session.execute(select(row_type).where(row_type.id.in_(ids)).order_by(row_type.id))
    ).scalars()
    return list(rows)


class SqlClockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, clock: SlaClock) -> SlaClock:
        clock.id = await _insert_returning_id(self._session, SlaClockRow, clock)
        return clock

    async def add_many(self, clocks: Sequence[SlaClock]) -> None:
        if clocks:
            rows = [_columns(clock, SlaClockRow, skip=("id",)) for clock in clocks]
            await (await _core(self._session)).execute(insert(_table(SlaClockRow)), rows)

    async def for_complaint(self, complaint_id: int) -> list[SlaClock]:
        rows = (
            await self._session.execute(
                select(SlaClockRow)
                .where(SlaClockRow.complaint_id == complaint_id)
                .order_by(SlaClockRow.due_at, SlaClockRow.id)
            )
        ).scalars()
        return [_clock(row) for row in rows]

    async def save(self, clock: SlaClock) -> SlaClock:
        await self._session.execute(
            update(SlaClockRow)
            .where(SlaClockRow.id == clock.id)
            .values(
                **_columns(clock, SlaClockRow, skip=("id", "complaint_id", "milestone")),
                lease_owner=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return clock

    async def claim_due(
        self, now: datetime, owner: str, lease_seconds: float, limit: int = 100
    ) -> list[SlaClock]:
        due = or_(
            and_(
                SlaClockRow.warn_at <= now,
                SlaClockRow.warned_at.is_(None),
                SlaClockRow.breached_at.is_(None),
            ),
            and_(SlaClockRow.due_at <= now, SlaClockRow.breached_at.is_(None)),
        )
        free = or_(SlaClockRow.lease_until.is_(None), SlaClockRow.lease_until <= now)
        candidates = (
            select(SlaClockRow.id)
            .where(SlaClockRow.met_at.is_(None), due, free)
            .order_by(SlaClockRow.warn_at)
            .limit(limit)
        )
        until = now + timedelta(seconds=lease_seconds)
        rows = await _lease(self._session, SlaClockRow, candidates, owner, until)
        return [_clock(row) for row in rows]

    async def overdue(
        self, now: datetime, unit: str | None = None, limit: int = 50
    ) -> list[tuple[SlaClock, Complaint]]:
        open_statuses = [s.value for s in Status if s.is_open]
        statement = (
            select(SlaClockRow, ComplaintRow)
            .join(ComplaintRow, ComplaintRow.id == SlaClockRow.complaint_id)
            .where(
                SlaClockRow.met_at.is_(None),
                SlaClockRow.due_at <= now,
                ComplaintRow.status.in_(open_statuses),
            )
            .order_by(SlaClockRow.due_at, SlaClockRow.id)
            .limit(limit)
        )
        if unit is not None:
            statement = statement.where(ComplaintRow.lead_unit == unit)
        rows = (await self._session.execute(statement)).all()
        return [(_clock(clock), _complaint(complaint)) for clock, complaint in rows]


# --- people -------------------------------------------------------------------------------------


class SqlOfficialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        #: who is in a unit or role, read once per unit of work (intake asks for every
        #: complaint; officials do not change within one transaction but through upsert)
        self._recipients: dict[tuple[str, str, tuple[Role, ...] | None], list[Official]] = {}

    async def upsert(self, official: Official) -> tuple[Official, bool]:
        self._recipients.clear()
        row = (
            await self._session.execute(
                select(OfficialRow).where(OfficialRow.telegram_id == official.telegram_id)
            )
        ).scalar()
        created = row is None
        if row is None:
            row = OfficialRow(telegram_id=official.telegram_id)
            self._session.add(row)
        row.unit, row.role, row.name = official.unit, official.role.value, official.name
        row.active = official.active
        await self._session.flush()
        return _official(row), created

    async def get(self, official_id: int) -> Official | None:
        row = await self._session.get(OfficialRow, official_id)
        return None if row is None else _official(row)

    async def by_telegram_id(self, telegram_id: int) -> Official | None:
        row = (
            await self._session.execute(
                select(OfficialRow).where(OfficialRow.telegram_id == telegram_id)
            )
        ).scalar()
        return None if row is None else _official(row)

    async def for_unit(self, unit: str, roles: Sequence[Role] | None = None) -> list[Official]:
        key = ("unit", unit, None if roles is None else tuple(roles))
        if key not in self._recipients:
            table = _table(OfficialRow)
            statement = select(table).where(table.c.unit == unit, table.c.active)
            if roles is not None:
                statement = statement.where(table.c.role.in_([r.value for r in roles]))
            rows = await (await _core(self._session)).execute(statement.order_by(table.c.id))
            self._recipients[key] = [_official(row) for row in rows]
        return list(self._recipients[key])

    async def with_role(self, role: Role) -> list[Official]:
        key = ("role", role.value, None)
        if key not in self._recipients:
            table = _table(OfficialRow)
            rows = await (await _core(self._session)).execute(
                select(table).where(table.c.role == role.value, table.c.active).order_by(table.c.id)
            )
            self._recipients[key] = [_official(row) for row in rows]
        return list(self._recipients[key])

    async def all(self, unit: str | None = None) -> list[Official]:
        statement = select(OfficialRow).order_by(OfficialRow.unit, OfficialRow.id)
        if unit is not None:
            statement = statement.where(OfficialRow.unit == unit)
        return [_official(row) for row in (await self._session.execute(statement)).scalars()]


def _find_enterprises() -> Any:
    # built once: constructing a statement costs more than SQLite takes to run it
    table = _table(EnterpriseRow)
    pairs = tuple_(table.c.channel, table.c.external_id)
    return select(table).where(pairs.in_(bindparam("pairs", expanding=True)))


_FIND_ENTERPRISES = _find_enterprises()


class SqlEnterpriseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        #: enterprises read in this unit of work (intake reads one, then tells it)
        self._known: dict[int, Enterprise] = {}

    async def get_or_create(self, actor: Actor) -> Enterprise:
        return (await self.get_or_create_many([actor]))[actor]

    async def find(self, actor: Actor) -> Enterprise | None:
        return (await self._find([actor])).get(actor)

    async def get_or_create_many(self, actors: Iterable[Actor]) -> dict[Actor, Enterprise]:
        """One SELECT for known enterprises (the common case); new ones are inserted, and a
        concurrent insert of the same one is tolerated (ON CONFLICT DO NOTHING, then read)."""
        wanted = list(dict.fromkeys(actors))
        found = await self._find(wanted)
        # inserted in one fixed order: two transactions creating the same new enterprises
        # in different orders would otherwise deadlock on each other's rows (PostgreSQL)
        missing = sorted(
            (actor for actor in wanted if actor not in found),
            key=lambda a: (a.channel, a.external_id),
        )
        if missing:
            insert = _insert(self._session)
            statement = insert(_table(EnterpriseRow)).on_conflict_do_nothing(
                index_elements=["channel", "external_id"]
            )
            rows = [{"channel": a.channel, "external_id": a.external_id} for a in missing]
            await (await _core(self._session)).execute(statement, rows)
            found.update(await self._find(missing))
        for enterprise in found.values():
            assert enterprise.id is not None
            self._known[enterprise.id] = enterprise
        return found

    async def _find(self, actors: Sequence[Actor]) -> dict[Actor, Enterprise]:
        connection = await _core(self._session)
        found: dict[Actor, Enterprise] = {}
        for chunk in _chunks(actors):
            pairs = [(a.channel, a.external_id) for a in chunk]
            rows = await connection.execute(_FIND_ENTERPRISES, {"pairs": pairs})
            for row in rows:
                found[Actor(row.channel, row.external_id)] = _enterprise(row)
        return found

    async def get(self, enterprise_id: int) -> Enterprise | None:
        if enterprise_id in self._known:
            return self._known[enterprise_id]
        row = await self._session.get(EnterpriseRow, enterprise_id)
        return None if row is None else _enterprise(row)

    async def save(self, enterprise: Enterprise) -> Enterprise:
        self._known.pop(enterprise.id or 0, None)
        await self._session.execute(
            update(EnterpriseRow)
            .where(EnterpriseRow.id == enterprise.id)
            .values(
                company_name=enterprise.company_name,
                credit_code=enterprise.credit_code,
                phone=enterprise.phone,
                contact_person=enterprise.contact_person,
                profile_asked_at=enterprise.profile_asked_at,
            )
            .execution_options(synchronize_session=False)
        )
        return enterprise


# --- ratings and extensions ---------------------------------------------------------------------


class SqlRatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rating: Rating) -> Rating:
        row = RatingRow(**_columns(rating, RatingRow, skip=("id",)))
        self._session.add(row)
        await self._session.flush()
        return Rating(
            rating.complaint_id, rating.score, rating.at, rating.comment, rating.solved, row.id
        )

    async def for_complaint(self, complaint_id: int) -> list[Rating]:
        rows = (
            await self._session.execute(
                select(RatingRow)
                .where(RatingRow.complaint_id == complaint_id)
                .order_by(RatingRow.id)
            )
        ).scalars()
        return [Rating(r.complaint_id, r.score, r.at, r.comment, r.solved, r.id) for r in rows]


class SqlExtensionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: ExtensionRequest) -> ExtensionRequest:
        row = ExtensionRequestRow(**_columns(request, ExtensionRequestRow, skip=("id",)))
        self._session.add(row)
        await self._session.flush()
        request.id = row.id
        return request

    async def get(self, request_id: int) -> ExtensionRequest | None:
        row = await self._session.get(ExtensionRequestRow, request_id)
        return None if row is None else _extension(row)

    async def save(self, request: ExtensionRequest) -> ExtensionRequest:
        await self._session.execute(
            update(ExtensionRequestRow)
            .where(ExtensionRequestRow.id == request.id)
            .values(**_columns(request, ExtensionRequestRow, skip=("id",)))
            .execution_options(synchronize_session=False)
        )
        return request

    async def pending_for_complaint(self, complaint_id: int) -> list[ExtensionRequest]:
        rows = (
            await self._session.execute(
                select(ExtensionRequestRow)
                .where(
                    ExtensionRequestRow.complaint_id == complaint_id,
                    ExtensionRequestRow.status == ExtensionStatus.PENDING.value,
                )
                .order_by(ExtensionRequestRow.id)
            )
        ).scalars()
        return [_extension(row) for row in rows]


# --- outbox -------------------------------------------------------------------------------------


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> bool:
        insert = _insert(self._session)
        statement = insert(OutboxRow).values(**_columns(message, OutboxRow, skip=("id",)))
        if message.dedupe_key is not None:
            statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await self._session.execute(statement.returning(OutboxRow.id))
        new_id = result.scalar()
        if new_id is None:
            return False
        message.id = int(new_id)
        return True

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        if not messages:
            return 0
        table = _table(OutboxRow)
        insert = _insert(self._session)
        statement = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        connection = await _core(self._session)
        stored = 0
        for chunk in _chunks(messages, 300):
            rows = [_columns(m, OutboxRow, skip=("id",)) for m in chunk]
            stored += len((await connection.execute(statement, rows)).all())
        return stored

    async def existing(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(keys), 500):
            rows = await self._session.execute(
                select(OutboxRow.dedupe_key).where(OutboxRow.dedupe_key.in_(chunk))
            )
            found.update(str(k) for k in rows.scalars() if k is not None)
        return found

    async def claim(
        self,
        now: datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 50,
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        candidates = (
            select(OutboxRow.id)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if channels is not None:
            candidates = candidates.where(OutboxRow.channel.in_(list(channels)))
        until = now + timedelta(seconds=lease_seconds)
        rows = await _lease(self._session, OutboxRow, candidates, owner, until)
        return [_message(row) for row in rows]

    async def save(self, message: OutboxMessage) -> OutboxMessage:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message.id)
            .values(
                attempts=message.attempts,
                next_attempt_at=message.next_attempt_at,
                sent_at=message.sent_at,
                failed_at=message.failed_at,
                last_error=message.last_error,
                lease_owner=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return message

    async def count_pending(self) -> int:
        return int(
            (
                await self._session.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
                )
            ).scalar_one()
        )


class SqlOutboxFiles:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, name: str, content: bytes, now: datetime) -> str:
        key = hashlib.sha256(content).hexdigest()
        statement = (
            _insert(self._session)(OutboxFileRow)
            .values(key=key, name=name[:200], content=content, created_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        await self._session.execute(statement)
        return key

    async def get(self, key: str) -> tuple[str, bytes] | None:
        row = (
            await self._session.execute(
                select(OutboxFileRow.name, OutboxFileRow.content).where(OutboxFileRow.key == key)
            )
        ).first()
        return None if row is None else (str(row[0]), bytes(row[1]))


# --- inbox and locks ----------------------------------------------------------------------------


class SqlInbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, updates: Sequence[InboxUpdate]) -> int:
        if not updates:
            return 0
        table = _table(InboxRow)
        statement = (
            _insert(self._session)(table)
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(table.c.id)
        )
        connection = await _core(self._session)
        stored = 0
        for chunk in _chunks(updates, 200):
            rows = [_columns(u, InboxRow, skip=("id",)) for u in chunk]
            stored += len((await connection.execute(statement, rows)).all())
        return stored

    async def claim(
        self, now: datetime, owner: str, lease_seconds: float, limit: int = 50
    ) -> list[InboxUpdate]:
        candidates = (
            select(InboxRow.id)
            .where(
                InboxRow.handled_at.is_(None),
                InboxRow.failed_at.is_(None),
                or_(InboxRow.lease_until.is_(None), InboxRow.lease_until <= now),
            )
            .order_by(InboxRow.id)
            .limit(limit)
        )
        until = now + timedelta(seconds=lease_seconds)
        rows = await _lease(self._session, InboxRow, candidates, owner, until, count=True)
        return [_record(row, InboxUpdate) for row in rows]

    async def save(self, item: InboxUpdate) -> None:
        await self._session.execute(
            update(InboxRow)
            .where(InboxRow.id == item.id)
            .values(
                handled_at=item.handled_at,
                failed_at=item.failed_at,
                last_error=item.last_error,
                lease_owner=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def lease_owners(self) -> list[str]:
        rows = await self._session.execute(
            select(InboxRow.lease_owner)
            .where(InboxRow.handled_at.is_(None), InboxRow.lease_owner.is_not(None))
            .distinct()
        )
        return [str(owner) for owner in rows.scalars()]

    async def release_leases(self, owners: Sequence[str]) -> int:
        if not owners:
            return 0
        result = await self._session.execute(
            update(InboxRow)
            .where(InboxRow.handled_at.is_(None), InboxRow.lease_owner.in_(list(owners)))
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_handled(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(InboxRow)
            .where(InboxRow.handled_at.is_not(None), InboxRow.handled_at < before)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlLocks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def hold(self, name: str, owner: str, now: datetime, seconds: float) -> bool:
        table = _table(LockRow)
        until = now + timedelta(seconds=seconds)
        statement = _insert(self._session)(table).values(name=name, owner=owner, until=until)
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"owner": owner, "until": until},
            where=or_(table.c.owner == owner, table.c.until <= now),
        ).returning(table.c.owner)
        connection = await _core(self._session)
        return (await connection.execute(statement)).scalar() == owner

    async def release(self, name: str, owner: str) -> None:
        await self._session.execute(
            delete(LockRow).where(LockRow.name == name, LockRow.owner == owner)
        )

    async def owner(self, name: str) -> str | None:
        found = await self._session.execute(select(LockRow.owner).where(LockRow.name == name))
        return found.scalar()


class SqlChatStates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, actor: Actor) -> ChatState | None:
        row = await self._session.get(ChatStateRow, (actor.channel, actor.external_id))
        return None if row is None else _record(row, ChatState)

    async def put(self, state: ChatState) -> None:
        table = _table(ChatStateRow)
        values = _columns(state, ChatStateRow)
        statement = (
            _insert(self._session)(table)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["channel", "external_id"],
                set_={"state": state.state, "data": state.data, "updated_at": state.updated_at},
            )
        )
        await self._session.execute(statement)

    async def clear(self, actor: Actor) -> None:
        await self._session.execute(
            delete(ChatStateRow).where(
                ChatStateRow.channel == actor.channel,
                ChatStateRow.external_id == actor.external_id,
            )
        )
