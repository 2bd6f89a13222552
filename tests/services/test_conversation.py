"""The conversation's decisions on both databases, with the message kind fixed by the test
(a small stand-in for the classifier) so each rule of the decision is seen alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.records import Actor, Role
from bot.errors import InvalidInput
from bot.services import conversation, handling, intake
from bot.services.context import ServiceContext
from bot.services.conversation import Next
from knowledge.intent import MessageIntent, MessageKind
from tests.support import FixedClock, add_official

FIRM = Actor("telegram", "930001")
CLERK = 930002
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LOAN = "我们公司想贷300万流动资金，跑了两家银行都说要抵押，一个多月没有结果。"


def _with(ctx: ServiceContext, kind: MessageKind, confidence: float = 0.9) -> ServiceContext:
    """``ctx`` whose classifier says ``kind`` of every text, except the complaints filed by
    the test through intake (which does not classify)."""
    return replace(ctx, classify=lambda _text: MessageIntent(kind, confidence, source="test"))


async def _open(ctx: ServiceContext, *texts: str) -> list[str]:
    return [(await intake.submit_complaint(ctx, FIRM, t)).number for t in texts]


async def test_clear_kinds_decide_alone(ctx: ServiceContext) -> None:
    for kind, expected in (
        (MessageKind.COMPLAINT, Next.FILE),
        (MessageKind.QUESTION, Next.ANSWER),
        (MessageKind.GREETING, Next.WELCOME),
        (MessageKind.THANKS, Next.WELCOME),
        (MessageKind.HELP, Next.WELCOME),
        (MessageKind.VAGUE, Next.CLARIFY),
    ):
        decided = await conversation.understand(_with(ctx, kind), FIRM, "某段文字")
        assert decided.next is expected, kind
    # unsure: asked back, whatever the kind
    unsure = await conversation.understand(_with(ctx, MessageKind.COMPLAINT, 0.3), FIRM, "嗯哼")
    assert unsure.next is Next.CLARIFY


async def test_a_question_that_may_be_a_grievance_is_answered_and_asked(
    ctx: ServiceContext,
) -> None:
    def classify(complaint: float) -> ServiceContext:
        scores = {"question": 0.8, "complaint": complaint}
        intent = MessageIntent(MessageKind.QUESTION, 0.8, source="test", scores=scores)
        return replace(ctx, classify=lambda _text: intent)

    plain = await conversation.understand(classify(0.01), FIRM, "补贴怎么申请")
    doubt = await conversation.understand(classify(0.1), FIRM, "申报的补贴今年能批吗")
    assert plain.next is Next.ANSWER
    assert doubt.next is Next.ANSWER_AND_ASK
    # the text waits for the sender's choice, as after a clarifying question
    assert await conversation.remembered_text(ctx, FIRM) == "申报的补贴今年能批吗"


async def test_a_status_question_with_nothing_filed_here_is_asked_about(
    ctx: ServiceContext,
) -> None:
    # told by phone or elsewhere: offered to file it here, not an empty list
    asked = await conversation.understand(_with(ctx, MessageKind.STATUS), FIRM, "我反映的事咋样了")
    assert asked.next is Next.CLARIFY
    assert await conversation.remembered_text(ctx, FIRM) == "我反映的事咋样了"
    [number] = await _open(ctx, POWER)
    shown = await conversation.understand(_with(ctx, MessageKind.STATUS), FIRM, "我反映的事咋样了")
    assert shown.next is Next.STATUS and shown.number == number


async def test_empty_and_too_long_texts_are_refused_clearly(ctx: ServiceContext) -> None:
    for text in ("", "  \u200b ", "长" * 5001):
        with pytest.raises(InvalidInput):
            await conversation.understand(_with(ctx, MessageKind.COMPLAINT), FIRM, text)


async def test_an_officials_text_never_files(ctx: ServiceContext) -> None:
    await add_official(ctx.uow_factory, CLERK, "区税务局", Role.HANDLER)
    decided = await conversation.understand(
        _with(ctx, MessageKind.COMPLAINT), Actor("telegram", str(CLERK)), POWER
    )
    assert decided.next is Next.OFFICIAL


async def test_an_asked_about_text_is_remembered_once_for_a_day(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await conversation.understand(_with(ctx, MessageKind.VAGUE), FIRM, "太慢了")
    assert await conversation.remembered_text(ctx, FIRM) == "太慢了"
    assert await conversation.remembered_text(ctx, FIRM) is None  # taken
    await conversation.understand(_with(ctx, MessageKind.QUESTION), FIRM, "1330是什么")
    clock.advance(hours=25)
    assert await conversation.remembered_text(ctx, FIRM) is None  # too old


async def test_additions_go_to_the_complaint_they_are_about(ctx: ServiceContext) -> None:
    adding = _with(ctx, MessageKind.FOLLOWUP)
    [power] = await _open(ctx, POWER)
    one = await conversation.understand(adding, FIRM, "补充：变压器400千伏安")
    assert (one.next, one.number) == (Next.ADD, power)
    [loan] = await _open(ctx, LOAN)
    two = await conversation.understand(adding, FIRM, "补充：变压器400千伏安")
    assert two.next is Next.CLARIFY and set(two.open_numbers) == {power, loan}
    named = await conversation.understand(adding, FIRM, f"{power} 补充：变压器400千伏安")
    assert (named.next, named.number) == (Next.ADD, power)
    chase = await conversation.understand(_with(ctx, MessageKind.CHASE), FIRM, f"催一下{loan}")
    assert (chase.next, chase.number) == (Next.CHASE, loan)
    # a reply to the bot's message about a complaint joins it, whatever it says
    replied = await conversation.understand(
        _with(ctx, MessageKind.COMPLAINT), FIRM, "还有一件事", replying_to=loan
    )
    assert (replied.next, replied.number) == (Next.ADD, loan)
    # replying to a number that is not the sender's changes nothing
    foreign = await conversation.understand(
        _with(ctx, MessageKind.VAGUE), FIRM, "还有一件事", replying_to="20261125-0999"
    )
    assert foreign.next is Next.CLARIFY


async def test_an_unsure_text_answers_the_official_who_asked(ctx: ServiceContext) -> None:
    [number] = await _open(ctx, POWER)
    decision = ctx.route(POWER)
    assert decision.lead_unit
    await add_official(ctx.uow_factory, CLERK, decision.lead_unit, Role.HANDLER)
    official = Actor("telegram", str(CLERK))
    await handling.sign_off(ctx, official, number)
    await handling.reply(ctx, official, number, "请问贵厂的用电地址？")
    decided = await conversation.understand(
        _with(ctx, MessageKind.VAGUE, 0.4), FIRM, "首阳山街道工业园3号"
    )
    assert (decided.next, decided.number) == (Next.ADD, number)
    # a clear new complaint is still a new complaint
    new = await conversation.understand(_with(ctx, MessageKind.COMPLAINT), FIRM, LOAN)
    assert new.next is Next.FILE


async def test_a_verdict_asks_to_rate_the_resolved_complaint(ctx: ServiceContext) -> None:
    verdict = _with(ctx, MessageKind.VERDICT)
    nothing = await conversation.understand(verdict, FIRM, "已经解决了，满意")
    assert nothing.next is Next.WELCOME
    [number] = await _open(ctx, POWER)
    decision = ctx.route(POWER)
    assert decision.lead_unit
    await add_official(ctx.uow_factory, CLERK, decision.lead_unit, Role.HANDLER)
    official = Actor("telegram", str(CLERK))
    await handling.sign_off(ctx, official, number)
    await handling.resolve(ctx, official, number, "已送电")
    decided = await conversation.understand(verdict, FIRM, "已经通电了，谢谢供电公司，满意")
    assert (decided.next, decided.number) == (Next.RATE, number)


async def test_photos_sent_first_make_the_next_text_a_complaint(ctx: ServiceContext) -> None:
    await conversation.hold_attachments(ctx, FIRM, ["photo:a"])
    await conversation.hold_attachments(ctx, FIRM, ["photo:b", "photo:a"])
    decided = await conversation.understand(_with(ctx, MessageKind.VAGUE), FIRM, "就是这个问题")
    assert decided.next is Next.FILE and decided.attachments == ("photo:a", "photo:b")
    # used once
    again = await conversation.understand(_with(ctx, MessageKind.VAGUE), FIRM, "就是这个问题")
    assert again.next is Next.CLARIFY and again.attachments == ()


async def test_who_complained_is_shown_to_the_lead_unit_only_when_confidential(
    ctx: ServiceContext,
) -> None:
    from bot.services import profile, queries  # noqa: PLC0415

    await intake.submit_complaint(ctx, FIRM, POWER)
    await profile.start(ctx, FIRM)
    await profile.answer(ctx, FIRM, "偃师市恒达轴承有限公司")
    normal = await intake.submit_complaint(ctx, FIRM, LOAN)
    secret = await intake.submit_complaint(
        ctx, FIRM, "办施工许可证跑了四趟，每次都说材料不全。", confidential=True
    )
    dispatcher = await add_official(ctx.uow_factory, CLERK + 5, None, Role.DISPATCHER)
    seen = {}
    for ack in (normal, secret):
        if ack.lead_unit is None:
            continue
        lead = await add_official(ctx.uow_factory, CLERK, ack.lead_unit, Role.HANDLER)
        by_lead = await queries.complaint_status(ctx, lead, ack.number)
        by_dispatcher = await queries.complaint_status(ctx, dispatcher, ack.number)
        seen[ack is secret] = (by_lead.enterprise, by_dispatcher.enterprise)
    assert seen, "both complaints went to a dispatcher: nothing was tested"
    for confidential, (lead_sees, dispatcher_sees) in seen.items():
        assert lead_sees is not None and lead_sees.company_name == "偃师市恒达轴承有限公司"
        assert (dispatcher_sees is None) is confidential
