"""回访 on both databases: a reminder the day before a resolved complaint closes by itself
(once), and a rating after the silent auto-close still taken ("not solved" reopens it)."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import IllegalTransition
from bot.domain.records import Actor, Role, Status
from bot.services import enterprise, handling, intake, queries, sweeper
from bot.services.context import ServiceContext
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "950001")
OTHER = Actor("telegram", "950002")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"


async def _resolved(ctx: ServiceContext, who: Actor) -> str:
    ack = await intake.submit_complaint(ctx, who, POWER)
    assert ack.lead_unit is not None
    handler = await add_official(ctx.uow_factory, 951, ack.lead_unit, Role.HANDLER)
    await handling.sign_off(ctx, handler, ack.number)
    await handling.resolve(ctx, handler, ack.number, "已送电")
    return ack.number


async def _reminders(ctx: ServiceContext, who: Actor) -> int:
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "test", 1, 500)
        await uow.rollback()
    return sum(1 for m in messages if m.kind == "rating_reminder" and m.address == who.external_id)


async def test_a_reminder_the_day_before_auto_close_once(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await _resolved(ctx, FIRM)  # Wednesday 2026-11-25; closes at the end of 12-04
    clock.advance(days=8)  # Thursday 12-03: more than a day left
    await sweeper.sweep(ctx, "a")
    assert await _reminders(ctx, FIRM) == 0
    clock.advance(days=1)  # Friday 12-04 10:00: it closes tonight
    await sweeper.sweep(ctx, "a")
    await sweeper.sweep(ctx, "a")
    assert await _reminders(ctx, FIRM) == 1


async def test_a_rating_after_the_auto_close_is_taken(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    happy = await _resolved(ctx, FIRM)
    unhappy = await _resolved(ctx, OTHER)
    clock.advance(days=10)
    assert (await sweeper.sweep(ctx, "a")).auto_closed == 2
    for number, who in ((happy, FIRM), (unhappy, OTHER)):
        view = await queries.complaint_status(ctx, who, number)
        assert view.complaint.status is Status.CLOSED
    clock.advance(days=2)
    done = await enterprise.rate(ctx, FIRM, happy, solved=True, score=5)
    assert done.status is Status.CLOSED
    back = await enterprise.rate(ctx, OTHER, unhappy, solved=False, score=1, comment="还是没电")
    assert back.status is Status.IN_PROGRESS
    view = await queries.complaint_status(ctx, FIRM, happy)
    assert [(r.score, r.solved) for r in view.ratings] == [(5, True)]
    # rated once after the auto-close: a second rating is refused like any on a closed one
    with pytest.raises(IllegalTransition):
        await enterprise.rate(ctx, FIRM, happy, solved=True, score=4)


async def test_silence_is_neither_solved_nor_unsolved_in_the_figures(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    from bot.services import reports  # noqa: PLC0415

    answered = await _resolved(ctx, FIRM)
    await _resolved(ctx, OTHER)  # the enterprise never answers
    await enterprise.rate(ctx, FIRM, answered, solved=True, score=4)
    year, week, _ = clock.now().isocalendar()
    report = await reports.weekly_report(ctx, f"{year}-W{week:02d}")
    shown = {f.key: (f.numerator, f.denominator) for f in report.units[0].figures}
    assert shown["resolution"] == (1, 1)  # 100%: the silent one is not "unsolved"
    assert shown["no_answer"] == (1, 2)  # shown beside it
