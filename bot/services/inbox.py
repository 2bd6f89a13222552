"""The durable inbox: incoming updates are stored before the channel is told they arrived,
then claimed with a lease, handled, and marked handled.

Owns the at-least-once half of intake from chat. A crash between storing and handling, or in
the middle of handling, leaves the update unhandled with a lease that expires; the next claim
(this instance after a restart, or another one) handles it again. What handling does must
therefore be safe to repeat: a complaint filed from an update carries the update's id as its
reference, so the second filing returns the first (``bot.services.intake``). An update that
keeps failing is given up after ``MAX_ATTEMPTS`` so it cannot block the rest.

Also owns the named locks that let exactly one of several instances poll the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.domain.records import InboxUpdate
from bot.services.context import ServiceContext
from bot.services.locks import free_if_crashed

log = logging.getLogger(__name__)

#: handling attempts before an update is given up (a crash mid-handling counts as one)
MAX_ATTEMPTS = 5
#: how long a claimed update is someone's before another instance may take it
LEASE_SECONDS = 60.0
#: handled updates are kept this long (for looking into what happened), then forgotten
KEEP_HANDLED = timedelta(days=7)


async def store_updates(
    ctx: ServiceContext, channel: str, updates: Sequence[tuple[int, dict[str, Any]]]
) -> int:
    """Store ``(update_id, payload)`` pairs in one transaction; an update already stored is
    skipped (a redelivery). Returns how many were new. Raises ``DatabaseUnavailable`` when
    nothing could be stored: the caller must then not confirm the updates to the channel."""
    now = ctx.clock.now()
    rows = [InboxUpdate(channel, update_id, payload, now) for update_id, payload in updates]
    async with ctx.uow_factory() as uow:
        stored = await uow.inbox.add_many(rows)
        await uow.commit()
    return stored


async def claim_updates(
    ctx: ServiceContext, owner: str, limit: int, lease_seconds: float = LEASE_SECONDS
) -> list[InboxUpdate]:
    """Unhandled updates leased to ``owner``, oldest first. Updates already tried
    ``MAX_ATTEMPTS`` times are given up (logged) instead of returned."""
    async with ctx.uow_factory() as uow:
        claimed = await uow.inbox.claim(ctx.clock.now(), owner, lease_seconds, limit)
        usable: list[InboxUpdate] = []
        for item in claimed:
            if item.attempts > MAX_ATTEMPTS:
                item.failed_at = ctx.clock.now()
                item.last_error = item.last_error or "too many attempts"
                await uow.inbox.save(item)
                log.error(
                    "gave up %s update %s after %d attempts",
                    item.channel,
                    item.update_id,
                    item.attempts - 1,
                )
            else:
                usable.append(item)
        await uow.commit()
    return usable


async def finish_update(ctx: ServiceContext, item: InboxUpdate, error: str | None = None) -> None:
    """Record that ``item`` was handled (``error`` says it failed in a way that retrying will
    not fix; it is kept for the log and not tried again)."""
    now = ctx.clock.now()
    if error is None:
        item.handled_at = now
    else:
        item.failed_at, item.last_error = now, error[:500]
    async with ctx.uow_factory() as uow:
        await uow.inbox.save(item)
        await uow.commit()


async def forget_old_updates(ctx: ServiceContext) -> int:
    async with ctx.uow_factory() as uow:
        purged = await uow.inbox.purge_handled(ctx.clock.now() - KEEP_HANDLED)
        await uow.commit()
    return purged


async def recover_from_crashed(
    ctx: ServiceContext, locks: Sequence[str], is_crashed: Callable[[str], bool]
) -> int:
    """Free what processes that ``is_crashed`` says are gone still hold: their leases on
    updates and the named ``locks``, so a restart resumes at once instead of waiting for the
    leases to expire. Returns how many updates were freed."""
    async with ctx.uow_factory() as uow:
        gone = [owner for owner in await uow.inbox.lease_owners() if is_crashed(owner)]
        freed = await uow.inbox.release_leases(gone)
        for name in locks:
            await free_if_crashed(uow, name, is_crashed)
        await uow.commit()
    if freed:
        log.info("freed %d updates left by crashed %s", freed, ", ".join(gone))
    return freed


async def hold_lock(ctx: ServiceContext, name: str, owner: str, seconds: float) -> bool:
    """Take or renew the named lock for ``seconds``; False while another owner holds it."""
    async with ctx.uow_factory() as uow:
        held = await uow.locks.hold(name, owner, ctx.clock.now(), seconds)
        await uow.commit()
    return held


async def release_lock(ctx: ServiceContext, name: str, owner: str) -> None:
    async with ctx.uow_factory() as uow:
        await uow.locks.release(name, owner)
        await uow.commit()
