"""The records the core works with: complaints, their events and clocks, the people involved,
ratings, extension requests and outgoing messages.

Owns the shape of the ledger as plain Python values. They cross the ports (``bot.ports``) in
both directions: the database layer maps them to tables, the services change them, the edges
render them. Nothing here knows about SQL, Telegram or HTTP.

Conventions: ids are ``None`` until stored; every datetime is timezone-aware UTC; tuples rather
than lists so a record can be compared and hashed in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.identifiers import MAX_CHANNEL, MAX_EXTERNAL_ID, check_identifier


class Role(StrEnum):
    """What an official may do (see the transition table in ``bot.domain.lifecycle``)."""

    HANDLER = "handler"  # 承办人: signs off, replies, resolves, asks for extensions
    UNIT_ADMIN = "unit_admin"  # 单位管理员: a handler who may also transfer and return
    DISPATCHER = "dispatcher"  # 派单员: confirms uncertain routing, reassigns returned ones
    SUPERVISOR = "supervisor"  # 督办人（营商办）: extensions, supervision, breaches
    ADMIN = "admin"  # 系统管理员: everything


class Status(StrEnum):
    SUBMITTED = "submitted"  # 已受理: logged, not yet with a unit
    PENDING_DISPATCH = "pending_dispatch"  # 待派单: a dispatcher must confirm the unit
    ROUTED = "routed"  # 已派单: with the lead unit, not yet signed off
    SIGNED_OFF = "signed_off"  # 已签收
    IN_PROGRESS = "in_progress"  # 办理中: the unit has replied at least once
    RESOLVED = "resolved"  # 已办结: the unit reports it done; the enterprise may confirm
    CLOSED = "closed"  # 已结案: confirmed and rated, or closed after the waiting time
    MERGED = "merged"  # 重复件: linked to an open complaint of the same enterprise
    WITHDRAWN = "withdrawn"  # 已撤回: by the enterprise, soon after filing, before sign-off
    VOID = "void"  # 无效: marked so by a dispatcher or the unit's admin, with a reason

    @property
    def is_open(self) -> bool:
        return self not in (Status.CLOSED, *NOT_COUNTED)

    @property
    def counted(self) -> bool:
        """Whether the complaint counts in the figures (repeats, withdrawn and void ones
        are left out of every rate)."""
        return self not in NOT_COUNTED


#: statuses left out of every figure and report
NOT_COUNTED: tuple[Status, ...] = (Status.MERGED, Status.WITHDRAWN, Status.VOID)


class EventKind(StrEnum):
    """Past tense: what happened. The event log is append-only."""

    SUBMITTED = "submitted"
    ROUTED = "routed"
    SENT_TO_DISPATCHER = "sent_to_dispatcher"
    CO_UNITS_INFORMED = "co_units_informed"
    SIGNED_OFF = "signed_off"
    REPLIED = "replied"
    FOLLOWED_UP = "followed_up"  # 补充说明 by the enterprise
    CHASED = "chased"  # 催办 by the enterprise
    SUPERVISED = "supervised"  # 督办 by a supervisor
    TRANSFERRED = "transferred"
    RETURNED = "returned"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    RATED = "rated"
    CLOSED = "closed"
    AUTO_CLOSED = "auto_closed"
    MERGED = "merged"  # this complaint is a repeat of another
    WITHDRAWN = "withdrawn"  # 撤回 by the enterprise
    VOIDED = "voided"  # 无效 by a dispatcher or the unit's admin
    REPEAT_RECEIVED = "repeat_received"  # on the original: a repeat was linked to it
    CLOCK_WARNED = "clock_warned"
    CLOCK_BREACHED = "clock_breached"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as plain data: ``Actor("telegram", "12345")``, ``Actor("http", "12345-
    platform")``, ``Actor("cli", "admin")``. ``system`` acts for the sweeper and timers."""

    channel: str
    external_id: str

    def __post_init__(self) -> None:
        # every edge builds an Actor from what it was sent: refused here, once for all
        check_identifier(self.channel, ("渠道", "channel"), MAX_CHANNEL)
        check_identifier(self.external_id, ("编号", "id"), MAX_EXTERNAL_ID)

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


SYSTEM = Actor("system", "yousu")

#: (channel, sender, reference): what makes a sender's own reference unique
ReferenceKey = tuple[str, str, str]


def reference_scope(actor: Actor) -> str:
    """Whose numbering a reference belongs to: the sender, and for a platform filing for its
    callers (``http:12345-platform/caller-7``) the platform, i.e. its API key. Two platforms
    (or two keys) may use the same reference for different complaints."""
    return actor.external_id.split("/", 1)[0]


def reference_key(actor: Actor, reference: str) -> ReferenceKey:
    return (actor.channel, reference_scope(actor), reference)


@dataclass(slots=True)
class Official:
    telegram_id: int
    unit: str | None  # canonical unit name; None for district-wide roles (supervisor, admin)
    role: Role
    name: str = ""
    active: bool = True
    id: int | None = None


@dataclass(slots=True)
class Enterprise:
    channel: str
    external_id: str
    company_name: str | None = None
    credit_code: str | None = None  # 统一社会信用代码, validated (GB 32100-2015)
    phone: str | None = None
    contact_person: str | None = None
    #: when the profile was first asked for (it is asked once, after the first complaint)
    profile_asked_at: datetime | None = None
    id: int | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.channel, self.external_id)


@dataclass(slots=True)
class Complaint:
    number: str  # 工单编号, e.g. 20261125-0007
    enterprise_id: int
    text: str
    channel: str
    sla_policy: str
    status: Status
    created_at: datetime
    updated_at: datetime
    attachments: tuple[str, ...] = ()  # opaque references (Telegram file ids, URLs)
    measure_id: str | None = None
    measure_title: str | None = None
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    routing_confidence: float = 0.0
    confidential: bool = False  # 保密: the enterprise's identity is not shown to units
    category: str | None = None
    repeat_of: int | None = None  # id of the open complaint this one repeats (status MERGED)
    topic_key: str | None = None  # hot-topic group shared by near-identical complaints
    handler_id: int | None = None  # official who signed off
    resolution_summary: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    external_ref: str | None = None  # the 12345 platform's own reference, if filed there
    ref_scope: str | None = None  # whose numbering external_ref belongs to (see reference_key)
    version: int = 0  # optimistic locking: bumped by every save
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    complaint_id: int
    kind: EventKind
    actor: str  # str(Actor)
    at: datetime
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable details
    id: int | None = None


@dataclass(slots=True)
class SlaClock:
    """One milestone of one complaint (``response``, ``first_reply``, ``contact``, ...)."""

    complaint_id: int
    milestone: str
    due_at: datetime
    warn_at: datetime
    estimated: bool = False
    met_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    extensions: int = 0
    id: int | None = None

    @property
    def running(self) -> bool:
        return self.met_at is None


class Satisfaction(StrEnum):
    """好差评, five levels; the value is the score."""

    VERY_SATISFIED = "5"  # 非常满意
    SATISFIED = "4"  # 满意
    BASICALLY_SATISFIED = "3"  # 基本满意
    DISSATISFIED = "2"  # 不满意
    VERY_DISSATISFIED = "1"  # 非常不满意


@dataclass(frozen=True, slots=True)
class Rating:
    complaint_id: int
    score: int  # 1..5, see Satisfaction
    at: datetime
    comment: str = ""
    #: the enterprise's answer to "was it solved?" (None: not asked, e.g. auto-closed)
    solved: bool | None = None
    id: int | None = None


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(slots=True)
class ExtensionRequest:
    complaint_id: int
    milestone: str
    requested_by: int  # official id
    reason: str
    created_at: datetime
    status: ExtensionStatus = ExtensionStatus.PENDING
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    id: int | None = None


@dataclass(slots=True)
class OutboxMessage:
    """A notification written in the same transaction as the change it reports; a worker
    delivers it. ``recipient`` is ``(channel, address)``, e.g. ``("telegram", "12345")``."""

    kind: str  # e.g. assigned, co_unit_informed, status_changed, clock_warning, clock_breached
    channel: str
    address: str
    payload: dict[str, Any]
    created_at: datetime
    #: at most one message per key is ever stored (a second add is ignored)
    dedupe_key: str | None = None
    complaint_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None  # gave up after too many attempts
    last_error: str | None = None
    id: int | None = None


@dataclass(slots=True)
class InboxUpdate:
    """An incoming update (a Telegram ``Update`` as JSON), stored before the channel is told
    it was received and handled from here, so a crash loses none. ``(channel, update_id)`` is
    unique: a redelivered update is stored once."""

    channel: str
    update_id: int
    payload: dict[str, Any]
    received_at: datetime
    attempts: int = 0
    handled_at: datetime | None = None
    failed_at: datetime | None = None  # given up after too many attempts
    last_error: str | None = None
    id: int | None = None


@dataclass(slots=True)
class ChatState:
    """What a conversation waits for from one person, kept in the database so a restart
    does not forget it: a text waiting for "提交诉求 / 只是咨询 / 补充到工单", an official's
    action waiting for its text, ... ``state`` names it, ``data`` holds its values."""

    channel: str
    external_id: str
    state: str
    data: dict[str, Any]
    updated_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.channel, self.external_id)


@dataclass(slots=True)
class UnitCounts:
    """Raw counts for one unit (or the district, ``unit=None``) over a period; the report
    (``bot.domain.figures``) turns them into rates. "In the period" means the complaint was
    received in it, except where a field says otherwise."""

    unit: str | None
    received: int = 0
    #: response minute: clocks due in the period, and those met by their due time
    response_total: int = 0
    response_met: int = 0
    #: first reply (``first_reply``; for 1330 ``contact``): due in the period / met on time
    reply_total: int = 0
    reply_on_time: int = 0
    #: assignment to a unit within its deadline (measure 45's timely transfer)
    transfer_total: int = 0
    transfer_on_time: int = 0
    resolved: int = 0  # reached RESOLVED or CLOSED
    #: resolved and confirmed by the enterprise (answered "solved" or rated 3 or better)
    confirmed_resolved: int = 0
    #: resolved and answered by the enterprise at all (rated, solved or not); the rest were
    #: silent, and silence is neither "solved" nor "not solved"
    answered_resolved: int = 0
    ratings: int = 0
    satisfied: int = 0  # rated 4 or 5 (满意 or better)
    overdue_open: int = 0  # open at the end of the period with a breached clock
    breaches: int = 0  # clocks breached in the period
    #: 1330 milestone -> (due in the period, met on time)
    financing: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopicCandidate:
    """A recent open complaint another one may share a hot topic with."""

    enterprise_id: int
    text: str
    topic_key: str | None


@dataclass(frozen=True, slots=True)
class HotTopic:
    topic_key: str
    complaints: int
    enterprises: int
    #: the words of one of its complaints: the first that is not confidential, if any
    sample_text: str
    measure_id: str | None
    #: the sample is a confidential complaint's (every complaint of the topic is)
    sample_confidential: bool = False
    #: the lead unit of the sample complaint (a unit's view shows the topics it handles)
    lead_unit: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One complaint as the ledger (台账) lists it: the complaint, who filed it, its clocks and
    its latest rating (None if not rated)."""

    complaint: Complaint
    enterprise: Enterprise
    clocks: tuple[SlaClock, ...]
    rating: Rating | None = None


@dataclass(frozen=True, slots=True)
class OverdueOrder:
    """An open complaint with a deadline passed and not met: the complaint and those of its
    clocks that are late, earliest due first."""

    complaint: Complaint
    late: tuple[SlaClock, ...]
