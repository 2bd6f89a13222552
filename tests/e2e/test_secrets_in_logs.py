"""No secret in a process's log: ``yousu serve`` at INFO (the access log holds query strings)
and ``yousu run`` at DEBUG (the Telegram library logs its Bot API URL, token inside), each as
its own process with its log written to a file."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from handlers.telegram.standin import TOKEN, BotApiStandIn
from tests.e2e.conftest import yousu_env
from tests.e2e.sqlite_only import e2e_backend  # noqa: F401 - SQLite only here
from tests.sql_backends import Templates

pytestmark = pytest.mark.e2e


KEY = "k-platform-secret-for-the-log-test"
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
#: start-up of a fresh interpreter: imports, migrations check, router warm-up
START_WITHIN = 60.0


async def _stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(20):
            return await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_logs_requests_without_their_keys(
    tmp_path: Path, db_templates: Templates
) -> None:
    shutil.copyfile(db_templates.sqlite_file, tmp_path / "yousu.sqlite3")
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "HTTP_API_KEYS": f"12345:{KEY}",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--port", "0",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(START_WITHIN):
            ready = (await process.stdout.readline()).decode()
        port = re.search(r"127\.0\.0\.1:(\d+)/", ready)
        assert port, ready
        base = f"http://127.0.0.1:{port.group(1)}/open311/v2/requests.json"
        async with aiohttp.ClientSession() as session:
            async with session.post(base, data={"api_key": KEY, "description": POWER}) as r:
                assert r.status == 200
            body = json.dumps({"api_key": KEY, "description": POWER, "ref": "J-1"})
            headers = {"Content-Type": "application/json"}
            async with session.post(base, data=body, headers=headers) as r:
                assert r.status == 200
            async with session.get(base, params={"api_key": KEY}) as r:
                assert r.status == 200
            async with session.get(base, params={"api_key": KEY + "-wrong"}) as r:
                assert r.status == 403
    finally:
        assert await _stop(process) == 0
    text = log.read_text(encoding="utf-8")
    assert "GET /open311/v2/requests.json?api_key=***" in text  # the access log ran, masked
    assert KEY not in text and "-wrong" not in text


async def test_run_at_debug_logs_no_token(
    api: BotApiStandIn, settings: Settings, tmp_path: Path
) -> None:
    env = yousu_env(
        api,
        settings,
        LOG_LEVEL="DEBUG",
    )
    log = tmp_path / "run.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--no-input",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        api.send_text(720101, POWER)
        await api.wait_for_text(720101, "已受理您的诉求", within=START_WITHIN)
    finally:
        assert await _stop(process) == 0
    text = log.read_text(encoding="utf-8")
    assert f"Set Bot API URL: {api.base_url}***" in text  # the library's DEBUG line, masked
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
