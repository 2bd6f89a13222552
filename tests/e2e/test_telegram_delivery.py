"""The outbox worker delivering through the Telegram notifier to the Bot API stand-in: what
is sent, and how Telegram's refusals become permanent failures or retries. A fixed clock on a
real SQLite file lets the test step past the retry delay instead of sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot

from bot.app import App, open_app
from bot.config import Settings
from bot.domain.records import Actor, Role
from bot.domain.sla import SlaEngine
from bot.services import handling, intake, outbox_worker
from bot.services.context import ServiceContext
from bot.services.outbox_worker import DeliveryResult
from handlers.telegram.notifier import TelegramNotifier
from handlers.telegram.standin import TOKEN, BotApiStandIn
from handlers.telegram.texts import milestone_titles
from tests.conftest import START
from tests.support import FixedClock, add_official

pytestmark = pytest.mark.e2e

FIRM = 710001
OFFICIAL = 720001
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with open_app(settings) as opened:
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ctx(app: App, sla_engine: SlaEngine, clock: FixedClock) -> ServiceContext:
    return ServiceContext(uow_factory=app.services.uow_factory, sla=sla_engine, clock=clock)


@pytest.fixture
async def notifier(api: BotApiStandIn, ctx: ServiceContext) -> AsyncIterator[TelegramNotifier]:
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        yield TelegramNotifier(bot, ctx.zone, milestone_titles(ctx.sla))


async def _deliver(ctx: ServiceContext, notifier: TelegramNotifier) -> DeliveryResult:
    return await outbox_worker.deliver_due(ctx, {"telegram": notifier}, "e2e")


async def _assigned(ctx: ServiceContext) -> intake.Acknowledgement:
    """A complaint whose unit has one handler (OFFICIAL): intake writes one message, the
    assignment to that handler (the enterprise has its acknowledgement already)."""
    unit = ctx.route(POWER).lead_unit
    assert unit is not None
    await add_official(ctx.uow_factory, OFFICIAL, unit, Role.HANDLER)
    return await intake.submit_complaint(ctx, Actor("telegram", str(FIRM)), POWER)


async def test_status_changed_is_rendered_and_sent(
    api: BotApiStandIn, ctx: ServiceContext, notifier: TelegramNotifier
) -> None:
    ack = await _assigned(ctx)
    assert await _deliver(ctx, notifier) == DeliveryResult(1, 0, 0)
    assert api.messages_to(FIRM) == []  # the enterprise had its acknowledgement at once
    [assigned] = api.messages_to(OFFICIAL)
    assert "新派诉求，请及时签收" in assigned and ack.number in assigned
    # deadlines in Shanghai time: the 5-working-day first reply from Wed 2026-11-25
    assert "首次答复：2026-12-02 24:00 前" in assigned
    await handling.sign_off(ctx, Actor("telegram", str(OFFICIAL)), ack.number)
    assert await _deliver(ctx, notifier) == DeliveryResult(1, 0, 0)
    [text] = api.messages_to(FIRM)
    assert text.startswith(f"【诉求进展】工单 {ack.number}")
    assert "当前状态：已签收" in text
    assert await _deliver(ctx, notifier) == DeliveryResult(0, 0, 0)  # sent once


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_a_chat_that_cannot_be_reached_fails_for_good(
    api: BotApiStandIn,
    ctx: ServiceContext,
    clock: FixedClock,
    notifier: TelegramNotifier,
    status: int,
    description: str,
) -> None:
    api.fail_chat(OFFICIAL, status, description)
    await _assigned(ctx)
    assert await _deliver(ctx, notifier) == DeliveryResult(0, 0, 1)
    clock.advance(hours=2)
    assert await _deliver(ctx, notifier) == DeliveryResult(0, 0, 0)  # given up, not retried
    async with ctx.uow_factory() as uow:
        assert await uow.outbox.claim(clock.now(), "check", 60, 10) == []


@pytest.mark.parametrize(
    ("status", "description", "retry_after"),
    [
        (429, "Too Many Requests: retry after 30", 30),
        (500, "Internal Server Error", None),
        (502, "Bad Gateway", None),
    ],
)
async def test_flood_control_and_server_errors_are_retried(
    api: BotApiStandIn,
    ctx: ServiceContext,
    clock: FixedClock,
    notifier: TelegramNotifier,
    status: int,
    description: str,
    retry_after: int | None,
) -> None:
    api.fail_chat(OFFICIAL, status, description, retry_after=retry_after, times=1)
    ack = await _assigned(ctx)
    assert await _deliver(ctx, notifier) == DeliveryResult(0, 1, 0)
    assert api.messages_to(OFFICIAL) == []
    assert await _deliver(ctx, notifier) == DeliveryResult(0, 0, 0)  # not due yet
    backoff = outbox_worker.retry_delay(1) / timedelta(seconds=1)
    clock.advance(seconds=backoff)
    if retry_after is not None:  # flood control asked for longer than the back-off: wait
        assert await _deliver(ctx, notifier) == DeliveryResult(0, 0, 0)
        clock.advance(seconds=retry_after - backoff)
    assert await _deliver(ctx, notifier) == DeliveryResult(1, 0, 0)
    [text] = api.messages_to(OFFICIAL)
    assert ack.number in text
