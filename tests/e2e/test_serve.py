"""``serve``: the bot and its background tasks stop together, and a task that ends on its
own makes the bot stop with an error instead of running half-working."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import open_app
from bot.config import Settings
from handlers.telegram.application import BackgroundTaskEnded, build_application, serve
from handlers.telegram.standin import TOKEN, BotApiStandIn

pytestmark = pytest.mark.e2e


async def test_a_background_task_that_ends_stops_the_bot_with_an_error(
    api: BotApiStandIn, settings: Settings
) -> None:
    cancelled = asyncio.Event()

    async def broken_worker() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("worker bug")

    async def long_worker() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with open_app(settings) as app:
        application = build_application(TOKEN, api.base_url, app.services)
        with pytest.raises(BackgroundTaskEnded, match="broken_worker"):
            async with asyncio.timeout(20):
                await serve(
                    application, app.services, "e2e", asyncio.Event(), [broken_worker, long_worker]
                )
    assert cancelled.is_set()  # the other task was stopped, not left running


async def test_stop_ends_serve_cleanly(api: BotApiStandIn, settings: Settings) -> None:
    stop = asyncio.Event()

    async def worker() -> None:
        await asyncio.sleep(3600)

    async with open_app(settings) as app:
        application = build_application(TOKEN, api.base_url, app.services)
        running = asyncio.create_task(serve(application, app.services, "e2e", stop, [worker]))
        await asyncio.sleep(0.2)
        stop.set()
        async with asyncio.timeout(20):
            await running  # no error: asked to stop
