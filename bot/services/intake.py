"""Taking in a complaint: check it, route it, number it, start its clocks, tell everyone.

Owns ``submit_complaint`` (受理) and its batch form ``submit_complaints`` (one complaint is a
batch of one), and the two ways a complaint can be "the same": a repeat (重复件) of one of the
enterprise's own open complaints is linked to it instead of being handled twice; near-identical
complaints from different enterprises share a topic (热点) for the weekly summary (未诉先办).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.domain.identifiers import MAX_ATTACHMENT, MAX_REF, check_identifier
from bot.domain.lifecycle import Action, check
from bot.domain.numbers import format_number, local_day
from bot.domain.records import (
    SYSTEM,
    Actor,
    Complaint,
    Event,
    EventKind,
    OutboxMessage,
    ReferenceKey,
    Role,
    SlaClock,
    Status,
    TopicCandidate,
    reference_key,
    reference_scope,
)
from bot.errors import InvalidInput
from bot.ports import EnterpriseRepository, OfficialRepository, UnitOfWork
from bot.services.context import ServiceContext
from bot.services.notifications import notify_co_units, notify_role, notify_unit
from bot.services.steps import clean_text
from knowledge.learned import model_similarity
from knowledge.routing.router import RouteDecision

#: the longest complaint accepted (a page of text; longer ones are usually pasted documents)
MAX_TEXT = 5000
#: similarity (rapidfuzz ratio on normalised text, 0-100) above which a new complaint of the
#: same enterprise is a repeat of its open one: high, so a different problem is never swallowed
REPEAT_SIMILARITY = 85
#: similarity above which complaints of different enterprises under the same measure share a
#: hot topic; lower than for repeats, since different people word the same problem differently
TOPIC_SIMILARITY = 70
#: the learned layer's similarity (the cosine of its TF-IDF vectors, 0..1, which sees 拉电 and
#: 接电 as near) at or above which the same enterprise's open complaint under the same measure
#: is repeated, and another enterprise's recent one under the same measure shares the topic:
#: reworded repeats score 0.21-0.38, other problems under one measure at most 0.12
#: (``python -m bench.learned_similarity``). rapidfuzz's thresholds above still decide too.
LEARNED_REPEAT_SIMILARITY = 0.18
LEARNED_TOPIC_SIMILARITY = 0.14
TOPIC_WINDOW = timedelta(days=14)
#: how many recent complaints under the same measure are compared (newest first)
TOPIC_CANDIDATES = 100
#: the "assignment" clock (timely transfer, measure 45): a unit must have it by the end of the
#: first working day; its warning goes out at 17:00 that day (seven hours before 24:00)
ASSIGNMENT_WORKING_DAYS = 1
ASSIGNMENT_WARNING = timedelta(hours=7)

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Deadline:
    milestone: str
    due: datetime
    estimated: bool


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What the enterprise is told at once."""

    number: str
    status: Status
    lead_unit: str | None
    co_units: tuple[str, ...]
    measure_id: str | None
    measure_title: str | None
    sla_policy: str
    needs_dispatcher: bool
    deadlines: tuple[Deadline, ...]
    repeat_of: str | None = None  # number of the open complaint this one repeats
    #: the sender's reference (``external_ref``) was on file already: this is that complaint,
    #: and nothing new was filed (a platform retrying a request after a time-out)
    already_filed: bool = False

    @classmethod
    def of(
        cls,
        complaint: Complaint,
        handled_as: Complaint,
        *,
        needs_dispatcher: bool = False,
        deadlines: tuple[Deadline, ...] = (),
        repeat_of: str | None = None,
        already_filed: bool = False,
    ) -> Acknowledgement:
        """``complaint``'s number and status; unit, measure and policy of ``handled_as`` (the
        complaint itself, or the open one a repeat was merged into)."""
        return cls(
            number=complaint.number,
            status=complaint.status,
            lead_unit=handled_as.lead_unit,
            co_units=handled_as.co_units,
            measure_id=handled_as.measure_id,
            measure_title=handled_as.measure_title,
            sla_policy=handled_as.sla_policy,
            needs_dispatcher=needs_dispatcher,
            deadlines=deadlines,
            repeat_of=repeat_of,
            already_filed=already_filed,
        )


def normalise(text: str) -> str:
    return _NOISE.sub("", text).lower()


def check_text(text: str) -> str:
    cleaned = clean_text(text or "")
    if not cleaned:
        raise InvalidInput("诉求内容不能为空", "the complaint text is empty")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(
            f"诉求内容过长（{len(cleaned)}字），请精简到{MAX_TEXT}字以内，附件可另行上传",
            f"the complaint is too long ({len(cleaned)} > {MAX_TEXT} characters)",
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class Submission:
    """One complaint as an enterprise files it."""

    actor: Actor
    text: str
    attachments: tuple[str, ...] = ()
    confidential: bool = False
    external_ref: str | None = None

    def __post_init__(self) -> None:
        # what every edge sends is checked here, before it is queued with others' complaints
        if self.external_ref is not None:
            check_identifier(self.external_ref, ("编号（ref）", "ref"), MAX_REF)
        for name in self.attachments:
            check_identifier(name, ("附件名", "attachment"), MAX_ATTACHMENT)
        if not isinstance(self.confidential, bool):
            raise InvalidInput("confidential 应为 true 或 false", "confidential must be a boolean")


async def submit_complaint(
    ctx: ServiceContext,
    actor: Actor,
    text: str,
    *,
    attachments: tuple[str, ...] = (),
    confidential: bool = False,
    external_ref: str | None = None,
) -> Acknowledgement:
    submission = Submission(actor, text, tuple(attachments), confidential, external_ref)
    [acknowledgement] = await submit_complaints(ctx, [submission])
    return acknowledgement


async def submit_complaints(
    ctx: ServiceContext, submissions: Sequence[Submission]
) -> list[Acknowledgement]:
    """Take in complaints together, in one transaction: all of them are stored, or none.

    A batch costs the same dozen statements whatever its size (every complaint, event, clock
    and message of the batch is written by one multi-row statement each), which is what lets
    intake keep up with a rush (see ``IntakeQueue``). Each complaint is decided in order, so a
    complaint repeating an earlier one of the same batch is merged into it, as it would be if
    they had come one after the other.
    """
    if not submissions:
        return []
    texts = [check_text(s.text) for s in submissions]
    decisions = [ctx.route(text) for text in texts]  # pure and CPU-bound: outside the transaction
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        batch = _Batch(ctx, uow, now)
        acknowledgements = await batch.take(submissions, texts, decisions)
        await uow.commit()
    return acknowledgements


def _likeness(a: str, b: str, fuzzy_at: float, learned_at: float | None) -> float | None:
    """How alike two normalised texts are when they are alike enough, else None: rapidfuzz's
    ratio (0..100) at or above ``fuzzy_at`` counts in full (the same words), the learned
    similarity (0..1) at or above ``learned_at`` counts below it (the same matter reworded;
    None: the words alone decide)."""
    fuzzy = fuzz.ratio(a, b)
    if fuzzy >= fuzzy_at:
        return 1.0 + fuzzy / 100
    if learned_at is None:
        return None
    learned = model_similarity(a, b)
    return learned if learned is not None and learned >= learned_at else None


def _repeat_of(candidates: Sequence[Complaint], complaint: Complaint) -> Complaint | None:
    """The enterprise's open complaint this one repeats, if any (the most similar): almost
    the same words, or the same matter reworded under the same measure."""
    wanted = normalise(complaint.text)
    best: tuple[float, Complaint] | None = None
    for candidate in candidates:
        same_measure = complaint.measure_id is not None and (
            candidate.measure_id == complaint.measure_id
        )
        learned_at = LEARNED_REPEAT_SIMILARITY if same_measure else None
        score = _likeness(wanted, normalise(candidate.text), REPEAT_SIMILARITY, learned_at)
        if score is not None and (best is None or score > best[0]):
            best = (score, candidate)
    return None if best is None else best[1]


def _topic_of(complaint: Complaint, candidates: Sequence[TopicCandidate]) -> str:
    """The topic of the most similar recent complaint of another enterprise under the same
    measure, or a new topic named after this complaint. Candidates' texts are normalised."""
    wanted = normalise(complaint.text)
    best: tuple[float, str] | None = None
    for other in candidates:
        if other.enterprise_id == complaint.enterprise_id or not other.topic_key:
            continue
        score = _likeness(wanted, other.text, TOPIC_SIMILARITY, LEARNED_TOPIC_SIMILARITY)
        if score is not None and (best is None or score > best[0]):
            best = (score, other.topic_key)
    return complaint.number if best is None else best[1]


@dataclass(slots=True)
class _Taken:
    """What happens to one complaint of a batch."""

    complaint: Complaint
    original: Complaint | None = None  # the open complaint it repeats
    to_dispatcher: bool = False
    suggested_unit: str | None = None
    #: the units a dispatcher is offered, each with its measure (``dispatch_choices``)
    choices: list[dict[str, str]] = field(default_factory=list)
    deadlines: tuple[Deadline, ...] = ()
    events: list[Event] = field(default_factory=list)


class _HeldMessages:
    """The unit of work as notifications see it, with messages held back so the batch
    stores all of them with one statement."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.messages: list[OutboxMessage] = []

    @property
    def officials(self) -> OfficialRepository:
        return self._uow.officials

    @property
    def enterprises(self) -> EnterpriseRepository:
        return self._uow.enterprises

    @property
    def outbox(self) -> _HeldMessages:
        return self

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        self.messages.extend(messages)
        return len(messages)


class _Batch:
    """One transaction's intake: every complaint is decided in memory, in order, then each
    kind of row is written at once."""

    def __init__(self, ctx: ServiceContext, uow: UnitOfWork, now: datetime) -> None:
        self.ctx, self.uow, self.now = ctx, uow, now
        self._topics: dict[str, list[TopicCandidate]] = {}

    async def take(
        self,
        submissions: Sequence[Submission],
        texts: Sequence[str],
        decisions: Sequence[RouteDecision],
    ) -> list[Acknowledgement]:
        """Acknowledgements in the order of ``submissions``. A submission whose reference is
        on file already (or repeats an earlier one of the batch) is not filed again: it gets
        the acknowledgement of that complaint, so a sender may safely retry."""
        keys = [_ref_key(s) for s in submissions]
        on_file = await self.uow.complaints.by_refs({k for k in keys if k is not None})
        fresh: list[int] = []
        first_with: dict[ReferenceKey, int] = {}
        for i, key in enumerate(keys):
            if key is None or (key not in on_file and key not in first_with):
                fresh.append(i)
                if key is not None:
                    first_with[key] = i
        filed = (
            await self._file(
                [submissions[i] for i in fresh],
                [texts[i] for i in fresh],
                [decisions[i] for i in fresh],
            )
            if fresh
            else []
        )
        by_index = dict(zip(fresh, filed, strict=True))
        result: list[Acknowledgement] = []
        for i, key in enumerate(keys):
            if i in by_index:
                result.append(by_index[i])
            elif key is not None and key in on_file:
                stored = on_file[key]
                result.append(Acknowledgement.of(stored, stored, already_filed=True))
            else:
                assert key is not None
                result.append(replace(by_index[first_with[key]], already_filed=True))
        return result

    async def _file(
        self,
        submissions: Sequence[Submission],
        texts: Sequence[str],
        decisions: Sequence[RouteDecision],
    ) -> list[Acknowledgement]:
        uow, now, ctx = self.uow, self.now, self.ctx
        enterprises = await uow.enterprises.get_or_create_many(s.actor for s in submissions)
        first = await uow.complaints.next_sequences(local_day(now, ctx.zone), len(submissions))
        open_by_enterprise = await uow.complaints.open_for_enterprises(
            e.id for e in enterprises.values() if e.id is not None
        )
        taken: list[_Taken] = []
        for i, (submission, text, decision) in enumerate(
            zip(submissions, texts, decisions, strict=True)
        ):
            enterprise_id = enterprises[submission.actor].id
            assert enterprise_id is not None
            complaint = _new_complaint(
                ctx, now, first + i, enterprise_id, submission, text, decision
            )
            open_ones = open_by_enterprise.setdefault(enterprise_id, [])
            original = _repeat_of(open_ones, complaint)
            if original is not None:
                complaint.status = check(Action.MERGE, complaint, "system") or complaint.status
                complaint.topic_key = original.topic_key
                complaint.repeat_of = original.id  # None while the original is of this batch
                taken.append(_Taken(complaint, original=original))
                continue
            complaint.topic_key = await self._topic(complaint)
            to_dispatcher = decision.needs_dispatcher or complaint.lead_unit is None
            action = Action.SEND_TO_DISPATCHER if to_dispatcher else Action.ROUTE
            complaint.status = check(action, complaint, "system") or complaint.status
            suggested = complaint.lead_unit
            if to_dispatcher:
                # not the unit's until a dispatcher confirms: it must not count in its figures
                complaint.lead_unit, complaint.co_units = None, ()
            taken.append(
                _Taken(
                    complaint,
                    to_dispatcher=to_dispatcher,
                    suggested_unit=suggested,
                    choices=dispatch_choices(decision) if to_dispatcher else [],
                )
            )
            open_ones.insert(0, complaint)  # later complaints of the batch may repeat it

        await uow.complaints.add_many([t.complaint for t in taken])
        for item in taken:
            if item.original is not None and item.complaint.repeat_of is None:
                # its original is of this batch and had no id until the insert above
                item.complaint.repeat_of = item.original.id
                await uow.complaints.save(item.complaint)
        await self._write_events(taken, submissions)
        await uow.clocks.add_many([c for item in taken for c in self._clocks(item)])
        await self._notify(taken)
        return [
            Acknowledgement.of(item.complaint, item.original, repeat_of=item.original.number)
            if item.original is not None
            else Acknowledgement.of(
                item.complaint,
                item.complaint,
                needs_dispatcher=item.to_dispatcher,
                deadlines=item.deadlines,
            )
            for item in taken
        ]

    async def _topic(self, complaint: Complaint) -> str:
        if complaint.measure_id is None:
            return complaint.number
        candidates = self._topics.get(complaint.measure_id)
        if candidates is None:
            stored = await self.uow.complaints.topic_candidates(
                self.now - TOPIC_WINDOW, complaint.measure_id, TOPIC_CANDIDATES
            )
            # normalised once per batch, not once per complaint compared with them
            candidates = [replace(c, text=normalise(c.text)) for c in stored]
            self._topics[complaint.measure_id] = candidates
        topic = _topic_of(complaint, candidates)
        normalised = normalise(complaint.text)
        candidates.insert(0, TopicCandidate(complaint.enterprise_id, normalised, topic))
        return topic

    async def _write_events(
        self, taken: Sequence[_Taken], submissions: Sequence[Submission]
    ) -> None:
        now = self.now
        for item, submission in zip(taken, submissions, strict=True):
            c = item.complaint
            assert c.id is not None
            actor = str(submission.actor)
            if item.original is not None:
                assert item.original.id is not None
                item.events = [
                    Event(c.id, EventKind.SUBMITTED, actor, now),
                    Event(
                        c.id,
                        EventKind.MERGED,
                        str(SYSTEM),
                        now,
                        data={"original": item.original.number},
                    ),
                    Event(
                        item.original.id,
                        EventKind.REPEAT_RECEIVED,
                        actor,
                        now,
                        data={"repeat": c.number},
                    ),
                ]
                continue
            item.events = [
                Event(c.id, EventKind.SUBMITTED, actor, now, data={"text_length": len(c.text)})
            ]
            if item.to_dispatcher:
                details = {
                    "confidence": c.routing_confidence,
                    "suggested_unit": item.suggested_unit,
                }
                item.events.append(
                    Event(c.id, EventKind.SENT_TO_DISPATCHER, str(SYSTEM), now, data=details)
                )
            else:
                details = {
                    "unit": c.lead_unit,
                    "measure": c.measure_id,
                    "confidence": c.routing_confidence,
                }
                item.events.append(Event(c.id, EventKind.ROUTED, str(SYSTEM), now, data=details))
                if c.co_units:
                    item.events.append(
                        Event(
                            c.id,
                            EventKind.CO_UNITS_INFORMED,
                            str(SYSTEM),
                            now,
                            data={"units": list(c.co_units)},
                        )
                    )
        stored = iter(await self.uow.events.append_many([e for t in taken for e in t.events]))
        for item in taken:
            item.events = [next(stored) for _ in item.events]

    def _clocks(self, item: _Taken) -> list[SlaClock]:
        if item.original is not None:
            return []  # a repeat runs on its original's clocks
        complaint, now, sla = item.complaint, self.now, self.ctx.sla
        assert complaint.id is not None
        schedule = sla.schedule(complaint.sla_policy, now)
        item.deadlines = tuple(Deadline(m.name, m.due, m.estimated) for m in schedule.milestones)
        clocks = [
            SlaClock(complaint.id, m.name, m.due, m.warn_at, m.estimated)
            for m in schedule.milestones
        ]
        assign_due, estimated = sla.add_working_days(now, ASSIGNMENT_WORKING_DAYS)
        clocks.append(
            SlaClock(
                complaint.id,
                "assignment",
                assign_due,
                max(now, assign_due - ASSIGNMENT_WARNING),
                estimated,
                met_at=None if item.to_dispatcher else now,
            )
        )
        return clocks

    async def _notify(self, taken: Sequence[_Taken]) -> None:
        """The units (or dispatchers) are told; the enterprise is not: every channel hands it
        the acknowledgement at once (a Telegram reply, the HTTP response), and a message
        saying the same again would only be noise. It hears of every later change."""
        held = _HeldMessages(self.uow)
        for item in taken:
            complaint = item.complaint
            if item.original is not None:
                # a message about a repeat is confidential when either complaint is
                original = item.original
                if complaint.confidential:
                    original = replace(original, confidential=True)
                await notify_unit(
                    held,
                    original,
                    "repeat_received",
                    f"repeat{complaint.number}",
                    said={"repeat_text": complaint.text[:200]},
                    repeat=complaint.number,
                )
                continue
            deadlines = {d.milestone: d.due.isoformat() for d in item.deadlines}
            decided = item.events[1]
            if item.to_dispatcher:
                await notify_role(
                    held,
                    complaint,
                    "dispatch_needed",
                    f"event{decided.id}",
                    Role.DISPATCHER,
                    suggested_unit=item.suggested_unit,
                    choices=item.choices,
                )
            else:
                await notify_unit(
                    held, complaint, "assigned", f"event{decided.id}", deadlines=deadlines
                )
                if complaint.co_units:
                    await notify_co_units(held, complaint, f"event{item.events[2].id}")
        await self.uow.outbox.add_many(held.messages)


#: how many units a dispatcher's card offers as buttons (the suggested one and the next two)
DISPATCH_CHOICES = 3


def dispatch_choices(decision: RouteDecision, leave_out: str | None = None) -> list[dict[str, str]]:
    """The units a dispatcher is offered for a complaint, best first, as plain values."""
    return [
        {"unit": c.unit, "measure_id": c.measure.id, "measure_title": c.measure.title}
        for c in decision.choices
        if c.unit != leave_out
    ][:DISPATCH_CHOICES]


def _ref_key(submission: Submission) -> ReferenceKey | None:
    """A reference is unique per sender (an API key's platform), not per channel."""
    if submission.external_ref is None:
        return None
    return reference_key(submission.actor, submission.external_ref)


def _new_complaint(
    ctx: ServiceContext,
    now: datetime,
    sequence: int,
    enterprise_id: int,
    submission: Submission,
    text: str,
    decision: RouteDecision,
) -> Complaint:
    return Complaint(
        number=format_number(now, sequence, ctx.zone),
        enterprise_id=enterprise_id,
        text=text,
        channel=submission.actor.channel,
        sla_policy=decision.sla_policy,
        status=Status.SUBMITTED,
        created_at=now,
        updated_at=now,
        attachments=submission.attachments,
        measure_id=decision.measure.id if decision.measure else None,
        measure_title=decision.measure.title if decision.measure else None,
        lead_unit=decision.lead_unit,
        co_units=decision.co_units,
        routing_confidence=decision.confidence,
        confidential=submission.confidential,
        external_ref=submission.external_ref,
        ref_scope=None if submission.external_ref is None else reference_scope(submission.actor),
    )
