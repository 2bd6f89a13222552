"""The sweeper and the outbox worker on both databases: warnings and breaches exactly once,
two instances sharing one database, retries and giving up, auto-close."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.records import Actor, EventKind, OutboxMessage, Role, Status
from bot.ports import DeliveryFailed
from bot.services import enterprise, handling, intake, outbox_worker, queries, sweeper
from bot.services.context import ServiceContext
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "900001")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"


class RecordingNotifier:
    """Delivers by remembering; fails the first ``failures`` times, as asked."""

    channels = frozenset({"telegram"})

    def __init__(self, failures: int = 0, retryable: bool = True) -> None:
        self.delivered: list[OutboxMessage] = []
        self.failures = failures
        self.retryable = retryable

    async def deliver(self, message: OutboxMessage) -> None:
        await asyncio.sleep(0)
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("Bot API 502", retryable=self.retryable)
        self.delivered.append(message)


async def _events(ctx: ServiceContext, number: str) -> list[EventKind]:
    view = await queries.complaint_status(ctx, FIRM, number)
    return [e.kind for e in view.events]


async def test_response_minute_warns_then_breaches_once(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit is not None
    await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER)
    await add_official(ctx.uow_factory, 800, None, Role.SUPERVISOR)
    assert await sweeper.sweep(ctx, "a") == sweeper.SweepResult(0, 0, 0)
    clock.advance(seconds=31)  # 29 s of the minute left: the warning is due
    assert (await sweeper.sweep(ctx, "a")).warned == 1
    assert (await sweeper.sweep(ctx, "a")).warned == 0
    clock.advance(seconds=30)
    assert (await sweeper.sweep(ctx, "a")).breached == 1
    assert (await sweeper.sweep(ctx, "a")).breached == 0
    kinds = await _events(ctx, ack.number)
    assert kinds.count(EventKind.CLOCK_WARNED) == 1 and kinds.count(EventKind.CLOCK_BREACHED) == 1
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now(), "t", 60, 500)
    digests = [m for m in messages if m.kind == "clock_digest"]
    # each pass: one digest to the unit and one to the supervisor, warning then breach
    assert sorted(m.address for m in digests) == ["111", "111", "800", "800"]
    flags = [[i["breached"] for i in m.payload["items"]] for m in digests if m.address == "800"]
    assert flags == [[False], [True]]


async def test_met_clocks_are_left_alone(ctx: ServiceContext, clock: FixedClock) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit is not None
    handler = await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER)
    await handling.sign_off(ctx, handler, ack.number)
    clock.advance(minutes=5)
    assert await sweeper.sweep(ctx, "a") == sweeper.SweepResult(0, 0, 0)


async def test_two_sweepers_on_one_database_never_warn_twice(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    numbers = [
        (await intake.submit_complaint(ctx, Actor("telegram", str(900100 + i)), POWER)).number
        for i in range(12)
    ]
    clock.advance(seconds=45)
    first, second = await asyncio.gather(
        sweeper.sweep_clocks(ctx, "one", batch=3), sweeper.sweep_clocks(ctx, "two", batch=3)
    )
    assert first[0] + second[0] == len(numbers)  # each response minute warned exactly once
    async with ctx.uow_factory() as uow:
        warned = [
            e
            for n in numbers
            for e in await uow.events.for_complaint(
                (await uow.complaints.get_by_number(n)).id  # type: ignore[union-attr, arg-type]
            )
            if e.kind is EventKind.CLOCK_WARNED
        ]
    assert len(warned) == len(numbers)


async def test_a_crashed_sweeper_leaves_its_clocks_to_the_next_after_the_lease(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await intake.submit_complaint(ctx, FIRM, POWER)
    clock.advance(seconds=45)
    async with ctx.uow_factory() as uow:  # claims, then "crashes" (commits the lease only)
        assert len(await uow.clocks.claim_due(clock.now(), "crashed", 60)) == 1
        await uow.commit()
    assert (await sweeper.sweep(ctx, "next")).warned == 0  # still leased
    clock.advance(seconds=61)
    result = await sweeper.sweep(ctx, "next")
    assert result.warned + result.breached == 1


async def test_resolved_and_silent_is_closed_after_the_waiting_time(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit is not None
    handler = await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER)
    await handling.sign_off(ctx, handler, ack.number)
    await handling.resolve(ctx, handler, ack.number, "已送电")
    clock.advance(days=6)  # 2026-12-01: only 4 working days later
    assert (await sweeper.sweep(ctx, "a")).auto_closed == 0
    clock.advance(days=4)  # 2026-12-05 (Sat), after the 7th working day (12-04)
    assert (await sweeper.sweep(ctx, "a")).auto_closed == 1
    view = await queries.complaint_status(ctx, FIRM, ack.number)
    assert view.complaint.status is Status.CLOSED
    assert view.events[-1].kind is EventKind.AUTO_CLOSED
    assert (await enterprise.auto_close_due(ctx)).closed == ()


async def test_outbox_delivers_once_retries_and_gives_up(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    unit = ctx.route(POWER).lead_unit
    assert unit is not None
    await add_official(ctx.uow_factory, 300, unit, Role.HANDLER)
    await intake.submit_complaint(ctx, FIRM, POWER)  # one message: the assignment to 300
    flaky = RecordingNotifier(failures=2)
    result = await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")
    assert result == outbox_worker.DeliveryResult(0, 1, 0)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")).retried == 0
    clock.advance(seconds=5)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")).retried == 1
    clock.advance(seconds=10)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")).sent == 1
    assert len(flaky.delivered) == 1 and flaky.delivered[0].attempts == 3
    clock.advance(hours=2)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")).sent == 0

    await intake.submit_complaint(ctx, Actor("telegram", "900002"), POWER)
    blocked = RecordingNotifier(failures=1, retryable=False)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": blocked}, "w")).failed == 1
    await intake.submit_complaint(ctx, Actor("telegram", "900003"), POWER)
    # a worker takes only the channels it delivers: another process may deliver the rest
    assert await outbox_worker.deliver_due(ctx, {}, "w") == outbox_worker.DeliveryResult(0, 0, 0)
    assert (await outbox_worker.deliver_due(ctx, {"telegram": flaky}, "w")).sent == 1


async def test_two_outbox_workers_never_deliver_the_same_message(
    ctx: ServiceContext,
) -> None:
    unit = ctx.route(POWER).lead_unit
    assert unit is not None
    await add_official(ctx.uow_factory, 300, unit, Role.HANDLER)
    for i in range(10):  # ten assignments to official 300
        await intake.submit_complaint(ctx, Actor("telegram", str(900200 + i)), POWER)
    notifier = RecordingNotifier()
    await asyncio.gather(
        outbox_worker.deliver_due(ctx, {"telegram": notifier}, "one", batch=3),
        outbox_worker.deliver_due(ctx, {"telegram": notifier}, "two", batch=3),
        outbox_worker.deliver_due(ctx, {"telegram": notifier}, "three", batch=3),
        outbox_worker.deliver_due(ctx, {"telegram": notifier}, "four", batch=3),
    )
    ids = [m.id for m in notifier.delivered]
    assert len(ids) == len(set(ids)) == 10


def test_retry_delays_double_up_to_an_hour() -> None:
    delays = [outbox_worker.retry_delay(n) for n in range(1, 13)]
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert delays[-1] == timedelta(hours=1) and delays == sorted(delays)
