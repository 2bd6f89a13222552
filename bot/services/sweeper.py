"""The SLA sweeper: warns units before a clock runs out, records each breach once and escalates
it to the supervisors, as one digest per person and pass (``bot.services.digest``), and closes
resolved complaints nobody answered.

Owns the periodic pass over due clocks. Everything it needs is in the database (clock rows with
due and warning times), so a restart loses nothing. Clocks are claimed with a lease
(``ClockRepository.claim_due``) in small batches, each its own transaction: several instances
can sweep one database and never warn twice, and a crash mid-batch only delays that batch until
its lease expires. Outbox dedupe keys make a repeated warning impossible even then. One
instance sweeps at a time (the ``sla-sweep`` lock, expiring with the lease), so two instances
never split one moment's deadlines into two digests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.records import SYSTEM, Complaint, Event, EventKind, SlaClock
from bot.owners import crashed_on_this_host
from bot.ports import UnitOfWork
from bot.services.context import ServiceContext
from bot.services.digest import Alert, queue_digests
from bot.services.enterprise import auto_close_due
from bot.services.locks import free_if_crashed
from bot.services.steps import record

log = logging.getLogger(__name__)

#: clocks one pass takes at most (one transaction, one digest per person)
BATCH = 500
LEASE_SECONDS = 60.0
INTERVAL_SECONDS = 5.0
#: the lock one sweeper holds for a pass, so two instances never digest one moment twice
PASS_LOCK = "sla-sweep"


@dataclass(frozen=True, slots=True)
class SweepResult:
    warned: int
    breached: int
    auto_closed: int


async def _handle(
    uow: UnitOfWork, clock: SlaClock, complaint: Complaint, ctx: ServiceContext
) -> tuple[Alert, Event]:
    """Mark the clock breached (once) or warned, and log it."""
    now = ctx.clock.now()
    details: dict[str, Any] = {"milestone": clock.milestone, "due": clock.due_at.isoformat()}
    breached = clock.due_at <= now and clock.breached_at is None
    if breached:
        clock.breached_at = now
    else:
        clock.warned_at = now
    await uow.clocks.save(clock)
    kind = EventKind.CLOCK_BREACHED if breached else EventKind.CLOCK_WARNED
    event = await record(uow, complaint, kind, SYSTEM, now, **details)
    return Alert(complaint, clock, breached), event


async def sweep_clocks(
    ctx: ServiceContext,
    owner: str,
    lease_seconds: float = LEASE_SECONDS,
    batch: int = BATCH,
    is_crashed: Callable[[str], bool] = crashed_on_this_host,
) -> tuple[int, int]:
    """Warn and breach every due clock, batch by batch, each batch with one digest per
    person in its own transaction; returns (warned, breached). While another instance holds
    the pass, this one does nothing (its pass covers what is due)."""
    async with ctx.uow_factory() as uow:
        held = await uow.locks.hold(PASS_LOCK, owner, ctx.clock.now(), lease_seconds)
        # a sweeper killed mid-pass on this host holds the lock until its lease expires:
        # take it over at once, as the poller does
        if not held and await free_if_crashed(uow, PASS_LOCK, is_crashed):
            held = await uow.locks.hold(PASS_LOCK, owner, ctx.clock.now(), lease_seconds)
        await uow.commit()
    if not held:
        return 0, 0
    warned = breached = 0
    try:
        while True:
            async with ctx.uow_factory() as uow:
                now = ctx.clock.now()
                clocks = await uow.clocks.claim_due(now, owner, lease_seconds, batch)
                alerts: list[Alert] = []
                first_event: int | None = None
                for clock in clocks:
                    complaint = await uow.complaints.get(clock.complaint_id)
                    if complaint is None or not complaint.status.is_open:
                        clock.met_at = clock.met_at or now  # nothing left to wait for
                        await uow.clocks.save(clock)
                        continue
                    alert, event = await _handle(uow, clock, complaint, ctx)
                    alerts.append(alert)
                    first_event = first_event if first_event is not None else event.id
                if alerts:
                    await queue_digests(uow, alerts, f"e{first_event}", now)
                breaches = sum(a.breached for a in alerts)
                warned, breached = warned + len(alerts) - breaches, breached + breaches
                await uow.commit()
            if len(clocks) < batch:
                return warned, breached
    finally:
        async with ctx.uow_factory() as uow:
            await uow.locks.release(PASS_LOCK, owner)
            await uow.commit()


async def sweep(
    ctx: ServiceContext, owner: str, lease_seconds: float = LEASE_SECONDS, batch: int = BATCH
) -> SweepResult:
    warned, breached = await sweep_clocks(ctx, owner, lease_seconds, batch)
    closed = await auto_close_due(ctx, batch)
    return SweepResult(warned, breached, len(closed.closed))


async def run_forever(ctx: ServiceContext, owner: str, interval: float = INTERVAL_SECONDS) -> None:
    """Sweep every ``interval`` seconds until cancelled; a failed pass is logged and retried."""
    while True:
        try:
            result = await sweep(ctx, owner)
            if result.warned or result.breached or result.auto_closed:
                log.info("sweep: %s", result)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweep failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
