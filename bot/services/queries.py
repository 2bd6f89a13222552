"""Reading complaints: an enterprise's own, a unit's queue, the dispatchers' queue, and one
complaint's full record (status, events, clocks, ratings) for whoever may see it.

Owns who may see what: the enterprise sees its own complaints; officials of the lead unit see
their unit's; dispatchers, supervisors and admins see all. A complaint someone may not see is
answered as an unknown number is, so numbers reveal nothing. Confidential complaints hide the
enterprise from officials (the views carry no enterprise identity at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.confidentiality import Reader, may_name
from bot.domain.lifecycle import ComplaintNotFound, PermissionDenied, may_see
from bot.domain.records import (
    Actor,
    Complaint,
    Enterprise,
    Event,
    Rating,
    Role,
    SlaClock,
    Status,
)
from bot.services.context import ServiceContext
from bot.services.roles import sees_district
from bot.services.steps import load_complaint, load_official

OPEN_STATUSES = tuple(s for s in Status if s.is_open)


@dataclass(frozen=True, slots=True)
class ComplaintView:
    complaint: Complaint
    events: tuple[Event, ...]
    clocks: tuple[SlaClock, ...]
    ratings: tuple[Rating, ...]
    #: who complained, for those who may know: the enterprise itself, the lead unit's
    #: officials (even when confidential), district roles unless confidential
    enterprise: Enterprise | None = None


async def complaint_status(ctx: ServiceContext, actor: Actor, number: str) -> ComplaintView:
    async with ctx.uow_factory() as uow:
        complaint = await load_complaint(uow, number)
        enterprise = await uow.enterprises.get(complaint.enterprise_id)
        shown = enterprise
        if enterprise is None or enterprise.actor != actor:
            try:
                official = await load_official(uow, actor)
            except PermissionDenied:
                raise ComplaintNotFound(complaint.number) from None
            if not may_see(official, complaint):
                raise ComplaintNotFound(complaint.number)  # as for an unknown number
            lead = official.unit is not None and official.unit == complaint.lead_unit
            reader = Reader.LEAD_UNIT if lead else Reader.OFFICIAL
            if not may_name(confidential=complaint.confidential, reader=reader):
                shown = None
        assert complaint.id is not None
        return ComplaintView(
            complaint,
            tuple(await uow.events.for_complaint(complaint.id)),
            tuple(await uow.clocks.for_complaint(complaint.id)),
            tuple(await uow.ratings.for_complaint(complaint.id)),
            shown,
        )


async def my_complaints(ctx: ServiceContext, actor: Actor, limit: int = 20) -> list[Complaint]:
    async with ctx.uow_factory() as uow:
        enterprise = await uow.enterprises.get_or_create(actor)
        assert enterprise.id is not None
        complaints = await uow.complaints.for_enterprise(enterprise.id, limit)
        await uow.commit()  # get_or_create may have registered the enterprise
    return complaints


async def unit_queue(ctx: ServiceContext, actor: Actor, limit: int = 50) -> list[Complaint]:
    """The open complaints of the official's unit, oldest first."""
    async with ctx.uow_factory() as uow:
        official = await load_official(uow, actor)
        if official.unit is None:
            raise PermissionDenied("您没有所属单位", f"official {actor} has no unit")
        return await uow.complaints.for_unit(official.unit, OPEN_STATUSES, limit)


async def dispatcher_queue(ctx: ServiceContext, actor: Actor, limit: int = 50) -> list[Complaint]:
    async with ctx.uow_factory() as uow:
        official = await load_official(uow, actor)
        if official.role not in (Role.DISPATCHER, Role.ADMIN):
            raise PermissionDenied(
                "只有派单员可以查看待派单队列", "only dispatchers see this queue"
            )
        return await uow.complaints.with_status([Status.PENDING_DISPATCH], limit)


@dataclass(frozen=True, slots=True)
class OverdueList:
    """Orders past a deadline, the longest overdue first: the district's for district roles,
    the own unit's for a unit's officials (``unit`` says which)."""

    unit: str | None
    orders: tuple[tuple[SlaClock, Complaint], ...]


async def overdue(ctx: ServiceContext, actor: Actor, limit: int = 30) -> OverdueList:
    """/overdue: every open order with a running clock past its due time, by deadline."""
    async with ctx.uow_factory() as uow:
        official = await load_official(uow, actor)
        unit = None if sees_district(official.role) else official.unit
        if unit is None and not sees_district(official.role):
            raise PermissionDenied("您没有所属单位", f"official {actor} has no unit")
        found = await uow.clocks.overdue(ctx.clock.now(), unit, limit)
    if unit is not None:  # routing's own clock is the dispatchers', not the unit's
        found = [(c, k) for c, k in found if c.milestone != "assignment"]
    return OverdueList(unit, tuple(found))
