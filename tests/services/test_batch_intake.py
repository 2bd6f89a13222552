"""Complaints taken in together (one transaction per batch) and the group-commit queue, on
both databases: a batch must give each complaint exactly what it would get alone."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.domain.records import Actor, EventKind, Role, Status
from bot.errors import InvalidInput
from bot.ports import DatabaseUnavailable
from bot.services import intake, queries
from bot.services.context import ServiceContext
from bot.services.intake import Submission, submit_complaints
from bot.services.intake_queue import IntakeQueue
from tests.support import add_official

POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
LOAN = "银行突然抽贷，企业资金链马上要断了，请帮忙协调续贷。"


async def _count(ctx: ServiceContext) -> int:
    async with ctx.uow_factory() as uow:
        return len(await uow.complaints.with_status(list(Status), limit=10_000))


async def test_a_batch_numbers_routes_and_logs_each_complaint(ctx: ServiceContext) -> None:
    solo = await intake.submit_complaint(ctx, Actor("telegram", "1"), POWER)
    submissions = [
        Submission(Actor("telegram", "2"), POWER),
        Submission(Actor("telegram", "3"), LOAN),
        Submission(Actor("http", "12345-platform"), LOAN, external_ref="A-1"),
    ]
    acks = await submit_complaints(ctx, submissions)
    assert [a.number for a in acks] == ["20261125-0002", "20261125-0003", "20261125-0004"]
    assert acks[0].lead_unit == solo.lead_unit and acks[0].deadlines == solo.deadlines
    assert [a.sla_policy for a in acks] == ["general", "1330", "1330"]
    for ack, submission in zip(acks, submissions, strict=True):
        view = await queries.complaint_status(ctx, submission.actor, ack.number)
        kinds = [e.kind for e in view.events]
        assert kinds[0] is EventKind.SUBMITTED
        assert kinds[1] in (EventKind.ROUTED, EventKind.SENT_TO_DISPATCHER)
        assert {c.milestone for c in view.clocks} >= {"response", "assignment"}
    # different enterprises, the same problem: one hot topic
    first = await queries.complaint_status(ctx, Actor("telegram", "1"), solo.number)
    second = await queries.complaint_status(ctx, submissions[0].actor, acks[0].number)
    assert second.complaint.topic_key == first.complaint.topic_key == solo.number


async def test_a_repeat_of_a_stored_complaint_is_stored_with_its_link(
    ctx: ServiceContext,
) -> None:
    same = Actor("telegram", "8")
    first = await intake.submit_complaint(ctx, same, POWER)
    again = await intake.submit_complaint(ctx, same, POWER + "。")
    assert again.status is Status.MERGED and again.repeat_of == first.number
    async with ctx.uow_factory() as uow:  # the row itself, not only the acknowledgement
        stored = await uow.complaints.get_by_number(again.number)
        original = await uow.complaints.get_by_number(first.number)
    assert stored is not None and original is not None
    assert stored.repeat_of == original.id and stored.version == 0


async def test_a_repeat_within_the_batch_is_merged_into_the_first(ctx: ServiceContext) -> None:
    same = Actor("telegram", "7")
    acks = await submit_complaints(ctx, [Submission(same, POWER), Submission(same, POWER + "！")])
    assert acks[1].status is Status.MERGED and acks[1].repeat_of == acks[0].number
    merged = await queries.complaint_status(ctx, same, acks[1].number)
    original = await queries.complaint_status(ctx, same, acks[0].number)
    assert merged.complaint.repeat_of == original.complaint.id
    assert EventKind.REPEAT_RECEIVED in [e.kind for e in original.events]
    assert not merged.clocks  # a repeat runs on its original's clocks


async def test_officials_of_the_units_are_told_once_per_complaint(ctx: ServiceContext) -> None:
    probe = ctx.route(POWER)
    assert probe.lead_unit is not None and not probe.needs_dispatcher
    await add_official(ctx.uow_factory, 501, probe.lead_unit, Role.HANDLER, "甲")
    acks = await submit_complaints(
        ctx, [Submission(Actor("telegram", str(i)), f"{POWER}（{i}号厂）") for i in range(5)]
    )
    async with ctx.uow_factory() as uow:
        messages = await uow.outbox.claim(ctx.clock.now(), "test", 60, 500)
    assigned = [m for m in messages if m.address == "501" and m.kind == "assigned"]
    assert sorted(m.payload["number"] for m in assigned) == sorted(a.number for a in acks)
    # the enterprises were handed their acknowledgements; no message repeats them
    assert [m for m in messages if m.address in {str(i) for i in range(5)}] == []


async def test_one_bad_text_refuses_the_batch_and_stores_nothing(ctx: ServiceContext) -> None:
    with pytest.raises(InvalidInput):
        await submit_complaints(
            ctx,
            [Submission(Actor("telegram", "1"), POWER), Submission(Actor("telegram", "2"), " ")],
        )
    assert await _count(ctx) == 0
    assert await submit_complaints(ctx, []) == []


async def test_the_queue_takes_concurrent_complaints_in_few_transactions(
    ctx: ServiceContext,
) -> None:
    queue = IntakeQueue(ctx, max_batch=16)
    acks = await asyncio.gather(
        *(
            queue.submit(Submission(Actor("telegram", str(i)), f"{LOAN}（第{i}家）"))
            for i in range(40)
        )
    )
    assert len({a.number for a in acks}) == 40
    assert 3 <= queue.batches < 40
    assert await _count(ctx) == 40


async def test_the_queue_refuses_bad_text_for_that_caller_only(ctx: ServiceContext) -> None:
    queue = IntakeQueue(ctx)
    results = await asyncio.gather(
        queue.submit(Submission(Actor("telegram", "1"), POWER)),
        queue.submit(Submission(Actor("telegram", "2"), "")),
        return_exceptions=True,
    )
    assert isinstance(results[1], InvalidInput)
    assert not isinstance(results[0], BaseException) and results[0].status is Status.ROUTED


async def test_a_complaint_that_breaks_its_batch_fails_alone(ctx: ServiceContext) -> None:
    real_route = ctx.route

    def route(text: str) -> object:
        if "爆" in text:
            raise RuntimeError("router bug")
        return real_route(text)

    queue = IntakeQueue(dataclasses.replace(ctx, route=route))  # type: ignore[arg-type]
    texts = [POWER, "这条会让派单出错：爆", LOAN]
    results = await asyncio.gather(
        *(queue.submit(Submission(Actor("telegram", str(i)), t)) for i, t in enumerate(texts)),
        return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    assert [type(r).__name__ for r in (results[0], results[2])] == ["Acknowledgement"] * 2
    assert await _count(ctx) == 2


async def test_an_unavailable_database_fails_every_caller_of_the_batch(
    ctx: ServiceContext,
) -> None:
    def unavailable() -> object:
        raise DatabaseUnavailable("test")

    queue = IntakeQueue(dataclasses.replace(ctx, uow_factory=unavailable))  # type: ignore[arg-type]
    results = await asyncio.gather(
        *(queue.submit(Submission(Actor("telegram", str(i)), POWER)) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, DatabaseUnavailable) for r in results)
    assert queue.batches == 1


async def test_batches_creating_the_same_new_enterprises_at_once_both_succeed(
    ctx: ServiceContext,
) -> None:
    """On PostgreSQL two transactions inserting the same new enterprises in opposite orders
    deadlocked; the inserts now go in one fixed order."""
    for round_ in range(12):
        actors = [Actor("telegram", f"r{round_}-{i}") for i in range(25)]
        forward = [Submission(a, f"{POWER}（{a.external_id}）") for a in actors]
        backward = [Submission(a, f"{LOAN}（{a.external_id}）") for a in reversed(actors)]
        results = await asyncio.gather(
            submit_complaints(ctx, forward), submit_complaints(ctx, backward)
        )
        assert [len(r) for r in results] == [25, 25]
    assert await _count(ctx) == 12 * 50


async def test_a_reference_is_filed_once_and_a_retry_gets_the_same_complaint(
    ctx: ServiceContext,
) -> None:
    platform = Actor("http", "12345")
    [first] = await submit_complaints(ctx, [Submission(platform, POWER, external_ref="R-1")])
    retried = await submit_complaints(
        ctx,
        [
            Submission(platform, POWER, external_ref="R-1"),  # the platform retries
            Submission(platform, LOAN, external_ref="R-2"),
            Submission(platform, LOAN, external_ref="R-2"),  # twice in one batch
            Submission(Actor("import", "backlog"), LOAN, external_ref="R-1"),  # other channel
        ],
    )
    assert not first.already_filed
    assert retried[0].number == first.number and retried[0].already_filed
    assert retried[2].number == retried[1].number and retried[2].already_filed
    assert not retried[1].already_filed and not retried[3].already_filed
    assert retried[3].number not in (first.number, retried[1].number)
    assert await _count(ctx) == 3
    # no number was spent on the retries: the next complaint follows on
    assert retried[3].number.endswith("-0003")


async def test_two_requests_racing_with_one_reference_file_it_once(ctx: ServiceContext) -> None:
    platform = Actor("http", "12345")
    results = await asyncio.gather(
        *(
            submit_complaints(ctx, [Submission(platform, POWER, external_ref="RACE")])
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    numbers = {r[0].number for r in results if isinstance(r, list)}
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(numbers) == 1  # one complaint, whoever won
    assert all(type(e).__name__ == "DuplicateReference" for e in lost)
    assert await _count(ctx) == 1


async def test_callers_are_told_when_the_writer_is_cancelled_before_it_starts(
    ctx: ServiceContext,
) -> None:
    queue = IntakeQueue(ctx)
    callers = [
        asyncio.create_task(queue.submit(Submission(Actor("telegram", str(i)), POWER)))
        for i in range(5)
    ]
    await asyncio.sleep(0)  # the callers queue up; the writer is created, not yet run
    assert queue._writer is not None
    queue._writer.cancel()
    results = await asyncio.wait_for(asyncio.gather(*callers, return_exceptions=True), 5)
    assert all(isinstance(r, DatabaseUnavailable) for r in results), results
    assert await _count(ctx) == 0


async def test_callers_are_told_when_the_queue_is_stopped_mid_batch(ctx: ServiceContext) -> None:
    def stopping_route(text: str) -> object:
        raise asyncio.CancelledError  # as a shutdown would, in the middle of a batch

    queue = IntakeQueue(dataclasses.replace(ctx, route=stopping_route))  # type: ignore[arg-type]
    callers = [
        asyncio.create_task(queue.submit(Submission(Actor("telegram", str(i)), POWER)))
        for i in range(5)
    ]
    results = await asyncio.wait_for(asyncio.gather(*callers, return_exceptions=True), 5)
    assert all(isinstance(r, DatabaseUnavailable) for r in results), results
    assert await _count(ctx) == 0


async def test_a_reference_belongs_to_its_sender_not_to_the_channel(ctx: ServiceContext) -> None:
    """Two platforms (two API keys) numbering alike file two complaints; the accounts a
    platform files for share its numbering."""
    a, b = Actor("http", "platform-a"), Actor("http", "platform-b")
    [first] = await submit_complaints(ctx, [Submission(a, POWER, external_ref="DUP-1")])
    [other, again] = await submit_complaints(
        ctx,
        [
            Submission(b, LOAN, external_ref="DUP-1"),
            Submission(Actor("http", "platform-a/caller-9"), POWER, external_ref="DUP-1"),
        ],
    )
    assert not other.already_filed and other.number != first.number
    assert again.already_filed and again.number == first.number
    assert await _count(ctx) == 2
