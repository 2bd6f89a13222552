"""Steps every lifecycle use case shares: find the complaint and the person acting, apply a
transition, log the event, stop clocks, tell the enterprise.

Owns the bookkeeping so each use case reads as its rule and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.lifecycle import STATUS_TITLES, ComplaintNotFound, NotAnOfficial, may_see
from bot.domain.numbers import parse_number
from bot.domain.records import (
    Actor,
    Complaint,
    Event,
    EventKind,
    Official,
    SlaClock,
    Status,
)
from bot.domain.sla import MetBy, SlaEngine, UnknownMilestone
from bot.errors import InvalidInput
from bot.ports import UnitOfWork
from bot.services.callbacks import queue_for_platform
from bot.services.notifications import Audience, notify_enterprise

#: the longest reason, reply or summary a person may write
MAX_NOTE = 2000


async def load_complaint(uow: UnitOfWork, number: str) -> Complaint:
    canonical = parse_number(number)
    complaint = await uow.complaints.get_by_number(canonical)
    if complaint is None:
        raise ComplaintNotFound(canonical)
    return complaint


async def load_official(uow: UnitOfWork, actor: Actor) -> Official:
    """Officials are known by their Telegram id, whichever channel they act through."""
    try:
        telegram_id = int(actor.external_id)
    except ValueError:
        raise NotAnOfficial(str(actor)) from None
    official = await uow.officials.by_telegram_id(telegram_id)
    if official is None or not official.active:
        raise NotAnOfficial(str(actor))
    return official


async def load_for_official(
    uow: UnitOfWork, actor: Actor, number: str
) -> tuple[Complaint, Official]:
    """The complaint ``number`` and the official ``actor`` who acts on it. The official is
    checked first (someone who is not one learns nothing about numbers); a complaint the
    official may not see is "not found", as an unknown number is."""
    official = await load_official(uow, actor)
    complaint = await load_complaint(uow, number)
    if not may_see(official, complaint):
        raise ComplaintNotFound(complaint.number)
    return complaint, official


def required_note(text: str | None, what: tuple[str, str], limit: int = MAX_NOTE) -> str:
    """A reason/summary/reply/question that must be given: stripped, not empty, at most
    ``limit`` characters."""
    cleaned = clean_text(text or "")
    if not cleaned:
        raise InvalidInput(f"请填写{what[0]}", f"{what[1]} is required")
    if len(cleaned) > limit:
        raise InvalidInput(
            f"{what[0]}过长（{len(cleaned)}字，最多{limit}字）",
            f"{what[1]} is too long ({len(cleaned)} > {limit} characters)",
        )
    return cleaned


def optional_note(text: str | None, limit: int = MAX_NOTE) -> str | None:
    """A note that may be left out (a chase, a rating comment, a decision): cleaned like every
    text, cut to ``limit`` characters; ``None`` when nothing is left."""
    return clean_text(text or "")[:limit] or None


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks and tabs) and surrounding blanks."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()


async def record(
    uow: UnitOfWork,
    complaint: Complaint,
    kind: EventKind,
    actor: Actor | str,
    at: datetime,
    reason: str | None = None,
    **data: Any,
) -> Event:
    assert complaint.id is not None
    event = await uow.events.append(Event(complaint.id, kind, str(actor), at, reason, dict(data)))
    await queue_for_platform(uow, complaint, event)  # the 12345 platform's callback, if any
    return event


async def change_status(
    uow: UnitOfWork, complaint: Complaint, status: Status | None, now: datetime
) -> None:
    """Save the complaint (optimistically) with its new status."""
    if status is not None:
        complaint.status = status
    complaint.updated_at = now
    await uow.complaints.save(complaint)


async def tell_enterprise(uow: Audience, complaint: Complaint, event: Event, **extra: Any) -> None:
    await notify_enterprise(
        uow,
        complaint,
        "status_changed",
        f"event{event.id}",
        event=event.kind.value,
        reason=event.reason,
        status_title=STATUS_TITLES[complaint.status],
        **extra,
    )


def met_by(engine: SlaEngine, policy: str, milestone: str) -> MetBy:
    """What stops this clock. Clocks the policy does not define (``assignment``, reopened
    resolution clocks) are stopped by resolving, unless handled explicitly."""
    try:
        return engine.policy(policy).rule(milestone).met_by
    except UnknownMilestone:
        return MetBy.RESOLVE


async def meet_clocks(
    uow: UnitOfWork, engine: SlaEngine, complaint: Complaint, act: MetBy, now: datetime
) -> list[str]:
    """Stop the clocks this act meets; returns their names.

    sign_off meets the response minute; a reply meets the response minute and the earliest
    running reply milestone (1330: the first reply is the contact, the next the feedback);
    resolving meets every running clock but ``assignment`` (routing's own clock)."""
    assert complaint.id is not None
    running = [c for c in await uow.clocks.for_complaint(complaint.id) if c.running]
    chosen: list[SlaClock] = []
    for clock in running:
        kind = met_by(engine, complaint.sla_policy, clock.milestone)
        if clock.milestone == "assignment":
            continue
        if kind is MetBy.SIGN_OFF or act is MetBy.RESOLVE:
            chosen.append(clock)
    if act is MetBy.REPLY:
        replies = [
            c for c in running if met_by(engine, complaint.sla_policy, c.milestone) is MetBy.REPLY
        ]
        if replies:
            chosen.append(min(replies, key=lambda c: c.due_at))
    for clock in chosen:
        clock.met_at = now
        await uow.clocks.save(clock)
    return [c.milestone for c in chosen]


async def meet_assignment(uow: UnitOfWork, complaint: Complaint, now: datetime) -> None:
    assert complaint.id is not None
    for clock in await uow.clocks.for_complaint(complaint.id):
        if clock.milestone == "assignment" and clock.running:
            clock.met_at = now
            await uow.clocks.save(clock)
