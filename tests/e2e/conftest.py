"""Fixtures for the end-to-end tests: the Bot API stand-in, settings pointing at it and at a
SQLite file of the test's own, and ``running_bot``, the real ``run_bot`` (PTB application,
outbox worker, sweeper) in a task until the test leaves the block."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App, open_app, run_bot
from bot.config import Settings, load_settings
from handlers.telegram.standin import TOKEN, BotApiStandIn, bot_api_stand_in
from tests.sql_backends import Templates

pytestmark = pytest.mark.e2e

#: how long start-up (getMe, deleteWebhook, the first getUpdates) may take
READY_WITHIN = 15.0

RunningBot = Callable[[], AbstractAsyncContextManager[App]]


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with bot_api_stand_in() as stand_in:
        yield stand_in
        assert stand_in.unknown == [], f"Bot API methods the stand-in lacks: {stand_in.unknown}"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def e2e_backend(request: pytest.FixtureRequest) -> str:
    """The database the bot runs on; modules whose tests start ``yousu`` as its own process
    (which reads the SQLite file) override this with SQLite alone."""
    return str(request.param)


@pytest.fixture
async def settings(
    api: BotApiStandIn, tmp_path: Path, db_templates: Templates, e2e_backend: str
) -> Settings:
    if e2e_backend == "postgres":
        # the session's own migrated schema, emptied for this test
        async with db_templates.database("postgres", tmp_path) as database:
            url = database.url
        return load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_base_url=api.base_url,
            data_dir=tmp_path,
            database_url=url,
            database_schema=db_templates.schema,
        )
    # a migrated template copied in: start-up finds the schema current
    shutil.copyfile(db_templates.sqlite_file, tmp_path / "yousu.sqlite3")
    return load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_base_url=api.base_url,
        data_dir=tmp_path,
        database_url="",
    )


def yousu_env(api: BotApiStandIn, settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``yousu`` process using the stand-in and the test's SQLite file."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": "",
        **extra,
    }


@pytest.fixture
def running_bot(api: BotApiStandIn, settings: Settings) -> RunningBot:
    """``async with running_bot() as app:`` - the bot is polling inside the block; leaving it
    stops the bot as SIGTERM would. Can be entered again (a restart on the same database)."""

    @asynccontextmanager
    async def run() -> AsyncIterator[App]:
        async with open_app(settings) as app:
            stop = asyncio.Event()
            polls = api.called("getUpdates")
            task = asyncio.create_task(run_bot(app, stop, "e2e"))
            try:
                async with asyncio.timeout(READY_WITHIN):
                    while api.called("getUpdates") == polls:
                        if task.done():
                            task.result()  # start-up failed: show why
                        await asyncio.sleep(0.01)
                yield app
            finally:
                stop.set()
                async with asyncio.timeout(READY_WITHIN):
                    await task

    return run
