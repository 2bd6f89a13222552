"""The SLA sweeper: warns units before a clock runs out, records each breach once and escalates
it to the supervisors, and closes resolved complaints nobody answered.

Owns the periodic pass over due clocks. Everything it needs is in the database (clock rows with
due and warning times), so a restart loses nothing. Clocks are claimed with a lease
(``ClockRepository.claim_due``) in small batches, each its own transaction: several instances
can sweep one database and never warn twice, and a crash mid-batch only delays that batch until
its lease expires. Outbox dedupe keys make a repeated warning impossible even then.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.records import SYSTEM, Complaint, EventKind, Role, SlaClock
from bot.ports import UnitOfWork
from bot.services.context import ServiceContext
from bot.services.enterprise import auto_close_due
from bot.services.notifications import notify_role, notify_unit
from bot.services.steps import record

log = logging.getLogger(__name__)

BATCH = 100
LEASE_SECONDS = 60.0
INTERVAL_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SweepResult:
    warned: int
    breached: int
    auto_closed: int


async def _handle(
    uow: UnitOfWork, clock: SlaClock, complaint: Complaint, ctx: ServiceContext
) -> tuple[int, int]:
    now = ctx.clock.now()
    details: dict[str, Any] = {"milestone": clock.milestone, "due": clock.due_at.isoformat()}
    if clock.due_at <= now and clock.breached_at is None:
        clock.breached_at = now
        await uow.clocks.save(clock)
        await record(uow, complaint, EventKind.CLOCK_BREACHED, SYSTEM, now, **details)
        key = f"clock{clock.id}"
        await notify_unit(uow, complaint, "clock_breached", key, **details)
        await notify_role(uow, complaint, "clock_breached", key, Role.SUPERVISOR, **details)
        return 0, 1
    clock.warned_at = now
    await uow.clocks.save(clock)
    await record(uow, complaint, EventKind.CLOCK_WARNED, SYSTEM, now, **details)
    await notify_unit(uow, complaint, "clock_warning", f"clock{clock.id}", **details)
    return 1, 0


async def sweep_clocks(
    ctx: ServiceContext, owner: str, lease_seconds: float = LEASE_SECONDS, batch: int = BATCH
) -> tuple[int, int]:
    """Warn and breach every due clock, batch by batch; returns (warned, breached)."""
    warned = breached = 0
    while True:
        async with ctx.uow_factory() as uow:
            clocks = await uow.clocks.claim_due(ctx.clock.now(), owner, lease_seconds, batch)
            for clock in clocks:
                complaint = await uow.complaints.get(clock.complaint_id)
                if complaint is None or not complaint.status.is_open:
                    clock.met_at = clock.met_at or ctx.clock.now()  # nothing left to wait for
                    await uow.clocks.save(clock)
                    continue
                w, b = await _handle(uow, clock, complaint, ctx)
                warned, breached = warned + w, breached + b
            await uow.commit()
        if len(clocks) < batch:
            return warned, breached


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
