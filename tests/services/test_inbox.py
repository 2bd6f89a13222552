"""The durable inbox and the named locks on both databases: an update is stored once, leased
to one instance at a time, handed on when a lease expires or its holder crashed, given up
after too many attempts; exactly one instance holds a lock until it expires."""

from __future__ import annotations

import asyncio

from bot.services import inbox
from bot.services.context import ServiceContext
from tests.support import FixedClock


def _updates(*ids: int) -> list[tuple[int, dict[str, object]]]:
    return [(i, {"update_id": i, "message": {"text": f"第{i}条"}}) for i in ids]


async def test_a_redelivered_update_is_stored_once(ctx: ServiceContext) -> None:
    assert await inbox.store_updates(ctx, "telegram", _updates(1, 2, 3)) == 3
    # Telegram sends 2 and 3 again (not confirmed before a crash), and 4
    assert await inbox.store_updates(ctx, "telegram", _updates(2, 3, 4)) == 1
    # the same number on another channel is another update
    assert await inbox.store_updates(ctx, "other", _updates(1)) == 1
    claimed = await inbox.claim_updates(ctx, "a", limit=10)
    assert [(u.channel, u.update_id) for u in claimed] == [
        ("telegram", 1),
        ("telegram", 2),
        ("telegram", 3),
        ("telegram", 4),
        ("other", 1),
    ]
    assert claimed[1].payload == {"update_id": 2, "message": {"text": "第2条"}}


async def test_a_lease_keeps_an_update_from_others_until_it_expires(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await inbox.store_updates(ctx, "telegram", _updates(7, 8))
    [first] = await inbox.claim_updates(ctx, "a", limit=1, lease_seconds=30)
    assert first.update_id == 7 and first.attempts == 1
    [other] = await inbox.claim_updates(ctx, "b", limit=5, lease_seconds=30)
    assert other.update_id == 8  # 7 is a's
    await inbox.finish_update(ctx, other)
    assert await inbox.claim_updates(ctx, "b", limit=5) == []
    clock.advance(seconds=31)  # a crashed while handling 7
    [again] = await inbox.claim_updates(ctx, "b", limit=5)
    assert again.update_id == 7 and again.attempts == 2
    await inbox.finish_update(ctx, again)
    clock.advance(minutes=5)
    assert await inbox.claim_updates(ctx, "c", limit=5) == []  # handled is handled


async def test_an_update_that_keeps_failing_is_given_up(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await inbox.store_updates(ctx, "telegram", _updates(5))
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        [item] = await inbox.claim_updates(ctx, "a", limit=1, lease_seconds=1)
        assert item.attempts == attempt
        clock.advance(seconds=2)  # the process died each time
    assert await inbox.claim_updates(ctx, "a", limit=1) == []
    clock.advance(hours=1)
    assert await inbox.claim_updates(ctx, "a", limit=1) == []


async def test_an_update_that_cannot_be_handled_is_not_tried_again(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await inbox.store_updates(ctx, "telegram", _updates(6))
    [item] = await inbox.claim_updates(ctx, "a", limit=1)
    await inbox.finish_update(ctx, item, error="ValueError('bad payload')")
    clock.advance(hours=1)
    assert await inbox.claim_updates(ctx, "a", limit=1) == []


async def test_handled_updates_are_forgotten_after_a_week(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    await inbox.store_updates(ctx, "telegram", _updates(1, 2))
    [done, _pending] = await inbox.claim_updates(ctx, "a", limit=2)
    await inbox.finish_update(ctx, done)
    clock.advance(days=6)
    assert await inbox.forget_old_updates(ctx) == 0
    clock.advance(days=2)
    assert await inbox.forget_old_updates(ctx) == 1
    # the forgotten one, redelivered, would be stored again; the unhandled one is kept
    assert await inbox.store_updates(ctx, "telegram", _updates(1, 2)) == 1


async def test_one_holder_of_a_lock_at_a_time(ctx: ServiceContext, clock: FixedClock) -> None:
    assert await inbox.hold_lock(ctx, "poller", "a", 30)
    assert not await inbox.hold_lock(ctx, "poller", "b", 30)
    assert await inbox.hold_lock(ctx, "poller", "a", 30)  # renewed
    clock.advance(seconds=29)
    assert not await inbox.hold_lock(ctx, "poller", "b", 30)
    clock.advance(seconds=2)  # a stopped renewing
    assert await inbox.hold_lock(ctx, "poller", "b", 30)
    assert not await inbox.hold_lock(ctx, "poller", "a", 30)
    await inbox.release_lock(ctx, "poller", "a")  # not a's: nothing happens
    assert not await inbox.hold_lock(ctx, "poller", "a", 30)
    await inbox.release_lock(ctx, "poller", "b")
    assert await inbox.hold_lock(ctx, "poller", "a", 30)
    assert await inbox.hold_lock(ctx, "other", "b", 30)  # locks are by name


async def test_racing_for_a_free_lock_one_wins(ctx: ServiceContext) -> None:
    results = await asyncio.gather(
        *(inbox.hold_lock(ctx, "poller", f"instance-{i}", 30) for i in range(4)),
        return_exceptions=True,
    )
    assert results.count(True) == 1, results


async def test_what_a_crashed_process_held_is_freed_at_once(ctx: ServiceContext) -> None:
    await inbox.store_updates(ctx, "telegram", _updates(1, 2, 3))
    await inbox.claim_updates(ctx, "host:dead", limit=2, lease_seconds=600)
    await inbox.claim_updates(ctx, "host:alive", limit=1, lease_seconds=600)
    assert await inbox.hold_lock(ctx, "poller", "host:dead", 600)
    freed = await inbox.recover_from_crashed(ctx, ["poller"], lambda owner: owner.endswith("dead"))
    assert freed == 2
    assert [u.update_id for u in await inbox.claim_updates(ctx, "new", limit=5)] == [1, 2]
    assert await inbox.hold_lock(ctx, "poller", "new", 30)
    # a live holder keeps its lock
    await inbox.recover_from_crashed(ctx, ["poller"], lambda owner: owner.endswith("dead"))
    assert not await inbox.hold_lock(ctx, "poller", "host:dead", 30)
