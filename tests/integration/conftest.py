"""The storage fixture other suites reuse: ``sql_uow_factory``, a unit-of-work factory over a
freshly migrated real database, parametrized over a SQLite file and PostgreSQL (the machinery
lives in ``tests/sql_backends.py``; the ``database`` fixture in ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from bot.ports import UnitOfWorkFactory
from db.bootstrap import Database


@pytest.fixture
def sql_uow_factory(database: Database) -> UnitOfWorkFactory:
    return database.uow_factory
