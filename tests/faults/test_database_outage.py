"""`yousu serve` on PostgreSQL behind a TCP proxy, under a burst of POSTs: the database goes
away (every connection cut, new ones refused) and comes back. While it is away POSTs and
``/health`` answer 503 (never 500, never a 200 for something not stored); the platform posts
again what was not acknowledged, and once the database is back every complaint is stored
exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.bootstrap import Database
from tests.faults.harness import Burst, Tally, base_env, kill, start_serve, terminate, until
from tests.faults.proxy import TcpProxy
from tests.sql_backends import Templates

pytestmark = pytest.mark.postgres

POSTS = 300
OUTAGE_SECONDS = 3.0


@pytest.fixture
async def postgres(db_templates: Templates, tmp_path: Path) -> AsyncIterator[Database]:
    async with db_templates.database("postgres", tmp_path) as database:
        yield database


async def _stored(database: Database) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT external_ref FROM complaints WHERE external_ref IS NOT NULL")
        )
        return [str(r) for (r,) in rows]


class RetryingBurst(Burst):
    """Posts each complaint until it is acknowledged, as a platform's retry queue does."""

    seen: Counter[int]

    async def post(self, session: aiohttp.ClientSession, ref: str) -> int:
        if not hasattr(self, "seen"):
            self.seen = Counter()
        while True:
            status = await super().post(session, ref)
            self.seen[status] += 1
            if status == 200:
                return status
            await asyncio.sleep(0.1)


async def test_database_away_and_back(
    postgres: Database, db_templates: Templates, tmp_path: Path
) -> None:
    url = make_url(postgres.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.up()
    through = url.set(host="127.0.0.1", port=proxy.port)
    env = base_env(
        tmp_path,
        DATABASE_URL=through.render_as_string(hide_password=False),
        DATABASE_SCHEMA=db_templates.schema,
    )
    refs = [f"PX-{i:05d}" for i in range(POSTS)]
    process, base = await start_serve(env, tmp_path, tmp_path / "serve.log")
    burst = RetryingBurst(base, refs, concurrency=16)
    running = asyncio.create_task(burst.run())
    health_while_away = 0
    try:
        await burst.until_acknowledged(POSTS // 4)
        await proxy.down()
        async with aiohttp.ClientSession() as session:
            await until(lambda: burst.seen[503] > 0, 30)
            async with session.get(f"{base}/health") as response:
                health_while_away = response.status
        await asyncio.sleep(OUTAGE_SECONDS)
        acknowledged_while_away = len(burst.acknowledged)
        await proxy.up()
        await asyncio.wait_for(running, 120)
        assert await terminate(process) == 0
    finally:
        await kill(process)
        await proxy.down()
    tally = Tally(
        "PostgreSQL away and back (serve)", set(burst.acknowledged), await _stored(postgres)
    )
    tally.extra["503 answers"] = burst.seen[503]
    tally.extra["500 answers"] = burst.seen[500]
    tally.extra["connection failures"] = burst.seen[0]
    tally.extra["acknowledged before the database came back"] = acknowledged_while_away
    tally.check()
    assert tally.acknowledged == set(refs)
    assert health_while_away == 503
    assert burst.seen[503] > 0, "the outage was not seen"
    assert not [s for s in burst.seen if s not in (0, 200, 503)], burst.seen
