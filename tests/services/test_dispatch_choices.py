"""The dispatcher's candidates on both databases: the 【待派单】 message carries the suggested
unit and the next two with their measures; choosing another unit re-cites its measure; a
returned complaint is offered again without the unit that returned it."""

from __future__ import annotations

from bot.domain.records import Actor, EventKind, OutboxMessage, Role
from bot.services import handling, intake, queries
from bot.services.context import ServiceContext
from tests.support import FixedClock, add_official

VAGUE = "我们公司的事拖了三个月了一直没人管，也不知道该找哪个部门"
FIRM = Actor("telegram", "930001")
DISPATCHER = Actor("telegram", "931")


async def _offers(ctx: ServiceContext, clock: FixedClock) -> list[OutboxMessage]:
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now(), "t", 60, 500)
    return [m for m in messages if m.kind == "dispatch_needed"]


async def test_candidates_reach_the_dispatcher_and_the_chosen_units_measure_is_cited(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await add_official(ctx.uow_factory, 931, None, Role.DISPATCHER)
    choices = ctx.route(VAGUE).choices
    ack = await intake.submit_complaint(ctx, FIRM, VAGUE)
    assert ack.needs_dispatcher
    [offer] = await _offers(ctx, clock)
    offered = offer.payload["choices"]
    assert [c["unit"] for c in offered] == [c.unit for c in choices[:3]]
    assert offered[1]["measure_id"] == choices[1].measure.id
    assert {"dispatch", "void"} <= set(offer.payload["actions"])
    assert "supervise" not in offer.payload["actions"]

    await handling.dispatch(ctx, DISPATCHER, ack.number, choices[1].unit)
    view = await queries.complaint_status(ctx, DISPATCHER, ack.number)
    assert view.complaint.lead_unit == choices[1].unit
    assert view.complaint.measure_id == choices[1].measure.id != choices[0].measure.id
    routed = next(e for e in view.events if e.kind is EventKind.ROUTED)
    assert routed.data["replaced"] == choices[0].measure.id

    # the unit returns it: offered again, without the unit that said "not ours"
    clerk = await add_official(ctx.uow_factory, 932, choices[1].unit, Role.HANDLER)
    await handling.return_complaint(ctx, clerk, ack.number, "不属于本单位职责")
    again = [m for m in await _offers(ctx, clock) if m.payload.get("returned_by")]
    assert again and choices[1].unit not in [c["unit"] for c in again[0].payload["choices"]]
