"""The lifecycle's rules and failure modes, through the services, on both databases."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from bot.domain.lifecycle import (
    ComplaintNotFound,
    IllegalTransition,
    NotAnOfficial,
    PermissionDenied,
)
from bot.domain.records import Actor, EventKind, Role, Status
from bot.errors import InvalidInput
from bot.services import enterprise, handling, intake, queries
from bot.services.context import ServiceContext
from bot.services.handling import AlreadySignedOff, ExtensionRefused
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "900001")
OTHER_FIRM = Actor("telegram", "900002")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LOAN = "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。"
VAGUE = "有点事想反映一下"


async def _routed(ctx: ServiceContext, text: str = POWER, who: Actor = FIRM) -> tuple[str, str]:
    ack = await intake.submit_complaint(ctx, who, text)
    assert ack.lead_unit is not None
    return ack.number, ack.lead_unit


@pytest.mark.parametrize(
    ("text", "why"),
    [("", "empty"), ("   \n\t ", "blank"), ("\x00\x01\x02", "control only"), ("投" * 5001, "huge")],
)
async def test_bad_complaint_text_is_refused_and_nothing_is_stored(
    ctx: ServiceContext, text: str, why: str
) -> None:
    with pytest.raises(InvalidInput):
        await intake.submit_complaint(ctx, FIRM, text)
    assert await queries.my_complaints(ctx, FIRM) == [], why


async def test_hostile_text_is_stored_cleaned_not_interpreted(ctx: ServiceContext) -> None:
    text = "<script>alert(1)</script>\x07 办电\u200b难，'; DROP TABLE complaints; --"
    ack = await intake.submit_complaint(ctx, FIRM, text)
    view = await queries.complaint_status(ctx, FIRM, ack.number)
    assert "\x07" not in view.complaint.text
    assert "DROP TABLE complaints" in view.complaint.text  # stored as text, nothing executed
    assert (await queries.my_complaints(ctx, FIRM))[0].number == ack.number


async def test_numbers_count_per_local_day(ctx: ServiceContext, clock: FixedClock) -> None:
    first = await intake.submit_complaint(ctx, FIRM, POWER)
    second = await intake.submit_complaint(ctx, OTHER_FIRM, LOAN)
    # 2026-11-25 16:30 UTC is already the 26th in Shanghai
    clock.set(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))
    third = await intake.submit_complaint(
        ctx, Actor("telegram", "900003"), "注销公司太难了，跑了三趟"
    )
    assert (first.number, second.number, third.number) == (
        "20261125-0001",
        "20261125-0002",
        "20261126-0001",
    )


async def test_financing_complaint_gets_1330_clocks_on_working_days(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))  # the day before National Day
    ack = await intake.submit_complaint(ctx, FIRM, LOAN)
    assert ack.sla_policy == "1330"
    local = {d.milestone: d.due for d in ack.deadlines}
    # holidays 10-01..10-07, make-up working days 09-28 (Sun) and 10-10 (Sat) in 2026:
    # day 1 = 10-08, day 3 = 10-10 (the make-up Saturday); ends at 24:00 = 16:00 UTC
    assert local["contact"] == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)
    assert local["feedback"] == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)
    assert set(local) == {"response", "contact", "feedback", "approval"}


async def test_illegal_transitions_are_named(ctx: ServiceContext) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    with pytest.raises(IllegalTransition):
        await handling.resolve(ctx, handler, number, "未签收就办结")
    with pytest.raises(IllegalTransition):
        await enterprise.rate(ctx, FIRM, number, solved=True, score=5)


async def test_officials_act_only_on_their_own_units_complaints(ctx: ServiceContext) -> None:
    number, _unit = await _routed(ctx)
    stranger = await add_official(ctx.uow_factory, 222, "区税务局", Role.HANDLER)
    with pytest.raises(ComplaintNotFound):  # another unit's: as if there were none
        await handling.sign_off(ctx, stranger, number)
    with pytest.raises(ComplaintNotFound):
        await queries.complaint_status(ctx, stranger, number)
    with pytest.raises(NotAnOfficial):
        await handling.sign_off(ctx, Actor("telegram", "555"), number)
    supervisor = await add_official(ctx.uow_factory, 333, None, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):  # supervisors supervise; they do not sign off
        await handling.sign_off(ctx, supervisor, number)


async def test_enterprise_cannot_see_or_touch_another_enterprises_complaint(
    ctx: ServiceContext,
) -> None:
    number, _ = await _routed(ctx)
    with pytest.raises(ComplaintNotFound):
        await queries.complaint_status(ctx, OTHER_FIRM, number)
    with pytest.raises(ComplaintNotFound):
        await enterprise.follow_up(ctx, OTHER_FIRM, number, "我来补充")
    with pytest.raises(ComplaintNotFound):
        await queries.complaint_status(ctx, FIRM, "20261125-0999")
    with pytest.raises(InvalidInput):
        await queries.complaint_status(ctx, FIRM, "not-a-number")


async def test_two_officials_sign_off_at_once_exactly_one_wins(ctx: ServiceContext) -> None:
    number, unit = await _routed(ctx)
    first = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER, "张三")
    second = await add_official(ctx.uow_factory, 112, unit, Role.HANDLER, "李四")
    results = await asyncio.gather(
        handling.sign_off(ctx, first, number),
        handling.sign_off(ctx, second, number),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, handling.Outcome)]
    losses = [r for r in results if isinstance(r, AlreadySignedOff)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert "张三" in losses[0].zh or "李四" in losses[0].zh
    view = await queries.complaint_status(ctx, FIRM, number)
    assert [e.kind for e in view.events].count(EventKind.SIGNED_OFF) == 1


async def test_low_confidence_goes_to_dispatcher_who_assigns(ctx: ServiceContext) -> None:
    dispatcher = await add_official(ctx.uow_factory, 700, None, Role.DISPATCHER)
    ack = await intake.submit_complaint(ctx, FIRM, VAGUE)
    assert ack.needs_dispatcher and ack.status is Status.PENDING_DISPATCH
    queue = await queries.dispatcher_queue(ctx, dispatcher)
    assert [c.number for c in queue] == [ack.number]
    outcome = await handling.dispatch(ctx, dispatcher, ack.number, "市场监管局")
    assert outcome.status is Status.ROUTED and outcome.lead_unit == "区市场监管局"
    view = await queries.complaint_status(ctx, FIRM, ack.number)
    assignment = next(c for c in view.clocks if c.milestone == "assignment")
    assert assignment.met_at == ctx.clock.now()


async def test_transfer_and_return_need_reasons_and_move_the_complaint(
    ctx: ServiceContext,
) -> None:
    number, unit = await _routed(ctx)
    admin = await add_official(ctx.uow_factory, 120, unit, Role.UNIT_ADMIN)
    handler = await add_official(ctx.uow_factory, 121, unit, Role.HANDLER)
    dispatcher = await add_official(ctx.uow_factory, 700, None, Role.DISPATCHER)
    with pytest.raises(InvalidInput):
        await handling.transfer(ctx, admin, number, "区住建局", "  ")
    with pytest.raises(PermissionDenied):  # a plain handler may not transfer
        await handling.transfer(ctx, handler, number, "区住建局", "属于住建")
    with pytest.raises(Exception, match=r"火星局"):
        await handling.transfer(ctx, admin, number, "火星局", "不知道")
    moved = await handling.transfer(ctx, admin, number, "住建局", "涉及施工许可")
    assert moved.lead_unit == "区住建局" and moved.status is Status.ROUTED
    with pytest.raises(ComplaintNotFound):  # no longer the old unit's complaint
        await handling.sign_off(ctx, handler, number)
    builder = await add_official(ctx.uow_factory, 130, "区住建局", Role.HANDLER)
    with pytest.raises(InvalidInput):
        await handling.return_complaint(ctx, builder, number, "")
    back = await handling.return_complaint(ctx, builder, number, "不属于本单位职责")
    assert back.status is Status.PENDING_DISPATCH and back.lead_unit is None
    assert [c.number for c in await queries.dispatcher_queue(ctx, dispatcher)] == [number]
    view = await queries.complaint_status(ctx, dispatcher, number)
    returned = [e for e in view.events if e.kind is EventKind.RETURNED]
    assert returned[0].reason == "不属于本单位职责"


async def test_extension_approved_moves_the_clock_once(ctx: ServiceContext) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    supervisor = await add_official(ctx.uow_factory, 800, None, Role.SUPERVISOR)
    await handling.sign_off(ctx, handler, number)
    request = await handling.request_extension(ctx, handler, number, "需要现场施工")
    assert request.milestone == "resolution"
    with pytest.raises(ExtensionRefused):  # one pending request at a time
        await handling.request_extension(ctx, handler, number, "再申请")
    with pytest.raises(PermissionDenied):
        await handling.decide_extension(ctx, handler, request.request_id, approve=True)
    before = await queries.complaint_status(ctx, FIRM, number)
    old_due = next(c.due_at for c in before.clocks if c.milestone == "resolution")
    decided = await handling.decide_extension(ctx, supervisor, request.request_id, approve=True)
    assert decided.new_due is not None and decided.new_due > old_due
    after = await queries.complaint_status(ctx, FIRM, number)
    clock = next(c for c in after.clocks if c.milestone == "resolution")
    assert clock.due_at == decided.new_due and clock.extensions == 1
    with pytest.raises(ExtensionRefused):  # the general policy allows one extension
        await handling.request_extension(ctx, handler, number, "还要延期")


async def test_extension_refused_keeps_the_clock(ctx: ServiceContext) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    supervisor = await add_official(ctx.uow_factory, 800, None, Role.SUPERVISOR)
    await handling.sign_off(ctx, handler, number)
    request = await handling.request_extension(ctx, handler, number, "人手不够")
    decided = await handling.decide_extension(
        ctx, supervisor, request.request_id, approve=False, note="理由不充分"
    )
    assert decided.new_due is None
    view = await queries.complaint_status(ctx, FIRM, number)
    assert next(c for c in view.clocks if c.milestone == "resolution").extensions == 0
    assert any(e.kind is EventKind.EXTENSION_REFUSED for e in view.events)


async def test_follow_up_and_chase_reach_the_unit_but_not_after_closing(
    ctx: ServiceContext,
) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    await enterprise.follow_up(ctx, FIRM, number, "补充：变压器容量是630千伏安")
    await enterprise.chase(ctx, FIRM, number)
    await handling.sign_off(ctx, handler, number)
    await handling.resolve(ctx, handler, number, "已解决")
    await enterprise.rate(ctx, FIRM, number, solved=True, score=4)
    with pytest.raises(IllegalTransition):
        await enterprise.follow_up(ctx, FIRM, number, "再补充")
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "t", 60, 500)
    to_handler = [m.kind for m in messages if m.address == "111"]
    assert "follow_up" in to_handler and "chased" in to_handler


async def test_not_solved_reopens_with_a_new_clock(ctx: ServiceContext) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    await handling.sign_off(ctx, handler, number)
    await handling.resolve(ctx, handler, number, "已答复")
    with pytest.raises(InvalidInput):
        await enterprise.rate(ctx, FIRM, number, solved=False, score=0)
    with pytest.raises(InvalidInput):
        await enterprise.rate(ctx, FIRM, number, solved=False, score=6)
    reopened = await enterprise.rate(ctx, FIRM, number, solved=False, score=2, comment="没解决")
    assert reopened.status is Status.IN_PROGRESS
    view = await queries.complaint_status(ctx, FIRM, number)
    assert any(c.milestone == "reopened_1" and c.running for c in view.clocks)
    assert view.complaint.resolved_at is None
    await handling.resolve(ctx, handler, number, "第二次办结")
    view = await queries.complaint_status(ctx, FIRM, number)
    assert all(not c.running for c in view.clocks)


async def test_repeat_of_an_open_complaint_is_linked_not_handled_twice(
    ctx: ServiceContext,
) -> None:
    number, unit = await _routed(ctx)
    handler = await add_official(ctx.uow_factory, 111, unit, Role.HANDLER)
    again = await intake.submit_complaint(ctx, FIRM, POWER + "！")
    assert again.status is Status.MERGED and again.repeat_of == number
    assert [c.number for c in await queries.unit_queue(ctx, handler)] == [number]
    view = await queries.complaint_status(ctx, FIRM, number)
    assert any(e.kind is EventKind.REPEAT_RECEIVED for e in view.events)
    # a different problem of the same enterprise is its own complaint
    other = await intake.submit_complaint(ctx, FIRM, "公司想注销，税务那边一直说有未办结事项")
    assert other.status is not Status.MERGED


async def test_near_identical_complaints_of_different_firms_share_a_topic(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    first = await intake.submit_complaint(ctx, FIRM, POWER)
    second = await intake.submit_complaint(
        ctx, OTHER_FIRM, "厂里新上了一条生产线，申请用电增容两个多月了，供电公司一直没给方案"
    )
    unrelated = await intake.submit_complaint(ctx, Actor("telegram", "900003"), LOAN)
    async with ctx.uow_factory() as uow:
        topics = await uow.reports.hot_topics(clock.now().replace(hour=0), clock.advance(hours=1))
    assert len(topics) == 1
    assert topics[0].topic_key == first.number and topics[0].enterprises == 2
    assert second.status is Status.ROUTED and unrelated.number not in topics[0].topic_key


async def test_confidential_complaints_keep_their_text_out_of_unit_notifications(
    ctx: ServiceContext,
) -> None:
    probe = await intake.submit_complaint(ctx, OTHER_FIRM, POWER)
    assert probe.lead_unit is not None
    await add_official(ctx.uow_factory, 111, probe.lead_unit, Role.HANDLER)
    ack = await intake.submit_complaint(
        ctx, FIRM, "新厂房申请用电增容一直没批，怕被报复不敢署名", confidential=True
    )
    await handling.sign_off(ctx, Actor("telegram", "111"), ack.number)  # the firm is told
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "t", 60, 500)
    mine = [m for m in messages if m.payload["number"] == ack.number]
    to_unit = [m for m in mine if m.address == "111"]
    to_firm = [m for m in mine if m.address == "900001"]
    assert to_unit and all("报复" not in m.payload["text"] for m in to_unit)
    assert to_firm and "报复" in to_firm[0].payload["text"]


async def test_a_dispatched_complaint_informs_the_measures_other_units(
    ctx: ServiceContext,
) -> None:
    real_route = ctx.route
    unsure = dataclasses.replace(
        ctx, route=lambda text: dataclasses.replace(real_route(text), needs_dispatcher=True)
    )
    dispatcher = await add_official(ctx.uow_factory, 700, None, Role.DISPATCHER)
    ack = await intake.submit_complaint(unsure, FIRM, "银行突然抽贷，企业资金链马上要断了")
    assert ack.status is Status.PENDING_DISPATCH and ack.co_units == ()
    assert ack.measure_id is not None
    expected = ctx.co_units(ack.measure_id, "区金融工作局")
    assert expected, "the financing measure names other units"
    await add_official(ctx.uow_factory, 801, expected[0], Role.HANDLER)

    outcome = await handling.dispatch(unsure, dispatcher, ack.number, "区金融工作局")
    assert outcome.lead_unit == "区金融工作局"
    view = await queries.complaint_status(ctx, FIRM, ack.number)
    assert view.complaint.co_units == expected
    assert EventKind.CO_UNITS_INFORMED in [e.kind for e in view.events]
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "test", 60, 500)
    assert [m.kind for m in messages if m.address == "801"] == ["co_unit_informed"]


async def test_a_reply_before_sign_off_signs_it_off_first(ctx: ServiceContext) -> None:
    from bot.domain.records import EventKind  # noqa: PLC0415
    from bot.services import handling, intake, queries  # noqa: PLC0415
    from tests.support import add_official  # noqa: PLC0415

    firm = Actor("telegram", "960001")
    ack = await intake.submit_complaint(
        ctx, firm, "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
    )
    assert ack.lead_unit is not None
    official = await add_official(ctx.uow_factory, 960002, ack.lead_unit, Role.HANDLER)
    outcome = await handling.reply(ctx, official, ack.number, "已收到，明天上门。")
    assert outcome.status is Status.IN_PROGRESS and "response" in outcome.met
    view = await queries.complaint_status(ctx, firm, ack.number)
    kinds = [e.kind for e in view.events]
    assert kinds.index(EventKind.SIGNED_OFF) < kinds.index(EventKind.REPLIED)
    assert view.complaint.handler_id is not None
