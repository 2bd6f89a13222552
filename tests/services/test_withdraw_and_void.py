"""撤回 and 无效 on both databases: who may, when, what they are told, and that neither order
counts in any figure nor runs a clock."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import ComplaintNotFound, IllegalTransition, PermissionDenied
from bot.domain.records import Actor, Role, Status
from bot.errors import InvalidInput
from bot.services import enterprise, handling, intake, reports, sweeper
from bot.services.context import ServiceContext
from bot.services.enterprise import WithdrawTooLate
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "940001")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LOAN = "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。"
HANDLER, UNIT_ADMIN, OTHER_ADMIN, DISPATCHER = 940011, 940012, 940013, 940014


async def _outbox_texts(ctx: ServiceContext, address: str) -> list[str]:
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "test", 60, 500)
    return [f"{m.kind}:{m.payload}" for m in messages if m.address == address]


async def test_withdrawn_soon_before_sign_off_and_then_not(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    first = await intake.submit_complaint(ctx, FIRM, POWER)
    assert first.lead_unit
    await add_official(ctx.uow_factory, HANDLER, first.lead_unit, Role.HANDLER)
    outcome = await enterprise.withdraw(ctx, FIRM, first.number)
    assert outcome.status is Status.WITHDRAWN
    told = await _outbox_texts(ctx, str(HANDLER))
    assert any(t.startswith("withdrawn:") for t in told)
    with pytest.raises(IllegalTransition):  # twice
        await enterprise.withdraw(ctx, FIRM, first.number)
    second = await intake.submit_complaint(ctx, FIRM, LOAN)
    with pytest.raises(ComplaintNotFound):  # not someone else's
        await enterprise.withdraw(ctx, Actor("telegram", "1"), second.number)
    clock.advance(minutes=11)
    with pytest.raises(WithdrawTooLate):
        await enterprise.withdraw(ctx, FIRM, second.number)
    third = await intake.submit_complaint(ctx, FIRM, "办施工许可证跑了四趟，每次都说材料不全。")
    if third.lead_unit:
        await add_official(ctx.uow_factory, HANDLER + 100, third.lead_unit, Role.HANDLER)
        await handling.sign_off(ctx, Actor("telegram", str(HANDLER + 100)), third.number)
        with pytest.raises(IllegalTransition):  # a unit has taken it
            await enterprise.withdraw(ctx, FIRM, third.number)


async def test_void_by_dispatchers_and_the_units_admin_only(ctx: ServiceContext) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit
    await add_official(ctx.uow_factory, HANDLER, ack.lead_unit, Role.HANDLER)
    await add_official(ctx.uow_factory, UNIT_ADMIN, ack.lead_unit, Role.UNIT_ADMIN)
    await add_official(ctx.uow_factory, OTHER_ADMIN, "区税务局", Role.UNIT_ADMIN)
    await add_official(ctx.uow_factory, DISPATCHER, None, Role.DISPATCHER)
    with pytest.raises(PermissionDenied):  # the unit's, but a handler may not
        await handling.void(ctx, Actor("telegram", str(HANDLER)), ack.number, "测试消息")
    with pytest.raises(ComplaintNotFound):  # another unit's: as if there were none
        await handling.void(ctx, Actor("telegram", str(OTHER_ADMIN)), ack.number, "测试消息")
    with pytest.raises(InvalidInput):
        await handling.void(ctx, Actor("telegram", str(UNIT_ADMIN)), ack.number, "  ")
    outcome = await handling.void(ctx, Actor("telegram", str(UNIT_ADMIN)), ack.number, "测试消息")
    assert outcome.status is Status.VOID
    told = await _outbox_texts(ctx, FIRM.external_id)
    assert any("voided" in t and "测试消息" in t for t in told)
    other = await intake.submit_complaint(ctx, FIRM, LOAN)
    voided = await handling.void(ctx, Actor("telegram", str(DISPATCHER)), other.number, "骚扰")
    assert voided.status is Status.VOID


async def test_neither_counts_nor_runs_a_clock(ctx: ServiceContext, clock: FixedClock) -> None:
    await intake.submit_complaint(ctx, FIRM, POWER)
    withdrawn = await intake.submit_complaint(ctx, Actor("telegram", "940002"), LOAN)
    voided = await intake.submit_complaint(ctx, Actor("telegram", "940003"), "你们这个系统测试一下")
    await enterprise.withdraw(ctx, Actor("telegram", "940002"), withdrawn.number)
    await add_official(ctx.uow_factory, DISPATCHER, None, Role.DISPATCHER)
    await handling.void(ctx, Actor("telegram", str(DISPATCHER)), voided.number, "测试")
    year, week, _ = clock.now().isocalendar()
    report = await reports.weekly_report(ctx, f"{year}-W{week:02d}")
    assert report.units[0].counts.received == 1
    assert sum(u.counts.received for u in report.units[1:]) == 1
    clock.advance(days=40)  # every clock of all three is long past due
    result = await sweeper.sweep(ctx, "test")
    assert result.breached >= 1  # the kept one's
    async with ctx.uow_factory() as uow:
        for number in (withdrawn.number, voided.number):
            complaint = await uow.complaints.get_by_number(number)
            assert complaint is not None and complaint.id is not None
            clocks = await uow.clocks.for_complaint(complaint.id)
            assert all(c.breached_at is None for c in clocks), number
