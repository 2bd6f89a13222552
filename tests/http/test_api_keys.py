"""API keys in the database: made by ``yousu apikeys create`` (printed once, as the last word
of its last line; only the SHA-256 is stored), listed without secrets, revoked; a revoked
key is refused at once, and the settings file's keys keep working beside them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.cli import main
from bot.errors import InvalidInput
from bot.services import api_keys
from bot.services.api_keys import ApiKeyNotFound
from bot.services.context import ServiceContext
from db.bootstrap import Database
from db.models import ApiKeyRow
from db.platform import DuplicateApiKey
from tests.http.conftest import KEY
from tests.http.test_open311 import POWER, REQUESTS, refused

Client = TestClient[web.Request, web.Application]


async def test_database_keys_file_and_read_and_revoked_ones_are_refused(
    client: Client, ctx: ServiceContext
) -> None:
    made = await api_keys.create_key(ctx, "partner")
    assert made.key.startswith("ys_") and len(made.key) > 40
    response = await client.post(REQUESTS, data={"api_key": made.key, "description": POWER})
    assert response.status == 200, await response.text()
    [ack] = await response.json()
    path = f"/open311/v2/requests/{ack['service_request_id']}.json"
    assert (await client.get(path, params={"api_key": made.key})).status == 200
    await refused(await client.get(path, params={"api_key": KEY}), 404, "complaint_not_found")
    settings_key = await client.post(REQUESTS, data={"api_key": KEY, "description": POWER})
    assert settings_key.status == 200  # the settings file's key still works

    await api_keys.revoke_key(ctx, "partner")
    await refused(await client.get(path, params={"api_key": made.key}), 403, "bad_api_key")
    # a new key under the same name is the same platform: it sees what the old one filed
    again = await api_keys.create_key(ctx, "partner")
    assert again.key != made.key
    assert (await client.get(path, params={"api_key": again.key})).status == 200
    await refused(await client.get(path, params={"api_key": made.key}), 403, "bad_api_key")


async def test_only_the_hash_is_stored(ctx: ServiceContext, database: Database) -> None:
    made = await api_keys.create_key(ctx, "stored", "https://hotline.example/hook")
    async with database.engine.connect() as connection:
        [row] = (await connection.execute(select(ApiKeyRow.__table__))).all()
    assert row.key_hash == hashlib.sha256(made.key.encode()).hexdigest()
    assert made.key not in repr(tuple(row))
    assert row.signing_secret == made.record.signing_secret and row.signing_secret


def test_cli_creates_lists_and_revokes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "")
    args = ["apikeys", "create", "--name", "hotline", "--callback-url", "https://h.example/cb"]
    assert main(args) == 0
    out = capsys.readouterr().out
    key = out.strip().splitlines()[-1].split()[-1]  # the last word of the last line
    assert key.startswith("ys_")
    assert "signing secret" in out

    assert main(["apikeys", "list"]) == 0
    listed = capsys.readouterr().out
    assert "hotline" in listed and "https://h.example/cb" in listed and key not in listed
    assert main(["apikeys", "create", "--name", "hotline"]) == 2  # the name is taken
    assert "已存在" in capsys.readouterr().err
    assert main(["apikeys", "create", "--name", "a/b"]) == 2
    assert main(["apikeys", "create", "--name", "x", "--callback-url", "ftp://x"]) == 2
    assert main(["apikeys", "revoke", "hotline"]) == 0
    assert main(["apikeys", "revoke", "hotline"]) == 2
    assert "没有名为 hotline 的有效密钥" in capsys.readouterr().err
    assert main(["apikeys", "list", "--json"]) == 0
    assert '"revoked_at": "2' in capsys.readouterr().out


async def test_a_name_is_held_by_one_active_key(ctx: ServiceContext) -> None:
    await api_keys.create_key(ctx, "twice")
    with pytest.raises(DuplicateApiKey):
        await api_keys.create_key(ctx, "twice")
    with pytest.raises(InvalidInput):
        await api_keys.create_key(ctx, "bad name")
    with pytest.raises(ApiKeyNotFound):
        await api_keys.revoke_key(ctx, "nobody")
    await api_keys.revoke_key(ctx, "twice")
    await api_keys.create_key(ctx, "twice")  # free again once revoked
    names = [(k.name, k.active) for k in await api_keys.list_keys(ctx)]
    assert names == [("twice", False), ("twice", True)]
