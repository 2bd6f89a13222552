"""The composition root: settings -> database -> services, for ``yousu run`` and the CLI.

The only module (with ``bot.cli``) that knows every layer. It opens the database (migrating
it), builds the SLA engine from the data files and the router from the knowledge base, and
hands out one ``ServiceContext``. The Telegram application and the HTTP API will be wired here
too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.sla import load_sla_engine
from bot.services.context import ServiceContext
from db.bootstrap import Database, open_database

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    database: Database
    services: ServiceContext
    #: bilingual start-up warning when deadlines set now can run into a year without holiday
    #: data (December: next year); None when covered
    calendar_warning: str | None = None


@asynccontextmanager
async def open_app(settings: Settings) -> AsyncIterator[App]:
    """Everything the use cases need, closed again on exit."""
    database = await open_database(settings.effective_database_url)
    try:
        clock = SystemClock()
        sla = load_sla_engine(data_dir=settings.sla_data_dir)
        services = ServiceContext(
            uow_factory=database.uow_factory, sla=sla, clock=clock, zone=settings.zone
        )
        warning = sla.coverage_warning(clock.now().astimezone(settings.zone).date())
        if warning:
            log.warning(warning)
        yield App(settings, database, services, warning)
    finally:
        await database.dispose()
