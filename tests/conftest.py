"""Fixtures shared by the storage and service tests: a freshly emptied real database per test,
parametrized over SQLite and PostgreSQL (see ``tests/sql_backends.py``), a fixed clock, and
the service context wired to both."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.domain.sla import SlaEngine, load_sla_engine
from bot.services.context import ServiceContext
from db.bootstrap import Database
from knowledge.learned import artefact
from tests.sql_backends import BACKENDS, Templates
from tests.support import FixedClock

# The learned model (knowledge.learned) is named by its version, rebuilt byte for byte and
# costly to build (~20 s): every test session (and every `yousu` process a test starts) shares
# the user's model folder, so it is built once per version rather than once per session. The
# search cache stays private to a session (tests/knowledge/conftest.py).
os.environ.setdefault(
    artefact.ENV_VAR,
    str(artefact.model_dir() or os.path.join(tempfile.gettempdir(), "yousu-models")),
)


@pytest.fixture(scope="session", autouse=True)
def _learned_model_on_disk() -> None:
    """The model file exists before any test starts a bot or a `yousu` process (which would
    otherwise build it while a test waits for an answer)."""
    from knowledge import brain  # noqa: PLC0415

    brain.learned_model()


#: Wednesday 2026-11-25 10:00 in Shanghai: inside service hours on a working day
START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD",
        help="run the whole session as if today were this day (10:00 Shanghai, clock ticking), "
        "to prove that no test depends on the real date",
    )


@pytest.fixture(scope="session", autouse=True)
def _travelled_today(request: pytest.FixtureRequest) -> Iterator[None]:
    """With ``--today``, every test of the session runs on that day (time-machine moves
    ``datetime.now``, ``date.today`` and ``time.time``; monotonic clocks are left alone)."""
    today = request.config.getoption("--today")
    if not today:
        yield
        return
    moment = datetime.combine(date.fromisoformat(today), time(10), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


#: days that break naive date arithmetic: a make-up working Saturday, the eve of the National
#: Day holiday, the last day of a year, and a day in a year without holiday data
TRAVEL_DAYS = ("2026-10-10", "2026-09-30", "2026-12-31", "2027-03-15")


@pytest.fixture(params=TRAVEL_DAYS)
def travelled_today(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """For tests whose subject is "now" (the CLI's default week, a report of this month):
    the test runs on each of ``TRAVEL_DAYS`` at 10:00 Shanghai, clock ticking."""
    moment = datetime.combine(
        date.fromisoformat(str(request.param)), time(10), ZoneInfo("Asia/Shanghai")
    )
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("db-templates"))
    templates.prepare_sqlite()
    yield templates
    templates.drop_postgres()


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else [])
        for name in BACKENDS
    ]
)
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
