"""The sweep's digest with a fixed clock, on both databases: one message per person and pass
instead of one per deadline, grouped by unit with the worst unit first, split into parts that
fit Telegram, each person only their own orders, once even with two sweepers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.records import Actor, OutboxMessage, Role
from bot.services import digest, intake, sweeper
from bot.services.context import ServiceContext
from handlers.telegram import keyboards, texts
from tests.support import FixedClock, add_official

POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LICENCE = "企业办理营业执照变更登记一直没办下来，跑了三趟了"
SUPERVISOR, POWER_CLERK, LICENCE_CLERK = 800, 111, 222


async def _file(ctx: ServiceContext, text: str, count: int, first: int) -> str:
    unit = ctx.route(text).lead_unit
    for i in range(count):
        ack = await intake.submit_complaint(ctx, Actor("telegram", str(first + i)), text)
        assert ack.lead_unit == unit
    assert unit is not None
    return unit


async def _digests(ctx: ServiceContext, clock: FixedClock) -> list[OutboxMessage]:
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(clock.now() + timedelta(days=400), "t", 60, 5000)
    return [m for m in messages if m.kind == digest.KIND]


async def _setup(ctx: ServiceContext, power: int, licence: int) -> tuple[str, str]:
    power_unit = await _file(ctx, POWER, power, 910000)
    licence_unit = await _file(ctx, LICENCE, licence, 920000)
    assert power_unit != licence_unit
    await add_official(ctx.uow_factory, SUPERVISOR, None, Role.SUPERVISOR)
    await add_official(ctx.uow_factory, POWER_CLERK, power_unit, Role.HANDLER)
    await add_official(ctx.uow_factory, LICENCE_CLERK, licence_unit, Role.UNIT_ADMIN)
    return power_unit, licence_unit


async def test_one_digest_per_person_and_pass_grouped_worst_unit_first(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    power_unit, licence_unit = await _setup(ctx, power=2, licence=3)
    clock.advance(minutes=2)  # every response minute is past: five breaches in one pass
    assert await sweeper.sweep_clocks(ctx, "a") == (0, 5)
    messages = await _digests(ctx, clock)
    by_person = {m.address: m for m in messages}
    assert len(messages) == len(by_person) == 3  # one each, not one per deadline
    to_supervisor = by_person[str(SUPERVISOR)].payload
    units = [item["unit"] for item in to_supervisor["items"]]
    assert units == [licence_unit] * 3 + [power_unit] * 2  # the worst unit first
    assert (to_supervisor["breached"], to_supervisor["warned"]) == (5, 0)
    # units read their own orders only
    assert {i["unit"] for i in by_person[str(POWER_CLERK)].payload["items"]} == {power_unit}
    assert len(by_person[str(LICENCE_CLERK)].payload["items"]) == 3
    # the supervisor may supervise: 督办 N and 查看 N; a handler only 查看 N
    title = texts.milestone_titles(ctx.sla)
    text = texts.notification(by_person[str(SUPERVISOR)], ctx.zone, title)
    assert text.startswith("【时限汇总】超时 5 项") and f"■ {licence_unit}" in text
    assert text.index(licence_unit) < text.index(power_unit) and "5." in text
    buttons = keyboards.for_notification(digest.KIND, "", to_supervisor)
    assert buttons is not None
    labels = [b.text for row in buttons.inline_keyboard for b in row]
    assert labels[:2] == ["督办 1", "查看 1"] and len(labels) == 10
    first = to_supervisor["items"][0]["number"]
    assert buttons.inline_keyboard[0][0].callback_data == f"sv:{first}"
    handler_buttons = keyboards.for_notification(
        digest.KIND, "", by_person[str(POWER_CLERK)].payload
    )
    assert handler_buttons is not None
    assert [b.text for row in handler_buttons.inline_keyboard for b in row] == ["查看 1", "查看 2"]
    # the next pass has nothing new: nothing more is sent
    assert await sweeper.sweep_clocks(ctx, "a") == (0, 0)
    assert len(await _digests(ctx, clock)) == 3


async def test_a_long_digest_is_split_into_parts_that_fit_telegram(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await _setup(ctx, power=digest.PART_SIZE + 5, licence=0)
    clock.advance(minutes=2)
    await sweeper.sweep_clocks(ctx, "a")
    parts = [m for m in await _digests(ctx, clock) if m.address == str(SUPERVISOR)]
    assert [(m.payload["part"], m.payload["parts"]) for m in parts] == [(1, 2), (2, 2)]
    assert [len(m.payload["items"]) for m in parts] == [digest.PART_SIZE, 5]
    title = texts.milestone_titles(ctx.sla)
    for message in parts:
        text = texts.notification(message, ctx.zone, title)
        assert len(text) <= texts.MAX_MESSAGE and "页）" in text
        markup = keyboards.for_notification(digest.KIND, "", message.payload)
        assert markup is not None and len(markup.inline_keyboard) <= digest.PART_SIZE
    second = texts.notification(parts[1], ctx.zone, title)
    assert f"{digest.PART_SIZE + 1}. " in second  # numbered on from the first part


async def test_warnings_and_breaches_and_two_sweepers_send_each_person_one_digest(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await _setup(ctx, power=6, licence=6)
    clock.advance(seconds=45)  # warnings are due
    results = await asyncio.gather(
        sweeper.sweep_clocks(ctx, "one", batch=3), sweeper.sweep_clocks(ctx, "two", batch=3)
    )
    assert sum(r[0] for r in results) == 12  # every response minute warned once
    warned = [m for m in await _digests(ctx, clock) if m.address == str(SUPERVISOR)]
    items = [i for m in warned for i in m.payload["items"]]
    assert len(items) == 12 and not any(i["breached"] for i in items)
    assert len({i["number"] for i in items}) == 12  # nobody's order twice
    # only one sweeper swept (the other found the pass taken): its batches, one digest each
    assert len(warned) == 4
