"""A complaint from intake to closed and rated, through the real router, on both databases."""

from __future__ import annotations

from bot.domain.records import Actor, EventKind, Role, Status
from bot.services import enterprise, handling, intake, queries
from bot.services.context import ServiceContext
from tests.support import FixedClock, add_official

ENTERPRISE = Actor("telegram", "900001")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"


async def _outbox_kinds(ctx: ServiceContext, address: str) -> list[str]:
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "test", 60, 500)
    return [m.kind for m in messages if m.address == address]


async def test_intake_to_closed(ctx: ServiceContext, clock: FixedClock) -> None:
    ack = await intake.submit_complaint(ctx, ENTERPRISE, POWER)
    assert ack.number == "20261125-0001"
    assert ack.status is Status.ROUTED and not ack.needs_dispatcher
    assert ack.lead_unit is not None and "供电" in ack.lead_unit
    assert ack.sla_policy == "general"
    assert [d.milestone for d in ack.deadlines] == ["response", "first_reply", "resolution"]

    handler = await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER, "张三")
    clock.advance(seconds=30)
    signed = await handling.sign_off(ctx, handler, ack.number)
    assert signed.status is Status.SIGNED_OFF and signed.met == ("response",)
    clock.advance(hours=1)
    replied = await handling.reply(ctx, handler, ack.number, "已联系企业，明天上门勘察。")
    assert replied.status is Status.IN_PROGRESS and replied.met == ("first_reply",)
    clock.advance(days=2)
    resolved = await handling.resolve(ctx, handler, ack.number, "已完成增容方案并送电。")
    assert resolved.status is Status.RESOLVED and resolved.met == ("resolution",)
    closed = await enterprise.rate(ctx, ENTERPRISE, ack.number, solved=True, score=5, comment="快")
    assert closed.status is Status.CLOSED

    view = await queries.complaint_status(ctx, ENTERPRISE, ack.number)
    kinds = [e.kind for e in view.events]
    assert kinds == [
        EventKind.SUBMITTED,
        EventKind.ROUTED,
        EventKind.SIGNED_OFF,
        EventKind.REPLIED,
        EventKind.RESOLVED,
        EventKind.RATED,
        EventKind.CLOSED,
    ]
    assert all(c.met_at is not None for c in view.clocks)
    assert view.complaint.closed_at == clock.now()
    assert [r.score for r in view.ratings] == [5]
    # the enterprise heard of every change after its acknowledgement (signed off, resolved,
    # closed) and of the reply; nothing twice
    told = await _outbox_kinds(ctx, "900001")
    assert told.count("status_changed") == 3 and told.count("reply") == 1
