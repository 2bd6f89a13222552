"""The API when things break: the database is down, a bug, bad key settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.config import Settings
from bot.domain.sla import SlaEngine
from bot.ports import DatabaseUnavailable, UnitOfWorkFactory
from bot.services.context import ServiceContext
from handlers.http.app import build_app
from handlers.http.keys import ApiKeys, BadApiKey
from knowledge.routing.router import RouteDecision
from tests.http.conftest import KEY, start
from tests.http.test_open311 import POWER, REQUESTS, refused
from tests.support import FixedClock

Client = TestClient[web.Request, web.Application]


class DownFactory:
    """A unit-of-work factory whose database cannot be reached."""

    def __call__(self) -> object:
        raise DatabaseUnavailable("test: the server is down")


def down_context(sla_engine: SlaEngine, clock: FixedClock) -> ServiceContext:
    factory: UnitOfWorkFactory = DownFactory()  # type: ignore[assignment]
    return ServiceContext(uow_factory=factory, sla=sla_engine, clock=clock)


@pytest.fixture
async def down_client(
    sla_engine: SlaEngine, clock: FixedClock, settings: Settings
) -> AsyncIterator[Client]:
    client = await start(build_app(down_context(sla_engine, clock), settings))
    yield client
    await client.close()


async def test_database_unavailable_is_503(down_client: Client) -> None:
    response = await down_client.post(REQUESTS, data={"api_key": KEY, "description": POWER})
    error = await refused(response, 503, "database_unavailable")
    assert "数据库暂时不可用" in error["description"]
    path = "/open311/v2/requests/20261125-0001.json"
    await refused(await down_client.get(path, params={"api_key": KEY}), 503, "database_unavailable")
    health = await down_client.get("/health")
    assert health.status == 503
    assert (await health.json())["status"] == "unavailable"


async def test_a_bug_is_a_500_without_traceback(ctx: ServiceContext, settings: Settings) -> None:
    def broken(text: str) -> RouteDecision:
        raise RuntimeError("secret internals")

    ctx.route = broken
    client = await start(build_app(ctx, settings))
    try:
        response = await client.post(REQUESTS, data={"api_key": KEY, "description": POWER})
        error = await refused(response, 500, "internal_error")
        assert "secret internals" not in str(error)
    finally:
        await client.close()


def test_api_keys_are_named_pairs() -> None:
    keys = ApiKeys.parse(SecretStr(" 12345:abc , bare ,, other:x:y"))
    assert keys.name_of("abc") == "12345"
    assert keys.name_of("bare") == "key2"
    assert keys.name_of("x:y") == "other"
    with pytest.raises(BadApiKey):
        keys.name_of("ab")
    with pytest.raises(BadApiKey):
        keys.name_of("")
    with pytest.raises(BadApiKey):
        ApiKeys.parse(None).name_of("abc")
    with pytest.raises(ValueError, match="entry 1"):
        ApiKeys.parse(SecretStr(":abc"))
