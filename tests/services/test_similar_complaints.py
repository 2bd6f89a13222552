"""Repeats and hot topics by the learned layer's similarity (``bot/services/intake.py``): the
same matter reworded is a repeat of the enterprise's open complaint, and the same topic as
another enterprise's; another problem under the same measure is neither. On both databases."""

from __future__ import annotations

from bot.domain.records import Actor, Status
from bot.services import intake, queries
from bot.services.context import ServiceContext
from knowledge.learned import model_similarity

#: (a complaint, the same problem reworded, another problem under the same measure); not
#: the pairs of bench/learned_similarity.py, which chose the thresholds
POWER = "新建的厂房申请接电一个多月了，供电所总说等计划，到现在还没装表送电"
POWER_REWORDED = "俺们新厂房报装用电都一个多月了，供电所老说排计划，表到现在也没装上，电没送"
POWER_OTHER = "这个月厂里停了三回电，一次都没提前通知，机器上的料全废了"


def _measure(ctx: ServiceContext, text: str) -> str | None:
    measure = ctx.route(text).measure
    return None if measure is None else measure.id


def _same_measure(ctx: ServiceContext) -> str:
    routed = {_measure(ctx, t) for t in (POWER, POWER_REWORDED, POWER_OTHER)}
    assert len(routed) == 1, routed  # the premise: one measure for all three
    return str(routed.pop())


async def test_the_wordings_are_far_apart_for_rapidfuzz_but_near_for_the_model() -> None:
    from rapidfuzz import fuzz  # noqa: PLC0415

    assert fuzz.ratio(POWER, POWER_REWORDED) < intake.REPEAT_SIMILARITY
    near = model_similarity(POWER, POWER_REWORDED)
    far = model_similarity(POWER, POWER_OTHER)
    assert near is not None and far is not None
    assert near >= intake.LEARNED_REPEAT_SIMILARITY > far


async def test_the_same_matter_reworded_is_a_repeat_another_problem_is_not(
    ctx: ServiceContext,
) -> None:
    _same_measure(ctx)
    owner = Actor("telegram", "31")
    first = await intake.submit_complaint(ctx, owner, POWER)
    again = await intake.submit_complaint(ctx, owner, POWER_REWORDED)
    other = await intake.submit_complaint(ctx, owner, POWER_OTHER)
    assert again.status is Status.MERGED and again.repeat_of == first.number
    assert other.status is not Status.MERGED and other.repeat_of is None


async def test_different_enterprises_reworded_share_a_hot_topic(ctx: ServiceContext) -> None:
    _same_measure(ctx)
    a = await intake.submit_complaint(ctx, Actor("telegram", "41"), POWER)
    b = await intake.submit_complaint(ctx, Actor("telegram", "42"), POWER_REWORDED)
    c = await intake.submit_complaint(ctx, Actor("telegram", "43"), POWER_OTHER)
    topic = {
        n: (await queries.complaint_status(ctx, Actor("telegram", who), n)).complaint.topic_key
        for n, who in ((a.number, "41"), (b.number, "42"), (c.number, "43"))
    }
    assert topic[a.number] == topic[b.number] == a.number
    assert topic[c.number] == c.number
