"""What the enterprise does after filing: add to it, chase it, rate the result or reopen it;
and closing by itself when the enterprise stays silent.

Owns the enterprise's use cases and ``auto_close_due``. An enterprise only ever sees and
touches its own complaints; someone else's number is answered as "not found", so numbers do
not reveal who complained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.lifecycle import Action, ComplaintNotFound, check
from bot.domain.records import SYSTEM, Actor, Complaint, Event, EventKind, Rating, SlaClock, Status
from bot.errors import InvalidInput, YousuError
from bot.ports import ConcurrentUpdate, UnitOfWork
from bot.services.context import ServiceContext
from bot.services.handling import Outcome
from bot.services.notifications import notify_enterprise, notify_unit
from bot.services.steps import (
    change_status,
    load_complaint,
    optional_note,
    record,
    required_note,
    tell_enterprise,
)

ENTERPRISE = "enterprise"
#: auto-close candidates are looked up with a calendar lower bound (N working days are never
#: fewer than N calendar days) and then checked against the working-day deadline
_CALENDAR_LOWER_BOUND = timedelta(days=1)


async def own_complaint(uow: UnitOfWork, actor: Actor, number: str) -> Complaint:
    complaint = await load_complaint(uow, number)
    enterprise = await uow.enterprises.get(complaint.enterprise_id)
    if enterprise is None or enterprise.actor != actor:
        raise ComplaintNotFound(complaint.number)
    return complaint


async def follow_up(ctx: ServiceContext, actor: Actor, number: str, text: str) -> Outcome:
    """补充说明: logged and sent to whoever handles it now."""
    note = required_note(text, ("补充内容", "follow-up text"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint = await own_complaint(uow, actor, number)
        check(Action.FOLLOW_UP, complaint, ENTERPRISE)
        event = await record(uow, complaint, EventKind.FOLLOWED_UP, actor, now, text=note)
        await notify_unit(uow, complaint, "follow_up", f"event{event.id}", said={"note": note})
        await uow.commit()
    return Outcome(complaint.number, complaint.status, complaint.lead_unit)


#: how long after filing the enterprise may withdraw a complaint (if nobody signed it off)
WITHDRAW_WITHIN = timedelta(minutes=10)


async def withdraw(ctx: ServiceContext, actor: Actor, number: str) -> Outcome:
    """撤回: soon after filing and before a unit signed it off, the enterprise takes a
    complaint back (sent by mistake, or not meant as a complaint); it leaves every figure,
    its clocks stop, and a unit that had it is told."""
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint = await own_complaint(uow, actor, number)
        status = check(Action.WITHDRAW, complaint, ENTERPRISE)
        if now - complaint.created_at > WITHDRAW_WITHIN:
            raise WithdrawTooLate(complaint.number)
        await change_status(uow, complaint, status, now)
        event = await record(uow, complaint, EventKind.WITHDRAWN, actor, now)
        if complaint.lead_unit is not None:
            await notify_unit(uow, complaint, "withdrawn", f"event{event.id}")
        await uow.commit()
    return Outcome(complaint.number, complaint.status, complaint.lead_unit)


class WithdrawTooLate(YousuError):
    code = "withdraw_too_late"
    http_status = 409

    def __init__(self, number: str) -> None:
        minutes = int(WITHDRAW_WITHIN.total_seconds() // 60)
        super().__init__(
            f"工单 {number} 提交已超过 {minutes} 分钟，不能撤回；如已不需要办理，可回复说明",
            f"complaint {number} is older than {minutes} minutes; it cannot be withdrawn",
        )


async def chase(ctx: ServiceContext, actor: Actor, number: str, note: str = "") -> Outcome:
    """催办: the enterprise pushes; the unit is told, with how long it has waited."""
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint = await own_complaint(uow, actor, number)
        check(Action.CHASE, complaint, ENTERPRISE)
        event = await record(uow, complaint, EventKind.CHASED, actor, now, optional_note(note, 500))
        await notify_unit(
            uow,
            complaint,
            "chased",
            f"event{event.id}",
            waiting_since=complaint.created_at.isoformat(),
        )
        await uow.commit()
    return Outcome(complaint.number, complaint.status, complaint.lead_unit)


async def rate(
    ctx: ServiceContext, actor: Actor, number: str, *, solved: bool, score: int, comment: str = ""
) -> Outcome:
    """好差评 after 办结: solved closes the complaint; not solved reopens it (重办)."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(
            "评价须为1到5分（非常不满意到非常满意）", f"score must be 1..5, got {score!r}"
        )
    text = optional_note(comment, 1000) or ""
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint = await own_complaint(uow, actor, number)
        assert complaint.id is not None
        if await _closed_unheard(uow, complaint):
            # a rating after the silent auto-close is still taken: it counts, and "not
            # solved" sends the complaint back to the unit
            await uow.ratings.add(Rating(complaint.id, score, now, text, solved))
            event = await record(
                uow, complaint, EventKind.RATED, actor, now, text or None,
                score=score, solved=solved, late=True,
            )  # fmt: skip
            if not solved:
                complaint.closed_at = None
                event = await _reopen(ctx, uow, complaint, actor, now, text or "企业认为问题未解决")
                await tell_enterprise(uow, complaint, event)
            await uow.commit()
            return Outcome(complaint.number, complaint.status, complaint.lead_unit)
        action = Action.RATE if solved else Action.REOPEN
        status = check(action, complaint, ENTERPRISE)
        await uow.ratings.add(Rating(complaint.id, score, now, text, solved))
        await record(
            uow, complaint, EventKind.RATED, actor, now, text or None, score=score, solved=solved
        )
        if solved:
            complaint.closed_at = now
            await change_status(uow, complaint, status, now)
            event = await record(uow, complaint, EventKind.CLOSED, actor, now)
        else:
            event = await _reopen(ctx, uow, complaint, actor, now, text or "企业认为问题未解决")
        await tell_enterprise(uow, complaint, event)
        await uow.commit()
    return Outcome(complaint.number, complaint.status, complaint.lead_unit)


async def _closed_unheard(uow: UnitOfWork, complaint: Complaint) -> bool:
    """Closed by the system after the waiting time, and never rated since."""
    if complaint.status is not Status.CLOSED or complaint.id is None:
        return False
    if await uow.ratings.for_complaint(complaint.id):
        return False
    events = await uow.events.for_complaint(complaint.id)
    return any(e.kind is EventKind.AUTO_CLOSED for e in events)


#: the enterprise is reminded this long before a resolved complaint closes by itself
REMIND_BEFORE = timedelta(days=1)


async def remind_to_rate(ctx: ServiceContext, candidates: list[Complaint]) -> int:
    """Once per resolution, a day before it closes by itself: ask the enterprise whether the
    complaint is solved (the message carries the 已解决 / 未解决 buttons)."""
    now = ctx.clock.now()
    reminded = 0
    for candidate in candidates:
        if candidate.resolved_at is None or candidate.status is not Status.RESOLVED:
            continue
        closes = ctx.sla.auto_close_at(candidate.resolved_at)
        if not now < closes <= now + REMIND_BEFORE:
            continue
        async with ctx.uow_factory() as uow:
            key = f"remind{candidate.resolved_at.isoformat()}"
            reminded += await notify_enterprise(
                uow, candidate, "rating_reminder", key, ask_rating=True,
                closes_at=closes.isoformat(),
            )  # fmt: skip
            await uow.commit()
    return reminded


async def reopen(ctx: ServiceContext, actor: Actor, number: str, reason: str) -> Outcome:
    why = required_note(reason, ("重办理由", "reopen reason"))
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        complaint = await own_complaint(uow, actor, number)
        check(Action.REOPEN, complaint, ENTERPRISE)
        event = await _reopen(ctx, uow, complaint, actor, now, why)
        await tell_enterprise(uow, complaint, event)
        await uow.commit()
    return Outcome(complaint.number, complaint.status, complaint.lead_unit)


async def _reopen(
    ctx: ServiceContext,
    uow: UnitOfWork,
    complaint: Complaint,
    actor: Actor,
    now: datetime,
    why: str,
) -> Event:
    """Back to the unit with a new resolution clock, as long as the policy's last milestone
    counted from now (a row of its own, so the first round's record stays as it was)."""
    assert complaint.id is not None
    complaint.resolved_at = None
    await change_status(uow, complaint, Status.IN_PROGRESS, now)
    clocks = await uow.clocks.for_complaint(complaint.id)
    rounds = sum(1 for c in clocks if c.milestone.startswith("reopened_")) + 1
    last = ctx.sla.schedule(complaint.sla_policy, now).milestones[-1]
    due = last.due
    await uow.clocks.add(
        SlaClock(complaint.id, f"reopened_{rounds}", last.due, last.warn_at, last.estimated)
    )
    event = await record(uow, complaint, EventKind.REOPENED, actor, now, why, round=rounds)
    await notify_unit(
        uow,
        complaint,
        "reopened",
        f"event{event.id}",
        said={"reason": why},  # the enterprise's words (its rating comment, or its reason)
        due=due.isoformat(),
    )
    return event


@dataclass(frozen=True, slots=True)
class AutoCloseResult:
    closed: tuple[str, ...]


async def auto_close_due(ctx: ServiceContext, limit: int = 100) -> AutoCloseResult:
    """Close resolved complaints whose enterprise has not answered within the waiting time
    (``auto_close`` in the policy file). Each in its own transaction; a complaint the
    enterprise answers meanwhile is skipped."""
    now = ctx.clock.now()
    async with ctx.uow_factory() as uow:
        candidates = await uow.complaints.resolved_before(now - _CALENDAR_LOWER_BOUND, limit)
    await remind_to_rate(ctx, candidates)
    closed: list[str] = []
    for candidate in candidates:
        if candidate.resolved_at is None or ctx.sla.auto_close_at(candidate.resolved_at) > now:
            continue
        try:
            async with ctx.uow_factory() as uow:
                complaint = await uow.complaints.get_by_number(candidate.number)
                if complaint is None or complaint.status is not Status.RESOLVED:
                    continue
                status = check(Action.AUTO_CLOSE, complaint, "system")
                complaint.closed_at = now
                await change_status(uow, complaint, status, now)
                event = await record(
                    uow,
                    complaint,
                    EventKind.AUTO_CLOSED,
                    SYSTEM,
                    now,
                    "企业未在规定时间内评价，系统自动结案",
                )
                # the enterprise may still rate it (the buttons come with the notice)
                await tell_enterprise(uow, complaint, event, ask_rating=True)
                await uow.commit()
                closed.append(complaint.number)
        except ConcurrentUpdate:
            continue  # the enterprise answered at the same moment; its answer wins
    return AutoCloseResult(tuple(closed))
