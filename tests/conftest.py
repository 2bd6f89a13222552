"""Fixtures shared by the storage and service tests: a freshly emptied real database per test,
parametrized over SQLite and PostgreSQL (see ``tests/sql_backends.py``), a fixed clock, and
the service context wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.sla import SlaEngine, load_sla_engine
from bot.services.context import ServiceContext
from db.bootstrap import Database
from tests.sql_backends import BACKENDS, Templates
from tests.support import FixedClock

#: Wednesday 2026-11-25 10:00 in Shanghai: inside service hours on a working day
START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("db-templates"))
    templates.prepare_sqlite()
    yield templates
    templates.drop_postgres()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database(
    db_templates: Templates, backend: str, tmp_path: Path
) -> AsyncIterator[Database]:
    async with db_templates.database(backend, tmp_path) as db:
        yield db


@pytest.fixture(scope="session")
def sla_engine() -> SlaEngine:
    return load_sla_engine()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ctx(database: Database, sla_engine: SlaEngine, clock: FixedClock) -> ServiceContext:
    return ServiceContext(uow_factory=database.uow_factory, sla=sla_engine, clock=clock)
