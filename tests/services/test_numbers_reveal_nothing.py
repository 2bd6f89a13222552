"""An official of another unit (or someone who is no official) learns nothing from a number:
every action and every look gets the answer an unknown number gets, whatever the complaint's
state, on both databases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.domain.records import Actor, Role
from bot.errors import YousuError
from bot.services import enterprise, handling, intake, queries
from bot.services.context import ServiceContext
from tests.support import add_official

FIRM = Actor("telegram", "900001")
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
UNKNOWN = "20261125-0999"

Use = Callable[[ServiceContext, Actor, str], Awaitable[object]]
USES: dict[str, Use] = {
    "sign_off": handling.sign_off,
    "reply": lambda c, a, n: handling.reply(c, a, n, "答复"),
    "resolve": lambda c, a, n: handling.resolve(c, a, n, "办结"),
    "transfer": lambda c, a, n: handling.transfer(c, a, n, "区住建局", "理由"),
    "return": lambda c, a, n: handling.return_complaint(c, a, n, "理由"),
    "extension": lambda c, a, n: handling.request_extension(c, a, n, "理由"),
    "supervise": lambda c, a, n: handling.supervise(c, a, n, "督办"),
    "dispatch": lambda c, a, n: handling.dispatch(c, a, n, "区住建局"),
    "void": lambda c, a, n: handling.void(c, a, n, "测试"),
    "withdraw": enterprise.withdraw,
    "status": queries.complaint_status,
    "follow_up": lambda c, a, n: enterprise.follow_up(c, a, n, "补充"),
    "chase": enterprise.chase,
    "rate": lambda c, a, n: enterprise.rate(c, a, n, solved=True, score=5),
}


async def _answer(ctx: ServiceContext, use: Use, actor: Actor, number: str) -> tuple[str, ...]:
    """The refusal, with the number taken out of its words."""
    with pytest.raises(YousuError) as caught:
        await use(ctx, actor, number)
    error = caught.value
    return (
        type(error).__name__,
        error.code,
        str(error.http_status),
        error.zh.replace(number, "N"),
        error.en.replace(number, "N"),
    )


@pytest.mark.parametrize("stage", ["routed", "signed_off", "in_progress", "resolved"])
async def test_another_unit_hears_what_an_unknown_number_hears(
    ctx: ServiceContext, stage: str
) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit is not None
    own = await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER)
    if stage != "routed":
        await handling.sign_off(ctx, own, ack.number)
    if stage in ("in_progress", "resolved"):
        await handling.reply(ctx, own, ack.number, "正在办理")
    if stage == "resolved":
        await handling.resolve(ctx, own, ack.number, "已办结")
    strangers = [
        await add_official(ctx.uow_factory, 222, "区税务局", Role.HANDLER),
        await add_official(ctx.uow_factory, 223, "区税务局", Role.UNIT_ADMIN),
        Actor("telegram", "555"),  # not an official at all
        Actor("http", "12345"),  # nor a platform
    ]
    for stranger in strangers:
        for name, use in USES.items():
            taken = await _answer(ctx, use, stranger, ack.number)
            unknown = await _answer(ctx, use, stranger, UNKNOWN)
            assert taken == unknown, (stage, stranger, name)
            assert ack.lead_unit not in taken[3]  # nor who handles it


async def test_another_unit_s_extension_request_is_not_found(ctx: ServiceContext) -> None:
    ack = await intake.submit_complaint(ctx, FIRM, POWER)
    assert ack.lead_unit is not None
    own = await add_official(ctx.uow_factory, 111, ack.lead_unit, Role.HANDLER)
    await handling.sign_off(ctx, own, ack.number)
    request = await handling.request_extension(ctx, own, ack.number, "需要现场施工")
    stranger = await add_official(ctx.uow_factory, 222, "区税务局", Role.HANDLER)

    async def decide(c: ServiceContext, a: Actor, n: str) -> object:
        return await handling.decide_extension(c, a, int(n), approve=True)

    taken = await _answer(ctx, decide, stranger, str(request.request_id))
    unknown = await _answer(ctx, decide, stranger, "987654")
    assert taken == unknown and ack.number not in taken[3]
