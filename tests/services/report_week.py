"""A small week built by hand (Wednesday 2026-11-25, ISO week 2026-W48) for the report
tests: two power complaints (one signed off in time, one late; one solved and rated 5, one
rated 2 and reopened), a 1330 loan complaint contacted in time, and a vague one waiting for a
dispatcher."""

from __future__ import annotations

from bot.domain.records import Actor, Role
from bot.services import enterprise, handling, intake
from bot.services.context import ServiceContext
from tests.support import FixedClock, add_official

POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
POWER_2 = "新厂房要接电，报装申请递上去一个月了，供电公司说排不上"
LOAN = "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。"
VAGUE = "有点事想反映一下"


async def week(ctx: ServiceContext, clock: FixedClock) -> dict[str, str]:
    a, b, c = Actor("telegram", "1"), Actor("telegram", "2"), Actor("telegram", "3")
    one = await intake.submit_complaint(ctx, a, POWER)
    two = await intake.submit_complaint(ctx, b, POWER_2)
    loan = await intake.submit_complaint(ctx, c, LOAN)
    vague = await intake.submit_complaint(ctx, Actor("telegram", "4"), VAGUE)
    assert vague.needs_dispatcher and loan.sla_policy == "1330"
    assert one.lead_unit == two.lead_unit and one.lead_unit and loan.lead_unit
    power = await add_official(ctx.uow_factory, 11, one.lead_unit, Role.HANDLER)
    bank = await add_official(ctx.uow_factory, 12, loan.lead_unit, Role.HANDLER)
    clock.advance(seconds=20)
    await handling.sign_off(ctx, power, one.number)  # within the minute
    await handling.sign_off(ctx, bank, loan.number)  # within the minute
    await handling.reply(ctx, bank, loan.number, "已联系，明天对接银行")  # 1330 contact
    clock.advance(minutes=5)
    await handling.sign_off(ctx, power, two.number)  # late
    await handling.reply(ctx, power, one.number, "明天勘察")
    await handling.resolve(ctx, power, one.number, "已送电")
    await handling.resolve(ctx, power, two.number, "已排期")
    await enterprise.rate(ctx, a, one.number, solved=True, score=5)
    await enterprise.rate(ctx, b, two.number, solved=False, score=2, comment="没解决")
    return {"power": one.lead_unit, "bank": loan.lead_unit}
