"""Fixtures of the fault tests: a data folder holding a migrated SQLite database (copied from
the session's template), the environment of a ``yousu`` process using it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.telegram.standin import BotApiStandIn, bot_api_stand_in
from tests.sql_backends import Templates


@pytest.fixture
def data_dir(tmp_path: Path, db_templates: Templates) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_templates.sqlite_file, folder / "yousu.sqlite3")
    return folder


def sqlite_rows(data_dir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "yousu.sqlite3", timeout=30) as connection:
        return list(connection.execute(query))


def stored_refs(data_dir: Path) -> list[str]:
    """Every complaint's reference, as often as it is stored."""
    return [
        str(r)
        for (r,) in sqlite_rows(data_dir, "SELECT external_ref FROM complaints")
        if r is not None
    ]


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with bot_api_stand_in() as stand_in:
        yield stand_in


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``faults`` marker."""
    for item in items:
        if "tests/faults/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.faults)
