"""Is the service able to work: the health check behind ``GET /health`` (and monitoring).

Owns what "healthy" means: the database the process was started on is still there to write to
(for SQLite, the same file, writable: connections already open keep answering from a deleted
file, so a read alone would say "ok"), and it answers a read. Raises ``DatabaseUnavailable``
otherwise, like every use case.
"""

from __future__ import annotations

from bot.services.context import ServiceContext


async def check_database(ctx: ServiceContext) -> None:
    async with ctx.uow_factory() as uow:
        await uow.check_storage()  # first: a new connection to a missing file would create it
        await uow.complaints.get(0)  # a primary-key read; any answer means it is reachable
