"""`yousu run` with a token, as its own process: it answers over the Bot API stand-in, its
outbox worker delivers, and SIGTERM stops it cleanly (exit code 0, updates confirmed)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.telegram.standin import BotApiStandIn
from tests.e2e.conftest import yousu_env
from tests.e2e.sqlite_only import e2e_backend  # noqa: F401 - SQLite only here

pytestmark = pytest.mark.e2e


def routed_unit(text: str) -> str:
    from knowledge.brain import router  # noqa: PLC0415 - builds the index

    unit = router().route(text).lead_unit
    assert unit is not None
    return unit


FIRM = 720001
HANDLER = 720002
POWER = "厂里新上了一条生产线，申请用电增容快两个月了，供电那边一直没给方案。"
#: start-up of a fresh interpreter: imports, migrations check, router warm-up
START_WITHIN = 60.0


async def test_yousu_run_serves_the_bot_and_stops_on_sigterm(
    api: BotApiStandIn, settings: Settings, tmp_path: Path
) -> None:
    env = yousu_env(api, settings)
    # the power company's handler, registered the way an operator does it
    unit = routed_unit(POWER)
    register = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "officials", "add", "--unit", unit,
        "--telegram-id", str(HANDLER), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert await register.wait() == 0
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--no-input",
        cwd=tmp_path,  # no stray .env
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        api.send_text(FIRM, POWER)
        ack = await api.wait_for_text(FIRM, "已受理您的诉求", within=START_WITHIN)
        # the outbox worker in the same process tells the unit's handler
        told = await api.wait_for_text(HANDLER, "新派诉求")
        assert ack.split("工单编号：")[1][:13] in told
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "机器人已停止" in out.decode()
    assert "Traceback" not in err.decode()
    assert api.updates == []  # the last getUpdates confirmed the complaint's update
