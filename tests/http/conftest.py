"""The HTTP API on a real socket (aiohttp's test server on 127.0.0.1) over the real databases
(the ``ctx`` fixture: SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings, load_settings
from bot.services.context import ServiceContext
from bot.services.intake_queue import IntakeQueue
from handlers.http.app import build_app

KEY = "k-platform-secret"
OTHER_KEY = "k-other-secret"

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None, http_api_keys=f"12345:{KEY}, other:{OTHER_KEY}")


@pytest.fixture
def intake(ctx: ServiceContext) -> IntakeQueue:
    return IntakeQueue(ctx)


async def start(app: web.Application) -> TestClient[web.Request, web.Application]:
    client: Client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    return client


@pytest.fixture
async def client(
    ctx: ServiceContext, settings: Settings, intake: IntakeQueue
) -> AsyncIterator[Client]:
    client = await start(build_app(ctx, settings, intake=intake))
    yield client
    await client.close()
