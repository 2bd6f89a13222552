"""Taking in a complaint: check it, route it, number it, start its clocks, tell everyone.

Owns ``submit_complaint`` (受理) and the two ways a complaint can be "the same": a repeat
(重复件) of one of the enterprise's own open complaints is linked to it instead of being handled
twice; near-identical complaints from different enterprises share a topic (热点) for the weekly
summary (未诉先办).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.domain.lifecycle import Action, check
from bot.domain.numbers import format_number, local_day
from bot.domain.records import Actor, Complaint, EventKind, Role, SlaClock, Status
from bot.errors import InvalidInput
from bot.ports import UnitOfWork
from bot.services.context import ServiceContext
from bot.services.notifications import notify_co_units, notify_role, notify_unit
from bot.services.steps import clean_text, record, tell_enterprise

#: the longest complaint accepted (a page of text; longer ones are usually pasted documents)
MAX_TEXT = 5000
#: similarity (rapidfuzz ratio on normalised text, 0-100) above which a new complaint of the
#: same enterprise is a repeat of its open one: high, so a different problem is never swallowed
REPEAT_SIMILARITY = 85
#: similarity above which complaints of different enterprises under the same measure share a
#: hot topic; lower than for repeats, since different people word the same problem differently
TOPIC_SIMILARITY = 70
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

    @classmethod
    def of(
        cls,
        complaint: Complaint,
        handled_as: Complaint,
        *,
        needs_dispatcher: bool = False,
        deadlines: tuple[Deadline, ...] = (),
        repeat_of: str | None = None,
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


async def submit_complaint(
    ctx: ServiceContext,
    actor: Actor,
    text: str,
    *,
    attachments: tuple[str, ...] = (),
    confidential: bool = False,
    external_ref: str | None = None,
) -> Acknowledgement:
    cleaned = check_text(text)
    decision = ctx.route(cleaned)  # pure and CPU-bound: outside the transaction
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        enterprise = await uow.enterprises.get_or_create(actor)
        assert enterprise.id is not None
        sequence = await uow.complaints.next_sequence(local_day(now, ctx.zone))
        complaint = Complaint(
            number=format_number(now, sequence, ctx.zone),
            enterprise_id=enterprise.id,
            text=cleaned,
            channel=actor.channel,
            sla_policy=decision.sla_policy,
            status=Status.SUBMITTED,
            created_at=now,
            updated_at=now,
            attachments=tuple(attachments),
            measure_id=decision.measure.id if decision.measure else None,
            measure_title=decision.measure.title if decision.measure else None,
            lead_unit=decision.lead_unit,
            co_units=decision.co_units,
            routing_confidence=decision.confidence,
            confidential=confidential,
            external_ref=external_ref,
        )
        original = await _open_repeat(uow, enterprise.id, cleaned)
        if original is not None:
            ack = await _merge(uow, complaint, original, actor, now)
        else:
            complaint.topic_key = await _topic(uow, complaint, now)
            ack = await _route(ctx, uow, complaint, actor, now, decision.needs_dispatcher)
        await uow.commit()
    return ack


async def _open_repeat(uow: UnitOfWork, enterprise_id: int, text: str) -> Complaint | None:
    wanted = normalise(text)
    best: tuple[float, Complaint] | None = None
    for candidate in await uow.complaints.open_for_enterprise(enterprise_id):
        score = fuzz.ratio(wanted, normalise(candidate.text))
        if score >= REPEAT_SIMILARITY and (best is None or score > best[0]):
            best = (score, candidate)
    return None if best is None else best[1]


async def _topic(uow: UnitOfWork, complaint: Complaint, now: datetime) -> str:
    """The topic of the most similar recent complaint of another enterprise under the same
    measure, or a new topic named after this complaint."""
    wanted = normalise(complaint.text)
    best: tuple[float, str] | None = None
    if complaint.measure_id is None:
        return complaint.number
    for other in await uow.complaints.topic_candidates(
        now - TOPIC_WINDOW, complaint.measure_id, TOPIC_CANDIDATES
    ):
        if other.enterprise_id == complaint.enterprise_id:
            continue
        score = fuzz.ratio(wanted, normalise(other.text))
        if score >= TOPIC_SIMILARITY and other.topic_key and (best is None or score > best[0]):
            best = (score, other.topic_key)
    return complaint.number if best is None else best[1]


async def _merge(
    uow: UnitOfWork, complaint: Complaint, original: Complaint, actor: Actor, now: datetime
) -> Acknowledgement:
    complaint.status = check(Action.MERGE, complaint, "system") or complaint.status
    complaint.repeat_of = original.id
    complaint.topic_key = original.topic_key
    await uow.complaints.add(complaint)
    await record(uow, complaint, EventKind.SUBMITTED, actor, now)
    event = await record(
        uow, complaint, EventKind.MERGED, "system:yousu", now, original=original.number
    )
    await record(uow, original, EventKind.REPEAT_RECEIVED, actor, now, repeat=complaint.number)
    await notify_unit(
        uow,
        original,
        "repeat_received",
        f"repeat{complaint.number}",
        repeat=complaint.number,
        repeat_text=complaint.text[:200],
    )
    await tell_enterprise(uow, complaint, event, original=original.number)
    return Acknowledgement.of(complaint, original, repeat_of=original.number)


async def _route(
    ctx: ServiceContext,
    uow: UnitOfWork,
    complaint: Complaint,
    actor: Actor,
    now: datetime,
    needs_dispatcher: bool,
) -> Acknowledgement:
    to_dispatcher = needs_dispatcher or complaint.lead_unit is None
    action = Action.SEND_TO_DISPATCHER if to_dispatcher else Action.ROUTE
    complaint.status = check(action, complaint, "system") or complaint.status
    suggested = complaint.lead_unit
    if to_dispatcher:
        # not the unit's until a dispatcher confirms: it must not count in the unit's figures
        complaint.lead_unit, complaint.co_units = None, ()
    await uow.complaints.add(complaint)
    assert complaint.id is not None
    await record(uow, complaint, EventKind.SUBMITTED, actor, now, text_length=len(complaint.text))

    schedule = ctx.sla.schedule(complaint.sla_policy, now)
    deadlines = [Deadline(m.name, m.due, m.estimated) for m in schedule.milestones]
    clocks = [
        SlaClock(complaint.id, m.name, m.due, m.warn_at, m.estimated) for m in schedule.milestones
    ]
    assign_due, estimated = ctx.sla.add_working_days(now, ASSIGNMENT_WORKING_DAYS)
    clocks.append(
        SlaClock(
            complaint.id,
            "assignment",
            assign_due,
            max(now, assign_due - ASSIGNMENT_WARNING),
            estimated,
            met_at=None if to_dispatcher else now,
        )
    )
    await uow.clocks.add_many(clocks)

    if to_dispatcher:
        event = await record(
            uow,
            complaint,
            EventKind.SENT_TO_DISPATCHER,
            "system:yousu",
            now,
            confidence=complaint.routing_confidence,
            suggested_unit=suggested,
        )
        await notify_role(
            uow,
            complaint,
            "dispatch_needed",
            f"event{event.id}",
            Role.DISPATCHER,
            suggested_unit=suggested,
        )
    else:
        event = await record(
            uow,
            complaint,
            EventKind.ROUTED,
            "system:yousu",
            now,
            unit=complaint.lead_unit,
            measure=complaint.measure_id,
            confidence=complaint.routing_confidence,
        )
        await notify_unit(
            uow,
            complaint,
            "assigned",
            f"event{event.id}",
            deadlines={d.milestone: d.due.isoformat() for d in deadlines},
        )
        if complaint.co_units:
            informed = await record(
                uow,
                complaint,
                EventKind.CO_UNITS_INFORMED,
                "system:yousu",
                now,
                units=list(complaint.co_units),
            )
            await notify_co_units(uow, complaint, f"event{informed.id}")
    await tell_enterprise(
        uow, complaint, event, deadlines={d.milestone: d.due.isoformat() for d in deadlines}
    )
    return Acknowledgement.of(
        complaint, complaint, needs_dispatcher=to_dispatcher, deadlines=tuple(deadlines)
    )
