"""``GET /health`` checks the database the process was started on: for a SQLite file, that it
is still the same file and can be written. A deleted folder or file, a replaced file, a
read-only file or WAL answer 503, and the check creates no file."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.domain.sla import SlaEngine
from bot.services.context import ServiceContext
from handlers.http.app import build_app
from tests.http.conftest import KEY, start
from tests.http.test_open311 import POWER, REQUESTS
from tests.sql_backends import Templates
from tests.support import FixedClock

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "data"
    made.mkdir()
    return made


@pytest.fixture
async def client(
    db_templates: Templates,
    folder: Path,
    sla_engine: SlaEngine,
    clock: FixedClock,
    settings: Settings,
) -> AsyncIterator[Client]:
    """The API over a SQLite file of its own in ``folder``, after one complaint and one
    health check (so the pool holds an open connection, as in a running service)."""
    async with db_templates.database("sqlite", folder) as database:
        ctx = ServiceContext(uow_factory=database.uow_factory, sla=sla_engine, clock=clock)
        client = await start(build_app(ctx, settings))
        try:
            posted = await client.post(REQUESTS, data={"api_key": KEY, "description": POWER})
            assert posted.status == 200
            assert await _health(client) == (200, "ok")
            yield client
        finally:
            await client.close()


async def _health(client: Client) -> tuple[int, str]:
    response = await client.get("/health")
    return response.status, (await response.json())["status"]


def _exists(path: Path) -> bool:
    return path.exists()


def _database(folder: Path) -> Path:
    [path] = folder.glob("*.sqlite")
    return path


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """``path`` may not be written: immutable when the tests run as root (who ignores
    permissions), read-only otherwise."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        made = chattr and subprocess.run([chattr, "+i", str(path)], check=False).returncode
        if chattr is None or made != 0:
            pytest.skip("running as root without chattr +i: cannot make a file read-only")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


async def test_a_deleted_folder_is_503_and_not_made_again(client: Client, folder: Path) -> None:
    shutil.rmtree(folder)
    assert await _health(client) == (503, "unavailable")
    assert await _health(client) == (503, "unavailable")
    assert not _exists(folder)


async def test_a_deleted_file_is_503_and_not_made_again(client: Client, folder: Path) -> None:
    path = _database(folder)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    assert await _health(client) == (503, "unavailable")
    assert not _exists(path)


async def test_a_replaced_file_is_503(
    client: Client, folder: Path, db_templates: Templates
) -> None:
    path = _database(folder)
    path.unlink()
    shutil.copyfile(db_templates.sqlite_file, path)  # a database, but not the one opened
    assert await _health(client) == (503, "unavailable")


async def test_a_read_only_file_or_wal_is_503(client: Client, folder: Path) -> None:
    path = _database(folder)
    for name in (path, Path(f"{path}-wal")):
        assert name.exists()
        with _read_only(name):
            assert await _health(client) == (503, "unavailable"), name.name
        assert await _health(client) == (200, "ok")


async def _post(client: Client) -> tuple[int, list[dict[str, object]]]:
    response = await client.post(REQUESTS, data={"api_key": KEY, "description": POWER})
    return response.status, await response.json()


async def test_a_post_after_the_folder_was_deleted_is_503_not_acknowledged(
    client: Client, folder: Path
) -> None:
    shutil.rmtree(folder)
    status, body = await _post(client)
    assert status == 503, body
    [error] = body
    assert "数据库" in str(error["description"]), error
    assert not _exists(folder)


async def test_a_post_after_the_file_was_deleted_is_503(client: Client, folder: Path) -> None:
    path = _database(folder)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    # reads at once open new connections: none may create an empty file where it was
    reads = await asyncio.gather(
        *(client.get(REQUESTS, params={"api_key": KEY}) for _ in range(20))
    )
    assert {r.status for r in reads} <= {200, 503}
    assert not _exists(path)
    assert (await _post(client))[0] == 503
    assert not _exists(path)


async def test_a_post_with_a_read_only_file_or_wal_is_503(client: Client, folder: Path) -> None:
    path = _database(folder)
    for name in (path, Path(f"{path}-wal")):
        with _read_only(name):
            assert (await _post(client))[0] == 503, name.name
        assert (await _post(client))[0] == 200
