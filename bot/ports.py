"""The interfaces the core needs from the outside world: storage (repositories inside a unit of
work), the clock, and delivery of outgoing messages.

Owns the contract between ``bot.services`` and its adapters: ``db`` implements the storage
ports with SQLAlchemy, ``handlers.telegram`` implements ``Notifier``, tests use small in-memory
fakes (``tests/fakes.py``). Nothing here imports an adapter.

Rules every implementation keeps:

* Repositories never commit; the service calls ``UnitOfWork.commit`` once per use case, and
  leaving the ``async with`` block without a commit rolls everything back.
* ``ComplaintRepository.save`` is optimistic: it writes only if the stored ``version`` equals
  the record's, bumps it, and raises ``ConcurrentUpdate`` otherwise (two officials signing off
  at once: exactly one wins).
* ``claim_*`` methods take rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
  conditional ``UPDATE`` on SQLite), so two workers never take the same row before the lease
  expires. Claims are committed by the caller's unit of work like any other change.
* Every datetime in and out is timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain.api_keys import ApiKey
from bot.domain.records import (
    Actor,
    ChatState,
    Complaint,
    Enterprise,
    Event,
    EventKind,
    ExtensionRequest,
    HotTopic,
    InboxUpdate,
    Official,
    OrderRecord,
    OutboxMessage,
    OverdueOrder,
    Rating,
    ReferenceKey,
    Role,
    SlaClock,
    Status,
    TopicCandidate,
    UnitCounts,
)
from bot.errors import YousuError

# --- storage errors the core understands --------------------------------------------------------


class ConcurrentUpdate(YousuError):
    """Someone else changed the record first (optimistic locking lost)."""

    code = "conflict"
    http_status = 409

    def __init__(self, what: str = "") -> None:
        suffix_zh = f"：{what}" if what else ""
        suffix_en = f": {what}" if what else ""
        super().__init__(
            f"该记录刚被他人修改，请刷新后重试{suffix_zh}",
            f"the record was changed by someone else; reload and retry{suffix_en}",
        )


class DatabaseUnavailable(YousuError):
    """The database cannot be reached or stays locked; nothing was written."""

    code = "database_unavailable"
    http_status = 503

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "数据库暂时不可用，本次操作未保存，请稍后重试",
            f"the database is unavailable; nothing was saved ({detail})",
        )


# --- repositories -------------------------------------------------------------------------------


class ComplaintRepository(Protocol):
    async def add(self, complaint: Complaint) -> Complaint:
        """Store a new complaint; returns it with ``id`` set. The number must be unique."""

    async def add_many(self, complaints: Sequence[Complaint]) -> None:
        """Store several new complaints in one statement; sets each one's ``id``."""

    async def get(self, complaint_id: int) -> Complaint | None: ...

    async def get_by_number(self, number: str) -> Complaint | None: ...

    async def save(self, complaint: Complaint) -> Complaint:
        """Write changes if nobody else did (see the module doc); returns it, version bumped."""

    async def next_sequence(self, day: date) -> int:
        """The next daily sequence number for complaint numbers of ``day`` (1, 2, ...);
        atomic across concurrent callers and instances."""

    async def next_sequences(self, day: date, count: int) -> int:
        """Reserve ``count`` consecutive sequence numbers of ``day``; returns the first."""

    async def open_for_enterprise(self, enterprise_id: int) -> list[Complaint]:
        """The enterprise's complaints whose status is open, newest first."""

    async def open_for_enterprises(
        self, enterprise_ids: Iterable[int]
    ) -> dict[int, list[Complaint]]:
        """``open_for_enterprise`` for several enterprises in one query (absent: none)."""

    async def for_enterprise(self, enterprise_id: int, limit: int = 20) -> list[Complaint]:
        """The enterprise's complaints, newest first."""

    async def for_unit(
        self, unit: str, statuses: Sequence[Status] | None = None, limit: int = 50
    ) -> list[Complaint]:
        """Complaints whose lead unit is ``unit`` (optionally only these statuses), oldest
        first (the queue order)."""

    async def with_status(self, statuses: Sequence[Status], limit: int = 50) -> list[Complaint]:
        """E.g. the dispatcher's queue (PENDING_DISPATCH), oldest first."""

    async def topic_candidates(
        self, since: datetime, measure_id: str, limit: int = 500
    ) -> list[TopicCandidate]:
        """Open complaints under ``measure_id`` received since ``since``, newest first, as
        much of them as grouping near-identical ones into hot topics needs."""

    async def by_refs(self, refs: Iterable[ReferenceKey]) -> dict[ReferenceKey, Complaint]:
        """The complaints on file under these (channel, external reference) pairs."""

    async def resolved_before(self, cutoff: datetime, limit: int = 100) -> list[Complaint]:
        """RESOLVED complaints resolved at or before ``cutoff`` (candidates for auto-close)."""


class EventLog(Protocol):
    async def append(self, event: Event) -> Event: ...

    async def append_many(self, events: Sequence[Event]) -> list[Event]:
        """Append several events in one statement; returns them with ids, in order."""

    async def for_complaint(self, complaint_id: int) -> list[Event]:
        """Oldest first."""


class ClockRepository(Protocol):
    async def add(self, clock: SlaClock) -> SlaClock: ...

    async def add_many(self, clocks: Sequence[SlaClock]) -> None:
        """Store several new clocks at once (their ids are not read back)."""

    async def for_complaint(self, complaint_id: int) -> list[SlaClock]: ...

    async def save(self, clock: SlaClock) -> SlaClock:
        """Write the clock's fields; releases any lease on it."""

    async def claim_due(
        self, now: datetime, owner: str, lease_seconds: float, limit: int = 100
    ) -> list[SlaClock]:
        """Running clocks (not met) that need the sweeper: a warning due (``warn_at <= now``,
        not yet warned, not breached) or a breach due (``due_at <= now``, not yet breached),
        whose lease is free or expired. Leases them to ``owner``."""

    async def overdue(
        self, now: datetime, unit: str | None = None, limit: int = 50
    ) -> list[tuple[SlaClock, Complaint]]:
        """Running clocks past their due time on open complaints (of ``unit``'s, if given),
        with their complaint, the longest overdue first."""


class OfficialRepository(Protocol):
    async def upsert(self, official: Official) -> tuple[Official, bool]:
        """Insert, or update the official with the same Telegram id; True when created."""

    async def get(self, official_id: int) -> Official | None: ...

    async def by_telegram_id(self, telegram_id: int) -> Official | None: ...

    async def for_unit(self, unit: str, roles: Sequence[Role] | None = None) -> list[Official]:
        """Active officials of a unit (optionally only these roles)."""

    async def with_role(self, role: Role) -> list[Official]:
        """Active officials with this role in any unit."""

    async def all(self, unit: str | None = None) -> list[Official]:
        """Every official (of one unit, if given), by unit."""


class EnterpriseRepository(Protocol):
    async def get_or_create(self, actor: Actor) -> Enterprise: ...

    async def get_or_create_many(self, actors: Iterable[Actor]) -> dict[Actor, Enterprise]:
        """``get_or_create`` for several actors with a fixed number of statements."""

    async def get(self, enterprise_id: int) -> Enterprise | None: ...

    async def find(self, actor: Actor) -> Enterprise | None:
        """The enterprise ``actor`` is, without creating it."""

    async def save(self, enterprise: Enterprise) -> Enterprise: ...


class RatingRepository(Protocol):
    async def add(self, rating: Rating) -> Rating: ...

    async def for_complaint(self, complaint_id: int) -> list[Rating]:
        """Oldest first (a reopened complaint can be rated again)."""


class ExtensionRepository(Protocol):
    async def add(self, request: ExtensionRequest) -> ExtensionRequest: ...

    async def get(self, request_id: int) -> ExtensionRequest | None: ...

    async def save(self, request: ExtensionRequest) -> ExtensionRequest: ...

    async def pending_for_complaint(self, complaint_id: int) -> list[ExtensionRequest]: ...


class Outbox(Protocol):
    async def add(self, message: OutboxMessage) -> bool:
        """Store for delivery; False (and nothing stored) when its ``dedupe_key`` exists."""

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Store several in one statement, skipping existing dedupe keys; returns how many
        were stored (ids are not read back)."""

    async def existing(self, keys: Sequence[str]) -> set[str]:
        """Which of these dedupe keys are taken (their message was queued before)."""

    async def claim(
        self,
        now: datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 50,
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        """Unsent, not given-up messages whose ``next_attempt_at`` is due (or None) and whose
        lease is free or expired, oldest first (only ``channels``' when given: a worker takes
        only what it can deliver); leases them to ``owner``."""

    async def save(self, message: OutboxMessage) -> OutboxMessage:
        """Write delivery state (sent_at, attempts, next_attempt_at, ...); releases the lease."""


class OutboxFiles(Protocol):
    """Files outbox messages send (a chart, a ledger), kept once by their content's hash."""

    async def put(self, name: str, content: bytes, now: datetime) -> str:
        """Keep the file (once, however often it is put); returns its key to name it by."""

    async def get(self, key: str) -> tuple[str, bytes] | None:
        """The file's name and content, or None when no file has this key."""


class Inbox(Protocol):
    async def add_many(self, updates: Sequence[InboxUpdate]) -> int:
        """Store updates not stored yet (by channel and update id); returns how many were new."""

    async def claim(
        self, now: datetime, owner: str, lease_seconds: float, limit: int = 50
    ) -> list[InboxUpdate]:
        """Unhandled, not given-up updates whose lease is free or expired, oldest first;
        leases them to ``owner`` and counts the attempt."""

    async def save(self, update: InboxUpdate) -> None:
        """Write ``handled_at`` / ``failed_at`` / ``last_error``; releases the lease."""

    async def purge_handled(self, before: datetime) -> int:
        """Forget updates handled before ``before``; returns how many."""

    async def lease_owners(self) -> list[str]:
        """Who holds leases on unhandled updates (to find those of a crashed process)."""

    async def release_leases(self, owners: Sequence[str]) -> int:
        """Free the leases of ``owners`` (crashed processes); returns how many."""


class ChatStates(Protocol):
    async def get(self, actor: Actor) -> ChatState | None: ...

    async def put(self, state: ChatState) -> None:
        """Replace whatever the conversation with ``state.actor`` waited for."""

    async def clear(self, actor: Actor) -> None: ...


class Locks(Protocol):
    async def hold(self, name: str, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the named lock for ``seconds``: True when ``owner`` holds it now
        (it was free, expired, or already ``owner``'s)."""

    async def release(self, name: str, owner: str) -> None: ...

    async def owner(self, name: str) -> str | None: ...


class ReportQueries(Protocol):
    async def unit_counts(
        self, start: datetime, end: datetime, as_of: datetime
    ) -> list[UnitCounts]:
        """One ``UnitCounts`` per lead unit with complaints received in ``[start, end)``, plus
        the district-wide total (``unit=None``) first. A clock counts once it is decided at
        ``as_of``: met (on time or late), or past its due time."""

    async def hot_topics(self, start: datetime, end: datetime, min_size: int = 2) -> list[HotTopic]:
        """Groups of near-identical complaints from different enterprises, biggest first;
        each with its first complaint that is not confidential as the sample (or its first,
        flagged ``sample_confidential``), unquoted: the report decides what it may show."""

    async def orders(self, start: datetime, end: datetime) -> list[OrderRecord]:
        """The complaints received in ``[start, end)`` (repeats merged into another left out,
        as the figures leave them out), oldest first, each with its enterprise, its clocks
        (in the order they were set) and its latest rating."""

    async def overdue(
        self, as_of: datetime, unit: str | None = None, limit: int = 100
    ) -> tuple[int, list[OverdueOrder]]:
        """Open complaints (of ``unit``'s, or all) with a clock not met and breached or past
        due at ``as_of``: how many there are, and the first ``limit`` of them, the longest
        overdue (earliest due) first."""


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> ApiKey:
        """Store a new key; ``DuplicateApiKey`` when an active key has its name."""

    async def active_by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def active_by_name(self, name: str) -> ApiKey | None: ...

    async def all(self) -> list[ApiKey]:
        """Every key, revoked ones too, by name and age."""

    async def save(self, key: ApiKey) -> ApiKey: ...


@dataclass(frozen=True, slots=True)
class FiledFilter:
    """Which of a platform's complaints to list (Open311 ``GET requests``); every bound is
    optional, times are aware UTC, ``start``/``end`` bound the filing time (end inclusive)."""

    start: datetime | None = None
    end: datetime | None = None
    #: Open311's ``open`` / ``closed`` (``Status.is_open``); None: both
    open: bool | None = None
    #: changed after: the complaint saved, or an event of ``changes`` recorded, since then
    updated_after: datetime | None = None
    changes: tuple[EventKind, ...] = ()


class FiledQueries(Protocol):
    """What the 12345 platform reads: the complaints filed over one channel under one API
    key's name, whichever account they were filed for."""

    async def filed_by(
        self,
        channel: str,
        platform: str,
        account: str | None,
        where: FiledFilter,
        limit: int,
    ) -> list[Complaint]:
        """Complaints whose filer is ``channel:platform`` or ``channel:platform/<account>``
        (only ``account``'s when given), newest first."""

    async def latest_events(
        self, complaint_ids: Sequence[int], kinds: Sequence[EventKind]
    ) -> dict[int, Event]:
        """Each complaint's newest event of these kinds (absent: none)."""


@dataclass(frozen=True, slots=True)
class OperationalCounts:
    """What ``/metrics`` shows of the database: counts since the database began, and the
    outbox as it is now, per channel."""

    filed: int
    routed: int  # assigned to a unit (automatically or by a dispatcher)
    breached: int  # complaints with at least one clock breached
    outbox_pending: dict[str, int]
    outbox_retrying: dict[str, int]  # pending after at least one failed attempt
    outbox_failed: dict[str, int]  # given up


class MetricsQueries(Protocol):
    async def counts(self) -> OperationalCounts: ...


class UnitOfWork(Protocol):
    """One transaction for one use case. ``async with factory() as uow: ...; await
    uow.commit()``; anything not committed is rolled back on exit."""

    complaints: ComplaintRepository
    events: EventLog
    clocks: ClockRepository
    officials: OfficialRepository
    enterprises: EnterpriseRepository
    ratings: RatingRepository
    extensions: ExtensionRepository
    outbox: Outbox
    outbox_files: OutboxFiles
    inbox: Inbox
    locks: Locks
    chat_states: ChatStates
    reports: ReportQueries
    api_keys: ApiKeyRepository
    filed: FiledQueries
    metrics: MetricsQueries

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def check_storage(self) -> None:
        """``DatabaseUnavailable`` unless the database this process was started on is still
        there to write to (a SQLite file: the same file, not deleted or replaced, writable;
        looked at without opening it, so nothing is created)."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


# --- time and delivery --------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""


class DeliveryFailed(YousuError):
    """A notification could not be delivered; ``retryable`` says whether to try again."""

    code = "delivery_failed"

    def __init__(
        self, detail: str, *, retryable: bool = True, retry_after: float | None = None
    ) -> None:
        super().__init__(f"消息发送失败：{detail}", f"delivery failed: {detail}")
        self.retryable = retryable
        #: seconds the channel asked us to wait (Telegram's flood control), if it said
        self.retry_after = retry_after


class Notifier(Protocol):
    """Delivers one outbox message on its channel (Telegram, ...)."""

    channels: frozenset[str]

    async def deliver(self, message: OutboxMessage) -> None:
        """Send it, or raise ``DeliveryFailed``."""
