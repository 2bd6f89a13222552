"""`yousu serve`: the real composition (open_app, warm-up, intake queue) on a free port."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import aiohttp

from bot.cli import build_parser
from bot.cli.serve import serve_api
from bot.config import load_settings
from tests.http.conftest import KEY
from tests.http.test_open311 import POWER
from tests.sql_backends import Templates


def test_serve_is_a_subcommand() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 9000)


async def test_serve_files_and_answers(tmp_path: Path, db_templates: Templates) -> None:
    shutil.copyfile(db_templates.sqlite_file, tmp_path / "yousu.sqlite3")
    settings = load_settings(
        _env_file=None, data_dir=tmp_path, database_url="", http_api_keys=f"12345:{KEY}"
    )
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_api(settings, "127.0.0.1", 0, stop, port.set_result))
    try:
        base = f"http://127.0.0.1:{await asyncio.wait_for(port, 60)}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/health") as response:
                assert response.status == 200
            data = {"api_key": KEY, "description": POWER}
            async with session.post(f"{base}/open311/v2/requests.json", data=data) as response:
                assert response.status == 200
                [ack] = await response.json()
            number = ack["service_request_id"]
            path = f"{base}/open311/v2/requests/{number}.json"
            async with session.get(path, params={"api_key": KEY}) as response:
                assert response.status == 200
                [entry] = await response.json()
        assert entry["status"] == "open"
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
