"""The figures ``/metrics`` shows from the database: complaints filed, routed and breached,
and the outbox's backlog, retries and failures per channel.

Owns nothing but the read: the HTTP edge turns it into Prometheus' format. Counted in the
database, so every instance shows the same numbers whichever process filed or delivered.
"""

from __future__ import annotations

from bot.ports import OperationalCounts
from bot.services.context import ServiceContext


async def operational_counts(ctx: ServiceContext) -> OperationalCounts:
    async with ctx.uow_factory() as uow:
        return await uow.metrics.counts()
