"""The composition root: settings -> database -> services, for ``yousu run`` and the CLI.

The only module (with ``bot.cli``) that knows every layer. It opens the database (migrating
it), builds the SLA engine from the data files and the router from the knowledge base, and
hands out one ``ServiceContext``. With a bot token, ``run_bot`` wires the Telegram application
to the services and runs it with the outbox worker (delivering through the Telegram notifier),
the SLA sweeper and the weekly summary for supervisors in the same process. The HTTP API is
served by ``yousu serve`` (``handlers.http``).
"""

from __future__ import annotations

import asyncio
import functools
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
async def open_app(settings: Settings, *, create_database: bool = True) -> AsyncIterator[App]:
    """Everything the use cases need, closed again on exit. Without ``create_database`` a
    missing SQLite file is refused (``DatabaseMissing``) rather than created empty: the
    long-running services (``run``, ``serve``, ``sweep``) open it so."""
    database = await open_database(
        settings.effective_database_url,
        schema=settings.database_schema or None,
        create=create_database,
    )
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


async def run_bot(app: App, stop: asyncio.Event, owner: str, long_poll: int = 10) -> None:
    """The Telegram bot until ``stop`` is set: polling for updates (or receiving them at
    ``WEBHOOK_URL``), the outbox worker, the
    sweeper and the weekly summary (named tasks: a log says which one ended). The router is
    warmed up first, so the first complaint is answered quickly."""
    from bot.services import outbox_worker, sweeper, weekly_push  # noqa: PLC0415
    from bot.services.dashboard import link_settings  # noqa: PLC0415
    from handlers.reports.files import weekly_files  # noqa: PLC0415
    from handlers.telegram.application import build_application, serve  # noqa: PLC0415
    from handlers.telegram.notifier import TelegramNotifier  # noqa: PLC0415
    from handlers.telegram.texts import milestone_titles  # noqa: PLC0415
    from handlers.telegram.webhook import WebhookConfig  # noqa: PLC0415
    from knowledge.brain import warm_up  # noqa: PLC0415

    token = app.settings.telegram_bot_token
    if token is None:
        raise ValueError("run_bot needs TELEGRAM_BOT_TOKEN")
    webhook = WebhookConfig.from_settings(app.settings)  # checked before anything starts
    await asyncio.to_thread(warm_up)
    services = app.services
    application = build_application(
        token.get_secret_value(),
        app.settings.telegram_base_url,
        services,
        dashboard=link_settings(app.settings),
    )
    notifier = TelegramNotifier(
        application.bot,
        services.zone,
        milestone_titles(services.sla),
        files=functools.partial(outbox_worker.load_file, services),
    )

    async def outbox() -> None:
        await outbox_worker.run_forever(services, {"telegram": notifier}, owner)

    async def sla_sweeper() -> None:
        await sweeper.run_forever(services, owner)

    async def weekly_summary() -> None:
        await weekly_push.run_weekly_summaries(services, weekly_files)

    background = [outbox, sla_sweeper, weekly_summary]
    log.info("Telegram bot running (%s)", app.settings.telegram_base_url)
    await serve(
        application,
        services,
        owner,
        stop,
        background,
        long_poll=long_poll,
        webhook=webhook,
        grace_seconds=app.settings.shutdown_grace_seconds,
    )
    log.info("Telegram bot stopped")
