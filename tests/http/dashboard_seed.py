"""The dashboard tests' data: the report tests' week (2026-W48, tests/services/report_week.py)
plus a confidential complaint, the officials who ask for links, and the clock moved on to
Friday 2026-11-27 10:00 Shanghai with the sweeper run, so some orders are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.records import Actor, Role
from bot.services import intake, sweeper
from bot.services.context import ServiceContext
from bot.services.dashboard import LinkSettings, issue_link
from tests.services.report_week import week
from tests.support import FixedClock, add_official

SECRET = "test-dashboard-secret-0123456789"
#: Friday of 2026-W48, 10:00 in Shanghai
FRIDAY = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
WEEK = "2026-W48"
#: a confidential complaint: its words must never reach a page
SECRET_WORDS = "保密企业反映：新厂房用电报装递交四十天仍未通电，怕被供电所穿小鞋"
SUPERVISOR, POWER_ADMIN, BANK_ADMIN, HANDLER = 990001, 990002, 990003, 990004
#: the same problem from two more enterprises: a hot topic (热点) of the power unit
TOPIC = (
    "新厂房申请用电增容两个月了，供电公司一直没有给出接电方案，生产线没法投产",
    "新厂房申请用电增容快两个月了，供电公司一直没给接电方案，生产线没法投产",
)


@dataclass(frozen=True)
class Seeded:
    power: str  # the unit of the power complaints
    bank: str  # the unit of the loan complaint
    confidential: str  # its number


def links(base_url: str = "http://dashboard.test") -> LinkSettings:
    return LinkSettings(SECRET, base_url, 24.0)


async def seed(ctx: ServiceContext, clock: FixedClock) -> Seeded:
    units = await week(ctx, clock)
    secret = await intake.submit_complaint(
        ctx, Actor("telegram", "5"), SECRET_WORDS, confidential=True
    )
    for sender, text in zip(("6", "7"), TOPIC, strict=True):
        await intake.submit_complaint(ctx, Actor("telegram", sender), text)
    await add_official(ctx.uow_factory, SUPERVISOR, None, Role.SUPERVISOR, "督办员甲")
    await add_official(ctx.uow_factory, POWER_ADMIN, units["power"], Role.UNIT_ADMIN)
    await add_official(ctx.uow_factory, BANK_ADMIN, units["bank"], Role.UNIT_ADMIN)
    await add_official(ctx.uow_factory, HANDLER, units["power"], Role.HANDLER)
    clock.set(FRIDAY)
    await sweeper.sweep(ctx, "test")
    return Seeded(units["power"], units["bank"], secret.number)


async def path_for(ctx: ServiceContext, telegram_id: int) -> str:
    """The path and query of the link ``telegram_id`` gets from /dashboard."""
    link = await issue_link(ctx, Actor("telegram", str(telegram_id)), links())
    return link.url.removeprefix("http://dashboard.test")
