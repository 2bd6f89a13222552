"""What officials do with a complaint: sign off, reply, resolve, transfer, return, dispatch,
ask for and decide extensions, supervise.

Owns the officials' use cases. Each loads the complaint and the official, checks the
transition table (``bot.domain.lifecycle``), changes the complaint with optimistic locking,
stops the clocks the act meets, logs the event and tells whoever must know, in one unit of
work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.lifecycle import Action, check_official, may_see
from bot.domain.records import (
    SYSTEM,
    Actor,
    Complaint,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    SlaClock,
    Status,
)
from bot.domain.sla import MetBy
from bot.errors import InvalidInput, NotFound, YousuError
from bot.ports import ConcurrentUpdate, UnitOfWork
from bot.services.context import ServiceContext
from bot.services.intake import dispatch_choices
from bot.services.notifications import (
    notify_co_units,
    notify_enterprise,
    notify_role,
    notify_unit,
)
from bot.services.steps import (
    change_status,
    load_complaint,
    load_for_official,
    load_official,
    meet_assignment,
    meet_clocks,
    optional_note,
    record,
    required_note,
    tell_enterprise,
)


class AlreadySignedOff(YousuError):
    """Two officials pressed 签收 together; the other one was first."""

    code = "already_signed_off"
    http_status = 409

    def __init__(self, number: str, by: str) -> None:
        super().__init__(
            f"工单 {number} 已由 {by} 签收", f"complaint {number} was already signed off by {by}"
        )


class ExtensionRefused(YousuError):
    code = "extension_not_possible"
    http_status = 409


@dataclass(frozen=True, slots=True)
class Outcome:
    number: str
    status: Status
    lead_unit: str | None
    met: tuple[str, ...] = ()  # clocks this act stopped


def _outcome(complaint: Complaint, met: list[str] | None = None) -> Outcome:
    return Outcome(complaint.number, complaint.status, complaint.lead_unit, tuple(met or ()))


async def sign_off(ctx: ServiceContext, actor: Actor, number: str) -> Outcome:
    now = ctx.clock.now()
    try:
        async with ctx.uow_factory() as uow:
            complaint, official = await load_for_official(uow, actor, number)
            if complaint.status is not Status.ROUTED and complaint.handler_id is not None:
                raise ConcurrentUpdate(number)  # signed off before this request arrived
            status = check_official(Action.SIGN_OFF, complaint, official)
            complaint.handler_id = official.id
            await change_status(uow, complaint, status, now)
            met = await meet_clocks(uow, ctx.sla, complaint, MetBy.SIGN_OFF, now)
            event = await record(
                uow, complaint, EventKind.SIGNED_OFF, actor, now, official=official.name
            )
            await tell_enterprise(uow, complaint, event)
            await uow.commit()
    except ConcurrentUpdate:
        raise AlreadySignedOff(number, await _who_signed(ctx, number)) from None
    return _outcome(complaint, met)


async def _who_signed(ctx: ServiceContext, number: str) -> str:
    async with ctx.uow_factory() as uow:
        complaint = await load_complaint(uow, number)
        if complaint.handler_id is not None:
            official = await uow.officials.get(complaint.handler_id)
            if official is not None:
                return official.name or f"工作人员{official.telegram_id}"
    return "其他工作人员"


async def reply(ctx: ServiceContext, actor: Actor, number: str, text: str) -> Outcome:
    """回复; on a complaint nobody signed off yet, the replying official signs it off first
    (answering the enterprise is taking it), in the same transaction."""
    message = required_note(text, ("回复内容", "reply text"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        met: list[str] = []
        if complaint.status is Status.ROUTED:
            signed = check_official(Action.SIGN_OFF, complaint, official)
            complaint.handler_id = official.id
            await change_status(uow, complaint, signed, now)
            met += await meet_clocks(uow, ctx.sla, complaint, MetBy.SIGN_OFF, now)
            signed_off = await record(
                uow, complaint, EventKind.SIGNED_OFF, actor, now, official=official.name
            )
            await tell_enterprise(uow, complaint, signed_off)
        status = check_official(Action.REPLY, complaint, official)
        await change_status(uow, complaint, status, now)
        met += await meet_clocks(uow, ctx.sla, complaint, MetBy.REPLY, now)
        event = await record(uow, complaint, EventKind.REPLIED, actor, now, text=message, met=met)
        await notify_enterprise(uow, complaint, "reply", f"event{event.id}", reply=message)
        await uow.commit()
    return _outcome(complaint, met)


async def resolve(ctx: ServiceContext, actor: Actor, number: str, summary: str) -> Outcome:
    text = required_note(summary, ("办结说明", "resolution summary"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        status = check_official(Action.RESOLVE, complaint, official)
        complaint.resolution_summary, complaint.resolved_at = text, now
        await change_status(uow, complaint, status, now)
        met = await meet_clocks(uow, ctx.sla, complaint, MetBy.RESOLVE, now)
        event = await record(uow, complaint, EventKind.RESOLVED, actor, now, summary=text, met=met)
        await tell_enterprise(uow, complaint, event, summary=text, ask_rating=True)
        await uow.commit()
    return _outcome(complaint, met)


async def transfer(
    ctx: ServiceContext, actor: Actor, number: str, unit: str, reason: str
) -> Outcome:
    why = required_note(reason, ("转派理由", "transfer reason"))
    target = ctx.canonical_unit(unit)
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        status = check_official(Action.TRANSFER, complaint, official)
        if target == complaint.lead_unit:
            raise InvalidInput(f"工单已在 {target} 办理", f"complaint is already with {target}")
        previous = complaint.lead_unit
        complaint.lead_unit, complaint.handler_id = target, None
        await change_status(uow, complaint, status, now)
        event = await record(
            uow,
            complaint,
            EventKind.TRANSFERRED,
            actor,
            now,
            why,
            from_unit=previous,
            to_unit=target,
        )
        await notify_unit(
            uow, complaint, "assigned", f"event{event.id}", transferred_from=previous, reason=why
        )
        await tell_enterprise(uow, complaint, event)
        await uow.commit()
    return _outcome(complaint)


async def return_complaint(ctx: ServiceContext, actor: Actor, number: str, reason: str) -> Outcome:
    """退单: "not ours" - back to the dispatchers with the reason."""
    why = required_note(reason, ("退单理由", "return reason"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        status = check_official(Action.RETURN, complaint, official)
        previous = complaint.lead_unit
        complaint.lead_unit, complaint.handler_id = None, None
        await change_status(uow, complaint, status, now)
        event = await record(
            uow, complaint, EventKind.RETURNED, actor, now, why, from_unit=previous
        )
        await notify_role(
            uow,
            complaint,
            "dispatch_needed",
            f"event{event.id}",
            Role.DISPATCHER,
            returned_by=previous,
            reason=why,
            choices=dispatch_choices(ctx.route(complaint.text), leave_out=previous),
        )
        await tell_enterprise(uow, complaint, event)
        await uow.commit()
    return _outcome(complaint)


async def dispatch(
    ctx: ServiceContext, actor: Actor, number: str, unit: str, note: str = ""
) -> Outcome:
    """A dispatcher confirms (or chooses) the unit of a complaint waiting for one."""
    target = ctx.canonical_unit(unit)
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        status = check_official(Action.DISPATCH, complaint, official)
        complaint.lead_unit = target
        replaced = _cite_measure_of(ctx, complaint, target)
        if complaint.measure_id is not None:
            # the plan's other units for the measure are informed, as when routed directly
            complaint.co_units = ctx.co_units(complaint.measure_id, target)
        await change_status(uow, complaint, status, now)
        await meet_assignment(uow, complaint, now)
        event = await record(
            uow,
            complaint,
            EventKind.ROUTED,
            actor,
            now,
            optional_note(note),
            unit=target,
            **({"measure_id": complaint.measure_id, "replaced": replaced} if replaced else {}),
        )
        await notify_unit(uow, complaint, "assigned", f"event{event.id}")
        if complaint.co_units:
            informed = await record(
                uow,
                complaint,
                EventKind.CO_UNITS_INFORMED,
                SYSTEM,
                now,
                units=list(complaint.co_units),
            )
            await notify_co_units(uow, complaint, f"event{informed.id}")
        await tell_enterprise(uow, complaint, event)
        await uow.commit()
    return _outcome(complaint)


def _cite_measure_of(ctx: ServiceContext, complaint: Complaint, unit: str) -> str | None:
    """Cite the measure that sends the complaint to ``unit`` when routing names one other than
    the cited measure (a dispatcher chose another unit than the suggested one); returns the
    measure replaced, or None when the citation stays."""
    choice = next((c for c in ctx.route(complaint.text).choices if c.unit == unit), None)
    if choice is None or choice.measure.id == complaint.measure_id:
        return None
    replaced = complaint.measure_id or ""
    complaint.measure_id, complaint.measure_title = choice.measure.id, choice.measure.title
    return replaced


async def check_allowed(ctx: ServiceContext, actor: Actor, number: str, action: Action) -> str:
    """Whether ``actor`` may take ``action`` on the complaint now (its status, the role, the
    unit), asked before anyone types the text the action needs; returns the canonical number,
    or raises the error the act itself would."""
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        check_official(action, complaint, official)
    return complaint.number


async def void(ctx: ServiceContext, actor: Actor, number: str, reason: str) -> Outcome:
    """无效: a dispatcher, or the admin of the unit that has it, marks an order that is no
    complaint (a test, nonsense, abuse) with the reason; it leaves every figure, its clocks
    stop, and the enterprise is told politely why."""
    why = required_note(reason, ("无效理由", "reason"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        status = check_official(Action.VOID, complaint, official)
        await change_status(uow, complaint, status, now)
        event = await record(uow, complaint, EventKind.VOIDED, actor, now, why)
        await tell_enterprise(uow, complaint, event)  # with the reason
        await uow.commit()
    return _outcome(complaint)


async def supervise(ctx: ServiceContext, actor: Actor, number: str, note: str) -> Outcome:
    """督办: a supervisor pushes the unit on a complaint."""
    text = required_note(note, ("督办意见", "supervision note"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        check_official(Action.SUPERVISE, complaint, official)
        event = await record(uow, complaint, EventKind.SUPERVISED, actor, now, text)
        await notify_unit(uow, complaint, "supervised", f"event{event.id}", note=text)
        await uow.commit()
    return _outcome(complaint)


@dataclass(frozen=True, slots=True)
class ExtensionResult:
    request_id: int
    number: str
    milestone: str
    status: ExtensionStatus
    new_due: datetime | None = None


async def _days_asked(uow: UnitOfWork, complaint_id: int, request_id: int) -> int | None:
    """The working days the request asked for (kept with its event), if it named any."""
    for event in await uow.events.for_complaint(complaint_id):
        if event.kind is EventKind.EXTENSION_REQUESTED and event.data.get("request") == request_id:
            days = event.data.get("days")
            return days if isinstance(days, int) else None
    return None


def _extendable(
    ctx: ServiceContext, complaint: Complaint, clocks: list[SlaClock], name: str | None
) -> SlaClock:
    for clock in clocks:
        if not clock.running or (name is not None and clock.milestone != name):
            continue
        if clock.milestone == "assignment":
            continue
        try:
            allowed = ctx.sla.max_extensions(complaint.sla_policy, clock.milestone)
        except YousuError:
            continue
        if clock.extensions < allowed:
            return clock
    raise ExtensionRefused(
        f"工单 {complaint.number} 没有可以延期的时限（已延期或政策不允许延期）",
        f"complaint {complaint.number} has no deadline that may be extended",
    )


#: the longest extension a unit may ask for, in working days
MAX_EXTENSION_DAYS = 60


async def request_extension(
    ctx: ServiceContext,
    actor: Actor,
    number: str,
    reason: str,
    milestone: str | None = None,
    days: int | None = None,
) -> ExtensionResult:
    """延期申请; ``days`` is how many working days the unit asks for (approval grants that,
    at most what the deadline policy allows)."""
    why = required_note(reason, ("延期理由", "extension reason"))
    if days is not None and not 0 < days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(
            f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日", f"bad extension days {days}"
        )
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint, official = await load_for_official(uow, actor, number)
        check_official(Action.REQUEST_EXTENSION, complaint, official)
        assert complaint.id is not None and official.id is not None
        if await uow.extensions.pending_for_complaint(complaint.id):
            raise ExtensionRefused(
                f"工单 {complaint.number} 已有待审批的延期申请",
                f"complaint {complaint.number} already has a pending extension request",
            )
        clock = _extendable(ctx, complaint, await uow.clocks.for_complaint(complaint.id), milestone)
        request = await uow.extensions.add(
            ExtensionRequest(complaint.id, clock.milestone, official.id, why, now)
        )
        event = await record(
            uow,
            complaint,
            EventKind.EXTENSION_REQUESTED,
            actor,
            now,
            why,
            milestone=clock.milestone,
            request=request.id,
            days=days,
        )
        await notify_role(
            uow,
            complaint,
            "extension_requested",
            f"event{event.id}",
            Role.SUPERVISOR,
            request_id=request.id,
            milestone=clock.milestone,
            reason=why,
            due=clock.due_at.isoformat(),
            days=days,
        )
        await uow.commit()
    assert request.id is not None
    return ExtensionResult(request.id, complaint.number, clock.milestone, request.status)


async def decide_extension(
    ctx: ServiceContext, actor: Actor, request_id: int, approve: bool, note: str = ""
) -> ExtensionResult:
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        request = await uow.extensions.get(request_id)
        if request is None or request.status is not ExtensionStatus.PENDING:
            raise NotFound(
                f"没有待审批的延期申请 {request_id}", f"no pending extension request {request_id}"
            )
        complaint = await uow.complaints.get(request.complaint_id)
        assert complaint is not None and complaint.id is not None
        official = await load_official(uow, actor)
        if not may_see(official, complaint):  # another unit's request: as if there were none
            raise NotFound(
                f"没有待审批的延期申请 {request_id}", f"no pending extension request {request_id}"
            )
        check_official(Action.DECIDE_EXTENSION, complaint, official)
        new_due = None
        if approve:
            clock = next(
                c
                for c in await uow.clocks.for_complaint(complaint.id)
                if c.milestone == request.milestone
            )
            days = await _days_asked(uow, complaint.id, request_id)
            extended = ctx.sla.extend(complaint.sla_policy, clock.milestone, clock.due_at, days)
            clock.due_at, clock.warn_at, new_due = extended.due, extended.warn_at, extended.due
            clock.extensions += 1
            clock.warned_at = None
            clock.estimated = clock.estimated or extended.estimated
            await uow.clocks.save(clock)
        request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        request.decided_by, request.decided_at = official.id, now
        request.decision_note = optional_note(note)
        await uow.extensions.save(request)
        kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
        event = await record(
            uow,
            complaint,
            kind,
            actor,
            now,
            request.decision_note,
            milestone=request.milestone,
            new_due=new_due.isoformat() if new_due else None,
        )
        await notify_unit(
            uow,
            complaint,
            "extension_decided",
            f"event{event.id}",
            approved=approve,
            milestone=request.milestone,
            new_due=new_due.isoformat() if new_due else None,
        )
        if approve:
            await tell_enterprise(
                uow, complaint, event, new_due=new_due.isoformat() if new_due else None
            )
        await uow.commit()
    return ExtensionResult(request_id, complaint.number, request.milestone, request.status, new_due)
